"""The field rules of a table schema, checked on distinct values and spread to the rows.

Each check takes a :class:`~participatie_rct.data.coded.Coded` column, judges its distinct
values once, and refuses the file with the rows that hold a bad value: how many, where they
stand (lines of a CSV file as the user sees them, rows of a sheet), the first offending
value (never a BSN) and what to do. Checks run in a fixed order: empty cells, type, allowed
values, pattern, bounds, dates in the future.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, NoReturn, Protocol

import numpy as np
import pandas as pd

from participatie_rct.data.bsn import bsn_problem
from participatie_rct.data.coded import Coded
from participatie_rct.data.raw import RawTable
from participatie_rct.data.schema import FieldSpec
from participatie_rct.data.values import (
    TEXT,
    parse_boolean,
    parse_date,
    parse_integer,
    parse_number,
    parse_yearmonth,
)
from participatie_rct.errors import InputFileError

_TYPE_RULES = {
    "integer": (
        "holds",
        "hold",
        "something other than a whole number",
        "Write whole numbers (e.g. 12), without a thousands separator (1003, not 1.003).",
    ),
    "number": (
        "holds",
        "hold",
        "text where a number belongs",
        "Write numbers such as 1250 or 12,50.",
    ),
    "boolean": (
        "holds",
        "hold",
        "a value that is not a yes/no answer",
        "Write true/false, 1/0, ja/nee or yes/no.",
    ),
    "date": (
        "holds",
        "hold",
        "no valid date",
        "Write dates as 2018-02-13 or 13-02-2018; a day that does not exist (such as 31-02) "
        "is an error in the export.",
    ),
    "yearmonth": ("holds", "hold", "no valid month", "Write months as YYYY-MM, e.g. 2018-02."),
}


class Shown(Protocol):
    """A column whose values can be flagged by value and shown by row: a
    :class:`~participatie_rct.data.coded.Coded` column, or a typed column checked row by row
    (:mod:`participatie_rct.data.typed`)."""

    def rows(self, mask: pd.Series | np.ndarray) -> np.ndarray:
        """Mask of rows whose value is flagged in ``mask``."""
        ...

    def text(self, row: int) -> str:
        """The value of row ``row`` as the user's file shows it."""
        ...


def count_rows(n: int, singular: str, plural: str) -> str:
    """``1 row holds`` or ``3 rows hold``."""
    return f"{n} row {singular}" if n == 1 else f"{n} rows {plural}"


def refuse(
    raw: RawTable,
    column: str,
    bad: np.ndarray,
    rule: str,
    fix: str,
    *,
    coded: Shown | None = None,
) -> InputFileError:
    """The error for rows ``bad`` (a boolean mask over rows) of ``column`` that break ``rule``."""
    index = np.flatnonzero(bad)
    where = raw.where(index)
    if coded is None:
        shown = ""
    else:
        first = coded.text(int(index[0]))
        shown = f"; {'value' if len(index) == 1 else 'first value'} {first!r}"
    return InputFileError(f"{raw.source}, column {column!r}: {rule} ({where}{shown}). {fix}")


def check_identifier(raw: RawTable, spec: FieldSpec, coded: Coded) -> None:
    """Every row has an identifier; a BSN passes the elfproef, an id its pattern."""
    empty = ~coded.filled
    if empty.any():
        raise refuse(
            raw,
            spec.name,
            empty,
            count_rows(int(empty.sum()), f"has no {spec.name}", f"have no {spec.name}"),
            "Every row needs an identifier: fill it in or remove these rows.",
        )
    text = coded.uniques
    if spec.check == "elfproef":
        problems = text.astype(object).map(bsn_problem)
        per_row = coded.rows(problems.notna().to_numpy())
        if per_row.any():
            first = problems.iloc[int(coded.codes[int(np.argmax(per_row))])]
            same = coded.rows((problems == first).to_numpy())
            _raise_bsn(raw, spec.name, int(same.sum()), first, np.flatnonzero(same))
    elif spec.pattern is not None:
        bad = coded.rows(~text.str.fullmatch(spec.pattern).fillna(False).to_numpy(dtype=bool))
        if bad.any():
            raise refuse(
                raw,
                spec.name,
                bad,
                count_rows(int(bad.sum()), "does not match", "do not match")
                + f" the pattern {spec.pattern}",
                "Correct these identifiers.",
                coded=coded,
            )


