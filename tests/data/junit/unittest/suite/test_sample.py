"""A small suite with each outcome unittest-xml-reporting can write (unittest cannot retry)."""

import unittest


class SampleTest(unittest.TestCase):
    def test_passes(self):
        self.assertEqual(1 + 1, 2)

    def test_fails(self):
        self.assertEqual("red", "green")

    def test_raises_in_its_body(self):
        raise KeyError("no such thing")

    @unittest.skip("not on this platform")
    def test_skipped(self):
        pass

    @unittest.expectedFailure
    def test_known_to_fail(self):
        self.assertEqual("red", "green")

    def test_sub_tests(self):
        for value in (1, 2):
            with self.subTest(value=value):
                self.assertEqual(value % 2, 1)
