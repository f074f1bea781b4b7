package sample;

import static org.junit.Assert.assertEquals;
import static org.junit.Assume.assumeTrue;

import org.junit.Ignore;
import org.junit.Test;

/** A small suite with each outcome Ant's junit task can write (JUnit 4 cannot retry). */
public class SampleTest {
    @Test
    public void passes() {
        assertEquals(2, 1 + 1);
    }

    @Test
    public void fails() {
        assertEquals("green", "red");
    }

    @Test
    public void throwsInItsBody() {
        throw new IllegalStateException("no such thing");
    }

    @Ignore("not on this platform")
    @Test
    public void isIgnored() {
    }

    @Test
    public void assumesWhatDoesNotHold() {
        assumeTrue("needs a device", false);
    }
}
