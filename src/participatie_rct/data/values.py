"""Cell values as Dutch exports write them: decimal commas, day-month-year dates, ja/nee.

Each parser takes a pandas Series of text cells (``None`` where the cell is empty) and returns
the parsed Series together with a boolean mask of the filled cells it could not read, so the
validator can name every offending row at once. Parsing is vectorised: a municipal file of
100,000 rows is read in well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Booleans as docs/cli-contract.md accepts them (the schemas' ``trueValues`` and
#: ``falseValues`` may add more).
TRUE_VALUES = ("true", "1", "ja", "yes")
FALSE_VALUES = ("false", "0", "nee", "no")

# Numbers: plain (1234.5, -3, 1e3), decimal comma (1234,5), Dutch grouping (1.234,56) and
# English grouping (1,234.56). A lone comma is a decimal comma: the Dutch convention.
_PLAIN = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
_DECIMAL_COMMA = r"^[+-]?\d*,\d+(?:[eE][+-]?\d+)?$"
_GROUPED_NL = r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$"
_GROUPED_EN = r"^[+-]?\d{1,3}(?:,\d{3})+\.\d+$"
_ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"
_MIDNIGHT = r"[T ]0?0:00(?::00(?:\.0+)?)?$"


#: Text cells are held as Arrow strings: their string operations and regular expressions run
#: in compiled code (RE2 syntax), which keeps a 100,000-row file fast.
TEXT = pd.StringDtype("pyarrow")


def text_of(cells: pd.Series) -> pd.Series:
    """Cells as stripped Arrow strings (missing stays missing)."""
    if cells.dtype == TEXT:
        return cells.str.strip()
    if isinstance(cells.dtype, pd.ArrowDtype):  # Arrow text as read: one compiled cast
        return cells.astype(TEXT).str.strip()
    return cells.astype(object).where(cells.notna(), None).astype(TEXT).str.strip()


def filled(cells: pd.Series) -> pd.Series:
    """Mask of cells that hold a value (not None/NaN and not blank)."""
    return _filled(text_of(cells))


def _filled(text: pd.Series) -> pd.Series:
    """:func:`filled` of cells already stripped by :func:`text_of`."""
    return (text.fillna("") != "").astype(bool)


def parse_number(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers with a decimal point or comma; returns (float64 values, mask of unreadable cells).

    >>> values, bad = parse_number(pd.Series(["1,5", "1.234,50", "x", None]))
    >>> values.tolist()[:2], bad.tolist()
    ([1.5, 1234.5], [False, False, True, False])
    """
    text = text_of(cells)
    plain = _plain_numbers(text)
    if plain is not None:
        return plain, pd.Series(False, index=cells.index)
    has = _filled(text)
    normal = pd.Series(pd.NA, index=cells.index, dtype=TEXT)
    plain = text.str.match(_PLAIN, na=False)
    normal[plain] = text[plain]
    comma = text.str.match(_DECIMAL_COMMA, na=False)
    normal[comma] = text[comma].str.replace(",", ".", regex=False)
    grouped_nl = text.str.match(_GROUPED_NL, na=False) & ~plain
    normal[grouped_nl] = (
        text[grouped_nl].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    )
    grouped_en = text.str.match(_GROUPED_EN, na=False)
    normal[grouped_en] = text[grouped_en].str.replace(",", "", regex=False)
    values = pd.to_numeric(normal, errors="coerce").astype("float64")
    bad = has & (values.isna() | ~np.isfinite(values.fillna(0.0)))
    return values.where(~bad), bad


def _plain_numbers(text: pd.Series) -> pd.Series | None:
    """All filled cells as float64 when every one is a plain finite number, else ``None``.

    The common case (an export writing ``1250.5``) in one compiled pass; anything else
    (decimal commas, grouping, words) goes through the full parser.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(text) or text.dtype != TEXT:
        return None
    arrow = pa.chunked_array(text.array._pa_array)
    empty = pc.equal(arrow, "")
    if not pc.all(pc.or_kleene(pc.is_null(arrow), pc.invert(empty))).as_py():
        return None
    plain = pc.match_substring_regex(arrow, _PLAIN)
    if not pc.all(pc.fill_null(plain, True)).as_py():
        return None
    numbers = pc.cast(arrow, pa.float64()).to_numpy(zero_copy_only=False)
    if not np.isfinite(numbers[~np.isnan(numbers)]).all():
        return None
    return pd.Series(numbers, index=text.index, dtype="float64")


def parse_integer(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Whole numbers (``12``, ``12.0`` or ``12,0`` as spreadsheets write them); Int64 values.

    >>> values, bad = parse_integer(pd.Series(["12", "12,0", "1,5", None]))
    >>> values.tolist(), bad.tolist()
    ([12, 12, <NA>, <NA>], [False, False, True, False])
    """
    numbers, bad = parse_number(cells)
    fractional = numbers.notna() & (numbers != np.floor(numbers.fillna(0.0)))
    too_big = numbers.abs() > 2**53
    bad = bad | fractional | too_big.fillna(False)
    values = numbers.where(~bad).round().astype("Int64")
    return values, bad


