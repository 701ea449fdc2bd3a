"""``outcomes``: the per-participant outcome table that the estimation commands read.

It asks :class:`participatie_rct.trial.Trial` for the outcome table (the register's
assignments joined with the benefit months and the participants' baseline columns), the same
table the reports analyse, so that
``estimate itt``, ``estimate survival`` and ``balance`` can be run on a real trial from the
command line. Identifiers stay pseudonyms.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from participatie_rct.choices import OutputFormat
from participatie_rct.cli.common import (
    DayOption,
    DbOption,
    FormatOption,
    KeyFileOption,
    echo_json,
    read_key,
)
from participatie_rct.cli.data_files import (
    BenefitMonthsOption,
    DataFolderOption,
    ParticipantsOption,
    SurveyOption,
    data_sources,
)
from participatie_rct.errors import InputFileError

_OUT_OPTION = typer.Option(
    ...,
    "--out",
    dir_okay=False,
    help="File to write, one row per participant: CSV, or parquet when it ends in .parquet.",
)
_AS_OF = DayOption("--as-of", "Last day of data to use (default: all of it)")
_KEEP_OPTION = typer.Option(
    None,
    "--keep",
    metavar="<column>",
    help="An extra participants column to carry along (repeat for more); the schema's "
    "baseline columns always come. Columns that identify a person are refused.",
)


def outcomes_command(
    db: str = DbOption,
    data: Path | None = DataFolderOption,
    out: Path = _OUT_OPTION,
    horizon: int | None = typer.Option(
        None,
        "--horizon",
        min=1,
        metavar="<int>",
        help="Months of follow-up for the binary outcome (default: [analysis] horizon_months).",
    ),
    as_of: dt.date | None = _AS_OF,
    key_file: Path | None = KeyFileOption,
    keep: list[str] | None = _KEEP_OPTION,
    output: OutputFormat = FormatOption,
    participants: Path | None = ParticipantsOption,
    benefit_months: Path | None = BenefitMonthsOption,
    survey: Path | None = SurveyOption,
) -> None:
    """Build per-participant outcomes (outflow to work within the horizon, months to outflow,
    exit type, months off benefit, re-entry, missing months) from a register and its data.

    Follow-up counts from the intake date, so the participants file must carry it
    (enrolled_on, or startdatum or intakedatum): a file without it is refused. The tables
    come from --data DIR or from files named with --participants and --benefit-months (Dutch
    column names such as uitkeringsmaand and reden_uitstroom are read too). The table holds
    the pseudonym, the arm, the outcomes, the register's columns and the baseline columns of
    the participants schema (more with --keep; never names, BSNs, addresses or birth dates);
    feed it to
    'estimate itt', 'estimate survival' (--time time --event event_code) or 'balance'.
    A .parquet output is read back by those commands without re-checking it.
    """

    from participatie_rct.data.required import require_filled
    from participatie_rct.estimate.outcome_columns import declared_only
    from participatie_rct.trial import Trial

    sources = data_sources(data, participants, benefit_months, survey)

    if not out.parent.is_dir():
        raise InputFileError(f"{out}: the folder {out.parent} does not exist; create it first.")
    trial = Trial.open(
        db,
        sources.folder,
        key=read_key(key_file),
        as_of=as_of,
        participants=sources.participants,
        benefit_months=sources.benefit_months,
        survey=sources.survey,
    )
    require_filled(trial.inputs.participants, "participants", "enrolled_on")
    months = horizon or trial.plan.horizon_months
    from_participants = [
        c for c in trial.inputs.participants.columns if c not in trial.inputs.assignments.columns
    ]
    table = declared_only(trial.outcomes(months), from_participants, keep=tuple(keep or ()))
    if out.suffix.lower() == ".parquet":
        from participatie_rct.data.stamp import write_parquet

        write_parquet(table, out, table="outcomes")
    else:
        from participatie_rct.cells import write_table

        write_table(table, out)  # private, atomic, never through a symlink; formulas neutralized
    if output is OutputFormat.JSON:
        echo_json({"out": str(out), "n": len(table), "horizon_months": months})
        return
    typer.echo(f"{out}: {len(table)} participants, outcomes over {months} months.")


def register(app: typer.Typer) -> None:
    """Add ``outcomes`` to the root app."""
    app.command("outcomes")(outcomes_command)
