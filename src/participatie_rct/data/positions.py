"""Where each data row of a file stands, computed only when a message needs it.

A refusal names the physical line of a bad row ("line 20000001"). Keeping a list of every
row's line beside a table of 24 million rows costs memory and time on every copy of the
frame, so a reader returns a :class:`RowPositions` instead: a small object that knows how to
find the lines again. For a text file it rescans the file's bytes (vectorized with numpy when
no quoted cell can span lines; with the csv module otherwise), and only when asked.

A :class:`RowPositions` is a read-only sequence of ints (``positions[i]`` is row ``i``'s line
or spreadsheet row), so code that indexes or lists it keeps working; deep copies share it,
so pandas copying ``frame.attrs`` costs nothing.
"""

from __future__ import annotations

import csv
import io
import mmap
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

_CHUNK = 16 * 2**20
_BLANK_BYTES = (ord(" "), ord("\t"), ord("\r"), ord("\n"), 0x0B, 0x0C)


class RowPositions(Sequence[int]):
    """Row ``i`` -> its position in the file (line of a text file, row of a sheet)."""

    def __init__(self, n_rows: int) -> None:
        self._n = int(n_rows)

    def lines(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """Positions of the rows ``rows`` (indices into the table), as int64."""
        return self.array()[np.asarray(rows, dtype=np.int64)]

    def array(self) -> np.ndarray:
        """Every row's position (computed on first use, then kept)."""
        raise NotImplementedError

    def tolist(self) -> list[int]:
        """Every row's position as a list of ints."""
        return [int(v) for v in self.array()]

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[int]: ...

    def __getitem__(self, index: int | slice) -> int | Sequence[int]:
        if isinstance(index, slice):
            return self.tolist()[index]
        if not -self._n <= index < self._n:
            raise IndexError(index)
        return int(self.lines([index % self._n])[0])

    def __iter__(self) -> Iterator[int]:
        return iter(self.tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RowPositions | list | tuple | np.ndarray):
            return self.tolist() == [int(v) for v in other]
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._n} rows)"

    def __deepcopy__(self, memo: dict[int, Any]) -> RowPositions:
        return self  # immutable: pandas deep-copies frame.attrs on every derived frame

    def __copy__(self) -> RowPositions:
        return self


class ArrayPositions(RowPositions):
    """Positions known as an array (xlsx rows, the slow text reader)."""

    def __init__(self, positions: Sequence[int] | np.ndarray) -> None:
        self._array = np.asarray(positions, dtype=np.int64)
        super().__init__(len(self._array))

    def array(self) -> np.ndarray:
        return self._array


class CountedPositions(RowPositions):
    """Row ``i`` stands at ``first + i`` (a parquet file: rows counted from 1)."""

    def __init__(self, n_rows: int, first: int = 1) -> None:
        super().__init__(n_rows)
        self._first = first

    def lines(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        return np.asarray(rows, dtype=np.int64) + self._first

    def array(self) -> np.ndarray:
        return np.arange(self._first, self._first + self._n, dtype=np.int64)


class TextPositions(RowPositions):
    """Lines of the data rows of a delimited text file, found again by rescanning it.

    The data rows are the records after the header that hold something besides blanks and
    delimiters (an optional ``sep=`` first line aside): exactly the rows the readers keep.
    ``data`` is the file's bytes in an ASCII-compatible encoding (UTF-8 or Windows-1252),
    kept for small files, or ``None``: a large file is read again from ``path`` when a
    message needs its lines. UTF-16 files pass their text.
    """

    def __init__(
        self,
        n_rows: int,
        *,
        path: Path,
        delimiter: str,
        sep_line: bool,
        data: bytes | None = None,
        text: str | None = None,
    ) -> None:
        super().__init__(n_rows)
        self._path = path
        self._delimiter = delimiter
        self._sep_line = sep_line
        self._text = text
        self._data = data
        self._cache: np.ndarray | None = None

    def array(self) -> np.ndarray:
        if self._cache is None:
            records = self._records()
            if self._sep_line and records.size and records[0] == 1:
                records = records[1:]
            self._cache = records[1 : self._n + 1]  # the first record is the header
        return self._cache

    def _records(self) -> np.ndarray:
        if self._text is not None:
            return _records_by_csv(self._text, self._delimiter)
        if self._data is not None:
            return _scan(self._data, self._delimiter)
        with open(self._path, "rb") as handle:
            size = handle.seek(0, 2)
            if size == 0:
                return np.zeros(0, dtype=np.int64)
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return _scan(data, self._delimiter)


def _scan(data: bytes | mmap.mmap, delimiter: str) -> np.ndarray:
    """Start lines of the non-blank records of an ASCII-compatible file's bytes."""
    if data.find(b'"') >= 0 or has_lone_cr(data):
        text = data[:].decode("latin-1")  # the same line breaks in any ASCII superset
        return _records_by_csv(text, delimiter)
    return _records_by_bytes(data, delimiter)


def has_lone_cr(data: bytes | mmap.mmap) -> bool:
    """Whether a carriage return ends a line on its own (old Mac line ends)."""
    return re.search(rb"\r(?!\n)", data) is not None


def _records_by_bytes(data: bytes | mmap.mmap, delimiter: str) -> np.ndarray:
    """Lines (from 1) holding more than blanks and delimiters, for a file without quotes."""
    blank = np.zeros(256, dtype=bool)
    blank[list(_BLANK_BYTES)] = True
    blank[ord(delimiter)] = True
    found: list[np.ndarray] = []
    start, line_offset, size = 0, 0, len(data)
    while start < size:
        stop = min(start + _CHUNK, size)
        if stop < size:
            cut = data.rfind(b"\n", start, stop)
            stop = cut + 1 if cut >= 0 else stop
        chunk = np.frombuffer(data, dtype=np.uint8, count=stop - start, offset=start)
        ends = np.flatnonzero(chunk == ord("\n"))
        starts = np.r_[0, ends + 1]
        if starts[-1] >= len(chunk):
            starts = starts[:-1]
        significant = ~blank[chunk]
        counts: np.ndarray = (
            np.add.reduceat(significant.astype(np.int64), starts)
            if starts.size
            else np.zeros(0, dtype=np.int64)
        )
        found.append(line_offset + 1 + np.flatnonzero(counts > 0))
        line_offset += len(ends)
        start = stop
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _records_by_csv(text: str, delimiter: str) -> np.ndarray:
    """Start lines of the non-blank records, quotes respected (a cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    found: list[int] = []
    last = 0
    try:
        for record in reader:
            start, last = last + 1, reader.line_num
            if any(cell.strip() for cell in record):
                found.append(start)
    except csv.Error:
        pass
    return np.asarray(found, dtype=np.int64)
