"""Delimited text files (CSV, ``;``-separated, tab or ``|``) read column by column with Arrow.

The common file, a regular export, goes through pyarrow's multi-threaded CSV parser into
Arrow string columns: no Python loop per row, and no list of line numbers (a
:class:`~participatie_rct.data.positions.TextPositions` finds the lines of failing rows
again when a message needs them). Anything irregular (rows with more or fewer fields than
the header, a quote the parser rejects, old Mac line ends, a header spanning lines) sends the
file to the exact reader, Python's csv module, which also words the refusal. Both readers
keep the same rows: records after the header that hold more than blanks and delimiters.
"""

from __future__ import annotations

import csv
import io
import mmap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from participatie_rct.data.dialect import TextDialect, detect_encoding, dialect_of, not_text
from participatie_rct.data.positions import ArrayPositions, TextPositions, has_lone_cr
from participatie_rct.data.raw import RawTable, clean_header, text_frame
from participatie_rct.errors import InputFileError, line_list

_PREFIX = 2**20  # bytes sniffed for the delimiter and the header
_KEEP = 32 * 2**20  # files up to this size keep their bytes for the lines of messages
_BLOCK = 16 * 2**20  # bytes per parsed block: fewer, larger Arrow chunks


def read_text(path: Path, source: str) -> RawTable:
    """Read a delimited text file; refuse it when it cannot be read as one table."""
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as m:
        encoding = detect_encoding(m, source=source)
        data: bytes | None = None  # UTF-8 is read from the file; other encodings transcoded
        if encoding in ("utf-8", "utf-8-sig"):
            start = 3 if m[:3] == b"\xef\xbb\xbf" else 0
        else:
            start, data = 0, _transcode(m, encoding, source)
        body = m if data is None else data
        prefix = _prefix_text(body[start : start + _PREFIX])
        quoted = _quotes(body)
        lone_cr = has_lone_cr(body)
    dialect = dialect_of(prefix, encoding)
    table = None
    if not lone_cr and quoted is not None:
        table = _read_fast(path, source, dialect, data, start, prefix, quoted)
    if table is None:
        text = (data if data is not None else path.read_bytes()[start:]).decode("utf-8")
        table = read_text_exactly(text, source, dialect)
    return table


def _quotes(data: bytes | mmap.mmap) -> bool | None:
    """Whether the file quotes cells; ``None`` when its quotes do not pair up (an unclosed
    quote, or a quote inside a cell), which the exact reader judges."""
    if data.find(b'"') < 0:
        return False
    count = 0
    for offset in range(0, len(data), _PREFIX * 16):
        chunk = np.frombuffer(
            data, dtype=np.uint8, count=min(_PREFIX * 16, len(data) - offset), offset=offset
        )
        count += int(np.count_nonzero(chunk == ord('"')))
    return True if count % 2 == 0 else None


def _transcode(raw: mmap.mmap, encoding: str, source: str) -> bytes:
    """A Windows-1252 or UTF-16 file as UTF-8 bytes (its mark dropped)."""
    body = raw[3:] if encoding == "cp1252" and raw[:3] == b"\xef\xbb\xbf" else raw[:]
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:  # utf-16 with an odd byte count or a lone surrogate
        raise not_text(source, f"{exc.reason} at byte {exc.start + 1}") from None
    return text.removeprefix("\ufeff").encode("utf-8")


def _prefix_text(head: bytes) -> str:
    """The first lines of the file as text (a character cut at the end is dropped)."""
    return head.decode("utf-8", errors="ignore").removeprefix("\ufeff")


def _header_line(prefix: str, dialect: TextDialect) -> tuple[int, int, str] | None:
    """Line number, byte length up to and including it, and text of the header line.

    ``None`` when the header cannot be found in the prefix on a line of its own (then the
    exact reader takes over).
    """
    consumed = 0
    for number, line in enumerate(prefix.splitlines(keepends=True), start=1):
        consumed += len(line.encode("utf-8"))
        if not line.endswith("\n"):
            return None
        if number == 1 and dialect.sep_line:
            continue
        if not line.strip().replace(dialect.delimiter, "").strip():
            continue
        if line.count('"') % 2:  # a quoted name spans lines
            return None
        return number, consumed, line.rstrip("\r\n")
    return None


