"""Reading a user's table (CSV, xlsx, parquet) into text cells that remember where they stood.

:func:`read_raw` returns a :class:`RawTable`: every cell as text exactly as the user sees it
(``None`` when empty), and for every row its position as the user finds it: the physical
line in a CSV file (the header is line 1; a quoted cell spanning lines counts them all), the
spreadsheet row in an xlsx sheet, the row number (from 1) in a parquet file. Typing and
validation happen later (:mod:`participatie_rct.data.validate`), so that every refusal can
point at the line where the bad value is.

:func:`read_frame` is the schema-free reader other commands use for ``DATA`` files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from participatie_rct.data.dialect import file_kind, sniff_text
from participatie_rct.data.values import infer_column
from participatie_rct.errors import InputFileError, line_list


@dataclass(frozen=True)
class RawTable:
    """A table as read: text cells, the position of each row, and how the file was written.

    ``positions[i]`` is where row ``i`` stands in the file, counted in ``unit`` (``"line"`` for
    text files, ``"row"`` for xlsx and parquet); ``sheet`` names the xlsx sheet read.
    """

    source: str
    cells: pd.DataFrame
    positions: np.ndarray
    unit: str
    kind: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names as in the header."""
        return tuple(self.cells.columns)

    @property
    def n_rows(self) -> int:
        """Number of data rows."""
        return len(self.cells)

    def where(self, rows: Sequence[int] | np.ndarray, *, most: int = 5) -> str:
        """Positions of row indices ``rows``: ``lines 4, 9`` or ``rows 3, 5 of sheet 'x'``."""
        numbers = [int(self.positions[i]) for i in rows]
        text = line_list(numbers, most=most)
        if self.unit != "line":
            text = "row" + text[len("line") :]
        if self.sheet is not None:
            text += f" of sheet {self.sheet!r}"
        return text


def read_raw(path: Path | str) -> RawTable:
    """Read any CSV/txt, xlsx or parquet file into a :class:`RawTable` of text cells.

    Refuses (:class:`InputFileError`) a missing, empty, binary or undecodable file, a file
    without data rows, a header with a blank or repeated column name, and rows with more or
    fewer fields than the header.
    """
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{source}: no such file. Check the path and the file name.") from None
    except IsADirectoryError:
        raise InputFileError(
            f"{source}: this is a folder, not a file. Give the table's file."
        ) from None
    except OSError as exc:
        raise InputFileError(f"{source}: cannot read the file ({exc.strerror}).") from None
    if not raw.strip():
        raise InputFileError(
            f"{source}: the file is empty. Export the table again: a header line with the column "
            "names, then one row per record."
        )
    kind = file_kind(path, raw[:8])
    if kind == "parquet":
        table = _read_parquet(path, source)
    elif kind == "xlsx":
        table = _read_xlsx(path, source)
    else:
        table = _read_text(raw, source)
    if table.n_rows == 0:
        raise InputFileError(
            f"{source}: the file has a header ({', '.join(table.columns[:6])}) but no data rows. "
            "Export the table again with its rows."
        )
    return table


def _header(names: list[Any], source: str, where: str) -> list[str]:
    """Clean header names; refuse blank or repeated names (trailing blank columns are dropped)."""
    header = ["" if n is None else str(n).strip().lstrip("\ufeff") for n in names]
    while header and header[-1] == "":
        header.pop()
    if not header:
        raise InputFileError(
            f"{source}: the header ({where}) has no column names. Add a header line."
        )
    blank = [i + 1 for i, n in enumerate(header) if n == ""]
    if blank:
        raise InputFileError(
            f"{source}: the header ({where}) has no name for column {blank[0]}. Give every "
            "column a name, or delete the empty column."
        )
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name.lower() in seen:
            raise InputFileError(
                f"{source}: the header ({where}) names column {name!r} twice (columns "
                f"{seen[name.lower()] + 1} and {i + 1}). Rename or remove one of them."
            )
        seen[name.lower()] = i
    return header


def _frame(rows: list[list[str | None]], header: list[str]) -> pd.DataFrame:
    cells = (
        pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header)
    )
    return cells.astype(object).where(cells.notna(), None)


