"""A table as read from a user's file: text cells, where each row stands, how it was written.

Every reader (text, xlsx, parquet) returns a :class:`RawTable` whose cells are Arrow
strings (``TEXT``; missing where the cell is empty), so validation runs column by column in
compiled code. Row positions come from a :class:`~participatie_rct.data.positions.RowPositions`
that computes them only when a message needs them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from participatie_rct.data.positions import RowPositions
from participatie_rct.data.values import TEXT
from participatie_rct.errors import InputFileError, line_list

_DIGIT_RUN = re.compile(r"\d{8,9}")


@dataclass(frozen=True)
class RawTable:
    """A table as read: text cells, the position of each row, and how the file was written.

    ``text`` holds every column as Arrow strings as the file has them (an empty cell may be
    missing or blank: the checks strip each distinct value once; :attr:`cells` is the
    stripped view);
    ``locator`` finds row ``i``'s position in the file, counted in ``unit`` (``"line"`` for
    text files, ``"row"`` for xlsx and parquet); ``sheet`` names the xlsx sheet read.
    """

    source: str
    text: pd.DataFrame
    locator: RowPositions
    unit: str
    kind: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names as in the header."""
        return tuple(self.text.columns)

    @property
    def n_rows(self) -> int:
        """Number of data rows."""
        return len(self.text)

    @property
    def cells(self) -> pd.DataFrame:
        """The cells as stripped Python text (``None`` when empty); a copy, for small tables."""
        columns = {}
        for c in self.columns:
            text = self.text[c].str.strip()
            columns[c] = text.astype(object).where(text.fillna("") != "", None)
        return pd.DataFrame(columns)

    @property
    def positions(self) -> np.ndarray:
        """Every row's position (line or sheet row), computed on first use."""
        return self.locator.array()

    def with_text(self, text: pd.DataFrame) -> RawTable:
        """The same table with other cells (renamed or cleaned columns, same rows)."""
        return replace(self, text=text)

    def where(self, rows: Sequence[int] | np.ndarray, *, most: int = 5) -> str:
        """Positions of row indices ``rows``: ``lines 4, 9`` or ``rows 3, 5 of sheet 'x'``."""
        shown = np.asarray(rows, dtype=np.int64)[:most]
        numbers = [int(v) for v in self.locator.lines(shown)]
        if len(rows) > most:
            numbers.append(-1)  # line_list shows "..." past ``most``
        text = line_list(numbers, most=most)
        if self.unit != "line":
            text = "row" + text[len("line") :]
        if self.sheet is not None:
            text += f" of sheet {self.sheet!r}"
        return text


def text_frame(columns: Mapping[str, Any]) -> pd.DataFrame:
    """Columns of text (Arrow arrays or Python lists with None) as a frame of Arrow strings.

    Arrow arrays stay as they are (``pd.ArrowDtype(pa.string())``: four-byte offsets, no
    copy); Python lists become ``TEXT``.
    """
    data = {}
    for name, values in columns.items():
        if hasattr(values, "type") and hasattr(values, "chunks"):  # a pyarrow ChunkedArray
            # kept as Arrow has it: pandas' own string dtype would copy it to large_string
            text = values if pa.types.is_string(values.type) else values.cast(pa.string())
            data[name] = pd.Series(pd.arrays.ArrowExtensionArray(text), copy=False)
        else:
            data[name] = pd.Series(values, dtype=object).astype(TEXT)
    return pd.DataFrame(data)


def shown_names(names: Sequence[str]) -> str:
    """Column names for a message, any 8-9 digit run masked (a BSN is never printed)."""
    return ", ".join(_DIGIT_RUN.sub("*********", str(name)) for name in names)


def clean_header(names: Sequence[Any], source: str, where: str) -> list[str]:
    """Clean header names; refuse blank or repeated names (trailing blank columns are dropped).

    A header holding an 8 or 9 digit number is a file without a header whose first row is
    data, probably with a BSN: it is refused without showing that row.
    """
    header = ["" if n is None else str(n).strip().lstrip("\ufeff") for n in names]
    while header and header[-1] == "":
        header.pop()
    if not header:
        raise InputFileError(
            f"{source}: the header ({where}) has no column names. Add a header line."
        )
    if any(_DIGIT_RUN.search(name) for name in header):
        raise InputFileError(
            f"{source}: the header ({where}) holds a number of 8 or 9 digits where a column "
            "name belongs (not shown: it may be a BSN): the file seems to have no header line. "
            "Add a header line with the column names, e.g. bsn;site;enrolled_on."
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
