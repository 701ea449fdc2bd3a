"""Reading a user's table (CSV, xlsx, parquet) into text cells that remember where they stood.

:func:`read_raw` returns a :class:`RawTable`: every cell as text exactly as the user sees it
(missing when empty), and for every row its position as the user finds it: the physical
line in a CSV file (the header is line 1; a quoted cell spanning lines counts them all), the
spreadsheet row in an xlsx sheet, the row number (from 1) in a parquet file. Positions are
computed only for the rows a message names (:mod:`participatie_rct.data.positions`). Typing
and validation happen later (:mod:`participatie_rct.data.validate`), so that every refusal
can point at the line where the bad value is.

:func:`read_frame` is the schema-free reader other commands use for ``DATA`` files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa

from participatie_rct.data.cells import cell_text, column_text
from participatie_rct.data.coded import Coded
from participatie_rct.data.dialect import file_kind
from participatie_rct.data.positions import CountedPositions
from participatie_rct.data.raw import RawTable, clean_header, shown_names, text_frame
from participatie_rct.data.values import TEXT, infer_column
from participatie_rct.errors import InputFileError

__all__ = ["RawTable", "cell_text", "read_frame", "read_raw"]


def read_raw(path: Path | str, *, typed: bool = False) -> RawTable:
    """Read any CSV/txt, xlsx or parquet file into a :class:`RawTable` of text cells.

    Refuses (:class:`InputFileError`) a missing, empty, binary or undecodable file, a file
    without data rows, a header with a blank or repeated column name (or a BSN where a name
    belongs), and rows with more or fewer fields than the header.

    With ``typed``, a parquet file's numbers, booleans, dates and timestamps stay Arrow
    columns of their type (pandas ``ArrowDtype``), for the validator to check them as they
    are (:mod:`participatie_rct.data.typed`), and its text columns stay the dictionaries
    parquet stores; every other column is text as usual.
    """
    path = Path(path)
    source = str(path)
    return _read_kind(path, source, _kind(path, source), typed=typed)


def _read_kind(path: Path, source: str, kind: str, *, typed: bool = False) -> RawTable:
    """:func:`read_raw` of a file whose kind (:func:`_kind`) is known."""
    if kind == "parquet":
        table = _read_parquet(path, source, typed=typed)
    elif kind == "xlsx":
        from participatie_rct.data.sheet_reader import read_xlsx

        table = read_xlsx(path, source)
    else:
        from participatie_rct.data.text_reader import read_text

        table = read_text(path, source)
    if table.n_rows == 0:
        raise _no_rows(source, table.columns)
    return table


def _no_rows(source: str, columns: Sequence[str]) -> InputFileError:
    return InputFileError(
        f"{source}: the file has a header ({shown_names(columns[:6])}) but no data rows. "
        "Export the table again with its rows."
    )


def _kind(path: Path, source: str) -> str:
    """The file's kind from its first bytes; refuse a missing, unreadable or empty file."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
            blank = not head.strip() and not _has_content(handle)
    except FileNotFoundError:
        raise InputFileError(f"{source}: no such file. Check the path and the file name.") from None
    except IsADirectoryError:
        raise InputFileError(
            f"{source}: this is a folder, not a file. Give the table's file."
        ) from None
    except OSError as exc:
        raise InputFileError(f"{source}: cannot read the file ({exc.strerror}).") from None
    if blank:
        raise InputFileError(
            f"{source}: the file is empty. Export the table again: a header line with the column "
            "names, then one row per record."
        )
    return file_kind(path, head)


def _has_content(handle: BinaryIO) -> bool:
    """Whether the rest of an open file holds anything but blanks."""
    while chunk := handle.read(2**20):
        if chunk.strip():
            return True
    return False