def parse_boolean(
    cells: pd.Series,
    true_values: Sequence[str] = TRUE_VALUES,
    false_values: Sequence[str] = FALSE_VALUES,
) -> tuple[pd.Series, pd.Series]:
    """Booleans spelled true/false, 1/0, ja/nee, yes/no (any case); nullable ``boolean`` values.

    >>> values, bad = parse_boolean(pd.Series(["Ja", "nee", "TRUE", "misschien"]))
    >>> values.tolist(), bad.tolist()
    ([True, False, True, <NA>], [False, False, False, True])
    """
    text = text_of(cells).str.lower()
    has = _filled(text)
    is_true = text.isin([v.lower() for v in true_values]).fillna(False)
    is_false = text.isin([v.lower() for v in false_values]).fillna(False)
    values = pd.Series(pd.NA, index=cells.index, dtype="boolean")
    values[is_true] = True
    values[is_false] = False
    bad = has & ~is_true & ~is_false
    return values, bad


def parse_date(cells: pd.Series, formats: Sequence[str]) -> tuple[pd.Series, pd.Series]:
    """Dates in any of ``formats`` (strptime patterns, tried in order); datetime64 values.

    A cell that matches no format, or names a day that does not exist (31-02-2018), is bad.

    >>> values, bad = parse_date(pd.Series(["2018-02-13", "13-02-2018", "31-02-2018"]),
    ...                          ["%Y-%m-%d", "%d-%m-%Y"])
    >>> [str(v.date()) if not pd.isna(v) else None for v in values], bad.tolist()
    (['2018-02-13', '2018-02-13', None], [False, False, True])
    """
    # Spreadsheets export a date cell as ``2018-02-13 00:00:00`` or ``13-2-2018 0:00``: a time
    # of exactly midnight is the date itself; any other time stays unreadable as a date.
    stripped = text_of(cells)
    has = _filled(stripped)
    text = stripped.str.replace(_MIDNIGHT, "", regex=True)
    values = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")
    todo = has.copy()
    for fmt in formats:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        hit = parsed.notna()
        values[hit[hit].index] = parsed[hit]
        todo[hit[hit].index] = False
    return values, todo


def parse_yearmonth(cells: pd.Series, formats: Sequence[str]) -> tuple[pd.Series, pd.Series]:
    """Calendar months (``2018-02``, ``02-2018``, or a full date read as its month).

    Values are datetime64 at the first day of the month, so they merge and subtract like dates.

    >>> values, bad = parse_yearmonth(pd.Series(["2018-02", "2018-02-13", "2018-13"]),
    ...                               ["%Y-%m", "%Y-%m-%d"])
    >>> [str(v.date()) if not pd.isna(v) else None for v in values], bad.tolist()
    (['2018-02-01', '2018-02-01', None], [False, False, True])
    """
    values, bad = parse_date(cells, formats)
    return values.dt.to_period("M").dt.to_timestamp(), bad


def infer_column(cells: pd.Series, name: str = "") -> pd.Series:
    """Type a column without a schema: numbers, clearly boolean words, ISO/Dutch dates, or text.

    Identifier-like columns stay text: a column named ``id``, ``bsn``, ``participant`` or
    ``*_id``, and any column with a value such as ``007`` whose leading zero a number would
    lose. Numbers become int64 when all are whole and none is missing, else float64. Words
    true/false, ja/nee, yes/no become bool (1/0 stay numbers). Empty cells are missing.
    """
    text = text_of(cells)
    has = _filled(text)
    if not has.any():
        return pd.Series(np.nan, index=cells.index, dtype="float64")
    lowered = name.strip().lower()
    if lowered in {"id", "bsn", "participant"} or lowered.endswith("_id"):
        return _as_text(text, has)
    leading_zero = text.str.match(r"^[+-]?0\d", na=False)
    if leading_zero.any():
        return _as_text(text, has)
    numbers, bad = parse_number(cells)
    if not bad.any():
        whole = (numbers[has] == np.floor(numbers[has])).all()
        if whole and has.all() and (numbers.abs() < 2**53).all():
            return numbers.astype("int64")
        return numbers
    words = text[has].str.lower()
    if words.isin(["true", "false", "ja", "nee", "yes", "no"]).all():
        values, _ = parse_boolean(cells)
        return values.astype(bool) if has.all() else values
    dates, bad = parse_date(cells, ("%Y-%m-%d", "%d-%m-%Y"))
    if not bad.any():
        return dates
    if text[has].str.match(_ISO_DATETIME).all():
        try:
            return pd.to_datetime(text.where(has), format="ISO8601")
        except (ValueError, TypeError):  # mixed time zones, impossible days: keep the text
            pass
    return _as_text(text, has)


def _as_text(text: pd.Series, has: pd.Series) -> pd.Series:
    """Object column of Python str with None where the cell is empty."""
    out = text.astype(object).where(has, None)
    return out
