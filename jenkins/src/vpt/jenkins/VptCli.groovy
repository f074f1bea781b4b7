package vpt.jenkins

import com.cloudbees.groovy.cps.NonCPS
import groovy.json.JsonSlurperClassic

/** One call of the ``vpt`` command on the agent, the way the library's steps make it.
 *
 * The arguments travel in the environment (``VPT_ARG_1`` .. ``VPT_ARG_<VPT_ARG_COUNT>``) and a
 * resource script passes them on quoted, so no value is ever parsed by a shell; the token is
 * bound by ``withCredentials`` to ``VPT_TOKEN``, which only the ``vpt`` process reads. */
class VptCli implements Serializable {

    private static final long serialVersionUID = 1L

    /** Exit codes of the CLI: bad input, the backend refused or could not be reached (spooled),
     * pytest-vpt could not be installed (the resource scripts' own). */
    static final int BAD_INPUT = 3
    static final int NOT_SENT = 4
    static final int NOT_INSTALLED = 5

    /** The folder in the workspace for the library's venv and the CLI's JSON output. */
    static final String HOME = '.vpt-jenkins'

    /** The environment of one call: the arguments, the server (unless null: VPT_SERVER from
     * the agent), the package to install (null: vpt from PATH, else pytest-vpt), the output file. */
    @NonCPS
    static List<String> environment(List<String> arguments, String server, String pipPackage, String output) {
        List<String> entries = ["VPT_HOME=${HOME}", "VPT_OUTPUT=${output}", "VPT_ARG_COUNT=${arguments.size()}"]
        arguments.eachWithIndex { String argument, int index -> entries << "VPT_ARG_${index + 1}=${argument}" }
        if (server) {
            entries << "VPT_SERVER=${server}"
        }
        if (pipPackage) {
            entries << "VPT_PIP_PACKAGE=${pipPackage}"
        }
        return entries.collect { it.toString() }
    }

    /** Why an argument cannot be passed by ``bat`` (null when all can): cmd.exe cannot quote a
     * double quote (no Windows file name holds one), and a trailing backslash escapes the quote. */
    @NonCPS
    static String windowsProblem(List<String> arguments) {
        String bad = arguments.find { it.contains('"') || it.endsWith('\\') || it.contains('\n') }
        return bad == null ? null : "cannot be passed on a Windows agent (a double quote, a newline or a " +
            "trailing backslash): ${bad}"
    }

    /** The counts in the CLI's JSON output: its numbers at the top level and in its ``counts``
     * and ``outcomes`` objects (an empty Map for output that is not a JSON object). */
    @NonCPS
    static Map<String, Number> counts(String json) {
        Object parsed
        try {
            parsed = json?.trim() ? new JsonSlurperClassic().parseText(json) : null
        } catch (IllegalArgumentException | groovy.json.JsonException ignored) {
            parsed = null
        }
        Map<String, Number> found = [:]
        if (!(parsed instanceof Map)) {
            return found
        }
        [parsed, parsed.outcomes, parsed.counts].findAll { it instanceof Map }.each { Map level ->
            level.each { key, value ->
                if (value instanceof Number) {
                    found[String.valueOf(key)] = value
                }
            }
        }
        return found
    }

    /** What an exit code means, for the build's log. */
    @NonCPS
    static String meaning(int exitCode) {
        switch (exitCode) {
            case 0: return 'done'
            case BAD_INPUT: return 'bad input'
            case NOT_SENT: return 'the server refused or could not be reached (kept in .vpt/spool for vpt push --spool)'
            case NOT_INSTALLED: return 'pytest-vpt could not be installed'
            default: return "vpt failed (exit code ${exitCode})"
        }
    }
}
