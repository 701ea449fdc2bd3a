"""``--data DIR`` and the named-file options of every command that reads a trial's data.

A data folder holds ``participants``, ``benefit_months`` and ``survey`` under those names
(:mod:`participatie_rct.data.folder`). A municipality's export is rarely named so
(``uitkeringsmaanden.csv``, ``deelnemers_2019.xlsx``): ``--participants FILE``,
``--benefit-months FILE`` and ``--survey FILE`` name a table's file directly. A named file
overrides the folder's file of that table; with every needed table named, no folder is
needed. ``--data`` is always a folder: a file given there is refused with a line that points
at the named-file options, so that nobody wonders which table it was read as.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer

from participatie_rct.errors import InputFileError

_ANY_NAME = "(CSV, xlsx or parquet, under any name); overrides the --data folder's file."

DataFolderOption = typer.Option(
    None,
    "--data",
    metavar="<dir>",
    help="Folder with participants and benefit_months, optionally survey (CSV, xlsx or "
    "parquet, named participants.csv, benefit_months.xlsx, ...). Name other files with "
    "--participants, --benefit-months, --survey.",
)
ParticipantsOption = typer.Option(
    None,
    "--participants",
    metavar="<file>",
    help=f"The participants file {_ANY_NAME}",
    dir_okay=False,
)
BenefitMonthsOption = typer.Option(
    None,
    "--benefit-months",
    metavar="<file>",
    help=f"The benefit months file, e.g. uitkeringsmaanden.csv {_ANY_NAME}",
    dir_okay=False,
)
SurveyOption = typer.Option(
    None, "--survey", metavar="<file>", help=f"The survey file {_ANY_NAME}", dir_okay=False
)

#: the option that names each table's file
OPTION_OF = {
    "participants": "--participants",
    "benefit_months": "--benefit-months",
    "survey": "--survey",
}


@dataclass(frozen=True)
class DataSources:
    """Where a command's tables come from: a folder, files named one by one, or both."""

    folder: Path | None
    participants: Path | None = None
    benefit_months: Path | None = None
    survey: Path | None = None

    def named(self, table: str) -> Path | None:
        """The file named for ``table`` (``participants``, ...), None when not named."""
        path: Path | None = getattr(self, table)
        return path


def data_sources(
    data: Path | None,
    participants: Path | None = None,
    benefit_months: Path | None = None,
    survey: Path | None = None,
    *,
    required: tuple[str, ...] = ("participants", "benefit_months"),
) -> DataSources:
    """The checked sources: ``--data`` a folder, and every ``required`` table found somewhere.

    Raises :class:`InputFileError` (exit 2, one line) for ``--data`` naming a file, and for a
    required table with neither a folder nor a named file.
    """
    if data is not None and data.exists() and not data.is_dir():
        raise InputFileError(
            f"{data}: --data takes the data folder, not a file. Name a table's file with "
            "--participants FILE, --benefit-months FILE or --survey FILE."
        )
    sources = DataSources(data, participants, benefit_months, survey)
    if data is None:
        missing = [t for t in required if sources.named(t) is None]
        if missing:
            options = " and ".join(f"{OPTION_OF[t]} FILE" for t in missing)
            raise InputFileError(
                f"no {' or '.join(missing)} table: give the data folder with --data DIR, or "
                f"the file{'s' if len(missing) > 1 else ''} with {options}."
            )
    return sources
