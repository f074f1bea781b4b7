import vpt.jenkins.StepArguments
import vpt.jenkins.VptStep

/** Push JUnit XML reports to a vpt server: see vptPublish.txt. */
Map call(Map args = [:]) {
    Map defaults = [server: null, credentialsId: null, junit: null, project: null, failOnError: false, label: [:],
                    runId: null, pipPackage: null]
    String problem = StepArguments.problem('vptPublish', defaults, args, [junit: [String, List]])
    if (problem) {
        error(problem)
    }
    Map options = StepArguments.merged(defaults, args)
    List<String> reports = (options.junit instanceof List ? options.junit : [options.junit]).findAll { it }*.toString()
    if (!reports) {
        error('vptPublish: junit is required: the JUnit XML files, e.g. junit: \'build/test-results/**/*.xml\'')
    }
    List<String> arguments = ['push', '--json']
    if (options.project) {
        arguments += ['--project', options.project.toString()]
    }
    if (options.runId) {
        arguments += ['--run-id', options.runId.toString()]
    }
    arguments += options.label.collect { key, value -> ['--label', "${key}=${value}".toString()] }.flatten()
    arguments += ['--'] + reports
    return new VptStep(this, 'vptPublish').run(arguments, options)
}
