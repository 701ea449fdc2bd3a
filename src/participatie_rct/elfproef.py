"""The elfproef: the checksum every Dutch citizen service number (BSN) passes.

A BSN has 9 digits d1..d9 with ``9*d1 + 8*d2 + ... + 2*d8 - 1*d9 ≡ 0 (mod 11)`` and is not
all zeros. It sits at the bottom of the package because both the data path (which checks
BSNs) and the error messages (which mask anything that could be one) need it.
"""

from __future__ import annotations

_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def passes_elfproef(value: str) -> bool:
    """True when ``value`` is 9 digits, not all zero, whose weighted sum is divisible by 11.

    >>> passes_elfproef("111222333")
    True
    >>> passes_elfproef("123456789")
    False
    """
    if len(value) != 9 or not value.isascii() or not value.isdigit() or value == "000000000":
        return False
    return sum(w * int(d) for w, d in zip(_WEIGHTS, value, strict=True)) % 11 == 0
