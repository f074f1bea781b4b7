"""Correlation between two series bucketed over time: the bucket size, pairing the two series'
buckets (per device where both have devices), Pearson's and Spearman's coefficients with their
p-values (SciPy, imported when first needed), and the warnings that say how far to trust them.

A series is its values per (device, bucket start); device None is a value without a device (a
test attempt on no device, a metric without a ``device`` tag, a video incident). Pairing:

- both series have devices: a pair is a device's bucket where both have a value; buckets
  without a device are not paired;
- one series has devices: each of its devices' buckets pairs with the other series' value of
  the same bucket (the other series then counts once per device);
- neither: a pair is a bucket where both have a value.

A bucket where one series has no value is a gap: not paired (and counted), unless that series
has a ``fill`` (counts: an hour without incidents is 0, not a gap).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
#: the bucket sizes accepted, and the default for a range up to a week (longer: a day)
SHORTEST_BUCKET, LONGEST_BUCKET = MINUTE, 7 * DAY
#: the most buckets a range may hold (the range divided by the bucket, rounded up)
MOST_BUCKETS = 10_000
#: below this many pairs the coefficients come with a warning; below LEAST none are computed
FEW_PAIRS, LEAST_PAIRS = 10, 3

#: the error without SciPy installed
NEEDS_SCIPY = "correlations need SciPy: pip install 'pytest-vpt[analytics]'"
#: how the buckets were paired (see the module's docstring)
PER_DEVICE, EACH_DEVICE, BY_BUCKET = "per device", "per bucket for each device", "per bucket"

Key = tuple[str | None, float]


def default_bucket(span: float) -> float:
    """An hour for a range up to 7 days, else a day."""
    return HOUR if span <= 7 * DAY else DAY


def span_text(seconds: float) -> str:
    """A span in the largest unit that divides it: ``1h``, ``90m``, ``7d``, ``2w``."""
    for unit, length in (("w", 7 * DAY), ("d", DAY), ("h", HOUR), ("m", MINUTE)):
        if seconds >= length and seconds % length == 0:
            return f"{seconds / length:.0f}{unit}"
    return f"{seconds:g}s"


def check_bucket(span: float, bucket: float) -> int:
    """How many buckets ``span`` holds; ValueError naming both when there are more than
    :data:`MOST_BUCKETS`, or naming the bucket when it is not within 1 minute to 7 days."""
    if not (math.isfinite(bucket) and SHORTEST_BUCKET <= bucket <= LONGEST_BUCKET):
        raise ValueError(f"a bucket of {span_text(bucket)}: use 1m to 7d")
    if not (math.isfinite(span) and span > 0):
        raise ValueError(f"a range of {span_text(span)}: use a positive span")
    count = math.ceil(span / bucket)
    if count > MOST_BUCKETS:
        raise ValueError(f"a range of {span_text(span)} in buckets of {span_text(bucket)} is {count} buckets, "
                         f"more than {MOST_BUCKETS}: use a shorter range or a larger bucket")
    return count


@dataclass(frozen=True)
class Bucketed:
    """One series: ``values`` per (device or None, bucket start); ``fill``: the value of a
    bucket it has none for (None: such a bucket is a gap)."""

    name: str
    values: Mapping[Key, float]
    fill: float | None = None

    @property
    def devices(self) -> set[str]:
        return {device for device, _ in self.values if device is not None}


@dataclass(frozen=True)
class Pairing:
    """The pairs of two series (in device, then time order) and what was left out of them:
    ``unpaired_*``: the series' buckets in no pair; ``without_device_*``: of those, the ones
    without a device (not paired because pairing was per device)."""

    pairing: str  # PER_DEVICE, EACH_DEVICE or BY_BUCKET
    keys: list[Key]
    xs: list[float]
    ys: list[float]
    unpaired_a: int
    unpaired_b: int
    without_device_a: int
    without_device_b: int


def pair(a: Bucketed, b: Bucketed) -> Pairing:
    """The pairs of ``a`` and ``b`` (see the module's docstring)."""
    devices_a, devices_b = a.devices, b.devices
    mode = PER_DEVICE if devices_a and devices_b else EACH_DEVICE if devices_a or devices_b else BY_BUCKET
    lifted_a = _lift(a, devices_b, mode)
    lifted_b = _lift(b, devices_a, mode)
    if a.fill is None and b.fill is None:
        keys = lifted_a.keys() & lifted_b.keys()
    elif a.fill is None:
        keys = set(lifted_a)
    elif b.fill is None:
        keys = set(lifted_b)
    else:
        keys = lifted_a.keys() | lifted_b.keys()
    ordered = sorted(keys, key=lambda key: (key[0] or "", key[1]))
    xs = [lifted_a[key][1] if key in lifted_a else a.fill for key in ordered]
    ys = [lifted_b[key][1] if key in lifted_b else b.fill for key in ordered]
    paired_a = {lifted_a[key][0] for key in ordered if key in lifted_a}
    paired_b = {lifted_b[key][0] for key in ordered if key in lifted_b}
    return Pairing(mode, ordered, xs, ys,  # type: ignore[arg-type]
                   len(a.values) - len(paired_a), len(b.values) - len(paired_b),
                   _without_device(a, mode), _without_device(b, mode))


def _lift(series: Bucketed, other_devices: set[str], mode: str) -> dict[Key, tuple[Key, float]]:
    """The series' values by the key they pair on, each with the key it has in the series: a
    series without devices facing one with devices counts at every device of the other."""
    if mode == BY_BUCKET:
        return {key: (key, value) for key, value in series.values.items()}
    if series.devices:
        return {key: (key, value) for key, value in series.values.items() if key[0] is not None}
    return {(device, at): ((None, at), value) for (_, at), value in series.values.items()
            for device in sorted(other_devices)}


def _without_device(series: Bucketed, mode: str) -> int:
    if mode == BY_BUCKET or not series.devices:
        return 0
    return sum(device is None for device, _ in series.values)


@dataclass(frozen=True)
class Coefficients:
    """Pearson's r and Spearman's rho with their two-sided p-values (None when they cannot be
    computed), and the warnings about them."""

    pearson: float | None = None
    pearson_p: float | None = None
    spearman: float | None = None
    spearman_p: float | None = None
    warnings: list[str] = field(default_factory=list)


def coefficients(name_a: str, name_b: str, xs: Sequence[float], ys: Sequence[float]) -> Coefficients:
    """The coefficients of the pairs ``(xs[i], ys[i])``: none for fewer than 3 pairs or when a
    series is constant (the warning names it); with a warning below 10 pairs."""
    count = len(xs)
    if count == 0:
        return Coefficients(warnings=["no pairs: nothing to correlate"])
    if count < LEAST_PAIRS:
        return Coefficients(warnings=[f"only {count} pair{'s' * (count != 1)}: at least {LEAST_PAIRS} are needed"])
    constant = [f"{name} is constant ({values[0]:g}) over the {count} pairs: it correlates with nothing"
                for name, values in ((name_a, xs), (name_b, ys)) if _constant(values)]
    if constant:
        return Coefficients(warnings=constant)
    try:
        from scipy import stats
    except ImportError:
        raise ImportError(NEEDS_SCIPY) from None

    with warnings.catch_warnings():  # what SciPy would warn of is said above, once
        warnings.simplefilter("ignore")
        pearson = stats.pearsonr(xs, ys)
        spearman = stats.spearmanr(xs, ys)
    few = [] if count >= FEW_PAIRS else [f"only {count} pairs (fewer than {FEW_PAIRS}): the coefficients say little"]
    return Coefficients(_number(pearson.statistic), _number(pearson.pvalue), _number(spearman.statistic),
                        _number(spearman.pvalue), few)


def gap_warnings(name_a: str, name_b: str, pairing: Pairing) -> list[str]:
    """What the pairing left out, said of each series: its buckets the other had no value for
    (gaps), and of those the ones without a device."""
    found = []
    for name, other, unpaired, without in ((name_a, name_b, pairing.unpaired_a, pairing.without_device_a),
                                           (name_b, name_a, pairing.unpaired_b, pairing.without_device_b)):
        if unpaired:
            also = f" ({without} of them had no device, and the pairing is per device)" if without else ""
            found.append(f"{unpaired} bucket{'s' * (unpaired != 1)} of {name} had no value of {other}: "
                         f"dropped{also}")
    return found


def _constant(values: Sequence[float]) -> bool:
    """Whether the values are all the same, but for the rounding of adding them up (an SQL mean)."""
    return max(values) - min(values) <= 1e-12 * max(1.0, max(abs(v) for v in values))


def _number(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None
