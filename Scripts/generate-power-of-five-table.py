#!/usr/bin/env python3
"""Writes Sources/LightningCodecs/JSON/PowersOfFive.swift: 128-bit approximations of 5^q for
q in -342...308, the table the Eisel-Lemire float parser multiplies by.

For q >= 0 the entry is 5^q shifted so that its top bit is bit 127, truncated.
For q < 0 it is the reciprocal 2^b / 5^-q, rounded up, with the same normalisation.
Run it from the repository root: python3 Scripts/generate-power-of-five-table.py
"""
from swift_word_table import write_word_table

SMALLEST, LARGEST = -342, 308
entries = []
for q in range(SMALLEST, LARGEST + 1):
    if q >= 0:
        value = 5 ** q
        while value < (1 << 127):
            value <<= 1
        while value >= (1 << 128):
            value >>= 1
    else:
        power = 5 ** -q
        z = power.bit_length()
        b = 2 * z + 128
        value = (1 << b) // power + 1
        while value >= (1 << 128):
            value >>= 1
        while value < (1 << 127):
            value <<= 1
    entries.append(value)

write_word_table(
    "Sources/LightningCodecs/JSON/PowersOfFive.swift",
    "generate-power-of-five-table.py",
    [
        "128-bit normalised approximations of 5^q, q in ``PowersOfFive/smallestExponent``...``PowersOfFive/largestExponent``,",
        "two words per entry (high, then low).",
    ],
    "PowersOfFive", SMALLEST, LARGEST, entries,
)
