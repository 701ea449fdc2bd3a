"""Validating an input table against its schema, all or nothing, and loading it typed.

The rules come from the table's JSON schema (:mod:`participatie_rct.data.schema`); this module
only says how to check each kind of rule and how to explain a refusal. Checks run in a fixed
order (identifier column, required columns, then field by field: empty cells, type, allowed
values, bounds, dates in the future; then uniqueness) and the first rule that fails refuses the
whole file. Its message names the file, the column, how many rows broke the rule, where they
stand (lines of a CSV file as the user sees them, rows of a sheet), the first offending value
(never a BSN) and what to do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from participatie_rct.choices import IdentifierKind, TableName, parse_choice
from participatie_rct.data.bsn import bsn_problem
from participatie_rct.data.pseudonym import pseudonymise, require_key
from participatie_rct.data.raw import RawTable, shown_names
from participatie_rct.data.readers import read_raw
from participatie_rct.data.schema import FieldSpec, TableSchema, table_schema
from participatie_rct.data.values import (
    TEXT,
    filled,
    infer_column,
    parse_boolean,
    parse_date,
    parse_integer,
    parse_number,
    parse_yearmonth,
    text_of,
)
from participatie_rct.errors import InputFileError

#: Name of the identifier column in every loaded table.
PARTICIPANT = "participant"

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


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of a successful validation: which table, which file, how many valid rows."""

    table: str
    path: str
    n_rows: int
    columns: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view (the ``validate --format json`` object)."""
        return {"table": self.table, "file": self.path, "n_rows": self.n_rows, "valid": True}

    def summary(self) -> str:
        """One line a person reads: ``participants.csv: 412 valid rows (participants)``."""
        noun = "row" if self.n_rows == 1 else "rows"
        return f"{Path(self.path).name}: {self.n_rows} valid {noun} ({self.table})"


def validate_file(
    path: Path | str, table: TableName | str, *, as_of: dt.date | None = None
) -> ValidationReport:
    """Check a file against the table's schema without a key (BSNs checked, not pseudonymised).

    Raises :class:`InputFileError` on the first rule that fails, naming every row that broke it.
    ``as_of`` is "today" for the not-in-the-future rule (default: today's date).
    """
    name = parse_choice(TableName, table, parameter="table")
    raw = read_raw(path)
    frame, _ = check_table(raw, table_schema(name), as_of=as_of or dt.date.today())
    return ValidationReport(
        table=name.value, path=str(path), n_rows=len(frame), columns=tuple(frame.columns)
    )


def load_table(
    path: Path | str,
    table: TableName | str,
    *,
    key: bytes | None = None,
    id_kind: str | None = None,
    id_column: str | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Read, validate and type a participants, benefit_months or survey file.

    The whole file is refused (:class:`InputFileError`) on any error. Columns come typed:
    dates as datetime64, ``month`` as datetime64 at the first day of the month, booleans as
    bool (nullable ``boolean`` when a cell is empty), integers as Int64, numbers as float64,
    text and ids as str (None when empty); extra columns are typed as by ``read_frame``.

    The first column is ``participant``. A ``bsn`` column is checked (elfproef), replaced by
    ``participant = pseudonym(key, bsn)`` and dropped, so a key is required
    (:class:`~participatie_rct.errors.KeyMissingError` without one). An ``id`` column is kept
    and copied, as text, to ``participant``. ``id_kind`` (the protocol's identifier kind,
    ``bsn`` or ``pseudonym``) demands the matching column; ``as_of`` is "today" for the
    not-in-the-future rule. ``id_column`` (the protocol's ``[identifiers] column``, e.g.
    ``klantnummer``) names the identifier column when it is neither ``bsn`` nor ``id``: it is
    checked as a ``bsn`` column (``id_kind`` ``bsn``) or an ``id`` column (otherwise), keeps
    its own name in the frame and in messages, and a file without it may still use ``bsn``
    or ``id``.

    ``frame.attrs`` holds ``source`` (the path as given), ``lines`` (each row's line in a CSV
    file, or row in a sheet or parquet file) and ``line_unit`` (``"line"`` or ``"row"``), so
    that later checks can point at the rows as the user sees them.
    """
    name = parse_choice(TableName, table, parameter="table")
    kind = None if id_kind is None else parse_choice(IdentifierKind, id_kind, parameter="id_kind")
    raw = read_raw(path)
    role, own = _own_identifier(raw, id_column, kind)
    if own is not None:
        raw = raw.with_text(raw.text.rename(columns={own: role}))
    try:
        frame, identifier = check_table(
            raw, table_schema(name), as_of=as_of or dt.date.today(), id_kind=kind
        )
    except InputFileError as exc:
        if own is None:
            raise
        # the messages name the role ('bsn'/'id'); the user knows the column by its own name
        raise InputFileError(str(exc).replace(f"column {role!r}", f"column {own!r}")) from None
    if identifier == "bsn":
        secret = require_key(key, purpose=f"Reading {raw.source} (it has a bsn column)")
        participant = pseudonymise(secret, frame["bsn"].tolist())
        frame = frame.drop(columns=["bsn"])
    else:
        participant = frame[identifier].astype(str).tolist()
        if own is not None:
            frame = frame.rename(columns={identifier: own})
    frame.insert(0, PARTICIPANT, pd.Series(participant, index=frame.index, dtype=object))
    frame = frame.reset_index(drop=True)
    # where each row stood in the file, for messages of later checks (the register's)
    frame.attrs.update(source=raw.source, lines=raw.locator, line_unit=raw.unit)
    return frame


def check_table(
    raw: RawTable,
    schema: TableSchema,
    *,
    as_of: dt.date,
    id_kind: IdentifierKind | None = None,
) -> tuple[pd.DataFrame, str]:
    """Apply every rule of ``schema`` to ``raw``; return the typed frame and identifier column."""
    cells = _match_names(raw.text, schema)
    spelled = [v for v in schema.missing_values if v != ""]  # "" is always missing
    if spelled:
        cells = cells.where(~cells.isin(spelled), None)
    raw = raw.with_text(cells)
    if PARTICIPANT in cells.columns:
        raise InputFileError(
            f"{raw.source}: the column name {PARTICIPANT!r} is reserved for the pseudonym this "
            "reader makes. Name the identifier column 'id' (a pseudonym) or 'bsn'."
        )
    identifier = _identifier(raw, schema, id_kind)
    missing = [c for c in schema.required_columns if c not in cells.columns]
    if missing:
        raise InputFileError(
            f"{raw.source}: the required column {missing[0]!r} is missing (columns found: "
            f"{shown_names(cells.columns)}). Add it, or rename the column that holds it."
        )
    typed: dict[str, pd.Series] = {}
    typed[identifier] = _check_identifier(raw, schema.field(identifier))
    for spec in schema.fields:
        if spec.identifier or spec.name not in cells.columns:
            continue
        typed[spec.name] = _check_field(raw, spec, as_of)
    for spec in schema.fields:
        if spec.unique and spec.name in typed:
            _check_unique(raw, [spec.name], typed, spec.check == "elfproef")
    key = [identifier if c in schema.identifier_columns else c for c in schema.primary_key]
    if len(key) > 1 and all(c in typed for c in key):
        _check_unique(raw, key, typed, identifier == "bsn")
    columns = {c: typed[c] if c in typed else infer_column(cells[c], c) for c in cells.columns}
    return pd.DataFrame(columns, index=cells.index), identifier


def _match_names(cells: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """Rename header names that equal a schema field but for case or spaces (``BSN`` -> ``bsn``)."""
    known = {name.lower(): name for name in schema.names}
    taken = set(cells.columns)
    renames = {}
    for column in cells.columns:
        target = known.get(column.strip().lower().replace(" ", "_"))
        if target and target != column and target not in taken:
            renames[column] = target
    return cells.rename(columns=renames)


def _own_identifier(
    raw: RawTable, id_column: str | None, kind: IdentifierKind | None
) -> tuple[str, str | None]:
    """The identifier's role (``bsn``/``id``) and the file's own name for it, if it has one.

    ``id_column`` matches a header name but for case and surrounding spaces. ``None`` as the
    own name means the file is read as usual (no ``id_column``, or it is ``bsn``/``id``, or
    the file lacks it and must then carry ``bsn`` or ``id``).
    """
    role = "bsn" if kind is IdentifierKind.BSN else "id"
    wanted = (id_column or "").strip()
    if not wanted or wanted.lower() in ("bsn", "id"):
        return role, None
    own = next((c for c in raw.columns if c.strip().lower() == wanted.lower()), None)
    if own is None:
        if not any(c.strip().lower() in ("bsn", "id") for c in raw.columns):
            raise InputFileError(
                f"{raw.source}: no identifier column {wanted!r} (the protocol's [identifiers] "
                f"column); columns found: {shown_names(raw.columns)}. Rename the identifier "
                f"column to {wanted!r} in the header."
            )
        return role, None
    clash = [c for c in raw.columns if c != own and c.strip().lower() in ("bsn", "id")]
    if clash:
        raise InputFileError(
            f"{raw.source}: the identifier is column {own!r} (the protocol's [identifiers] "
            f"column), but the file also has a column {clash[0]!r}. Remove or rename "
            f"{clash[0]!r}: a file gives one identifier column."
        )
    return role, own


def _identifier(raw: RawTable, schema: TableSchema, id_kind: IdentifierKind | None) -> str:
    present = [c for c in schema.identifier_columns if c in raw.text.columns]
    found = shown_names(raw.columns)
    if not present:
        raise InputFileError(
            f"{raw.source}: no identifier column: the file needs a column 'bsn' (the citizen "
            f"service number) or 'id' (a pseudonym); columns found: {found}. Rename the "
            "identifier column in the header."
        )
    if len(present) > 1:
        raise InputFileError(
            f"{raw.source}: the file has both a 'bsn' and an 'id' column; give exactly one "
            "identifier column. Remove the other (keep 'bsn' if the protocol's identifiers kind "
            "is 'bsn')."
        )
    if id_kind is None:
        return present[0]
    wanted = "bsn" if id_kind is IdentifierKind.BSN else "id"
    if present[0] != wanted:
        other = "pseudonym" if id_kind is IdentifierKind.BSN else "bsn"
        raise InputFileError(
            f"{raw.source}: the protocol's [identifiers] kind is {id_kind.value!r}, so the file "
            f"needs the column {wanted!r}, but it has {present[0]!r}. Export the {wanted!r} "
            f"column, or declare kind = {other!r} in the protocol before anyone is assigned."
        )
    return present[0]


def _rows(n: int, singular: str, plural: str) -> str:
    return f"{n} row {singular}" if n == 1 else f"{n} rows {plural}"


def _refuse(
    raw: RawTable,
    column: str,
    bad: pd.Series | np.ndarray,
    rule: str,
    fix: str,
    *,
    values: pd.Series | None = None,
) -> InputFileError:
    """The error for rows ``bad`` (a boolean mask) of ``column`` that break ``rule``."""
    index = np.flatnonzero(np.asarray(bad, dtype=bool))
    where = raw.where(index)
    if values is None:
        shown = ""
    else:
        first = values.iloc[index[0]]
        shown = f"; {'value' if len(index) == 1 else 'first value'} {first!r}"
    return InputFileError(f"{raw.source}, column {column!r}: {rule} ({where}{shown}). {fix}")


def _check_identifier(raw: RawTable, spec: FieldSpec) -> pd.Series:
    cells = raw.text[spec.name]
    has = filled(cells)
    if not has.all():
        raise _refuse(
            raw,
            spec.name,
            ~has,
            _rows(int((~has).sum()), f"has no {spec.name}", f"have no {spec.name}"),
            "Every row needs an identifier: fill it in or remove these rows.",
        )
    text = cells.astype(str).str.strip()
    if spec.check == "elfproef":
        problems = text.map(bsn_problem)
        bad = problems.notna()
        if bad.any():
            first = problems[bad].iloc[0]
            same = problems == first
            _raise_bsn(raw, spec.name, int(same.sum()), first, np.flatnonzero(same.to_numpy()))
    elif spec.pattern is not None:
        bad = ~text.str.fullmatch(spec.pattern)
        if bad.any():
            raise _refuse(
                raw,
                spec.name,
                bad,
                _rows(int(bad.sum()), "does not match", "do not match")
                + f" the pattern {spec.pattern}",
                "Correct these identifiers.",
                values=text,
            )
    return text.astype(object)


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


def _check_field(raw: RawTable, spec: FieldSpec, as_of: dt.date) -> pd.Series:
    cells = raw.text[spec.name]
    has = filled(cells)
    text = text_of(cells)
    n_empty = int((~has).sum())
    if spec.required and n_empty:
        raise _refuse(
            raw,
            spec.name,
            ~has,
            _rows(n_empty, "is empty", "are empty"),
            f"Every row needs a {spec.name}: fill it in or remove these rows.",
        )
    values, bad = _parse(cells, spec)
    if bad.any():
        single, plural, what, fix = _TYPE_RULES[spec.type]
        rule = _rows(int(bad.sum()), single, plural) + f" {what}"
        raise _refuse(raw, spec.name, bad, rule, fix, values=text)
    if spec.enum:
        allowed = {v.lower() if spec.case_insensitive else v for v in spec.enum}
        probe = values.str.lower() if spec.case_insensitive else values
        bad = has & ~probe.isin(allowed).fillna(False)
        if bad.any():
            rule = _rows(int(bad.sum()), "holds", "hold") + " a value that is not allowed"
            options = ", ".join(repr(v) for v in spec.enum)
            empty = "" if spec.required else " or leave the cell empty"
            raise _refuse(raw, spec.name, bad, rule, f"Allowed are {options}{empty}.", values=text)
        if spec.case_insensitive:
            values = probe
    if spec.pattern is not None:
        bad = has & ~values.astype(TEXT).str.fullmatch(spec.pattern).fillna(False)
        if bad.any():
            rule = (
                _rows(int(bad.sum()), "does not match", "do not match")
                + f" the pattern {spec.pattern}"
            )
            raise _refuse(raw, spec.name, bad, rule, "Correct these values.", values=text)
    _check_bounds(raw, spec, values, text)
    if spec.not_in_future:
        _check_future(raw, spec, values, text, as_of)
    return _final_dtype(values, spec)


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
    text = text_of(cells)
    return text.where(filled(cells)), pd.Series(False, index=cells.index)


def _check_bounds(raw: RawTable, spec: FieldSpec, values: pd.Series, text: pd.Series) -> None:
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
    for bad, what in limits:
        if bad.any():
            rule = _rows(int(bad.sum()), "holds", "hold") + f" {what}"
            raise _refuse(
                raw,
                spec.name,
                bad,
                rule,
                f"{context} Correct these values in the export.".strip(),
                values=text,
            )


def _check_future(
    raw: RawTable, spec: FieldSpec, values: pd.Series, text: pd.Series, as_of: dt.date
) -> None:
    if spec.type == "date":
        bad = (values > pd.Timestamp(as_of)).fillna(False)
        what, fix = (
            f"a date after today, {as_of.isoformat()}",
            "A date cannot lie in the future: correct it.",
        )
    elif spec.type == "yearmonth":
        bad = (values > pd.Timestamp(as_of.year, as_of.month, 1)).fillna(False)
        what, fix = (
            f"a month after this month, {as_of:%Y-%m}",
            "A month cannot lie in the future: correct it.",
        )
    else:
        bad = (values.astype("float64") > as_of.year).fillna(False)
        what, fix = (
            f"a year after this year, {as_of.year}",
            "A year cannot lie in the future: correct it.",
        )
    if bad.any():
        raise _refuse(
            raw,
            spec.name,
            bad,
            _rows(int(bad.sum()), "holds", "hold") + f" {what}",
            fix,
            values=text,
        )


def _final_dtype(values: pd.Series, spec: FieldSpec) -> pd.Series:
    if spec.type == "boolean":
        return values.astype(bool) if values.notna().all() else values
    if spec.type == "string":
        return values.astype(object).where(values.notna(), None)
    return values


def _check_unique(
    raw: RawTable, columns: list[str], typed: dict[str, pd.Series], secret: bool
) -> None:
    frame = pd.DataFrame({c: typed[c] for c in columns})
    repeat = frame.duplicated(keep="first").to_numpy()
    if not repeat.any():
        return
    index = np.flatnonzero(repeat)
    first_row = frame.iloc[index[0]]
    same = pd.Series(True, index=frame.index)
    for c in columns:
        same &= (frame[c] == first_row[c]).fillna(False).astype(bool)
    earlier = int(np.flatnonzero(same.to_numpy())[0])
    also = raw.where([earlier]).split(" of sheet")[0]
    n = len(index)
    if len(columns) == 1:
        label = f"column {columns[0]!r}"
        rule = _rows(n, "repeats a value", "repeat values") + " that appeared before"
        fix = f"Each {columns[0]} may appear once in this table: remove the duplicate rows."
    else:
        label = "columns " + " and ".join(repr(c) for c in columns)
        rule = _rows(n, "repeats a combination", "repeat combinations") + " that appeared before"
        fix = (
            f"The table has one row per {' and '.join(columns)}: remove the duplicates or correct "
            f"the {columns[-1]}."
        )
    if secret:
        shown = "not shown: a BSN is never printed"
    else:
        value = ", ".join(_show(first_row[c]) for c in columns)
        shown = f"{value}, first on {also}"
    raise InputFileError(f"{raw.source}, {label}: {rule} ({raw.where(index)}; {shown}). {fix}")


def _show(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return repr(value.date().isoformat()[: 7 if value.day == 1 else 10])
    return repr(value.item() if hasattr(value, "item") else value)
