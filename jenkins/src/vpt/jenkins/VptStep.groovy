package vpt.jenkins

/** Runs one ``vpt`` call for a step of the library: under the credentials, with ``sh`` or
 * ``bat``; a failure makes the build unstable, or fails it with ``failOnError``. */
class VptStep implements Serializable {

    private static final long serialVersionUID = 1L

    private final Object steps
    private final String name

    /** ``steps``: the pipeline script (``this`` in a ``vars/`` step); ``name``: the step's. */
    VptStep(Object steps, String name) {
        this.steps = steps
        this.name = name
    }

    /** Run ``vpt arguments...``; ``options``: server, credentialsId, pipPackage, failOnError.
     * Returns exitCode, status (what the exit code means) and the counts of the JSON output. */
    Map run(List<String> arguments, Map options) {
        boolean unix = steps.isUnix()
        String problem = unix ? null : VptCli.windowsProblem(arguments)
        if (problem) {
            steps.error("${name}: an argument ${problem}")
        }
        String output = "${VptCli.HOME}/${name}.json"
        List<String> environment = VptCli.environment(arguments, options.server, options.pipPackage, output)
        String script = steps.libraryResource(unix ? 'vpt/jenkins/vpt.sh' : 'vpt/jenkins/vpt.bat')
        int exitCode = 0
        steps.withEnv(environment) {
            if (options.credentialsId) {
                steps.withCredentials([steps.string(credentialsId: options.credentialsId, variable: 'VPT_TOKEN')]) {
                    exitCode = shell(unix, script)
                }
            } else {
                exitCode = shell(unix, script)
            }
        }
        Map counts = steps.fileExists(output) ? VptCli.counts(steps.readFile(output)) : [:]
        Map result = [exitCode: exitCode, status: VptCli.meaning(exitCode), counts: counts]
        if (exitCode == 0) {
            steps.echo("${name}: ${counts.collect { key, value -> "${key}=${value}" }.join(' ')}")
        } else if (options.failOnError) {
            steps.error("${name}: ${result.status}")
        } else {
            steps.unstable("${name}: ${result.status}")
        }
        return result
    }

    private int shell(boolean unix, String script) {
        return unix ? steps.sh(script: script, returnStatus: true) : steps.bat(script: script, returnStatus: true)
    }
}
