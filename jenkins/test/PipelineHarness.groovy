/** A pipeline without Jenkins: the library's steps run in a GroovyShell whose Binding holds
 * every pipeline step they use as a closure that records its call (``calls``).
 *
 * ``sh`` and ``bat`` hand the script to ``shell`` (script, its interpreter, the environment
 * the step has set) for an exit code: a test's imitation, or ``runShell`` to run it for real in
 * ``workspace``. ``withCredentials`` binds the secrets of ``credentials`` for its block, and
 * ``secretLeaks()`` names every recorded step argument, and the log, that contains one. */
class PipelineHarness {

    /** A failed build: what ``error`` throws. */
    static class BuildError extends RuntimeException {
        BuildError(String message) { super(message) }
    }

    final File library
    final File workspace
    final List<Map> calls = []
    final Map<String, String> buildEnv = [JOB_NAME: 'nightly', BUILD_NUMBER: '42']
    final Map<String, String> credentials = [:]
    final StringBuilder log = new StringBuilder()
    boolean unix = true
    Closure<Integer> shell = { String script, String interpreter, Map<String, String> environment -> 0 }
    private final List<Map<String, String>> scopes = []

    PipelineHarness(File library) {
        this.library = library
        this.workspace = File.createTempDir('vpt-jenkins-', '')
    }

    /** Call the library's step ``vars/<name>.groovy`` with ``args`` as the pipeline would. */
    Object step(String name, Object... args) {
        GroovyClassLoader loader = new GroovyClassLoader(getClass().classLoader)
        loader.addClasspath(new File(library, 'src').path)
        Script script = new GroovyShell(loader, binding()).parse(new File(library, "vars/${name}.groovy"))
        return script.invokeMethod('call', args)
    }

    /** The calls of one step, in order. */
    List<Map> callsOf(String step) {
        return calls.findAll { it.step == step }
    }

    /** The environment the innermost ``withEnv``/``withCredentials`` block sees. */
    Map<String, String> environment() {
        Map<String, String> all = [:] + buildEnv
        scopes.each { all.putAll(it) }
        return all
    }

    /** The recorded calls and log lines that contain a secret value. */
    List<String> secretLeaks() {
        List<String> found = calls.findAll { call -> credentials.values().any { String.valueOf(call.args).contains(it) } }
            .collect { "${it.step} was given a secret" }
        if (credentials.values().any { log.toString().contains(it) }) {
            found << 'the log holds a secret'
        }
        return found
    }

    /** Run ``script`` with bash in the workspace, with the step's environment over this process's. */
    int runShell(String script, String interpreter, Map<String, String> environment) {
        File file = new File(workspace, '.script.sh')
        file.text = script
        ProcessBuilder builder = new ProcessBuilder('bash', file.path).directory(workspace)
        builder.environment().putAll(environment)
        Process process = builder.start()
        StringBuilder out = new StringBuilder(), err = new StringBuilder()
        process.consumeProcessOutput(out, err)
        int code = process.waitFor()
        process.waitForProcessOutput()
        log << out << err
        return code
    }

    /** The Binding the steps run in, for a test's own pipeline code. */
    Binding bindingForTests() {
        return binding()
    }

    private Binding binding() {
        Binding binding = new Binding()
        binding.setVariable('env', new EnvironmentView(this))
        record(binding, 'echo') { String message -> log << message << '\n' }
        record(binding, 'error') { String message -> throw new BuildError(message) }
        record(binding, 'unstable') { Object message -> log << "UNSTABLE: ${message}\n" }
        record(binding, 'isUnix') { -> unix }
        record(binding, 'libraryResource') { String path -> new File(library, "resources/${path}").text }
        record(binding, 'fileExists') { String path -> new File(workspace, path).isFile() }
        record(binding, 'readFile') { Object path -> new File(workspace, path instanceof Map ? path.file : path).text }
        record(binding, 'sh') { Map args -> shellStep(args, 'sh') }
        record(binding, 'bat') { Map args -> shellStep(args, 'bat') }
        record(binding, 'string') { Map args -> [$class: 'StringBinding'] + args }
        record(binding, 'withEnv') { List<String> entries, Closure body ->
            within(entries.collectEntries { String entry -> entry.split('=', 2) as List }, body)
        }
        record(binding, 'withCredentials') { List<Map> bindings, Closure body ->
            within(bindings.collectEntries { Map it ->
                if (!credentials.containsKey(it.credentialsId)) {
                    throw new BuildError("ERROR: Could not find credentials entry with ID '${it.credentialsId}'")
                }
                [(it.variable): credentials[it.credentialsId]]
            }, body)
        }
        return binding
    }

    private void record(Binding binding, String name, Closure behaviour) {
        binding.setVariable(name) { Object... args ->
            calls << [step: name, args: args.findAll { !(it instanceof Closure) } as List, env: environment()]
            return behaviour.call(*args)
        }
    }

    private Object shellStep(Map args, String interpreter) {
        if (!args.returnStatus) {
            throw new IllegalStateException("${interpreter} without returnStatus: a failure would end the build")
        }
        return shell.call(args.script, interpreter, environment())
    }

    private Object within(Map<String, String> entries, Closure body) {
        scopes << entries
        try {
            return body.call()
        } finally {
            scopes.remove(scopes.size() - 1)
        }
    }

    /** ``env``: reads the build's environment and the current scopes. */
    static class EnvironmentView {
        private final PipelineHarness harness
        EnvironmentView(PipelineHarness harness) { this.harness = harness }
        Object getProperty(String name) { harness.environment()[name] }
    }
}
