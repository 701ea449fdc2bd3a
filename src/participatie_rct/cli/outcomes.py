"""``outcomes``: the per-participant outcome table that the estimation commands read.

It joins the register's assignments with the data folder's benefit months (and the
participants' baseline columns) through the same loaders the reports use, so that
``estimate itt``, ``estimate survival`` and ``balance`` can be run on a real trial from the
command line. Identifiers stay pseudonyms.
"""

from __future__ import annotations

from pathlib import Path

import typer

from participatie_rct.cli.common import DbOption, KeyFileOption, read_key
from participatie_rct.errors import InputFileError

_DATA_OPTION = typer.Option(
    ..., "--data", help="Folder with participants and benefit_months (csv, xlsx or parquet)."
)
_OUT_OPTION = typer.Option(
    ..., "--out", help="CSV file (or .xlsx) to write, one row per participant."
)


def outcomes_command(
    db: str = DbOption,
    data: Path = _DATA_OPTION,
    out: Path = _OUT_OPTION,
    horizon: int | None = typer.Option(
        None,
        "--horizon",
        min=1,
        help="Months of follow-up for the binary outcome (default: [analysis] horizon_months).",
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Last month of data to use (YYYY-MM); default: all of it."
    ),
    key_file: Path | None = KeyFileOption,
) -> None:
    """Build per-participant outcomes (outflow to work within the horizon, months to outflow,
    exit type, months off benefit, re-entry, missing months) from a register and its data.

    Follow-up counts from the intake date. The CSV holds the pseudonym, the arm, the outcomes
    and the baseline columns of the participants table; feed it to 'estimate itt',
    'estimate survival' (--time time --event event_code) or 'balance'.
    """
    from participatie_rct.estimate.outcomes import build_outcomes, with_intake_start
    from participatie_rct.report.inputs import load_inputs

    if not out.parent.is_dir():
        raise InputFileError(f"{out}: the folder {out.parent} does not exist; create it first.")
    inputs = load_inputs(db, data, key=read_key(key_file))
    plan = inputs.protocol.analysis
    assignments = with_intake_start(inputs.assignments)
    table = build_outcomes(
        assignments,
        inputs.benefit_months,
        horizon_months=horizon or plan.horizon_months,
        as_of=as_of,
    )
    baseline = inputs.participants
    extra = [c for c in baseline.columns if c == "participant" or c not in table.columns]
    table = table.merge(baseline[extra], on="participant", how="left")
    from participatie_rct.cells import write_table

    write_table(table, out)  # private, atomic, never through a symlink; formulas neutralized
    typer.echo(
        f"{out}: {len(table)} participants, outcomes over {horizon or plan.horizon_months} months."
    )


def register(app: typer.Typer) -> None:
    """Add ``outcomes`` to the root app."""
    app.command("outcomes")(outcomes_command)
