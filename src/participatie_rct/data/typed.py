"""Typed parquet columns checked as they are, without writing them out as text first.

A parquet file carries its types: earnings as float64, a month as a date, a flag as a
boolean. The text path (:func:`participatie_rct.data.cells.column_text`) writes every value
as a CSV export would and parses it back once per distinct value; a column of amounts of
money has millions of distinct values, so that costs more than reading the file.
:func:`check_typed` checks such a column with vectorized masks over its rows instead: the
same rules in the same order, the same refusals (the offending value shown as
:func:`~participatie_rct.data.cells.cell_text` writes it), the same loaded values.

A column whose type does not fit its field (an integer column for a text field, a timestamp
with a time zone, a date outside pandas' range) or a field with allowed values or a pattern
goes through the text path as before: :func:`fits_typed` decides, and :func:`check_typed`
returns ``None`` for a column it hands back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from participatie_rct.data.cells import cell_text
from participatie_rct.data.raw import RawTable
from participatie_rct.data.rules import check_limits, check_required, final_dtype, refuse_type
from participatie_rct.data.schema import FieldSpec

#: Whole numbers beyond this are refused, as the text path refuses them.
_LARGEST_WHOLE = 2**53


def kept_type(kind: pa.DataType) -> bool:
    """Whether a parquet column of this type may be checked typed (else it is read as text)."""
    return bool(
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_date(kind)
        or (pa.types.is_timestamp(kind) and kind.tz is None)
    )


def fits_typed(spec: FieldSpec | None, kind: pa.DataType) -> bool:
    """Whether a column of Arrow type ``kind`` holding field ``spec`` is checked typed.

    Text, identifiers, enums and patterns are rules on text; a boolean field must accept
    the words ``true`` and ``false`` and a date field the ISO spelling, since the text path
    would write the typed values so.
    """
    if spec is None or spec.identifier or spec.enum or spec.pattern is not None:
        return False
    if not kept_type(kind):
        return False
    if spec.type in ("number", "integer"):
        return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind))
    if spec.type == "boolean":
        trues = {v.lower() for v in spec.true_values or ("true", "1")}
        falses = {v.lower() for v in spec.false_values or ("false", "0")}
        return pa.types.is_boolean(kind) and "true" in trues and "false" in falses
    if spec.type in ("date", "yearmonth"):
        default = ("%Y-%m-%d",) if spec.type == "date" else ("%Y-%m",)
        temporal = pa.types.is_date(kind) or pa.types.is_timestamp(kind)
        return temporal and "%Y-%m-%d" in (spec.formats or default)
    return False


@dataclass(frozen=True)
class RowValues:
    """A typed column being checked: flags are per row already, values shown from the file.

    It plays the part of a :class:`~participatie_rct.data.coded.Coded` column in the rules
    (:class:`~participatie_rct.data.rules.Shown`).
    """

    column: pa.ChunkedArray

    def rows(self, mask: pd.Series | np.ndarray) -> np.ndarray:
        """The mask itself: one flag per row."""
        return np.asarray(mask, dtype=bool)

    def text(self, row: int) -> str:
        """Row ``row``'s value as the text path would show it."""
        return str(cell_text(self.column[int(row)].as_py()))


def check_typed(
    raw: RawTable, spec: FieldSpec, column: pa.ChunkedArray, as_of: dt.date
) -> pd.Series | None:
    """The loaded column of a typed field, after its rules; ``None`` to read it as text.

    Refuses (:class:`~participatie_rct.errors.InputFileError`) as
    :func:`~participatie_rct.data.rules.check_field` would refuse the same values as text.
    """
    shown = RowValues(column)
    if spec.type in ("number", "integer"):
        return _numbers(raw, spec, column, shown, as_of)
    if spec.type == "boolean":
        values = column.to_numpy(zero_copy_only=False)
        filled = np.asarray(column.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        check_required(raw, spec, ~filled)
        flags = pd.Series(values, dtype="boolean")
        return final_dtype(flags, spec)
    return _dates(raw, spec, column, shown, as_of)


def _numbers(
    raw: RawTable, spec: FieldSpec, column: pa.ChunkedArray, shown: RowValues, as_of: dt.date
) -> pd.Series:
    """A number or integer field: empty (null or NaN), not finite or not whole, bounds."""
    # unsafe: a whole number beyond 2**53 rounds, as the text path's parsing rounds it
    numbers = column.cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False)
    numbers = np.asarray(numbers, dtype=np.float64)
    filled = ~np.isnan(numbers)
    check_required(raw, spec, ~filled)
    with np.errstate(invalid="ignore"):
        bad = filled & ~np.isfinite(numbers)
        if spec.type == "integer":
            whole = np.floor(np.where(filled, numbers, 0.0)) == np.where(filled, numbers, 0.0)
            bad |= filled & (~whole | (np.abs(numbers) > _LARGEST_WHOLE))
    refuse_type(raw, spec, bad, shown)
    values = pd.Series(numbers, copy=False)
    check_limits(raw, spec, values, shown, as_of)
    if spec.type == "integer":
        return values.round().astype("Int64")
    return values


def _dates(
    raw: RawTable, spec: FieldSpec, column: pa.ChunkedArray, shown: RowValues, as_of: dt.date
) -> pd.Series | None:
    """A date or month field: empty, a time other than midnight, in the future."""
    try:
        stamps = column.cast(pa.timestamp("ns"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # outside pandas' range of dates
        return None
    values = np.asarray(stamps.to_numpy(zero_copy_only=False), dtype="datetime64[ns]")
    filled = ~np.isnat(values)
    check_required(raw, spec, ~filled)
    days = values.astype("datetime64[D]")
    refuse_type(raw, spec, filled & (days != values), shown)  # a time of day is no date
    unit = "datetime64[D]" if spec.type == "date" else "datetime64[M]"
    dates = pd.Series(values.astype(unit).astype("datetime64[ns]"), copy=False)
    check_limits(raw, spec, dates, shown, as_of)
    return dates