def _read_fast(
    path: Path,
    source: str,
    dialect: TextDialect,
    data: bytes | None,
    start: int,
    prefix: str,
    quoted: bool,
) -> RawTable | None:
    """Arrow's parser on a regular file; ``None`` sends the file to the exact reader."""
    import pyarrow.csv as pacsv

    found = _header_line(prefix, dialect)
    if found is None:
        return None
    number, length, line = found
    names = next(csv.reader([line], delimiter=dialect.delimiter))
    header = clean_header(names, source, f"line {number}")
    fields = [f"f{i}" for i in range(len(names))]
    irregular: list[int] = []

    def on_invalid(row: object) -> str:
        irregular.append(1)
        return "skip"

    buffer = pa.py_buffer(data) if data is not None else pa.memory_map(str(path)).read_buffer()
    body = buffer.slice(start + length)
    if body.size == 0:
        return None
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=fields, block_size=_BLOCK),
            parse_options=pacsv.ParseOptions(
                delimiter=dialect.delimiter,
                newlines_in_values=quoted,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(fields, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if irregular:
        return None
    columns = _trimmed_columns(table, len(header))
    if columns is None:
        return None
    frame = text_frame(dict(zip(header, columns, strict=True)))
    positions = TextPositions(
        len(frame),
        path=path,
        delimiter=dialect.delimiter,
        sep_line=dialect.sep_line,
        data=_kept(path, data, dialect),
        text=data.decode("utf-8") if dialect.encoding == "utf-16" and data else None,
    )
    return RawTable(
        source=source,
        text=frame,
        locator=positions,
        unit="line",
        kind="csv",
        encoding=dialect.encoding,
        delimiter=dialect.delimiter,
    )


def _kept(path: Path, data: bytes | None, dialect: TextDialect) -> bytes | None:
    """The bytes a small file's positions are found in later (the file may be gone by then)."""
    if dialect.encoding == "utf-16":
        return None
    if data is not None and dialect.encoding != "cp1252":
        return data
    return path.read_bytes() if path.stat().st_size <= _KEEP else None


def _trimmed_columns(table: pa.Table, width: int) -> list[pa.ChunkedArray] | None:
    """The header's columns with blank rows dropped (cells are stripped later, per value).

    ``None`` when a column beyond the header's names holds a value (the exact reader then
    words the refusal).
    """
    import pyarrow.compute as pc

    def blank(i: int) -> pa.ChunkedArray:
        column = table.column(i)
        return pc.or_(pc.equal(column, ""), pc.utf8_is_space(column))

    if any(not pc.all(blank(i)).as_py() for i in range(width, table.num_columns)):
        return None
    columns = [table.column(i) for i in range(width)]
    if not len(table):
        return columns
    empty = blank(0)  # a blank row is blank in its first column: look further only then
    if pc.any(empty).as_py():
        for i in range(1, width):
            empty = pc.and_(empty, blank(i))
    if pc.any(empty).as_py():
        keep = pc.invert(empty)
        columns = [c.filter(keep) for c in columns]
    return columns


def read_text_exactly(text: str, source: str, dialect: TextDialect) -> RawTable:
    """Python's csv reader, record by record: the reference for rows, lines and refusals."""
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
                header = clean_header(record, source, f"line {start}")
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
        raise _ragged(source, ragged, width, dialect.delimiter)
    columns = {
        name: pd.Series([row[i] for row in rows], dtype=object) for i, name in enumerate(header)
    }
    return RawTable(
        source=source,
        text=text_frame(columns),
        locator=ArrayPositions(np.asarray(positions, dtype=np.int64)),
        unit="line",
        kind="csv",
        encoding=dialect.encoding,
        delimiter=dialect.delimiter,
    )


def _ragged(
    source: str, ragged: list[tuple[int, int]], width: int, delimiter: str
) -> InputFileError:
    lines = [line for line, _ in ragged]
    first_line, first_count = ragged[0]
    return InputFileError(
        f"{source}: {len(ragged)} {'row has' if len(ragged) == 1 else 'rows have'} a different "
        f"number of fields than the header's {width} ({line_list(lines)}; line {first_line} "
        "has "
        f"{first_count} fields, separated by {_delimiter_name(delimiter)}). A value "
        "probably holds "
        "the separator without quotes: quote it, or export the file again."
    )


def _delimiter_name(delimiter: str) -> str:
    return {";": "';'", ",": "','", "\t": "tabs", "|": "'|'"}.get(delimiter, repr(delimiter))
