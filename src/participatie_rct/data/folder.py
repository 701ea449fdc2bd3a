"""Where each table of a trial's data folder lives, looked up the same way by every command.

A data folder holds ``participants``, ``benefit_months`` and (optionally) ``survey``, each as
CSV, xlsx or parquet: the first of ``participants.csv``, ``participants.xlsx``,
``participants.parquet`` that exists is the table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, overload

from participatie_rct.errors import InputFileError

#: the tables of a data folder: table name -> file stems tried, in order
TABLE_FILES: dict[str, tuple[str, ...]] = {
    "participants": ("participants",),
    "benefit_months": ("benefit_months",),
    "survey": ("survey",),
}

#: the file types a table may have, in the order they are tried
SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".parquet")


def table_names(table: str) -> tuple[str, ...]:
    """The file names tried for ``table``: ``("participants.csv", ...)``."""
    return tuple(f"{stem}{suffix}" for stem in TABLE_FILES[table] for suffix in SUFFIXES)


@overload
def find_table(data_dir: Path, table: str, *, required: Literal[True] = True) -> Path: ...


@overload
def find_table(data_dir: Path, table: str, *, required: bool) -> Path | None: ...


def find_table(data_dir: Path, table: str, *, required: bool = True) -> Path | None:
    """The file of ``table`` in ``data_dir``; None when absent and not ``required``.

    Raises :class:`InputFileError` naming the folder and the names looked for.
    """
    for name in table_names(table):
        path = Path(data_dir) / name
        if path.is_file():
            return path
    if required:
        raise InputFileError(
            f"{data_dir}: no {table} file there (looked for {', '.join(table_names(table))}). "
            f"Put the trial's {table} file in the data folder, e.g. as written by "
            "'participatie-rct simulate'."
        )
    return None
