#!/usr/bin/env python3
"""Writes Sources/LightningCodecs/JSON/PowersOfTen.swift: the table the shortest-float printer
(Schubfach, Giulietti 2020) multiplies by.

Entry e, for e in -292...324, is g = floor(10^e * 2^(125 - floor(log2 10^e))) + 1, a number in
[2^125, 2^126) just above 10^e scaled to 126 bits, as two words (high, then low).
It also checks, over the exponent ranges the printer uses, that the integer formulas the Swift
code evaluates for floor(log10 2^q), floor(log10 (3/4 * 2^q)) and floor(log2 10^e) are exact.
Run it from the repository root: python3 Scripts/generate-shortest-float-table.py
"""
from fractions import Fraction

from swift_word_table import write_word_table

SMALLEST, LARGEST = -292, 324   # -k for the binary exponents q of doubles, -1074...971


def floor_log2(x: Fraction) -> int:
    """floor(log2 x) for a positive rational x."""
    n = x.numerator.bit_length() - x.denominator.bit_length()
    while Fraction(2) ** n > x:
        n -= 1
    while Fraction(2) ** (n + 1) <= x:
        n += 1
    return n


def floor_log10(x: Fraction) -> int:
    n = 0
    while Fraction(10) ** n > x:
        n -= 1
    while Fraction(10) ** (n + 1) <= x:
        n += 1
    return n


# The formulas in ShortestFloat.swift, as Swift evaluates them (arithmetic shift = floor).
def flog10pow2(q): return (q * 661_971_961_083) >> 41
def flog10_three_quarters_pow2(q): return (q * 661_971_961_083 - 274_743_187_321) >> 41
def flog2pow10(e): return (e * 913_124_641_741) >> 38


for q in range(-1074, 972):
    assert flog10pow2(q) == floor_log10(Fraction(2) ** q), q
    assert flog10_three_quarters_pow2(q) == floor_log10(Fraction(3, 4) * Fraction(2) ** q), q
for e in range(SMALLEST, LARGEST + 1):
    assert flog2pow10(e) == floor_log2(Fraction(10) ** e), e

entries = []
for e in range(SMALLEST, LARGEST + 1):
    scaled = Fraction(10) ** e * Fraction(2) ** (125 - flog2pow10(e))
    g = scaled.numerator // scaled.denominator + 1
    assert (1 << 125) <= g < (1 << 126), e
    entries.append(g)

write_word_table(
    "Sources/LightningCodecs/JSON/PowersOfTen.swift",
    "generate-shortest-float-table.py",
    [
        "126-bit upper approximations of 10^e, e in ``PowersOfTen/smallestExponent``...``PowersOfTen/largestExponent``:",
        "floor(10^e × 2^(125 − floor(log2 10^e))) + 1, two words per entry (high, then low).",
    ],
    "PowersOfTen", SMALLEST, LARGEST, entries,
)
