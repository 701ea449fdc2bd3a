"""xlsx workbooks read as a stream, with limits, so a hostile file cannot exhaust memory.

A worksheet declares its size (``<dimension ref="A1:XFD1048576">``) and openpyxl's reader
pads every row to that width: a 5 KB file declaring the whole grid once took minutes and
gigabytes. Here the declaration is not trusted (``reset_dimensions``: rows hold the cells
they hold), the zip's parts are measured before anything is unpacked, rows are read one at
a time and their text packed into Arrow arrays in batches, and a sheet beyond the limits
below is refused with a message saying what to do.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from participatie_rct.data.cells import cell_text
from participatie_rct.data.positions import ArrayPositions
from participatie_rct.data.raw import RawTable, clean_header, text_frame
from participatie_rct.errors import InputFileError

#: Most columns a table may use (the data's own; empty styled cells beyond are ignored).
MAX_COLUMNS = 1_000
#: Most unpacked bytes of the shared strings part, which openpyxl holds in memory.
MAX_SHARED_STRINGS = 256 * 2**20
#: Most unpacked bytes of all parts together (sheets are streamed, but not endlessly).
MAX_UNPACKED = 4 * 2**30
_BATCH = 20_000


def read_xlsx(path: Path, source: str) -> RawTable:
    """The table on the first sheet that holds a header and a row (notes sheets skipped)."""
    import openpyxl

    _check_parts(path, source)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise InputFileError(
            f"{source}: cannot open the workbook ({type(exc).__name__}: {exc}). Save it again from "
            "the spreadsheet, or export the sheet as CSV."
        ) from None
    try:
        return _first_table(workbook, source)
    finally:
        workbook.close()


def _check_parts(path: Path, source: str) -> None:
    """Refuse a workbook whose unpacked parts exceed the limits (a zip bomb)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        return  # openpyxl words the refusal
    total = sum(info.file_size for info in infos)
    shared = sum(info.file_size for info in infos if info.filename.endswith("sharedStrings.xml"))
    if shared > MAX_SHARED_STRINGS or total > MAX_UNPACKED:
        raise InputFileError(
            f"{source}: the workbook unpacks to {total / 2**20:,.0f} MB, more than this reader "
            f"accepts ({MAX_UNPACKED / 2**30:.0f} GB, of which {MAX_SHARED_STRINGS / 2**20:.0f} "
            "MB of text). Export the sheet as CSV instead."
        )


def _first_table(workbook: Any, source: str) -> RawTable:
    first: tuple[str, list[tuple[int, list[str | None]]]] | None = None
    for sheet in workbook.worksheets:
        sheet.reset_dimensions()  # never trust the declared size
        rows = _filled_rows(sheet, source)
        head = [row for _, row in zip(range(2), rows, strict=False)]
        if first is None:
            first = (sheet.title, head)
        if len(head) > 1:
            return _table(sheet.title, head, rows, source)
    title, head = first if first is not None else ("", [])
    if not head:
        raise InputFileError(
            f"{source}: the first sheet ({title!r}) is empty. Put the table on the first sheet."
        )
    return _table(title, head, iter(()), source)


def _filled_rows(sheet: Any, source: str) -> Iterator[tuple[int, list[str | None]]]:
    """(spreadsheet row number, cell texts) of the rows holding a value, trailing blanks cut."""
    for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
        cells = [cell_text(v) for v in values]
        while cells and cells[-1] is None:
            cells.pop()
        if not cells:
            continue
        if len(cells) > MAX_COLUMNS:
            raise InputFileError(
                f"{source}: row {number} of sheet {sheet.title!r} has a value in column "
                f"{len(cells)}; a table here has at most {MAX_COLUMNS} columns. Remove the "
                "stray cell, or export the sheet as CSV."
            )
        yield number, cells


def _table(
    title: str,
    head: list[tuple[int, list[str | None]]],
    rest: Iterator[tuple[int, list[str | None]]],
    source: str,
) -> RawTable:
    """Header (a one-cell title line above a wider row is skipped), then the rows in batches."""
    rows = chain(head, rest)
    buffered = [next(rows)]
    while True:  # a title line above the table is not the header
        following = next(rows, None)
        if following is None:
            break
        buffered.append(following)
        if not (_width(buffered[0][1]) == 1 and _width(following[1]) > 1):
            break
        buffered.pop(0)
    number, values = buffered[0]
    header = clean_header(values, source, f"row {number} of sheet {title!r}")
    width = len(header)
    columns: list[list[Any]] = [[] for _ in header]
    batches: list[list[str | None]] = [[] for _ in header]
    positions: list[int] = []
    for number, cells in chain(buffered[1:], rows):
        if len(cells) > width:
            column = width + 1 + next(i for i, c in enumerate(cells[width:]) if c)
            raise InputFileError(
                f"{source}: row {number} of sheet {title!r} has a value in column {column}, "
                "which has no header. Give the column a name or clear it."
            )
        for i in range(width):
            batches[i].append(cells[i] if i < len(cells) else None)
        positions.append(number)
        if len(positions) % _BATCH == 0:
            _flush(batches, columns)
    _flush(batches, columns)
    import pyarrow as pa

    text = text_frame(
        {name: pa.chunked_array(columns[i], type=pa.string()) for i, name in enumerate(header)}
    )
    return RawTable(
        source=source,
        text=text,
        locator=ArrayPositions(np.asarray(positions, dtype=np.int64)),
        unit="row",
        kind="xlsx",
        sheet=title,
    )


def _flush(batches: list[list[str | None]], columns: list[list[Any]]) -> None:
    """Pack the batch's Python strings into Arrow arrays (compact) and empty it."""
    import pyarrow as pa

    for i, batch in enumerate(batches):
        if batch:
            columns[i].append(pa.array(batch, type=pa.string()))
            batch.clear()


def _width(cells: list[str | None]) -> int:
    return sum(1 for c in cells if c)
