import groovy.json.JsonSlurper

/** The library's steps with their shell scripts run for real by bash against the real CLI and
 * a real vpt server: VPT_TEST_SERVER (its URL), VPT_TEST_STORE (its store),
 * VPT_TEST_TOKEN (a token it knows) and VPT_TEST_REPORT (a real JUnit report of 8 tests) in
 * the environment, vpt on PATH. */
class ShellTest {

    final PipelineHarness harness

    ShellTest(File library) {
        harness = new PipelineHarness(library)
        harness.credentials['vpt-token'] = System.getenv('VPT_TEST_TOKEN')
        harness.credentials['stale-token'] = 'vpt_a-token-the-server-never-issued'
        harness.shell = harness.&runShell
    }

    private static List<Map> stored(String what = 'metrics') {
        Process process = ['vpt', '--store', System.getenv('VPT_TEST_STORE'), what, '--json'].execute()
        StringBuilder out = new StringBuilder(), err = new StringBuilder()
        process.waitForProcessOutput(out, err)
        assert process.exitValue() == 0, err
        return new JsonSlurper().parseText(out.toString()) as List<Map>
    }

    void testValuesNoShellMayParseReachTheServerAsGiven() {
        String note = 'it\'s a "box" $(touch pwned) `touch pwned` ; $HOME & > out | \\ *'
        Map result = harness.step('vptSendMetrics', [testsPassed: 97, buildNumber: '42'],
                                  [server: System.getenv('VPT_TEST_SERVER'), credentialsId: 'vpt-token',
                                   project: 'box', tags: [note: note]])
        assert result == [exitCode: 0, status: 'done', counts: [sent: 2, spooled: 0, rejected: 0, lost: 0]], harness.log
        Map row = stored().find { it.name == 'testsPassed' }
        assert row.project == 'box' && row.tags == [job: 'nightly', build: '42', note: note] && row.last == 97
        assert !new File(harness.workspace, 'pwned').exists() && !new File(harness.workspace, 'out').exists()
        assert !harness.callsOf('unstable')
    }

    void testATokenTheServerRefusesMakesTheBuildUnstable() {
        Map result = harness.step('vptSendMetrics', [testsFailed: 3],
                                  [server: System.getenv('VPT_TEST_SERVER'), credentialsId: 'stale-token'])
        assert result.exitCode == 4 && result.counts.spooled == 1, harness.log
        assert harness.callsOf('unstable')[0].args[0].startsWith('vptSendMetrics: the server refused')
        assert harness.log.contains('HTTP 401')
        assert new File(harness.workspace, '.vpt/spool').list().any { it.endsWith('.jsonl') }
    }

    void testBadInputExits3AndMakesTheBuildUnstable() {
        Map result = harness.step('vptSendMetrics', ['tests failed': 3], [server: System.getenv('VPT_TEST_SERVER')])
        assert result.exitCode == 3, harness.log
        assert harness.log.contains("metric name 'tests failed' is invalid")
        assert harness.callsOf('unstable')[0].args[0] == 'vptSendMetrics: bad input'
    }

    void testPublishPushesARealReportToTheServer() {
        File reports = new File(harness.workspace, 'test results')
        reports.mkdirs()
        new File(reports, "unit 'fast'.xml").bytes = new File(System.getenv('VPT_TEST_REPORT')).bytes
        Map result = harness.step('vptPublish', [server: System.getenv('VPT_TEST_SERVER'), credentialsId: 'vpt-token',
                                                 junit: 'test results/*.xml', project: 'box', runId: 'build-12'])
        assert result.exitCode == 0 && result.status == 'done', harness.log
        assert result.counts.tests == 8 && result.counts.passed == 4 && result.counts.failed == 2, result
        assert !harness.callsOf('unstable')
        Map run = stored('runs').find { it.run_id == 'build-12' }
        assert run.project == 'box' && run.status == 'finished' && run.tests == 8 && run.failed == 2 && run.rerun == 7
    }

    void testPublishOfACutReportPushesNothingAndMakesTheBuildUnstable() {
        new File(harness.workspace, 'cut.xml').text = new File(System.getenv('VPT_TEST_REPORT')).text[0..<300]
        Map result = harness.step('vptPublish', [server: System.getenv('VPT_TEST_SERVER'), credentialsId: 'vpt-token',
                                                 junit: 'cut.xml', runId: 'build-13'])
        assert result.exitCode == 3, harness.log
        assert harness.log.contains('cut.xml:1: not a well-formed XML file')
        assert harness.callsOf('unstable')[0].args[0] == 'vptPublish: bad input'
        assert !stored('runs').any { it.run_id == 'build-13' }
    }
}