def _raise_bsn(raw: RawTable, column: str, n: int, problem: str, index: np.ndarray) -> NoReturn:
    """Refuse BSNs with one problem; the values themselves are never shown."""
    verb, _, rest = problem.partition(" ")
    plural = {"is": "are", "has": "have", "fails": "fail"}.get(verb, verb)
    subject = f"1 BSN {verb}" if n == 1 else f"{n} BSNs {plural}"
    cut = min((i for i in (rest.find(": "), rest.find("; ")) if i >= 0), default=len(rest))
    rule, hint = rest[:cut], rest[cut + 2 :]
    hint = hint[:1].upper() + hint[1:] + "." if hint else "Correct the export."
    raise InputFileError(
        f"{raw.source}, column {column!r}: {subject} {rule} ({raw.where(index)}; not shown: a BSN "
        f"is never printed). {hint}"
    )


def check_field(raw: RawTable, spec: FieldSpec, coded: Coded, as_of: dt.date) -> pd.Series:
    """Apply a field's rules to its distinct values; the typed values per distinct value."""
    check_required(raw, spec, ~coded.filled)
    values, bad_values = _parse(coded.uniques, spec)
    refuse_type(raw, spec, coded.rows(bad_values.to_numpy(dtype=bool)), coded)
    if spec.enum:
        values = _check_enum(raw, spec, coded, values)
    if spec.pattern is not None:
        matches = values.astype(TEXT).str.fullmatch(spec.pattern).fillna(False)
        bad = coded.rows(~matches.to_numpy(dtype=bool))
        if bad.any():
            rule = (
                count_rows(int(bad.sum()), "does not match", "do not match")
                + f" the pattern {spec.pattern}"
            )
            raise refuse(raw, spec.name, bad, rule, "Correct these values.", coded=coded)
    check_limits(raw, spec, values, coded, as_of)
    return values


def check_required(raw: RawTable, spec: FieldSpec, empty: np.ndarray) -> None:
    """Refuse the empty rows (mask ``empty``) of a required field."""
    if spec.required and empty.any():
        raise refuse(
            raw,
            spec.name,
            empty,
            count_rows(int(empty.sum()), "is empty", "are empty"),
            f"Every row needs a {spec.name}: fill it in or remove these rows.",
        )


def refuse_type(raw: RawTable, spec: FieldSpec, bad: np.ndarray, coded: Shown) -> None:
    """Refuse the rows (mask ``bad``) whose value is not of the field's type."""
    if bad.any():
        single, plural, what, fix = _TYPE_RULES[spec.type]
        rule = count_rows(int(bad.sum()), single, plural) + f" {what}"
        raise refuse(raw, spec.name, bad, rule, fix, coded=coded)


def check_limits(
    raw: RawTable, spec: FieldSpec, values: pd.Series, coded: Shown, as_of: dt.date
) -> None:
    """The bounds of a number and the not-in-the-future rule, on ``values`` (``coded.rows``
    spreads a flag per value to the rows)."""
    _check_bounds(raw, spec, values, coded)
    if spec.not_in_future:
        _check_future(raw, spec, values, coded, as_of)


def _check_enum(raw: RawTable, spec: FieldSpec, coded: Coded, values: pd.Series) -> pd.Series:
    """The allowed values, other spellings (``x-valueAliases``: ``werk``) read as theirs."""
    fold = spec.case_insensitive
    allowed = {v.lower() if fold else v for v in spec.enum}
    probe = values.str.lower() if fold else values
    if spec.value_aliases:
        probe = probe.replace({(k.lower() if fold else k): v for k, v in spec.value_aliases})
    bad = coded.rows(~probe.isin(allowed).fillna(False).to_numpy(dtype=bool))
    if bad.any():
        rule = count_rows(int(bad.sum()), "holds", "hold") + " a value that is not allowed"
        options = ", ".join(repr(v) for v in spec.enum)
        dutch = ", ".join(k for k, _ in spec.value_aliases)
        also = f" (or {dutch})" if dutch else ""
        empty = "" if spec.required else " or leave the cell empty"
        raise refuse(raw, spec.name, bad, rule, f"Allowed are {options}{also}{empty}.", coded=coded)
    return probe if fold or spec.value_aliases else values


def _parse(cells: pd.Series, spec: FieldSpec) -> tuple[pd.Series, pd.Series]:
    if spec.type == "integer":
        return parse_integer(cells)
    if spec.type == "number":
        return parse_number(cells)
    if spec.type == "boolean":
        return parse_boolean(
            cells, spec.true_values or ("true", "1"), spec.false_values or ("false", "0")
        )
    if spec.type == "date":
        return parse_date(cells, spec.formats or ("%Y-%m-%d",))
    if spec.type == "yearmonth":
        return parse_yearmonth(cells, spec.formats or ("%Y-%m",))
    return cells, pd.Series(False, index=cells.index)


