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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from participatie_rct.choices import IdentifierKind, TableName, parse_choice
from participatie_rct.data.aliases import match_names, missing_column
from participatie_rct.data.cells import column_text
from participatie_rct.data.coded import Coded
from participatie_rct.data.hostile_text import clean_text
from participatie_rct.data.positions import CountedPositions
from participatie_rct.data.pseudonym import pseudonymise, require_key
from participatie_rct.data.raw import RawTable, shown_names, text_frame
from participatie_rct.data.readers import read_raw
from participatie_rct.data.rules import (
    check_field,
    check_identifier,
    check_unique,
    final_dtype,
)
from participatie_rct.data.schema import FieldSpec, TableSchema, table_schema
from participatie_rct.data.stamp import read_stamped, stamped_rows
from participatie_rct.data.typed import check_typed, fits_typed
from participatie_rct.data.values import TEXT, infer_column
from participatie_rct.errors import InputFileError

#: Name of the identifier column in every loaded table.
PARTICIPANT = "participant"


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
    # written by this tool after the same checks: the rows are counted from the metadata
    stamped = stamped_rows(path, name.value) if _is_parquet(path) else None
    if stamped is not None:
        n_rows, names = stamped
        return ValidationReport(table=name.value, path=str(path), n_rows=n_rows, columns=names)
    schema = table_schema(name)
    prepared = _prepare([read_raw(path, typed=True)], schema)
    checked = _typed(prepared, schema, as_of or dt.date.today(), materialize=False)
    return ValidationReport(
        table=name.value,
        path=str(path),
        n_rows=len(checked.coded[checked.identifier].codes),
        columns=checked.raw.columns,
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
    file, or row in a sheet or parquet file, computed when first asked for) and ``line_unit``
    (``"line"`` or ``"row"``), so that later checks can point at the rows as the user sees
    them.
    """
    name = parse_choice(TableName, table, parameter="table")
    kind = None if id_kind is None else parse_choice(IdentifierKind, id_kind, parameter="id_kind")
    stamped = read_stamped(path, name.value) if _is_parquet(path) else None
    if stamped is not None and PARTICIPANT in stamped.columns:  # checked when it was written
        stamped.attrs.update(
            source=str(path),
            lines=CountedPositions(len(stamped)),
            line_unit="row",
        )
        return stamped
    raw = read_raw(path, typed=True)
    role, own = _own_identifier(raw, id_column, kind)
    if own is not None:
        raw = raw.with_text(raw.text.rename(columns={own: role}))
    schema = table_schema(name)
    try:
        taken = [raw]
        del raw  # the cells go column by column once coded (see _prepare)
        prepared = _prepare(taken, schema, kind)
        checked = _typed(prepared, schema, as_of or dt.date.today())
    except InputFileError as exc:
        if own is None:
            raise
        # the messages name the role ('bsn'/'id'); the user knows the column by its own name
        raise InputFileError(str(exc).replace(f"column {role!r}", f"column {own!r}")) from None
    return _loaded(checked, key, own)


def _loaded(checked: _Checked, key: bytes | None, own: str | None) -> pd.DataFrame:
    """The typed frame with ``participant`` first (BSNs replaced by pseudonyms)."""
    columns, identifier, source = checked.columns, checked.identifier, checked.raw.source
    if identifier == "bsn":
        secret = require_key(key, purpose=f"Reading {source} (it has a bsn column)")
        # one keyed hash per person, not per row: a person has many benefit months
        ids = checked.coded["bsn"]
        names = np.asarray(pseudonymise(secret, ids.uniques.astype(str).tolist()), object)
        participant = pd.Series(names[ids.codes], dtype=object)
        columns = {c: v for c, v in columns.items() if c != "bsn"}
    else:
        participant = columns[identifier]
        if own is not None:
            columns = {own if c == identifier else c: v for c, v in columns.items()}
    frame = pd.DataFrame({PARTICIPANT: participant, **columns}, copy=False)  # no block merge
    # where each row stood in the file, for messages of later checks (the register's)
    frame.attrs.update(source=source, lines=checked.raw.locator, line_unit=checked.raw.unit)
    return frame


def _is_parquet(path: Path | str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == b"PAR1"
    except OSError:
        return False  # read_raw words the refusal


def check_table(
    raw: RawTable,
    schema: TableSchema,
    *,
    as_of: dt.date,
    id_kind: IdentifierKind | None = None,
) -> tuple[pd.DataFrame, str]:
    """Apply every rule of ``schema`` to ``raw``; return the typed frame and identifier column."""
    checked = _typed(_prepare(raw, schema, id_kind), schema, as_of)
    return pd.DataFrame(checked.columns, copy=False), checked.identifier


@dataclass(frozen=True)
class _Checked:
    """A table being checked: its columns coded, the file's cells let go.

    ``raw`` keeps the names, the source and the row positions of the file, not its cells:
    holding the cells of a large file beside the typed columns would double the memory.
    """

    raw: RawTable
    identifier: str
    coded: dict[str, Coded]
    columns: dict[str, pd.Series]
    typed: dict[str, pa.ChunkedArray] = field(default_factory=dict)


def _prepare(
    raw: RawTable | list[RawTable], schema: TableSchema, id_kind: IdentifierKind | None = None
) -> _Checked:
    """Column names checked (reserved, identifier, required) and every column coded.

    Given a one-item list, the table is taken out of it, so that no one else holds its cells
    and each column's text is let go as soon as it is coded (a national panel's text is
    larger than all its typed columns together).
    """
    if isinstance(raw, list):
        raw = raw.pop()
    text = match_names(raw.text, schema, raw.source)
    raw = raw.with_text(text)
    columns = raw.columns
    if PARTICIPANT in columns:
        raise InputFileError(
            f"{raw.source}: the column name {PARTICIPANT!r} is reserved for the pseudonym this "
            "reader makes. Name the identifier column 'id' (a pseudonym) or 'bsn'."
        )
    identifier = _identifier(raw, schema, id_kind)
    missing = [c for c in schema.required_columns if c not in columns]
    if missing:
        raise InputFileError(
            missing_column(raw.source, schema, missing[0], list(columns))
            + " Add it, or rename the column that holds it."
        )
    spelled = [v for v in schema.missing_values if v != ""]  # "" is always missing
    # no slice of the cells (``iloc[:0]`` would keep every Arrow buffer alive): empty columns
    raw = raw.with_text(pd.DataFrame({c: pd.Series([], dtype=TEXT) for c in columns}))
    coded, typed = {}, {}
    known = set(schema.names)
    for c in columns:
        cells = text.pop(c)
        kind = _kept_arrow_type(cells)
        if kind is not None:  # a parquet column that kept its type
            arrow = cells.array._pa_array
            spec = schema.field(c) if c in known and c != identifier else None
            if fits_typed(spec, kind):
                typed[c] = arrow
                continue
            cells = text_frame({c: column_text(arrow)})[c]
        coded[c] = Coded.of(cells, spelled)
        del cells
        _release_arrow_memory()
    return _Checked(raw, identifier, coded, {}, typed)


def _kept_arrow_type(cells: pd.Series) -> pa.DataType | None:
    """The Arrow type of a column read typed (``read_raw(typed=True)``), ``None`` for text
    (Arrow strings, or a dictionary of them, which :class:`Coded` codes as it is)."""
    dtype = cells.dtype
    if not isinstance(dtype, pd.ArrowDtype):
        return None
    kind = dtype.pyarrow_dtype
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return None if pa.types.is_string(kind) or pa.types.is_large_string(kind) else kind


def _typed(
    checked: _Checked, schema: TableSchema, as_of: dt.date, *, materialize: bool = True
) -> _Checked:
    """Every rule applied; ``columns`` holds the typed columns in the file's order.

    Without ``materialize`` (``validate``) the rules run on the distinct values only and no
    column is spread back to the rows.
    """
    raw, identifier, coded = checked.raw, checked.identifier, checked.coded
    id_spec = schema.field(identifier)
    check_identifier(raw, id_spec, coded[identifier])
    if id_spec.check != "elfproef":
        coded[identifier] = clean_text(raw, identifier, coded[identifier])
    parsed: dict[str, pd.Series] = {identifier: coded[identifier].uniques}
    keys: dict[str, np.ndarray] = {identifier: coded[identifier].codes}
    rows: dict[str, pd.Series] = {}  # typed parquet columns: one value a row
    for spec in schema.fields:
        if spec.name in checked.typed and not spec.identifier:
            values = _typed_column(checked, spec, schema, as_of)
            if values is not None:
                rows[spec.name] = parsed[spec.name] = values
                if spec.unique or spec.name in schema.primary_key:  # only keys need codes
                    keys[spec.name] = _row_codes(values)
                continue
        if spec.identifier or spec.name not in coded:
            continue
        if spec.type == "string":
            coded[spec.name] = clean_text(raw, spec.name, coded[spec.name])
        parsed[spec.name] = check_field(raw, spec, coded[spec.name], as_of)
        keys[spec.name] = coded[spec.name].value_codes(parsed[spec.name])

    def value_at(column: str, row: int) -> object:
        if column in rows:
            value = rows[column].iloc[row]
            return None if pd.isna(value) else value
        code = int(coded[column].codes[row])
        return None if code < 0 else parsed[column].iloc[code]

    for spec in schema.fields:
        if spec.unique and spec.name in parsed:
            check_unique(raw, [spec.name], value_at, keys, spec.check == "elfproef")
    key = [identifier if c in schema.identifier_columns else c for c in schema.primary_key]
    if len(key) > 1 and all(c in parsed for c in key):
        check_unique(raw, key, value_at, keys, identifier == "bsn")
    del keys
    for c in raw.columns:
        if c not in parsed:
            coded[c] = clean_text(raw, c, coded[c], free_text=True)
    if not materialize:
        return _Checked(raw, identifier, coded, {})
    columns = {
        c: rows[c] if c in rows else _column(c, coded[c], parsed, schema, identifier)
        for c in raw.columns
    }
    return _Checked(raw, identifier, coded, columns)


def _typed_column(
    checked: _Checked, spec: FieldSpec, schema: TableSchema, as_of: dt.date
) -> pd.Series | None:
    """A typed parquet column checked (:mod:`participatie_rct.data.typed`), one value a row.

    ``None`` when the typed check hands the column back: it is then coded as text into
    ``checked.coded`` and checked there, as a CSV file's column would be.
    """
    arrow = checked.typed.pop(spec.name)
    values = check_typed(checked.raw, spec, arrow, as_of)
    if values is None:
        spelled = [v for v in schema.missing_values if v != ""]
        cells = text_frame({spec.name: column_text(arrow)})[spec.name]
        checked.coded[spec.name] = Coded.of(cells, spelled)
    return values


def _row_codes(values: pd.Series) -> np.ndarray:
    """Per row, a code of its value (equal values, equal codes; -1 empty), for uniqueness."""
    codes: np.ndarray = pd.factorize(values, use_na_sentinel=True)[0].astype(np.int32)
    return codes


def _column(
    name: str, coded: Coded, parsed: dict[str, pd.Series], schema: TableSchema, identifier: str
) -> pd.Series:
    """A typed column of rows from its distinct values."""
    if name == identifier:
        return coded.text_rows()
    if name in parsed:
        spec = schema.field(name)
        if spec.type == "string":  # Python text straight from the distinct values
            return coded.text_rows(parsed[name])
        return final_dtype(coded.spread(parsed[name]), spec)
    return infer_column(coded.spread(coded.uniques), name)


def _release_arrow_memory() -> None:
    """Hand memory Arrow freed back to the system (its pool keeps it for reuse otherwise)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


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
