"""The ``validate`` command: check a municipal export against its table's schema."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from participatie_rct.choices import OutputFormat, TableName
from participatie_rct.cli.common import DayOption, FormatOption, echo_json

TableArgument = Annotated[
    TableName,
    typer.Argument(
        metavar="TABLE", help="Which table the file holds: participants, benefit_months or survey."
    ),
]
FileArgument = Annotated[
    Path, typer.Argument(metavar="FILE", help="The CSV (';' or ','), xlsx or parquet file.")
]
_AS_OF = DayOption(
    "--as-of", "Day that counts as today for the not-in-the-future rule (default today)"
)


def validate(
    table: TableArgument,
    file: FileArgument,
    as_of: dt.date | None = _AS_OF,
    output: OutputFormat = FormatOption,
) -> None:
    """Check FILE against the TABLE schema; exit 0 with the number of valid rows, or exit 2
    naming the file, column, lines and value that broke a rule. No key is needed: BSNs are
    checked (elfproef) but not pseudonymised, and never printed.

    Column names may be Dutch (startdatum or intakedatum for enrolled_on, vestiging for site,
    uitkeringsmaand for month, reden_uitstroom for exit_reason, ...; see docs/cli-contract.md)
    and so may exit reasons (werk, deeltijdwerk, overig); a column given twice is refused."""
    from participatie_rct.data.validate import validate_file

    report = validate_file(file, table, as_of=as_of)
    if output is OutputFormat.JSON:
        echo_json(report.to_dict())
    else:
        typer.echo(report.summary())


def register(app: typer.Typer) -> None:
    """Add ``validate`` to the root app."""
    app.command("validate")(validate)
