"""``estimate ri``: randomization inference that re-runs the trial's own assignment procedure.

The command reads the data (typically the output of ``outcomes``) and the protocol, or a
register and its data folder through :class:`participatie_rct.trial.Trial`; the library
(:mod:`participatie_rct.trial.ri`) checks the table, puts the rows in arrival order and
re-draws the procedure the protocol declares. pandas and numpy are imported inside the
command so that ``--help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from participatie_rct.choices import OutputFormat
from participatie_rct.cli.common import (
    FormatOption,
    KeyFileOption,
    echo_json,
    effects_payload,
    read_key,
)
from participatie_rct.cli.estimate import estimate_app, naming_file, read_data
from participatie_rct.errors import EstimationError

#: the arrival-order column (``participatie_rct.trial.ri.DEFAULT_ORDER``; not imported here, so
#: that ``--help`` loads no heavy library)
DEFAULT_ORDER = "sequence"

ProtocolOption = typer.Option(
    None,
    "--protocol",
    help="The trial's protocol file (TOML): its assignment procedure is re-drawn.",
    dir_okay=False,
)
DataOrFolderArgument = typer.Argument(
    ...,
    help="CSV, xlsx or parquet file, one row per participant; with --db the data folder.",
    metavar="DATA",
)
TreatmentOption = typer.Option(
    None, "--treatment", help="Column holding each row's assigned arm (with --db: the arm)."
)
RegisterOption = typer.Option(
    None,
    "--db",
    help="A register instead of --protocol: DATA is then the trial's data folder, and the "
    "outcome table is built from both (as 'outcomes' writes it).",
)


@estimate_app.command("ri")
def ri_command(
    data: Path = DataOrFolderArgument,
    outcome: str = typer.Option(..., "--outcome", help="Outcome column (number or true/false)."),
    treatment: str | None = TreatmentOption,
    protocol: Path | None = ProtocolOption,
    db: str | None = RegisterOption,
    key_file: Path | None = KeyFileOption,
    control: str | None = typer.Option(
        None, "--control", help="Control level (default: the protocol's control arm)."
    ),
    order: str | None = typer.Option(
        None,
        "--order",
        help=f"Column with the arrival order (default '{DEFAULT_ORDER}' when present, else the "
        "file's row order).",
    ),
    draws: int = typer.Option(1000, "--draws", min=1, help="Number of re-drawn assignments."),
    seed: int | None = typer.Option(
        None, "--seed", min=0, help="Seed of the re-draws (required: no hidden default seed)."
    ),
    output_format: OutputFormat = FormatOption,
) -> None:
    """Randomization p-value of every arm against control, re-drawing the protocol's procedure.

    Under the sharp null that no arm changes anyone's outcome, the assignment is re-drawn
    --draws times with the trial's own procedure (strata, blocks, minimization) on the rows
    in arrival order; the p-value of the difference in means is (1 + #{|T*| >= |T|}) /
    (1 + draws). Rows with an empty outcome are left out of the statistic (and counted) but
    take part in every re-draw.
    """
    if seed is None:
        raise EstimationError(
            "estimate ri draws assignments at random and has no default seed: give --seed N "
            "(any whole number >= 0) so that the p-values can be reproduced."
        )
    if (protocol is None) == (db is None):
        raise EstimationError(
            "estimate ri re-draws the trial's own procedure: give --protocol FILE (with DATA a "
            "table) or --db URL (with DATA the trial's data folder), not both."
        )
    if db is not None:
        given = [
            f
            for f, v in (("--treatment", treatment), ("--order", order), ("--control", control))
            if v
        ]
        if given:
            raise EstimationError(
                f"estimate ri --db takes the arm, the arrival order and the control arm from the "
                f"register; leave out {', '.join(given)}."
            )
        result, order_column, sha = _from_register(db, data, key_file, outcome, draws, seed)
    else:
        result, order_column, sha = _from_file(
            data, protocol, outcome, treatment, order, control, draws, seed
        )
    if output_format is OutputFormat.JSON:
        echo_json(effects_payload(result))
        return
    settings = result.settings
    typer.echo(result.summary())
    typer.echo(
        f"\nControl: {settings['control']}; {settings['n']} rows with an outcome, "
        f"{settings['n_missing_outcome']} without (left out of the statistic, kept in the "
        f"re-draws); arrival order: {order_column or 'row order of the file'}; procedure "
        f"{settings['method']} of protocol {sha[:12]}..."
    )


def _from_register(
    db: str, data: Path, key_file: Path | None, outcome: str, draws: int, seed: int
) -> tuple[Any, str | None, str]:
    """Randomization inference on the outcome table of a register and its data folder."""
    import numpy as np

    from participatie_rct.trial import Trial

    trial = Trial.open(db, data, key=read_key(key_file))
    result = trial.randomization_inference(outcome, n_draws=draws, rng=np.random.default_rng(seed))
    return result, result.settings.get("order"), trial.protocol.sha256


def _from_file(
    data: Path,
    protocol: Path | None,
    outcome: str,
    treatment: str | None,
    order: str | None,
    control: str | None,
    draws: int,
    seed: int,
) -> tuple[Any, str | None, str]:
    """Randomization inference on a table file, with the procedure of a protocol file."""
    from dataclasses import replace

    import numpy as np

    from participatie_rct.protocol import Protocol
    from participatie_rct.trial.ri import prepared_inference

    if treatment is None or protocol is None:
        raise EstimationError(
            "estimate ri --protocol needs --treatment: the column of DATA that holds each "
            "row's assigned arm."
        )
    parsed = Protocol.from_toml(protocol)
    with naming_file(data):
        result, column = prepared_inference(
            read_data(data),
            parsed,
            outcome=outcome,
            treatment=treatment,
            n_draws=draws,
            rng=np.random.default_rng(seed),
            order=order,
            control=control,
            source=str(data),
        )
    settings = {**result.settings, "order": column, "protocol_sha256": parsed.sha256}
    return replace(result, settings=settings), column, parsed.sha256


def register(app: typer.Typer) -> None:
    """``estimate ri`` hangs on ``estimate_app``, which ``cli.estimate`` adds to the root app."""
    del app