def _parquet_table(path: Path, source: str, *, encoded: bool = False) -> pa.Table:
    """The parquet file's table; with ``encoded``, its text columns as dictionaries.

    A parquet file stores text as a dictionary per row group: read so, 24 million ids cost
    their indices, not 24 million strings, and the validator codes them without hashing a
    row (:class:`~participatie_rct.data.coded.Coded`).
    """
    import pyarrow.parquet as pq

    if encoded:
        try:
            schema = pq.read_schema(path)
            text = [f.name for f in schema if pa.types.is_string(f.type)]
            return pq.read_table(path, read_dictionary=text)
        except Exception:  # a damaged file: refused below in the words of the plain read
            pass
    try:
        return pq.read_table(path)
    except Exception as exc:  # pyarrow's errors for damaged files vary by version
        raise InputFileError(
            f"{source}: cannot read the parquet file ({exc}). Write it again."
        ) from None


def _read_parquet(path: Path, source: str, *, typed: bool = False) -> RawTable:
    from participatie_rct.data.typed import kept_type

    table = _parquet_table(path, source, encoded=typed)
    header = clean_header(list(table.column_names), source, "the column names")
    n_rows, columns = table.num_rows, {}
    for name in header:  # each typed column is let go once it is text
        column = table.column(0)
        if typed and (kept_type(column.type) or _text_dictionary(column.type)):
            columns[name] = pd.Series(pd.arrays.ArrowExtensionArray(column), copy=False)
        else:
            columns[name] = text_frame({name: column_text(column)})[name]
        table = table.remove_column(0)
    return RawTable(
        source=source,
        text=pd.DataFrame(columns, copy=False),
        locator=CountedPositions(n_rows),
        unit="row",
        kind="parquet",
    )


def _text_dictionary(kind: pa.DataType) -> bool:
    """Whether a column was read as a dictionary of text (kept so for the validator)."""
    return bool(pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type))


def read_frame(path: Path | str) -> pd.DataFrame:
    """Read any CSV/xlsx/parquet file into a typed DataFrame, without a schema.

    For CSV and xlsx the encoding and delimiter are detected, decimal commas are converted
    in numeric columns, and each column is typed by
    :func:`~participatie_rct.data.values.infer_column`
    (numbers, clearly boolean words, ISO or day-month-year dates, otherwise text; identifier
    columns and values with leading zeros stay text). A parquet file keeps its own types
    (and a table this tool wrote, its pandas types too: it was checked when written).
    Raises :class:`InputFileError` for a missing, empty, binary or unreadable file.
    """
    path = Path(path)
    source = str(path)
    kind = _kind(path, source)
    if kind == "parquet":
        table = _parquet_table(path, source)
        clean_header(list(table.column_names), source, "the column names")
        if table.num_rows == 0:
            raise _no_rows(source, table.column_names)
        frame: pd.DataFrame = table.to_pandas()
        return frame
    raw = _read_kind(path, source, kind)  # the kind is known: the file is not sniffed again
    columns = {}
    for name in raw.columns:
        columns[name] = _inferred(raw.text[name], name)
    return pd.DataFrame(columns, copy=False)


def _inferred(cells: pd.Series, name: str) -> pd.Series:
    """:func:`~participatie_rct.data.values.infer_column` of a column, run on its distinct values.

    Every rule of the inference is about values (is each a number, a date, a yes/no word?)
    or about whether any cell is empty, so typing the distinct values once (and one empty
    cell when the column has one) and spreading them to the rows gives the same column:
    an outcome table of 400,000 rows has two arms and a few hundred strata.
    """
    coded = Coded.of(cells)
    probe = coded.uniques
    empty = bool((coded.codes < 0).any())
    if empty:  # the empty cell the rules must see: "none missing" decides int64 or float64
        probe = pd.concat([probe, pd.Series([None], dtype=TEXT)], ignore_index=True)
    typed = infer_column(probe, name)
    index = np.where(coded.codes < 0, len(coded.uniques), coded.codes) if empty else coded.codes
    return pd.Series(typed.array.take(index), copy=False)
