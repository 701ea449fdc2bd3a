"""Spreadsheet and parquet values as the text a CSV export of the same table would hold.

The validator reads text, so a typed value (an xlsx number, a parquet timestamp) is first
written as a person would see it in a CSV file: whole numbers without ``.0``, dates as
``2018-02-13``, booleans as ``true``/``false``. :func:`cell_text` does it for one value (the
xlsx stream), :func:`column_text` for a whole Arrow column at once (parquet).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa


def cell_text(value: Any) -> str | None:
    """A spreadsheet or parquet value as text (``None`` when empty)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return repr(number)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def column_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A typed Arrow column as text, as :func:`cell_text` writes each value.

    Strings, integers and booleans are converted in compiled code; other types (floats,
    timestamps, decimals) through :func:`cell_text` once per distinct value.
    """
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column.cast(pa.string())  # stripped later, once per distinct value
    if pa.types.is_integer(kind):
        return pc.cast(column, pa.string())
    if pa.types.is_boolean(kind):
        return pc.if_else(column, "true", "false")
    if pa.types.is_null(kind):
        return pa.chunked_array([pa.nulls(len(column), pa.string())])
    encoded = pc.dictionary_encode(column).combine_chunks()
    words = [cell_text(v) for v in encoded.dictionary.to_pylist()]
    return pa.chunked_array([pa.array(words, type=pa.string()).take(encoded.indices)])
