"""A small suite with each outcome pytest can write, run with --reruns 2."""

import pytest

_attempts: dict[str, int] = {}


def test_passes():
    assert 1 + 1 == 2


def test_fails_every_attempt():
    assert "red" == "green"


@pytest.fixture
def broken_setup():
    raise RuntimeError("the fixture could not start")


def test_setup_errors(broken_setup):
    pass


def test_skipped():
    pytest.skip("not on this platform")


@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("the fixture could not clean up")


def test_fails_then_teardown_errors(broken_teardown):
    assert False, "the body failed"


@pytest.mark.parametrize("value, square", [(2, 4), (3, 9)])
def test_square(value, square):
    assert value * value == square


class TestRetried:
    def test_passes_on_second_attempt(self):
        _attempts["second"] = _attempts.get("second", 0) + 1
        assert _attempts["second"] >= 2, "fails on the first attempt only"
