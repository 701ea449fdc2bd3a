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

import csv
import io
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


def detect_encoding(raw: bytes, *, source: str) -> str:
    """The codec that decodes ``raw``: utf-8-sig, utf-16, utf-8 or cp1252; else refuse.

    >>> detect_encoding("id;naam\\n1;Zoë\\n".encode("cp1252"), source="x.csv")
    'cp1252'
    >>> detect_encoding(b"\\xef\\xbb\\xbfid\\n1\\n", source="x.csv")
    'utf-8-sig'
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            raw[3:].decode("utf-8")
        except UnicodeDecodeError:
            # A UTF-8 byte-order mark before Windows-1252 text: some tools prepend the mark
            # without converting the rest. The body decides.
            return detect_encoding(raw[3:], source=source)
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise InputFileError(
            f"{source}: this is not a text file (it holds binary data: a zero byte at byte "
            f"{nul + 1}). Give a CSV, xlsx or parquet export of the table."
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        _refuse_controls(text, source)
        return "utf-8"
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _not_text(source, f"byte 0x{raw[exc.start]:02X} at byte {exc.start + 1}") from None
    _refuse_controls(text, source)
    if not _reads_as_western(text, raw):
        raise _not_text(source, "the characters do not read as Windows-1252 text either")
    return "cp1252"


def _reads_as_western(text: str, raw: bytes) -> bool:
    """Whether text decoded as Windows-1252 looks like a Western language, not mojibake.

    Dutch text has an accent here and there (``één``, ``Zoë``); text in another code page read
    as Windows-1252 turns into long runs of accented letters and symbols (Cyrillic ``Привет``
    becomes ``Ïðèâåò``). Text without such runs passes; otherwise charset-normalizer's mess
    detector decides.
    """
    if not _LONG_NON_ASCII.search(text):
        return True
    from charset_normalizer import from_bytes

    return bool(from_bytes(raw[:200_000], cp_isolation=["cp1252"]))


def _not_text(source: str, detail: str) -> InputFileError:
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


def sniff_text(raw: bytes, *, source: str) -> tuple[TextDialect, str]:
    """Encoding and delimiter of a text file's bytes, and its decoded text.

    A first line ``sep=;`` (Excel's own delimiter hint) settles the delimiter; the line stays
    in the text (the reader skips it) so that line numbers remain those of the file.
    """
    encoding = detect_encoding(raw, source=source)
    if encoding != "utf-8-sig" and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:  # utf-16 with an odd byte count or a lone surrogate
        raise _not_text(source, f"{exc.reason} at byte {exc.start + 1}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    hint = _SEP_HINT.match(text)
    delimiter = hint.group(1) if hint else detect_delimiter(text)
    if hint:
        # A hint that does not split the header (a file re-saved with another separator
        # under the old first line) yields to detection on the lines below it.
        rest = text[hint.end() :]
        header = next((line for line in rest.splitlines() if line.strip()), "")
        if delimiter not in header:
            delimiter = detect_delimiter(rest)
    return TextDialect(encoding=encoding, delimiter=delimiter, sep_line=bool(hint)), text
