/** Runs the test classes named on the command line (after the library's folder): each public
 * method whose name starts with ``test`` on a new instance; prints each failure, then
 * ``N passed, N failed``, and exits 1 when a test failed. A test class's ``harness`` is
 * checked after each test: a secret in a step argument or the log fails the test. */
File library = new File(args[0])
int passed = 0, failed = 0
args.drop(1).each { String className ->
    Class testClass = Class.forName(className, true, this.class.classLoader)
    testClass.methods.findAll { it.name.startsWith('test') && it.parameterCount == 0 }.sort { it.name }.each { method ->
        Object test = testClass.getConstructor(File).newInstance(library)
        try {
            method.invoke(test)
            List<String> leaks = test.harness.secretLeaks()
            assert !leaks, "a secret leaked: ${leaks}"
            passed++
            println "PASS ${className}.${method.name}"
        } catch (Throwable failure) {
            Throwable cause = failure instanceof java.lang.reflect.InvocationTargetException ? failure.cause : failure
            failed++
            println "FAIL ${className}.${method.name}: ${cause}"
            println "  log: ${test.harness.log}"
        }
    }
}
println "${passed} passed, ${failed} failed"
System.exit(failed || !passed ? 1 : 0)
