package vpt.jenkins

import com.cloudbees.groovy.cps.NonCPS

/** The named arguments of a step: defaults filled in, unknown names and wrong types found. */
class StepArguments implements Serializable {

    private static final long serialVersionUID = 1L

    /** ``given`` over ``defaults``. */
    @NonCPS
    static Map merged(Map defaults, Map given) {
        Map all = [:]
        all.putAll(defaults)
        all.putAll(given ?: [:])
        return all
    }

    /** What is wrong with ``given`` for ``step`` (null when nothing is): a name it does not
     * take, or a value of another type than its default's (a null default takes a String;
     * ``types`` names the other types an argument takes). */
    @NonCPS
    static String problem(String step, Map defaults, Map given, Map<String, List<Class>> types = [:]) {
        List<String> unknown = ((given ?: [:]).keySet().collect { String.valueOf(it) } - defaults.keySet()).sort()
        if (unknown) {
            return "${step}: unknown argument ${unknown.join(', ')}; it takes ${defaults.keySet().sort().join(', ')}"
        }
        for (Object name : given.keySet()) {
            Object value = given[name]
            Object example = defaults[name]
            Class own = example == null ? String : (example instanceof Map ? Map : example.getClass())
            List<Class> expected = types[name] ?: [own]
            if (expected.contains(String)) {
                expected += GString
            }
            if (value != null && !expected.any { Class type -> type.isInstance(value) }) {
                String names = expected.findAll { it != GString }.collect { it.simpleName }.join(' or ')
                return "${step}: ${name} must be a ${names}, not ${value.getClass().simpleName}"
            }
        }
        return null
    }
}