def _check_bounds(raw: RawTable, spec: FieldSpec, values: pd.Series, coded: Shown) -> None:
    if spec.type not in {"integer", "number"}:
        return
    numbers = values.astype("float64")
    context = spec.description if spec.description.endswith(".") else f"{spec.description}."
    limits = []
    if spec.minimum is not None:
        what = "a negative number" if spec.minimum == 0 else f"a value below {spec.minimum:g}"
        limits.append(((numbers < spec.minimum).fillna(False), what))
    if spec.maximum is not None:
        limits.append(((numbers > spec.maximum).fillna(False), f"a value above {spec.maximum:g}"))
    for flags, what in limits:
        bad = coded.rows(flags.to_numpy(dtype=bool))
        if bad.any():
            rule = count_rows(int(bad.sum()), "holds", "hold") + f" {what}"
            fix = f"{context} Correct these values in the export.".strip()
            raise refuse(raw, spec.name, bad, rule, fix, coded=coded)


def _check_future(
    raw: RawTable, spec: FieldSpec, values: pd.Series, coded: Shown, as_of: dt.date
) -> None:
    if spec.type == "date":
        flags = (values > pd.Timestamp(as_of)).fillna(False)
        what, fix = (
            f"a date after today, {as_of.isoformat()}",
            "A date cannot lie in the future: correct it.",
        )
    elif spec.type == "yearmonth":
        flags = (values > pd.Timestamp(as_of.year, as_of.month, 1)).fillna(False)
        what, fix = (
            f"a month after this month, {as_of:%Y-%m}",
            "A month cannot lie in the future: correct it.",
        )
    else:
        flags = (values.astype("float64") > as_of.year).fillna(False)
        what, fix = (
            f"a year after this year, {as_of.year}",
            "A year cannot lie in the future: correct it.",
        )
    bad = coded.rows(flags.to_numpy(dtype=bool))
    if bad.any():
        rule = count_rows(int(bad.sum()), "holds", "hold") + f" {what}"
        raise refuse(raw, spec.name, bad, rule, fix, coded=coded)


def final_dtype(values: pd.Series, spec: FieldSpec) -> pd.Series:
    """The loaded column's dtype: bool when no cell is empty (text comes from
    :meth:`~participatie_rct.data.coded.Coded.text_rows`)."""
    if spec.type == "boolean":
        return values.astype(bool) if values.notna().all() else values.astype("boolean")
    return values


def check_unique(
    raw: RawTable,
    columns: list[str],
    value_at: Callable[[str, int], Any],
    keys: dict[str, np.ndarray],
    secret: bool,
) -> None:
    """Refuse rows repeating a value (or combination) that appeared before.

    ``keys[c]`` codes each row's parsed value of column ``c``; ``value_at(c, row)`` is that
    value, for the message.
    """
    combined = np.zeros(len(keys[columns[0]]), dtype=np.int64)
    for c in columns:
        code = keys[c].astype(np.int64) + 1
        combined = combined * (int(code.max(initial=0)) + 1) + code
    if np.all(combined[1:] > combined[:-1]):  # rows in key order, as exports come: no repeat
        return
    repeat = pd.Series(combined).duplicated(keep="first").to_numpy()
    if not repeat.any():
        return
    index = np.flatnonzero(repeat)
    earlier = int(np.flatnonzero(combined == combined[index[0]])[0])
    also = raw.where([earlier]).split(" of sheet")[0]
    n = len(index)
    if len(columns) == 1:
        label = f"column {columns[0]!r}"
        rule = count_rows(n, "repeats a value", "repeat values") + " that appeared before"
        fix = f"Each {columns[0]} may appear once in this table: remove the duplicate rows."
    else:
        label = "columns " + " and ".join(repr(c) for c in columns)
        rule = (
            count_rows(n, "repeats a combination", "repeat combinations") + " that appeared before"
        )
        fix = (
            f"The table has one row per {' and '.join(columns)}: remove the duplicates or correct "
            f"the {columns[-1]}."
        )
    if secret:
        shown = "not shown: a BSN is never printed"
    else:
        value = ", ".join(_show(value_at(c, int(index[0]))) for c in columns)
        shown = f"{value}, first on {also}"
    raise InputFileError(f"{raw.source}, {label}: {rule} ({raw.where(index)}; {shown}). {fix}")


def _show(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return repr(value.date().isoformat()[: 7 if value.day == 1 else 10])
    return repr(value.item() if hasattr(value, "item") else value)
