"""Columns a command relies on, demanded of a loaded table: present and filled in every row.

The table schemas keep most columns optional, because not every use needs them: a file may be
validated, or serve as baseline columns, without the date of intake. A command that counts
from that date (``assign FILE`` records it, ``outcomes`` counts follow-up from it) cannot do
without it, and must not put a date of its own in its place: an intake file whose date column
was called something the reader did not know used to be assigned as if everyone had enrolled
on the day of assignment, and showed no follow-up at all. :func:`require_filled` refuses such
a file with one line naming the file, the column, the names accepted for it and, when some
cells are empty, their lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from participatie_rct.data.aliases import missing_column
from participatie_rct.data.schema import table_schema
from participatie_rct.errors import InputFileError, line_list

if TYPE_CHECKING:
    import pandas as pd

#: Why each column that a command demands matters, for the refusal.
PURPOSE: dict[str, str] = {
    "enrolled_on": "the date of intake, from which follow-up is counted",
}


def require_filled(frame: pd.DataFrame, table: str, column: str) -> None:
    """Refuse ``frame`` (from :func:`~participatie_rct.data.load_table`) unless every row has
    a value in ``column``.

    The message names the file (``frame.attrs["source"]``), the column and its accepted
    names, and the lines (or rows) of empty cells as the user sees them.
    """
    source = str(frame.attrs.get("source", table))
    why = PURPOSE.get(column, "needed by this command")
    if column not in frame.columns:
        found = [c for c in frame.columns if c != "participant"]
        raise InputFileError(
            missing_column(source, table_schema(table), column, found, what="needed")
            + f" It holds {why}: add it, or rename the column that holds it (nothing is "
            "assumed in its place)."
        )
    empty = frame[column].isna().to_numpy()
    if not empty.any():
        return
    rows = [int(i) for i in empty.nonzero()[0]]
    where = _where(frame, rows)
    count = "1 row is" if len(rows) == 1 else f"{len(rows)} rows are"
    raise InputFileError(
        f"{source}, column {column!r}: {count} empty ({where}). The column holds {why}: fill "
        "it in for every row (nothing is assumed in its place)."
    )


def _where(frame: pd.DataFrame, rows: list[int], most: int = 5) -> str:
    """``line 4`` / ``rows 3, 5``: where ``rows`` stand in the file the frame was read from."""
    lines = frame.attrs.get("lines")
    numbers = [int(lines[r]) if lines is not None else r + 2 for r in rows[:most]]
    if len(rows) > most:
        numbers.append(-1)  # line_list shows "..." past ``most``
    text = line_list(numbers, most=most)
    unit = frame.attrs.get("line_unit", "line")
    return text if unit == "line" else "row" + text[len("line") :]
