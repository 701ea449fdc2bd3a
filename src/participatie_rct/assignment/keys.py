"""Canonical stratum keys: one stable text per combination of a unit's stratum values.

A stratum key is what the register stores beside each assignment and what the random
streams are derived from, so it must not depend on how a value happened to be typed.

The rule, applied to every value of every strata (or minimization factor) column:

* missing (``None``, ``NaN``, ``pd.NA``, ``NaT``) or text that is empty after trimming
  whitespace: refused with :class:`~participatie_rct.errors.AssignmentError` naming the
  column and the arrival positions;
* text: trimmed of surrounding whitespace, otherwise as written (``"1.0"`` stays ``1.0``);
* numbers: a whole number is written as an integer, whatever its dtype, so ``1``,
  ``1.0``, ``numpy.int8(1)``, ``True`` and ``numpy.True_`` all become ``1`` (values that
  compare equal in Python share a key, and so does the text ``"1"``: a column read as text
  or as numbers gives the same strata); other floats use Python's shortest round-trip
  ``repr`` (``0.1``, ``2.5``);
* dates: ISO 8601 (``2018-02-13``), timestamps too (a timestamp at midnight without a time
  zone is written as its date); anything else: ``str(value)`` trimmed.

The key joins ``column=value`` pairs in protocol order with ``|``
(``site=Wageningen|age_group=45+``); a backslash, ``|`` or ``=`` inside a name or value is
escaped with a backslash so that different strata can never share a key. A design without
strata has the key ``""``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from participatie_rct.errors import AssignmentError
from participatie_rct.values import value_text

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["column_texts", "join_key", "stratum_codes", "unit_key", "value_text"]

_ESCAPES = str.maketrans({"\\": "\\\\", "|": "\\|", "=": "\\="})


def join_key(columns: Sequence[str], texts: Sequence[str]) -> str:
    """The stratum key of canonical value texts, in protocol column order."""
    return "|".join(
        f"{c.translate(_ESCAPES)}={t.translate(_ESCAPES)}"
        for c, t in zip(columns, texts, strict=True)
    )


def unit_key(columns: Sequence[str], unit: Mapping[str, Any], *, role: str = "strata") -> str:
    """The stratum key of one participant given as a mapping ``column -> value``."""
    texts = []
    for column in columns:
        if column not in unit:
            raise AssignmentError(
                f"the participant has no value for column {column!r}; the protocol's "
                f"[assignment] {role} "
                f"lists {', '.join(repr(c) for c in columns)}, so every participant needs each "
                "of them. "
                f"Give {column!r} a value."
            )
        text = value_text(unit[column])
        if text is None:
            error = AssignmentError(
                f"column {column!r} is empty for this participant (value {unit[column]!r}); the "
                "protocol's "
                f"[assignment] {role} lists it, so every participant needs a value. Fill it in."
            )
            error.column = column  # type: ignore[attr-defined]
            error.positions = (0,)  # type: ignore[attr-defined]
            raise error
        texts.append(text)
    return join_key(columns, texts)


def column_texts(
    units: pd.DataFrame, column: str, *, role: str, columns: Sequence[str]
) -> tuple[np.ndarray, list[str]]:
    """Codes and canonical texts of one column: ``texts[codes[i]]`` is row ``i``'s value text.

    Vectorised: the canonical rule runs once per distinct value, not once per row. Values
    whose texts coincide (``1`` and ``1.0``) share one code.
    """
    import numpy as np
    import pandas as pd

    if column not in units.columns:
        raise AssignmentError(
            f"the participants have no column {column!r}; the protocol's [assignment] {role} lists "
            f"{', '.join(repr(c) for c in columns)}. Add the column or correct the protocol."
        )
    copies = int((units.columns == column).sum())
    if copies > 1:
        raise AssignmentError(
            f"the participants have {copies} columns named {column!r}; the protocol's "
            f"[assignment] {role} lists it, so it must be one column. Rename or drop the others."
        )
    raw_codes, uniques = pd.factorize(units[column], use_na_sentinel=True)
    texts = [value_text(u) for u in uniques]
    text_codes, distinct = pd.factorize(
        pd.Series([t if t is not None else "" for t in texts], dtype=object)
    )
    missing_unique = np.array(
        [t is None for t in texts] + [True], dtype=bool
    )  # last slot: NA sentinel
    raw = np.asarray(raw_codes, dtype=np.int64)
    missing = missing_unique[np.where(raw < 0, len(texts), raw)]
    if missing.any():
        positions = np.flatnonzero(missing)
        shown = ", ".join(str(p + 1) for p in positions[:5]) + (
            ", ..." if len(positions) > 5 else ""
        )
        noun = "participant" if len(positions) == 1 else "participants"
        error = AssignmentError(
            f"column {column!r} is empty for {len(positions)} {noun} (arrival "
            f"position{'s' if len(positions) > 1 else ''} "
            f"{shown}, counting from 1). The protocol's [assignment] {role} lists {column!r}, so "
            "every participant "
            "needs a value. Fill it in or remove these rows."
        )
        error.column = column  # type: ignore[attr-defined]
        error.positions = tuple(int(p) for p in positions)  # type: ignore[attr-defined]
        raise error
    codes = np.asarray(text_codes, dtype=np.int64)[raw]
    return codes, [str(t) for t in distinct]


def stratum_codes(
    units: pd.DataFrame, columns: Sequence[str], *, role: str = "strata"
) -> tuple[np.ndarray, list[str]]:
    """Stratum of every row as ``(codes, keys)``: row ``i`` is in stratum ``keys[codes[i]]``.

    Codes number the strata in order of first appearance. Without columns every row is in
    the stratum ``""``.
    """
    import numpy as np
    import pandas as pd

    n = len(units)
    if not columns:
        return np.zeros(n, dtype=np.int64), [""]
    absent = [c for c in columns if c not in units.columns]
    if absent:
        raise AssignmentError(
            f"the participants have no column {absent[0]!r}; the protocol's [assignment] {role} "
            "lists "
            f"{', '.join(repr(c) for c in columns)}. Add the column or correct the protocol."
        )
    per_column = [column_texts(units, c, role=role, columns=columns) for c in columns]
    if n == 0:
        return np.zeros(0, dtype=np.int64), []
    # combine column codes pairwise, re-numbering by first appearance each time (hash-based,
    # so it stays O(n) and never overflows however many strata there are)
    group = per_column[0][0]
    for codes, texts in per_column[1:]:
        group, _ = pd.factorize(group * len(texts) + codes)
        group = np.asarray(group, dtype=np.int64)
    if len(per_column) == 1:
        group, _ = pd.factorize(group)
        group = np.asarray(group, dtype=np.int64)
    n_groups = int(group.max()) + 1
    first = np.full(n_groups, n, dtype=np.int64)
    np.minimum.at(first, group, np.arange(n, dtype=np.int64))
    keys = [
        join_key(columns, [texts[codes[i]] for codes, texts in per_column]) for i in first.tolist()
    ]
    return group, keys
