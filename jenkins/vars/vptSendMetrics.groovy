import com.cloudbees.groovy.cps.NonCPS
import vpt.jenkins.StepArguments
import vpt.jenkins.VptStep

/** Send numbers of the build as metrics to a vpt server: see vptSendMetrics.txt. */
Map call(Map metrics, Map args = [:]) {
    Map defaults = [server: null, credentialsId: null, project: null, tags: [:], failOnError: false, pipPackage: null]
    String problem = StepArguments.problem('vptSendMetrics', defaults, args) ?: notNumbers(metrics ?: [:])
    if (problem) {
        error(problem)
    }
    Map options = StepArguments.merged(defaults, args)
    Map tags = [job: env.JOB_NAME, build: env.BUILD_NUMBER].findAll { it.value } + options.tags
    List<String> arguments = ['metrics', 'send', '--json']
    if (options.project) {
        arguments += ['--project', options.project.toString()]
    }
    arguments += tags.collect { key, value -> ['--tag', "${key}=${value}".toString()] }.flatten()
    arguments += ['--'] + metrics.collect { key, value -> "${key}=${value}".toString() }
    return new VptStep(this, 'vptSendMetrics').run(arguments, options)
}

/** What in ``metrics`` is not a number (null when all are): an empty map, or the first entry. */
@NonCPS
private String notNumbers(Map metrics) {
    if (!metrics) {
        return 'vptSendMetrics: no metrics given, e.g. vptSendMetrics([testsFailed: 3])'
    }
    Map.Entry bad = metrics.find { key, value ->
        value instanceof Boolean || !(value instanceof Number || value?.toString()?.trim()?.isNumber())
    }
    return bad == null ? null : "vptSendMetrics: ${bad.key} is not a number (${bad.value}); options go in a second map: " +
        'vptSendMetrics([testsFailed: 3], [server: ..., credentialsId: ...])'
}
