"""Top-level functions for executor tests (picklable by reference)."""

from __future__ import annotations


def square(x: int) -> int:
    return x * x


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x
