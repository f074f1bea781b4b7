/** The library's steps against recorded pipeline steps: arguments, credentials, exit codes. */
class LibraryTest {

    static final String SECRET = 's3cr3t-token-value'

    final PipelineHarness harness
    private final File library

    LibraryTest(File library) {
        this.library = library
        harness = new PipelineHarness(library)
        harness.credentials['vpt-token'] = SECRET
    }

    /** ``sh`` and ``bat`` exit with ``code`` after writing ``json`` where the CLI would. */
    private void cliAnswers(int code, String json = '{}') {
        harness.shell = { String script, String interpreter, Map<String, String> environment ->
            new File(harness.workspace, environment.VPT_OUTPUT).with {
                parentFile.mkdirs()
                text = json
            }
            code
        }
    }

    private List<String> cliArguments() {
        Map<String, String> seen = harness.callsOf(harness.unix ? 'sh' : 'bat')[0].env
        return (1..(seen.VPT_ARG_COUNT as int)).collect { seen["VPT_ARG_${it}"] }
    }

    private String buildError(Closure body) {
        try {
            body.call()
        } catch (PipelineHarness.BuildError failure) {
            return failure.message
        }
        throw new AssertionError('the build did not fail')
    }

    void testPublishPushesTheReportsWithTheTokenOnlyInTheShellsEnvironment() {
        Map<String, String> seen = null
        cliAnswers(0, '{"tests": 10, "run_id": "r1", "outcomes": {"passed": 8, "failed": 2}}')
        Closure answer = harness.shell
        harness.shell = { String script, String interpreter, Map<String, String> environment ->
            seen = environment
            answer.call(script, interpreter, environment)
        }
        Map result = harness.step('vptPublish', [server: 'https://vpt.example', credentialsId: 'vpt-token',
                                                 junit: 'build/test results/*.xml', project: 'set "top" box'])
        assert result == [exitCode: 0, status: 'done', counts: [tests: 10, passed: 8, failed: 2]]
        assert seen.VPT_TOKEN == SECRET
        assert seen.VPT_SERVER == 'https://vpt.example'
        assert cliArguments() == ['push', '--json', '--project', 'set "top" box', '--', 'build/test results/*.xml']
        assert harness.callsOf('withCredentials')[0].args[0] ==
            [[$class: 'StringBinding', credentialsId: 'vpt-token', variable: 'VPT_TOKEN']]
        assert harness.callsOf('sh')[0].args[0].script == new File(library, 'resources/vpt/jenkins/vpt.sh').text
        assert !harness.callsOf('unstable') && !harness.callsOf('error')
        assert harness.log.contains('vptPublish: tests=10 passed=8 failed=2')
    }

    void testPublishPassesLabelsRunIdAndSeveralReports() {
        cliAnswers(0)
        harness.step('vptPublish', [junit: ['a/*.xml', "b/it's.xml"], label: [team: 'video qa', os: 'linux'],
                                    runId: 'build-7', pipPackage: 'pytest-vpt==1.2.0'])
        assert cliArguments() == ['push', '--json', '--run-id', 'build-7', '--label', 'team=video qa', '--label',
                                  'os=linux', '--', 'a/*.xml', "b/it's.xml"]
        Map<String, String> seen = harness.callsOf('sh')[0].env
        assert seen.VPT_PIP_PACKAGE == 'pytest-vpt==1.2.0'
        assert !seen.containsKey('VPT_SERVER') && !harness.callsOf('withCredentials')
    }

    void testAServerThatRefusedMakesTheBuildUnstable() {
        cliAnswers(4, '{"spooled": {"test": 10}}')
        Map result = harness.step('vptPublish', [credentialsId: 'vpt-token', junit: '*.xml'])
        assert result.exitCode == 4
        assert harness.callsOf('unstable')[0].args[0] ==
            'vptPublish: the server refused or could not be reached (kept in .vpt/spool for vpt push --spool)'
    }

    void testBadInputMakesTheBuildUnstableOrFailsItWithFailOnError() {
        cliAnswers(3)
        assert harness.step('vptPublish', [junit: '*.xml']).status == 'bad input'
        assert harness.callsOf('unstable')[0].args[0] == 'vptPublish: bad input'
        String message = buildError { harness.step('vptPublish', [junit: '*.xml', failOnError: true]) }
        assert message == 'vptPublish: bad input'
    }

