"""``estimate survival`` and ``estimate panel``: outflow over time.

Each command parses its options, calls one library function and renders the result; pandas,
numpy and scipy are imported inside the commands so that ``--help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer

from participatie_rct.choices import OutputFormat
from participatie_rct.cli.common import FormatOption, echo_json, split_list
from participatie_rct.cli.estimate import (
    ControlOption,
    TreatmentOption,
    estimate_app,
    naming_file,
    read_data,
)
from participatie_rct.errors import EstimationError

SurvivalData = typer.Argument(
    ..., help="CSV, xlsx or parquet file, one row per participant.", dir_okay=False
)
PanelData = typer.Argument(
    ..., help="CSV, xlsx or parquet file, one row per person and month.", dir_okay=False
)


def _times(text: str | None) -> tuple[float, ...] | None:
    """``"6,12,24"`` -> (6.0, 12.0, 24.0); a value that is not a number is refused with its text."""
    parts = split_list(text)
    if not parts:
        return None
    out = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            value = float("nan")
        if not 0 <= value < float("inf"):
            raise EstimationError(
                f"--times: {part!r} is not a time since assignment (a number >= 0). Give times "
                "comma-separated, e.g. --times 6,12,24."
            )
        out.append(value)
    return tuple(out)


@estimate_app.command("survival")
def survival_command(
    data: Path = SurvivalData,
    time: str = typer.Option(
        ..., "--time", help="Column with the time to exit or censoring (e.g. months)."
    ),
    event: str = typer.Option(
        ..., "--event", help="Column with 0 = censored, 1, 2, ... = kind of exit."
    ),
    treatment: str = TreatmentOption,
    control: str | None = ControlOption,
    covariates: str | None = typer.Option(
        None, "--covariates", help="Cox and Fine-Gray covariates, comma-separated."
    ),
    strata: str | None = typer.Option(
        None, "--strata", help="Stratum column: stratified log-rank, Cox and Gray test."
    ),
    event_of_interest: int | None = typer.Option(
        None,
        "--event-of-interest",
        help="Exit code of interest: adds cumulative incidence, Gray's test, Fine-Gray.",
    ),
    times: str | None = typer.Option(
        None, "--times", help="Times at which to give km and cif rows, comma-separated."
    ),
    tau: float | None = typer.Option(
        None, "--tau", help="Horizon of the restricted mean time on benefit (adds rmst)."
    ),
    output_format: OutputFormat = FormatOption,
) -> None:
    """Kaplan-Meier per arm, log-rank test and Cox hazard ratios; competing exits on request."""
    from participatie_rct.estimate.survival_analysis import survival_analysis

    with naming_file(data):
        result = survival_analysis(
            read_data(data),
            time=time,
            event=event,
            treatment=treatment,
            control=control,
            covariates=split_list(covariates),
            strata=strata,
            event_of_interest=event_of_interest,
            times=_times(times),
            tau=tau,
        )
    if output_format is OutputFormat.JSON:
        echo_json(result.to_dict())
    else:
        typer.echo(result.summary())


@estimate_app.command("panel")
def panel_command(
    data: Path = PanelData,
    outcome: str = typer.Option(..., "--outcome", help="0/1 column, e.g. off_benefit or in_work."),
    treatment: str = TreatmentOption,
    time: str = typer.Option(..., "--time", help="Column with the month since assignment."),
    id: str = typer.Option(..., "--id", help="Person column: standard errors are clustered by it."),
    control: str | None = ControlOption,
    pooled: bool = typer.Option(
        False, "--pooled", help="One effect per arm over all months, not one per month."
    ),
    output_format: OutputFormat = FormatOption,
) -> None:
    """Person-month linear probability model: arm effects by month, clustered by person."""
    from participatie_rct.estimate.panel import panel_effects

    with naming_file(data, {"cluster": "--id"}):
        result = panel_effects(
            read_data(data),
            outcome=outcome,
            treatment=treatment,
            control=control,
            by_month=not pooled,
            cluster=id,
            time=time,
        )
    if output_format is OutputFormat.JSON:
        payload = result.to_dict()
        echo_json({"effects": payload.pop("rows"), "settings": payload})
    else:
        typer.echo(result.summary())


def register(app: typer.Typer) -> None:
    """The commands hang on the ``estimate`` group, which ``estimate.register`` adds."""
    del app
