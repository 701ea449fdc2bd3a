"""What kind of file a user gave: xlsx, parquet or delimited text, its encoding and delimiter.

Nothing here is guessed blindly. The file type comes from its first bytes (a zip holding
``xl/workbook.xml`` is a workbook, ``PAR1`` opens a parquet file), not from its name. For text:
a byte-order mark settles the encoding; otherwise strict UTF-8 decoding is tried first
(valid UTF-8 is very unlikely by accident for non-ASCII text), then Windows-1252, accepted only
when every byte is defined there, no control characters appear and charset-normalizer finds
the decoded text coherent. The delimiter is the candidate (``;``, ``,``, tab, ``|``) that splits the
header into the most fields while every sampled row has exactly as many.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from participatie_rct.errors import InputFileError

DELIMITERS = (";", ",", "\t", "|")
_SAMPLE_LINES = 200
_PARQUET_MAGIC = b"PAR1"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old binary .xls (and .doc)
_ALLOWED_CONTROLS = {"\t", "\n", "\r", "\f"}
_SEP_HINT = re.compile(r"^sep=([;,\t|])[ \t]*(?:\r\n|\n|\r|$)")
_LONG_NON_ASCII = re.compile(r"[^\x00-\x7f]{3,}")


@dataclass(frozen=True)
class TextDialect:
    """How a delimited text file is written: encoding (Python codec name), delimiter, and
    whether its first line is Excel's ``sep=`` hint."""

    encoding: str
    delimiter: str
    sep_line: bool = False