def _read_text(raw: bytes, source: str) -> RawTable:
    dialect, text = sniff_text(raw, source=source)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter, strict=True)
    header: list[str] | None = None
    width = 0
    rows: list[list[str | None]] = []
    positions: list[int] = []
    ragged: list[tuple[int, int]] = []
    last = 0
    try:
        for record in reader:
            start, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in record) or (dialect.sep_line and start == 1):
                continue
            if header is None:
                header = _header(record, source, f"line {start}")
                width = len(header)
                continue
            cells = [cell.strip() or None for cell in record]
            if len(cells) > width and not any(cells[width:]):
                cells = cells[:width]
            if len(cells) != width:
                ragged.append((start, len(cells)))
                continue
            rows.append(cells)
            positions.append(start)
    except csv.Error as exc:
        raise InputFileError(
            f"{source}, line {last + 1}: the file cannot be read as CSV ({exc}). Check the quotes "
            "on that line."
        ) from None
    if header is None:
        raise InputFileError(f"{source}: the file holds only empty lines. Export the table again.")
    if ragged:
        lines = [line for line, _ in ragged]
        first_line, first_count = ragged[0]
        raise InputFileError(
            f"{source}: {len(ragged)} {'row has' if len(ragged) == 1 else 'rows have'} a different "
            f"number of fields than the header's {width} ({line_list(lines)}; line {first_line} "
            "has "
            f"{first_count} fields, separated by {_delimiter_name(dialect.delimiter)}). A value "
            "probably holds "
            "the separator without quotes: quote it, or export the file again."
        )
    return RawTable(
        source=source,
        cells=_frame(rows, header),
        positions=np.asarray(positions, dtype=np.int64),
        unit="line",
        kind="csv",
        encoding=dialect.encoding,
        delimiter=dialect.delimiter,
    )


def _delimiter_name(delimiter: str) -> str:
    return {";": "';'", ",": "','", "\t": "tabs", "|": "'|'"}.get(delimiter, repr(delimiter))


def _cell_text(value: Any) -> str | None:
    """A spreadsheet or parquet value as the text a CSV export would hold."""
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


def _read_xlsx(path: Path, source: str) -> RawTable:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise InputFileError(
            f"{source}: cannot open the workbook ({type(exc).__name__}: {exc}). Save it again from "
            "the spreadsheet, or export the sheet as CSV."
        ) from None
    try:
        # The table is on the first sheet that holds a header and at least one row: a
        # workbook often opens with a sheet of notes ("Toelichting") before the data.
        sheets = [(sheet.title, _sheet_rows(sheet)) for sheet in workbook.worksheets]
    finally:
        workbook.close()
    title, numbered = next(((t, rows) for t, rows in sheets if len(rows) > 1), sheets[0])
    if not numbered:
        raise InputFileError(
            f"{source}: the first sheet ({title!r}) is empty. Put the table on the first sheet."
        )
    # A title line above the table (one filled cell, then a wider row) is not the header.
    while len(numbered) > 1 and _width(numbered[0][2]) == 1 and _width(numbered[1][2]) > 1:
        numbered.pop(0)
    number, values, _ = numbered[0]
    header = _header(values, source, f"row {number} of sheet {title!r}")
    width = len(header)
    rows: list[list[str | None]] = []
    positions: list[int] = []
    for number, _, cells in numbered[1:]:
        extra = cells[width:]
        if any(extra):
            column = width + 1 + next(i for i, c in enumerate(extra) if c)
            raise InputFileError(
                f"{source}: row {number} of sheet {title!r} has a value in column {column}, which "
                "has no header. Give the column a name or clear it."
            )
        rows.append((cells + [None] * width)[:width])
        positions.append(number)
    return RawTable(
        source=source,
        cells=_frame(rows, header),
        positions=np.asarray(positions, dtype=np.int64),
        unit="row",
        kind="xlsx",
        sheet=title,
    )


def _sheet_rows(sheet: Any) -> list[tuple[int, list[Any], list[str | None]]]:
    """The non-empty rows of a worksheet: (spreadsheet row number, values, cell texts)."""
    numbered = [
        (number, list(values), [_cell_text(v) for v in values])
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
    ]
    return [(n, values, cells) for n, values, cells in numbered if any(cells)]


def _width(cells: list[str | None]) -> int:
    return sum(1 for c in cells if c)


def _read_parquet(path: Path, source: str) -> RawTable:
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(path).to_pandas()
    except Exception as exc:  # pyarrow's errors for damaged files vary by version
        raise InputFileError(
            f"{source}: cannot read the parquet file ({exc}). Write it again."
        ) from None
    header = _header(list(frame.columns), source, "the column names")
    rows = [[_cell_text(v) for v in record] for record in frame.itertuples(index=False, name=None)]
    return RawTable(
        source=source,
        cells=_frame(rows, header),
        positions=np.arange(1, len(rows) + 1, dtype=np.int64),
        unit="row",
        kind="parquet",
    )


def read_frame(path: Path | str) -> pd.DataFrame:
    """Read any CSV/xlsx/parquet file into a typed DataFrame, without a schema.

    For CSV and xlsx the encoding and delimiter are detected, decimal commas are converted
    in numeric columns, and each column is typed by
    :func:`~participatie_rct.data.values.infer_column`
    (numbers, clearly boolean words, ISO or day-month-year dates, otherwise text; identifier
    columns and values with leading zeros stay text). A parquet file keeps its own types.
    Raises :class:`InputFileError` for a missing, empty, binary or unreadable file.
    """
    path = Path(path)
    raw = read_raw(path)
    if raw.kind == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pandas()
    return pd.DataFrame({name: infer_column(raw.cells[name], name) for name in raw.columns})
