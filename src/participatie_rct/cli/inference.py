"""``estimate ri``: randomization inference that re-runs the trial's own assignment procedure.

The command reads the data (typically the output of ``outcomes``) and the protocol, has
:func:`~participatie_rct.estimate.ri_table.randomization_table` check it and put the rows in
arrival order, and calls
:func:`~participatie_rct.estimate.inference.randomization_inference` with the procedure the
protocol declares. pandas and numpy are imported inside the command so that ``--help`` stays
fast.
"""

from __future__ import annotations

from pathlib import Path

import typer

from participatie_rct.choices import OutputFormat
from participatie_rct.cli.common import FormatOption, echo_json, effects_payload
from participatie_rct.cli.estimate import (
    DataArgument,
    TreatmentOption,
    estimate_app,
    naming_file,
    read_data,
)
from participatie_rct.errors import EstimationError

ProtocolOption = typer.Option(
    ...,
    "--protocol",
    help="The trial's protocol file (TOML): its assignment procedure is re-drawn.",
    dir_okay=False,
)


@estimate_app.command("ri")
def ri_command(
    data: Path = DataArgument,
    outcome: str = typer.Option(..., "--outcome", help="Outcome column (number or true/false)."),
    treatment: str = TreatmentOption,
    protocol: Path = ProtocolOption,
    control: str | None = typer.Option(
        None, "--control", help="Control level (default: the protocol's control arm)."
    ),
    order: str | None = typer.Option(
        None,
        "--order",
        help="Column with the arrival order (default 'sequence' when present, else the "
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
    from dataclasses import replace

    import numpy as np

    from participatie_rct.estimate.inference import randomization_inference
    from participatie_rct.estimate.ri_table import randomization_table
    from participatie_rct.protocol import Protocol

    parsed = Protocol.from_toml(protocol)
    procedure = parsed.procedure()
    with naming_file(data):
        table, order_column = randomization_table(
            read_data(data),
            outcome=outcome,
            treatment=treatment,
            arms=tuple(procedure.arms),
            unit_columns=parsed.unit_columns,
            method=parsed.assignment.method.value,
            order=order,
        )
        result = randomization_inference(
            table,
            outcome=outcome,
            treatment=treatment,
            procedure=procedure,
            units=table,
            n_draws=draws,
            rng=np.random.default_rng(seed),
            control=control if control is not None else parsed.control,
        )
    result = replace(
        result,
        settings={
            **result.settings,
            "order": order_column,
            "protocol_sha256": parsed.sha256,
        },
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
        f"{settings['method']} of protocol {parsed.sha256[:12]}..."
    )


def register(app: typer.Typer) -> None:
    """``estimate ri`` hangs on ``estimate_app``, which ``cli.estimate`` adds to the root app."""
    del app