    void testAnInstallThatFailedIsSaidAndFailsTheBuildWithFailOnError() {
        cliAnswers(5)
        assert buildError { harness.step('vptSendMetrics', [testsFailed: 3], [failOnError: true]) } ==
            'vptSendMetrics: pytest-vpt could not be installed'
    }

    void testUnknownArgumentsAndWrongTypesFailTheBuildBeforeAnythingRuns() {
        assert buildError { harness.step('vptPublish', [junit: '*.xml', serverUrl: 'https://vpt.example']) } ==
            'vptPublish: unknown argument serverUrl; it takes credentialsId, failOnError, junit, label, pipPackage, ' +
            'project, runId, server'
        assert buildError { harness.step('vptPublish', [junit: '*.xml', failOnError: 'yes']) } ==
            'vptPublish: failOnError must be a Boolean, not String'
        assert buildError { harness.step('vptPublish', [junit: 7]) } ==
            'vptPublish: junit must be a String or List, not Integer'
        assert buildError { harness.step('vptPublish', [project: 'box']) }.startsWith('vptPublish: junit is required')
        assert !harness.callsOf('sh')
    }

    void testWindowsAgentsRunTheBatchScript() {
        harness.unix = false
        cliAnswers(0)
        harness.step('vptPublish', [junit: 'reports\\*.xml', project: 'box & co'])
        assert !harness.callsOf('sh')
        assert harness.callsOf('bat')[0].args[0].script == new File(library, 'resources/vpt/jenkins/vpt.bat').text
        assert cliArguments() == ['push', '--json', '--project', 'box & co', '--', 'reports\\*.xml']
        assert buildError { harness.step('vptPublish', [junit: 'say "hi".xml']) }.contains('on a Windows agent')
    }

    void testSendMetricsTakesTheMapOfTheOriginalExample() {
        cliAnswers(0, '{"sent": 4, "spooled": 0}')
        Map result = harness.step('vptSendMetrics', [buildNumber: '42', testsPassed: 97, testsFailed: 3,
                                                     duration: 81500L],
                                  [credentialsId: 'vpt-token', tags: [branch: 'main']])
        assert result.counts == [sent: 4, spooled: 0]
        assert cliArguments() == ['metrics', 'send', '--json', '--tag', 'job=nightly', '--tag', 'build=42', '--tag',
                                  'branch=main', '--', 'buildNumber=42', 'testsPassed=97', 'testsFailed=3',
                                  'duration=81500']
        assert harness.callsOf('sh')[0].env.VPT_TOKEN == SECRET
    }

    void testSendMetricsRefusesWhatIsNotANumber() {
        assert buildError { harness.step('vptSendMetrics', [testsFailed: 'three']) }
            .startsWith('vptSendMetrics: testsFailed is not a number (three)')
        assert buildError { harness.step('vptSendMetrics', [testsFailed: true]) }.contains('testsFailed is not a number')
        assert buildError { harness.step('vptSendMetrics', [:]) }.startsWith('vptSendMetrics: no metrics given')
        assert buildError { harness.step('vptSendMetrics', [a: 1], [tag: [:]]) }.startsWith('vptSendMetrics: unknown argument tag')
        assert !harness.callsOf('sh')
    }

    void testAnOutputThatIsNotJsonGivesNoCounts() {
        cliAnswers(4, 'Traceback (most recent call last):')
        assert harness.step('vptSendMetrics', [a: 1]).counts == [:]
    }

    void testTheLeakCheckFindsASecretInAStepArgument() {
        harness.credentials['other'] = 'leaky-value'
        harness.shell = { String script, String interpreter, Map<String, String> environment -> 0 }
        new GroovyShell(harness.bindingForTests()).evaluate('''
            withCredentials([string(credentialsId: 'other', variable: 'VPT_TOKEN')]) {
                sh(script: "curl -H 'Authorization: Bearer ${env.VPT_TOKEN}'", returnStatus: true)
            }''')
        assert harness.secretLeaks() == ['sh was given a secret']
        harness.calls.clear()
    }
}
