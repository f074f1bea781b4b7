"""Bitrate stability from the compressed packets: bits per second of presentation time,
their mean, deviation and coefficient of variation, and the seconds below a floor."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass

from ..sources import Packet


@dataclass
class BitrateReport:
    per_second: list[float]  # kbit/s of each whole second
    mean: float
    deviation: float
    variation: float  # coefficient of variation: deviation / mean
    minimum: float
    floor: float  # kbit/s: a second below it is a dip
    dips: list[tuple[float, float]]  # (start, end) seconds of runs below the floor


class BitrateMeter:
    def __init__(self, floor_kbps: float | None = None) -> None:
        self.floor_kbps = floor_kbps  # None: half the mean
        self.bits: Counter[int] = Counter()
        self.first: float | None = None

    def packet(self, packet: Packet) -> None:
        self.first = packet.time if self.first is None else min(self.first, packet.time)
        self.bits[math.floor(packet.time)] += packet.size * 8

    def report(self) -> BitrateReport | None:
        if not self.bits:
            return None
        start, end = min(self.bits), max(self.bits)
        seconds = list(range(start, end)) or [start]  # the last second is usually partial
        rates = [self.bits[s] / 1000 for s in seconds]
        mean = statistics.fmean(rates)
        deviation = statistics.pstdev(rates) if len(rates) > 1 else 0.0
        floor = self.floor_kbps if self.floor_kbps is not None else mean / 2
        dips, begun = [], None
        for second, rate in zip(seconds, rates):
            if rate < floor and begun is None:
                begun = second
            elif rate >= floor and begun is not None:
                dips.append((float(begun - start), float(second - start)))
                begun = None
        if begun is not None:
            dips.append((float(begun - start), float(seconds[-1] + 1 - start)))
        return BitrateReport(rates, mean, deviation, deviation / mean if mean else 0.0, min(rates), floor, dips)
