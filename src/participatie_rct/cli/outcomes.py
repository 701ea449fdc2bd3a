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
    ...,
    "--out",
    help="File to write, one row per participant: CSV, or parquet when it ends in .parquet.",
)
_KEEP_OPTION = typer.Option(
    None,
    "--keep",
    help="An extra participants column to carry along (repeat for more); the schema's "
    "baseline columns always come. Columns that identify a person are refused.",
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
    keep: list[str] | None = _KEEP_OPTION,
) -> None:
    """Build per-participant outcomes (outflow to work within the horizon, months to outflow,
    exit type, months off benefit, re-entry, missing months) from a register and its data.

    Follow-up counts from the intake date. The table holds the pseudonym, the arm, the
    outcomes, the register's columns and the baseline columns of the participants schema
    (more with --keep; never names, BSNs, addresses or birth dates); feed it to
    'estimate itt', 'estimate survival' (--time time --event event_code) or 'balance'.
    A .parquet output is read back by those commands without re-checking it.
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
        participants=inputs.participants,
        keep_columns=tuple(keep or ()),
    )
    try:
        if out.suffix.lower() == ".parquet":
            from participatie_rct.data.stamp import write_parquet

            write_parquet(table, out, table="outcomes")
        else:
            table.to_csv(out, index=False)
    except OSError as exc:
        raise InputFileError(f"{out}: cannot write the outcomes ({exc.strerror}).") from None
    typer.echo(
        f"{out}: {len(table)} participants, outcomes over {horizon or plan.horizon_months} months."
    )


def register(app: typer.Typer) -> None:
    """Add ``outcomes`` to the root app."""
    app.command("outcomes")(outcomes_command)