def file_kind(path: Path, head: bytes) -> str:
    """``"xlsx"``, ``"parquet"`` or ``"text"`` from the file's first bytes; refuses the rest."""
    if head.startswith(_PARQUET_MAGIC):
        return "parquet"
    if head.startswith(_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            names = set()
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise InputFileError(
            f"{path}: this is a zip archive, not a table. Give the CSV, xlsx or parquet file "
            "itself "
            "(unpack the archive first)."
        )
    if head.startswith(_OLE_MAGIC):
        raise InputFileError(
            f"{path}: this is an old binary Excel file (.xls), which is not read. Open it in a "
            "spreadsheet and save it as .xlsx or as CSV."
        )
    return "text"


def detect_encoding(raw: Buffer, *, source: str) -> str:
    """The codec that decodes ``raw``: utf-8-sig, utf-16, utf-8 or cp1252; else refuse.

    ``raw`` is the file's bytes (``bytes`` or a memory map: large files are checked in
    chunks, never decoded whole). A file that mixes UTF-8 and Windows-1252 is refused with
    the line of the first byte that does not fit the encoding of the text before it.

    >>> detect_encoding("id;naam\\n1;Zoë\\n".encode("cp1252"), source="x.csv")
    'cp1252'
    >>> detect_encoding(b"\\xef\\xbb\\xbfid\\n1\\n", source="x.csv")
    'utf-8-sig'
    """
    if raw[:3] == b"\xef\xbb\xbf":
        if _utf8_error(raw, 3) is not None:
            # A UTF-8 byte-order mark before Windows-1252 text: some tools prepend the mark
            # without converting the rest. The body decides.
            return detect_encoding(raw[3:], source=source)
        _refuse_controls(_head_text(raw, 3), source)
        return "utf-8-sig"
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise InputFileError(
            f"{source}: this is not a text file (it holds binary data: a zero byte at byte "
            f"{nul + 1}). Give a CSV, xlsx or parquet export of the table."
        )
    bad = _utf8_error(raw, 0)
    if bad is None:
        _refuse_controls(_head_text(raw, 0), source)
        return "utf-8"
    if _NON_ASCII.search(raw, 0, bad):
        raise _mixed(raw, source, bad, "UTF-8", f"byte 0x{raw[bad]:02X} is not")
    try:
        text = raw[:].decode("cp1252")
    except UnicodeDecodeError as exc:
        raise not_text(source, f"byte 0x{raw[exc.start]:02X} at byte {exc.start + 1}") from None
    _refuse_controls(text, source)
    if not _reads_as_western(text, raw[:200_000]):
        raise not_text(source, "the characters do not read as Windows-1252 text either")
    utf8 = _UTF8_SEQUENCE.search(raw, bad)
    if utf8 is not None:
        found = utf8.group(0).hex(" ").upper().replace(" ", " 0x")
        raise _mixed(raw, source, utf8.start(), "Windows-1252", f"bytes 0x{found} are UTF-8, not")
    return "cp1252"


#: Buffers the encoding checks read: bytes or a memory-mapped file.
Buffer = bytes | mmap.mmap

_CHUNK = 16 * 2**20
_NON_ASCII = re.compile(rb"[\x80-\xff]")
# A character of two to four bytes as UTF-8 writes it: in a Windows-1252 file such pairs
# read as mojibake (UTF-8 "ë" is "Ã«"), so finding one after Windows-1252 text means the
# file mixes the two.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _utf8_error(raw: Buffer, start: int) -> int | None:
    """Offset of the first byte that is not valid UTF-8 (from ``start``), or ``None``."""
    size = len(raw)
    view = memoryview(raw)
    try:
        while start < size:
            stop = min(start + _CHUNK, size)
            if stop < size:
                cut = raw.rfind(b"\n", start, stop)
                stop = cut + 1 if cut > start else stop
            try:
                codecs.utf_8_decode(view[start:stop], "strict", stop >= size)
            except UnicodeDecodeError as exc:
                if exc.reason == "unexpected end of data" and stop < size:
                    stop = start + exc.start  # a character cut by the chunk: read it next
                    if stop == start:
                        return start
                else:
                    return start + exc.start
            start = stop
    finally:
        view.release()
    return None


def _head_text(raw: Buffer, start: int) -> str:
    """The first characters of a UTF-8 buffer, for the control-character check."""
    return raw[start : start + 400_000].decode("utf-8", errors="ignore")


def _mixed(raw: Buffer, source: str, at: int, before: str, what: str) -> InputFileError:
    import numpy as np

    line = int(np.count_nonzero(np.frombuffer(raw, dtype=np.uint8, count=at) == ord("\n"))) + 1
    return InputFileError(
        f"{source}, line {line}: the file mixes character encodings: the text before this line "
        f"is {before}, but here {what} {before} (byte {at + 1}). Part of the file comes from "
        "another export: save the whole file once as 'CSV UTF-8' and try again."
    )


def _reads_as_western(text: str, raw: Buffer) -> bool:
    """Whether text decoded as Windows-1252 looks like a Western language, not mojibake.

    Dutch text has an accent here and there (``één``, ``Zoë``); text in another code page read
    as Windows-1252 turns into long runs of accented letters and symbols (Cyrillic ``Привет``
    becomes ``Ïðèâåò``). Text without such runs passes; otherwise charset-normalizer's mess
    detector decides.
    """
    if not _LONG_NON_ASCII.search(text):
        return True
    from charset_normalizer import from_bytes

    return bool(from_bytes(bytes(raw[:200_000]), cp_isolation=["cp1252"]))


def not_text(source: str, detail: str) -> InputFileError:
    return InputFileError(
        f"{source}: cannot tell the file's character encoding: it is not UTF-8 and not "
        f"Windows-1252 ({detail}). Save the file as 'CSV UTF-8' and try again."
    )


def _refuse_controls(text: str, source: str) -> None:
    """Refuse text with control characters: a binary file that happened to decode."""
    for position, char in enumerate(text[:100_000]):
        if (ord(char) < 32 or 127 <= ord(char) < 160) and char not in _ALLOWED_CONTROLS:
            raise InputFileError(
                f"{source}: this is not a text file (control character 0x{ord(char):02X} at "
                f"character {position + 1}). Give a CSV, xlsx or parquet export of the table."
            )


def detect_delimiter(text: str) -> str:
    """The delimiter of delimited ``text``: ``;``, ``,``, tab or ``|`` (``,`` for one column).

    Each candidate parses the first lines (quotes respected); it qualifies when every sampled
    row has as many fields as the header, and the qualifying candidate with the most header
    fields wins. Ties (rare: a header with both) go to the order ``;``, ``,``, tab, ``|``.

    >>> detect_delimiter("id;earnings\\n1;12,50\\n2;7,25\\n")
    ';'
    >>> detect_delimiter("id,earnings\\n1,12.50\\n")
    ','
    """
    best, best_fields = ",", 1
    fallback, fallback_fields = ",", 1
    for candidate in DELIMITERS:
        rows = _sample(text, candidate)
        if not rows:
            continue
        header = len(rows[0])
        if header > fallback_fields:
            fallback, fallback_fields = candidate, header
        consistent = all(len(row) == header for row in rows[1:])
        if consistent and header > best_fields:
            best, best_fields = candidate, header
    return best if best_fields > 1 else fallback


def _sample(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            rows.append(row)
            if len(rows) >= _SAMPLE_LINES:
                break
    except csv.Error:
        return rows
    return rows


def dialect_of(text: str, encoding: str) -> TextDialect:
    """The delimiter of a file whose (first lines of) text is ``text``.

    A first line ``sep=;`` (Excel's own delimiter hint) settles the delimiter; the line stays
    in the text (the readers skip it) so that line numbers remain those of the file.
    """
    hint = _SEP_HINT.match(text)
    delimiter = hint.group(1) if hint else detect_delimiter(text)
    if hint:
        # A hint that does not split the header (a file re-saved with another separator
        # under the old first line) yields to detection on the lines below it.
        rest = text[hint.end() :]
        header = next((line for line in rest.splitlines() if line.strip()), "")
        if delimiter not in header:
            delimiter = detect_delimiter(rest)
    return TextDialect(encoding=encoding, delimiter=delimiter, sep_line=bool(hint))
