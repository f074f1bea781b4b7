"""Delivery of a notification to its channels: each channel in a thread of its own (a slow one
holds up no other; :func:`deliver` waits for them, alerts.dispatch does not), retried with exponential backoff and jitter within a bounded number of
attempts and seconds, a 429's Retry-After honoured (capped), a permanent refusal (a 4xx)
not retried. A failure is handed to ``on_failure(channel_name, error_text)`` and returned,
never raised: the evaluator goes on."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .notification import AlertInstance, Channel, DeliveryError, Notification
from .secrets import SecretError

log = logging.getLogger("pytest_vpt.alerts")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # tries per channel, the first included
    backoff: float = 1.0  # seconds before the second try; doubled for each one after
    longest: float = 30.0  # the longest backoff
    retry_after_cap: float = 60.0  # the longest wait a 429's Retry-After gets
    total: float = 120.0  # seconds a channel may take, its waits included


@dataclass(frozen=True)
class DeliveryResult:
    channel: str
    kind: str
    delivered: bool
    attempts: int
    error: str | None = None  # the last failure, naming the channel; never a secret


def deliver(channels: Iterable[Channel] | Mapping[str, Channel], notification: Notification,
            on_failure: Callable[[str, str], object] | None = None, sleep: Callable[[float], object] = time.sleep,
            policy: RetryPolicy = RetryPolicy(), jitter: Callable[[], float] = random.random,
            clock: Callable[[], float] = time.monotonic) -> list[DeliveryResult]:
    """Send ``notification`` to every channel at once; their results, in order. ``sleep``,
    ``jitter`` (0 <= x < 1) and ``clock`` are the time a test controls."""
    channels = list(channels.values() if isinstance(channels, Mapping) else channels)
    results: list[DeliveryResult | None] = [None] * len(channels)

    def run(index: int, channel: Channel) -> None:
        results[index] = with_retries(channel, notification, sleep, policy, jitter, clock)

    if len(channels) == 1:
        run(0, channels[0])
    else:
        threads = [threading.Thread(target=run, args=(index, channel), daemon=True, name=f"vpt-alert-{channel.name}")
                   for index, channel in enumerate(channels)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + policy.total + max((getattr(each, "timeout", 0) for each in channels), default=0) + 5
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
    final = []
    for index, channel in enumerate(channels):
        result = results[index] or DeliveryResult(channel.name, channel.kind, False, 0,
                                                  f"{channel.kind} channel {channel.name!r}: still sending after "
                                                  f"{policy.total:g} s; left behind")
        final.append(result)
        if not result.delivered:
            _report(result, on_failure)
    return final


def with_retries(channel: Channel, notification: Notification, sleep: Callable[[float], object] = time.sleep,
                 policy: RetryPolicy = RetryPolicy(), jitter: Callable[[], float] = random.random,
                 clock: Callable[[], float] = time.monotonic) -> DeliveryResult:
    """``channel.send(notification)``, retried as :func:`retried` does it."""
    return retried(channel, lambda: channel.send(notification), sleep, policy, jitter, clock)


def retried(channel: Channel, attempt: Callable[[], object], sleep: Callable[[float], object] = time.sleep,
            policy: RetryPolicy = RetryPolicy(), jitter: Callable[[], float] = random.random,
            clock: Callable[[], float] = time.monotonic) -> DeliveryResult:
    """Call ``attempt()`` (one send through ``channel``) until it succeeds, is refused for
    good, or the policy's attempts or seconds run out; never raises."""
    started, planned, slept = clock(), 0.0, 0.0
    where = f"{channel.kind} channel {channel.name!r}"
    error = ""
    for number in range(1, policy.attempts + 1):
        try:
            attempt()
            return DeliveryResult(channel.name, channel.kind, True, number)
        except DeliveryError as exc:
            error, permanent, asked = str(exc), exc.permanent, exc.retry_after
        except SecretError as exc:  # names the variable or the file, never the value
            error, permanent, asked = f"{where}: {exc}", True, None
        except Exception as exc:  # a channel's own bug: its message may hold anything, so only its type
            error, permanent, asked = f"{where}: failed ({type(exc).__name__})", True, None
        if permanent or number == policy.attempts:
            return DeliveryResult(channel.name, channel.kind, False, number, _tries(error, number))
        if asked is not None:
            delay = min(asked, policy.retry_after_cap)
        else:
            delay = min(policy.longest, policy.backoff * 2 ** (number - 1)) * (0.5 + jitter() / 2)
        spent = (clock() - started) - slept + planned  # work done, and the waits as planned
        if spent + delay > policy.total:
            return DeliveryResult(channel.name, channel.kind, False, number,
                                  _tries(error, number) + f"; gave up: another try would pass {policy.total:g} s")
        before = clock()
        sleep(delay)
        slept += clock() - before
        planned += delay
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns


def _tries(error: str, attempts: int) -> str:
    return f"{error} (after {attempts} attempt{'s' if attempts > 1 else ''})"


def _report(result: DeliveryResult, on_failure: Callable[[str, str], object] | None) -> None:
    if on_failure is None:  # nobody records it: the log is its only trace
        log.warning("alert not delivered: %s", result.error)
        return
    log.info("alert not delivered: %s", result.error)
    try:
        on_failure(result.channel, result.error or "")
    except Exception:  # recording the failure failed: said once, the evaluator goes on
        log.exception("alert delivery: recording the failure of channel %r failed", result.channel)


def notification_for_test(channel: str, now: float | None = None) -> Notification:
    """The message ``vpt alerts test CHANNEL`` sends: a test, severity info, one group."""
    now = time.time() if now is None else now
    alert = AlertInstance(labels={"rule": "vpt test", "severity": "info", "channel": channel}, value=None,
                          starts_at=now, ends_at=None, fingerprint=f"vpt-test-{channel}",
                          summary=f"A test message from pytest-vpt to channel {channel}")
    return Notification(rule="vpt test", severity="info", status="firing", alerts=(alert,),
                        summary=f"A test message from pytest-vpt to channel {channel}", test=True)


def send_test(channels: Mapping[str, Channel], name: str, now: float | None = None,
              sleep: Callable[[float], object] = time.sleep, policy: RetryPolicy = RetryPolicy(attempts=2, total=30.0),
              ) -> DeliveryResult:
    """Send a test message to the channel ``name``; what happened (delivered, attempts, error)."""
    if name not in channels:
        known = ", ".join(sorted(channels)) or "none configured"
        raise ValueError(f"no alert channel {name!r} (channels: {known})")
    (result,) = deliver([channels[name]], notification_for_test(name, now), sleep=sleep, policy=policy)
    return result
