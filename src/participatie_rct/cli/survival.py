"""``estimate survival`` and ``estimate panel``: outflow over time.

Each command parses its options, calls one library function and renders the result; pandas,
numpy and scipy are imported inside the commands so that ``--help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from participatie_rct.choices import OutputFormat
from participatie_rct.cli.common import (
    FormatOption,
    StrataOption,
    echo_json,
    split_list,
    strata_columns,
)
from participatie_rct.cli.estimate import (
    ControlOption,
    TreatmentOption,
    combined_strata,
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
    strata: list[str] | None = StrataOption,
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
    """Kaplan-Meier per arm, log-rank test and Cox hazard ratios; competing exits on request.

    --strata stratifies the log-rank test, Cox model and Gray test (several columns: one
    stratum per combination).
    """
    from participatie_rct.estimate.survival_analysis import survival_analysis

    with naming_file(data):
        frame, stratum = combined_strata(read_data(data), strata_columns(strata))
        result = survival_analysis(
            frame,
            time=time,
            event=event,
            treatment=treatment,
            control=control,
            covariates=split_list(covariates),
            strata=stratum,
            event_of_interest=event_of_interest,
            times=_times(times),
            tau=tau,
        )
    if output_format is OutputFormat.JSON:
        echo_json(survival_payload(result))
    else:
        typer.echo(result.summary())
        if result.warning_lines():  # the summary says it per model; once more, at the end
            typer.echo("\n" + result.warning_lines())


#: ``estimate survival --format json`` keys (docs/cli-contract.md) -> the result frames' columns
_KM = {"survival": "estimate"}
_RATIO = {
    "coef": "estimate",
    "hazard_ratio": "exp_estimate",
    "std_error": "model_std_error",
    "ci_low": "exp_ci_low",
    "ci_high": "exp_ci_high",
}
_CIF = {"cumulative_incidence": "estimate"}


def _rows(frame: Any, keys: list[str], renamed: dict[str, str]) -> list[dict[str, Any]]:
    """Rows with the contract's ``keys``, read from the frame's columns (``renamed``)."""
    from participatie_rct.tidy import records

    columns = {key: renamed.get(key, key) for key in keys}
    present = {key: col for key, col in columns.items() if col in frame.columns}
    return records(frame[list(present.values())].set_axis(list(present), axis=1))


def survival_payload(result: Any) -> dict[str, Any]:
    """The JSON of ``estimate survival`` (docs/cli-contract.md), mapped from the result frames."""
    from participatie_rct.tidy import json_ready

    km_keys = ["arm", "time", "survival", "std_error", "ci_low", "ci_high", "n_risk"]
    cox_keys = ["term", "arm", "coef", "hazard_ratio", "std_error", "robust_std_error"]
    cox_keys += ["p_value", "ci_low", "ci_high"]
    out: dict[str, Any] = {
        "km": _rows(result.km.to_frame(), km_keys, _KM),
        "logrank": _test(result.logrank),
        "cox": _rows(result.cox.to_frame(), cox_keys, _RATIO),
    }
    if result.cif is not None:
        cif_keys = ["arm", "time", "cumulative_incidence", "std_error", "variance", "cause"]
        out["cif"] = _rows(result.cif.to_frame(), [*cif_keys, "ci_low", "ci_high", "n_risk"], _CIF)
    if result.gray is not None:
        out["gray"] = _test(result.gray)
    if result.fine_gray is not None:
        fg_keys = [k for k in cox_keys if k != "robust_std_error"]
        out["fine_gray"] = _rows(result.fine_gray.to_frame(), fg_keys, _RATIO)
    if result.cause_specific_cox is not None:
        out["cause_specific_cox"] = _rows(result.cause_specific_cox.to_frame(), cox_keys, _RATIO)
    if result.rmst is not None:
        out["rmst"] = json_ready(result.rmst.to_dict()["estimates"])
    glance = result.glance()
    keys = ("ties", "strata", "control", "n", "n_events", "conf_type", "event_of_interest")
    out["settings"] = json_ready({key: glance[key] for key in keys})
    out["warnings"] = list(glance["warnings"])
    return out


def _test(result: Any) -> dict[str, Any]:
    return {"statistic": result.statistic, "df": result.df, "p_value": result.p_value}


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
        glance = payload["glance"]
        echo_json(
            {"effects": payload["estimates"], "settings": glance, "warnings": glance["warnings"]}
        )
    else:
        typer.echo(result.summary())


def register(app: typer.Typer) -> None:
    """The commands hang on the ``estimate`` group, which ``estimate.register`` adds."""
    del app
