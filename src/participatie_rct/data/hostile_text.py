"""Text cells that would split a stratum, break a figure or run as a spreadsheet formula.

At intake every text value is normalized to Unicode NFC (``é`` typed as ``e`` plus an accent
and ``é`` typed as one character are the same site) with its outer spaces stripped, and
refused, naming file, column, line and value, when it holds:

- a control character (``\\x07``, an escape, a C1 control): it breaks reports, SVG
  figures and CSV output. Tabs and line breaks inside a cell of a declared text field
  (a site written over two lines) become one space, so ``Ede`` + line break + ``West`` is
  the stratum ``Ede West``; a free-text column the schema does not declare (a remark)
  keeps them;
- an invisible character: a byte-order mark inside a value, a zero-width space or joiner,
  a soft hyphen, a word joiner, or a bidirectional control (which can make ``Ede`` and
  ``Ede`` two different strata, or show text in another order than it is stored);
- a leading ``=``, ``+`` or ``@``, or a leading ``-`` that does not start a number: a
  spreadsheet opening a file written from it would run the cell as a formula (OWASP's
  CSV-injection rule).

Each check runs once per distinct value of a column (:class:`~participatie_rct.data.coded.Coded`).
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from participatie_rct.data.coded import Coded
from participatie_rct.data.raw import RawTable
from participatie_rct.data.rules import count_rows, refuse
from participatie_rct.data.values import TEXT, parse_number

#: Characters that show nothing but change what a value is.
INVISIBLE = {
    "\ufeff": "byte-order mark",
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u2060": "word joiner",
    "\u00ad": "soft hyphen",
    "\u180e": "Mongolian vowel separator",
    "\u061c": "Arabic letter mark",
    "\u200e": "left-to-right mark",
    "\u200f": "right-to-left mark",
    **{chr(c): "bidirectional control" for c in range(0x202A, 0x202F)},
    **{chr(c): "bidirectional control" for c in range(0x2066, 0x206A)},
}
_CONTROL = r"[\x00-\x08\x0e-\x1f\x7f-\x9f]"
_BREAKS = r"\s*[\t\n\r\x0b\x0c]+\s*"
_INVISIBLE = "[" + "".join(INVISIBLE) + "]"
_FORMULA = r"^[=+@]"


def clean_text(raw: RawTable, column: str, coded: Coded, *, free_text: bool = False) -> Coded:
    """NFC-normalized distinct values of a text column; refuse hostile characters.

    ``free_text`` (a column the schema does not declare, such as a remark) may hold tabs and
    line breaks; other control characters are refused there too.
    """
    values = coded.uniques
    if not len(values):
        return coded
    _refuse_characters(raw, column, coded, values)
    _refuse_formulas(raw, column, coded, values)
    changed = False
    if not free_text and values.str.contains(_BREAKS, regex=True).fillna(False).any():
        values = values.str.replace(_BREAKS, " ", regex=True)
        changed = True
    ascii_only = ~values.str.contains(r"[^\x00-\x7f]", regex=True).fillna(False).to_numpy(bool)
    if ascii_only.all():
        return coded.with_uniques(values) if changed else coded
    normal = values.astype(object).to_numpy().copy()
    for i in np.flatnonzero(~ascii_only):
        normal[i] = unicodedata.normalize("NFC", str(normal[i]))
    return coded.with_uniques(pd.Series(normal, dtype=TEXT))


def _refuse_characters(raw: RawTable, column: str, coded: Coded, values: pd.Series) -> None:
    for pattern, what, fix in (
        (
            _CONTROL,
            "a control character",
            "Remove it from the cell in the export.",
        ),
        (
            _INVISIBLE,
            "an invisible character",
            "It makes a value differ from the same value typed without it: retype the cell, "
            "or remove the character in the export.",
        ),
    ):
        flags = values.str.contains(pattern, regex=True).fillna(False).to_numpy(dtype=bool)
        bad = coded.rows(flags)
        if bad.any():
            first = coded.text(int(np.argmax(bad)))
            name = _name(first, pattern == _INVISIBLE)
            rule = count_rows(int(bad.sum()), "holds", "hold") + f" {what} ({name})"
            raise refuse(raw, column, bad, rule, fix, coded=coded)


def _name(text: str, invisible: bool) -> str:
    """The first offending character, named: ``U+200B zero-width space``."""
    for char in text:
        if invisible and char in INVISIBLE:
            return f"U+{ord(char):04X} {INVISIBLE[char]}"
        if not invisible and (ord(char) < 32 or 127 <= ord(char) < 160):
            return f"U+{ord(char):04X}"
    return "?"


def _refuse_formulas(raw: RawTable, column: str, coded: Coded, values: pd.Series) -> None:
    formula = values.str.contains(_FORMULA, regex=True).fillna(False).to_numpy(dtype=bool)
    dash = values.str.startswith("-").fillna(False).to_numpy(dtype=bool)
    if dash.any():
        _, not_number = parse_number(values.where(pd.Series(dash, index=values.index)))
        formula |= dash & not_number.to_numpy(dtype=bool)
    bad = coded.rows(formula)
    if bad.any():
        rule = count_rows(int(bad.sum()), "starts", "start") + " with =, +, - or @"
        fix = (
            "A spreadsheet runs such a cell as a formula when it opens a file written from "
            "this table: remove the sign (a minus only belongs before a number)."
        )
        raise refuse(raw, column, bad, rule, fix, coded=coded)
