"""The Dutch citizen service number (BSN): the elfproef and the tell-tale signs of a broken export.

A BSN has 9 digits d1..d9 with ``9*d1 + 8*d2 + ... + 2*d8 - 1*d9 ≡ 0 (mod 11)`` (the
"elfproef", eleven test) and is not all zeros. Spreadsheets damage BSNs in two typical ways:
they drop a leading zero (an 8-digit number) or show a long number in scientific notation
(``1.23457E+08``), which loses digits. Both are refused with a hint, never repaired, because a
repaired number may be someone else's.
"""

from __future__ import annotations

import re

from participatie_rct.elfproef import passes_elfproef

__all__ = ["bsn_problem", "passes_elfproef"]

_SCIENTIFIC = re.compile(r"^[+-]?\d+([.,]\d+)?[eE][+-]?\d+$")


def bsn_problem(value: str) -> str | None:
    """Why ``value`` is not a usable BSN, with a hint on how the export went wrong; None if it is.

    >>> bsn_problem("11222333") is not None
    True
    """
    text = value.strip()
    if not text:
        return "is empty; every participant needs a BSN"
    if _SCIENTIFIC.match(text):
        return (
            "is in scientific notation, so digits were lost: the file was saved from a spreadsheet "
            "that treated the BSN as a number. Export the column as text and try again"
        )
    if text.isdigit() and len(text) == 8 and passes_elfproef("0" + text):
        return (
            "has 8 digits: a leading zero was probably lost in a spreadsheet. Export the column "
            "as text rather than adding the zero by hand"
        )
    if not (text.isascii() and text.isdigit()):
        return "is not 9 digits; a BSN holds digits only"
    if len(text) != 9:
        return f"has {len(text)} digits; a BSN has 9"
    if not passes_elfproef(text):
        return "fails the elfproef (the BSN checksum): a typing error, or not a BSN"
    return None
