"""``estimate ri``: randomization inference that re-runs the trial's own assignment procedure.

The command reads the data (typically the output of ``outcomes``) and the protocol, puts the
rows in arrival order, and calls
:func:`~participatie_rct.estimate.inference.randomization_inference` with the procedure the
protocol declares. pandas and numpy are imported inside the command so that ``--help`` stays
fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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

#: the arrival-order column of the ``outcomes`` table, used when ``--order`` is not given
DEFAULT_ORDER = "sequence"

ProtocolOption = typer.Option(
    ...,
    "--protocol",
    help="The trial's protocol file (TOML): its assignment procedure is re-drawn.",
    dir_okay=False,
)


def _arrival_order(data: Any, order: str | None, path: Path) -> tuple[Any, str | None]:
    """``data`` sorted into arrival order (stable), with a fresh 0..n-1 index.

    The re-draws must see the participants in the order the trial assigned them: block and
    minimization procedures depend on it. Without ``--order`` the ``sequence`` column of the
    ``outcomes`` table is used when present, else the file's row order.
    """
    column = order if order is not None else (DEFAULT_ORDER if DEFAULT_ORDER in data else None)
    if column is None:
        return data.reset_index(drop=True), None
    if column not in data.columns:
        raise EstimationError(
            f"{path}: --order column '{column}' is not in the data; it has "
            f"{', '.join(map(repr, data.columns))}. Name the column that holds the arrival order."
        )
    missing = data[column].isna().to_numpy()
    if missing.any():
        first = int(missing.argmax())
        raise EstimationError(
            f"{path}: column '{column}' (arrival order) is empty in {int(missing.sum())} row(s), "
            f"first at data row {first + 1}. Fill in every participant's arrival order."
        )
    ordered = data.sort_values(column, kind="mergesort")
    return ordered.reset_index(drop=True), column


def _numeric_outcome(data: Any, outcome: str, path: Path) -> Any:
    """The outcome column as floats (true/false as 1/0, empty cells as NaN); text is refused."""
    import numpy as np
    import pandas as pd

    if outcome not in data.columns:
        raise EstimationError(
            f"{path}: --outcome column '{outcome}' is not in the data; it has "
            f"{', '.join(map(repr, data.columns))}. Check the spelling."
        )
    series = data[outcome]
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    mapped = series.map(lambda v: float(v) if isinstance(v, bool | np.bool_) else v)
    numbers = pd.to_numeric(mapped, errors="coerce")
    stray = (series.notna() & numbers.isna()).to_numpy()
    if stray.any():
        at = int(stray.argmax())
        raise EstimationError(
            f"{path}: column '{outcome}': data row {at + 1} holds {series.iloc[at]!r}, not a "
            "number or true/false. Correct or empty that cell (an empty outcome is left out)."
        )
    return numbers.to_numpy(dtype=float)


def _check_arms(data: Any, treatment: str, arms: tuple[str, ...], path: Path) -> None:
    """Every row has an arm, and every arm is one the protocol's procedure can draw."""
    from participatie_rct.estimate.arms import arm_label

    if treatment not in data.columns:
        raise EstimationError(
            f"{path}: --treatment column '{treatment}' is not in the data; it has "
            f"{', '.join(map(repr, data.columns))}. Name the column with each row's assigned arm."
        )
    column = data[treatment]
    empty = column.isna().to_numpy()
    if empty.any():
        raise EstimationError(
            f"{path}: column '{treatment}' is empty in {int(empty.sum())} row(s), first at data "
            f"row {int(empty.argmax()) + 1}. Every assigned participant has an arm: fill it in "
            "from the register (participatie-rct outcomes writes it)."
        )
    labels = {arm_label(v) for v in column.unique()}
    unknown = sorted(labels - set(arms))
    if unknown:
        raise EstimationError(
            f"{path}: column '{treatment}' holds {unknown[0]!r}, which is not an arm of the "
            f"protocol ({', '.join(arms)}). Use the protocol the trial was assigned with, or "
            "the column with the arm keys."
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
    from dataclasses import replace

    import numpy as np

    from participatie_rct.estimate.inference import randomization_inference
    from participatie_rct.protocol import Protocol

    parsed = Protocol.from_toml(protocol)
    procedure = parsed.procedure()
    with naming_file(data):
        table = read_data(data)
        table, order_column = _arrival_order(table, order, data)
        missing_units = [c for c in parsed.unit_columns if c not in table.columns]
        if missing_units:
            raise EstimationError(
                f"column(s) {', '.join(map(repr, missing_units))} not in the data, but the "
                f"protocol assigns by them ({parsed.assignment.method.value}). Use the table "
                "written by participatie-rct outcomes, which keeps the baseline columns."
            )
        _check_arms(table, treatment, tuple(procedure.arms), data)
        table = table.assign(**{outcome: _numeric_outcome(table, outcome, data)})
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
