package sample;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.Ignore;
import org.junit.Test;

/** A small suite with each outcome Surefire writes, run with rerunFailingTestsCount=2. */
public class SampleTest {
    private static int failedAttempts;
    private static int erroredAttempts;

    @Test
    public void passes() {
        assertEquals(2, 1 + 1);
    }

    @Test
    public void failsEveryAttempt() {
        assertEquals("green", "red");
    }

    @Test
    public void throwsEveryAttempt() {
        throw new IllegalStateException("no such thing");
    }

    @Ignore("not on this platform")
    @Test
    public void isIgnored() {
    }

    @Test
    public void failsOnTheFirstAttemptOnly() {
        failedAttempts += 1;
        assertTrue("fails on the first attempt only", failedAttempts > 1);
    }

    @Test
    public void throwsOnTheFirstAttemptOnly() {
        erroredAttempts += 1;
        if (erroredAttempts == 1) {
            throw new IllegalStateException("throws on the first attempt only");
        }
    }
}
