"""How many ``testcase`` elements each test id has, in a compact table.

A report of a million tests cannot keep a million id strings (about 150 MB): the table keeps a
64-bit digest per id (Python's hash of the string, stable within one process, so both passes of
one read agree), in ``array`` columns with open addressing: 14 bytes a slot, at most 3/4 full.
Two ids with the same digest (about one chance in 10^7 for a million ids) count as one test.
"""

from __future__ import annotations

from array import array
from itertools import accumulate

_EMPTY = 0


class IdTable:
    """Element counts per id; the first pass ``add``s each element, the second ``take``s it."""

    def __init__(self) -> None:
        self._allocate(1 << 12)
        self.ids = 0  # distinct ids
        self.elements = 0
        self.repeated = 0  # ids with more than one element
        #: per element: 1 where an id is first seen, -1 where it is last seen (0 both or neither)
        self._opened = array("b")

    def _allocate(self, size: int) -> None:
        self._mask = size - 1
        self._keys = array("q", bytes(8 * size))
        self._counts = array("H", bytes(2 * size))
        self._last = array("I", bytes(4 * size))  # the index of the id's last element

    def _slot(self, digest: int) -> int:
        keys, mask = self._keys, self._mask
        slot = digest & mask
        while (key := keys[slot]) != digest and key != _EMPTY:
            slot = (slot + 1) & mask
        return slot

    def add(self, digest: int) -> int:
        """Count one more element of the id with ``digest``; its count so far."""
        digest = digest or 1
        keys, mask = self._keys, self._mask
        slot = digest & mask
        while (key := keys[slot]) != digest and key != _EMPTY:
            slot = (slot + 1) & mask
        index = self.elements
        self.elements = index + 1
        self._last[slot] = index
        if key == _EMPTY:
            keys[slot] = digest
            self._counts[slot] = 1
            self.ids += 1
            self._opened.append(1)
            if self.ids * 4 > mask * 3:
                self._grow()
            return 1
        count = self._counts[slot] + 1
        self._counts[slot] = min(count, 0xFFFF)
        self._opened.append(0)
        if count == 2:
            self.repeated += 1
        return count

    def take(self, digest: int) -> int:
        """Take one element of the id with ``digest``; how many it has left."""
        slot = self._slot(digest or 1)
        left = self._counts[slot] - 1
        self._counts[slot] = left
        return left

    def most_open(self) -> int:
        """The most ids at one point of the file that have elements both before and after it."""
        if self.repeated == 0:
            return 0
        opened = self._opened
        for key, count, last in zip(self._keys, self._counts, self._last):
            if key != _EMPTY:
                opened[last] -= 1
        self._opened = array("b")
        return max(accumulate(opened))

    def _grow(self) -> None:
        keys, counts, last = self._keys, self._counts, self._last
        self._allocate(2 * (self._mask + 1))
        for key, count, index in zip(keys, counts, last):
            if key != _EMPTY:
                slot = self._slot(key)
                self._keys[slot], self._counts[slot], self._last[slot] = key, count, index
