"""A pretend set-top box, so the demo runs anywhere."""

import random
import time

import pytest


class SetTopBox:
    channels = {"bbc-one": 0.05, "cnn": 0.08, "arte": 0.12}

    def launch(self, app: str) -> float:
        started = time.perf_counter()
        time.sleep(0.02 + random.random() * 0.03)
        return time.perf_counter() - started

    def tune(self, channel: str) -> bool:
        time.sleep(self.channels[channel])
        return True


@pytest.fixture(scope="session")
def box() -> SetTopBox:
    return SetTopBox()
