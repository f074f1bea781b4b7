"""How many ``testcase`` elements each test id has, and where its first and last are.

A report of a million tests cannot keep a million id strings (about 150 MB): while the first
pass counts, the table keeps a 64-bit digest per id (Python's hash of the string, stable within
one process), its count and the index of its last element, in ``array`` columns with open
addressing: 14 bytes a slot, at most 3/4 full. Two ids with the same digest (about one chance
in 10^7 for a million ids) count as one test. What the second pass needs is one byte per
element (``marks``): whether it is its id's first element, its last, both or neither; the
table is dropped once they are set.
"""

from __future__ import annotations

from array import array
from itertools import accumulate

_EMPTY = 0
#: the bits of an element's mark
FIRST = 1
LAST = 2


class IdTable:
    """Element counts per id; the first pass ``add``s each element, then ``finish`` gives the
    marks the second pass reads."""

    def __init__(self) -> None:
        self._allocate(1 << 12)
        self.ids = 0  # distinct ids
        self.repeated = 0  # ids with more than one element
        self.marks = bytearray()  # per element: FIRST where its id is first seen; LAST once finished

    def _allocate(self, size: int) -> None:
        self._mask = size - 1
        self._keys = array("q", [_EMPTY]) * size
        self._counts = array("H", [0]) * size
        self._last = array("I", [0]) * size  # the index of the id's last element

    @property
    def elements(self) -> int:
        return len(self.marks)

    def add(self, digest: int) -> int:
        """Count one more element of the id with ``digest``; its count so far."""
        digest = digest or 1
        keys, mask = self._keys, self._mask
        slot = digest & mask
        while (key := keys[slot]) != digest and key != _EMPTY:
            slot = (slot + 1) & mask
        marks = self.marks
        self._last[slot] = len(marks)
        if key == _EMPTY:
            keys[slot] = digest
            self._counts[slot] = 1
            marks.append(FIRST)
            self.ids += 1
            if self.ids * 4 > mask * 3:
                self._grow()
            return 1
        marks.append(0)
        count = self._counts[slot] + 1
        self._counts[slot] = min(count, 0xFFFF)
        if count == 2:
            self.repeated += 1
        return count

    def finish(self) -> bytearray:
        """Mark each id's last element, drop the table; the marks."""
        marks = self.marks
        for key, last in zip(self._keys, self._last):
            if key != _EMPTY:
                marks[last] |= LAST
        self._keys, self._counts, self._last = array("q"), array("H"), array("I")
        return marks

    def _grow(self) -> None:
        keys, counts, last = self._keys, self._counts, self._last
        self._allocate(2 * (self._mask + 1))
        new_keys, new_counts, new_last, mask = self._keys, self._counts, self._last, self._mask
        for key, count, index in zip(keys, counts, last):
            if key != _EMPTY:
                slot = key & mask
                while new_keys[slot] != _EMPTY:
                    slot = (slot + 1) & mask
                new_keys[slot], new_counts[slot], new_last[slot] = key, count, index


def most_open(marks: bytearray) -> int:
    """The most ids at one point of the file that have elements both before and after it."""
    return max(accumulate((mark & FIRST) - (mark >> 1) for mark in marks), default=0)
