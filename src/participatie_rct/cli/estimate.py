"""The ``estimate`` command group (``estimate itt``) and ``balance``.

Each command parses its options, calls one library function and renders the result; heavy
libraries are imported inside the commands so that ``--help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from participatie_rct.choices import Adjustment, Correction, Estimator, OutputFormat, SEType
from participatie_rct.cli.common import (
    FormatOption,
    StrataOption,
    echo_json,
    effects_payload,
    split_list,
    strata_columns,
)

if TYPE_CHECKING:
    import pandas as pd

estimate_app = typer.Typer(
    help="Estimate effects of every arm against control (itt, survival, panel).",
    no_args_is_help=True,
)

DataArgument = typer.Argument(
    ..., help="CSV, xlsx or parquet file, one row per participant.", dir_okay=False, metavar="DATA"
)
TreatmentOption = typer.Option(..., "--treatment", help="Column holding each row's assigned arm.")
ControlOption = typer.Option(
    None,
    "--control",
    help="Control level (default: the level named 'control'; otherwise this is required).",
)
EstimatorOption = typer.Option(
    Estimator.OLS, "--estimator", help="ols regression or dim (difference in means)."
)
AdjustOption = typer.Option(
    None, "--adjust", help="Covariate adjustment (default lin with covariates, else none)."
)
SEOption = typer.Option(None, "--se", help="Standard errors (default hc2; cr2 with --cluster).")
CorrectionOption = typer.Option(
    Correction.HOLM, "--correction", help="Multiplicity correction across arms."
)

ReceivedOption = typer.Option(
    None, "--received", help="0/1 (or arm) actually received: complier effect by 2SLS."
)
SubgroupOption = typer.Option(
    None, "--subgroup", help="Effects within each level of this column, and the interaction test."
)
LogitOption = typer.Option(
    False, "--logit", help="Average marginal effects from a logit model (0/1 outcome)."
)


def read_data(path: Path) -> pd.DataFrame:
    """The ``DATA`` file as a typed DataFrame (CSV, xlsx or parquet)."""
    from participatie_rct.data import read_frame

    return read_frame(path)


@contextmanager
def naming_file(path: Path, renamed: dict[str, str] | None = None) -> Iterator[None]:
    """Put the data file's name before an estimator's refusal, in the command line's terms.

    The estimators see a DataFrame, not a file: their messages name the column, rows and
    value; the user also needs to know which file, and the flag (``--control``) where the
    library names its parameter (``control=``; ``renamed`` for a command whose flag differs).
    Refusals of the file itself (:class:`InputFileError`) name it already.
    """
    from participatie_rct.cli.flags import flag_terms
    from participatie_rct.errors import InputFileError, ParticipatieRCTError

    try:
        yield
    except InputFileError:
        raise
    except ParticipatieRCTError as exc:
        raise type(exc)(f"{path}: {flag_terms(str(exc), renamed)}") from None


@estimate_app.command("itt")
def itt_command(
    data: Path = DataArgument,
    outcome: str = typer.Option(..., "--outcome", help="Outcome column (number or true/false)."),
    treatment: str = TreatmentOption,
    control: str | None = ControlOption,
    covariates: str | None = typer.Option(
        None, "--covariates", help="Baseline covariates, comma-separated."
    ),
    strata: list[str] | None = StrataOption,
    cluster: str | None = typer.Option(
        None, "--cluster", help="Cluster column of a cluster-randomized design."
    ),
    estimator: Estimator = EstimatorOption,
    adjust: Adjustment | None = AdjustOption,
    se: SEType | None = SEOption,
    alpha: float = typer.Option(0.05, "--alpha", help="1 - confidence level of the intervals."),
    correction: Correction = CorrectionOption,
    missing: str = typer.Option(
        "drop", "--missing", help="drop (and report per arm) or error on missing values."
    ),
    received: str | None = ReceivedOption,
    subgroup: str | None = SubgroupOption,
    logit: bool = LogitOption,
    output_format: OutputFormat = FormatOption,
) -> None:
    """Intention-to-treat effect of every arm against control, with Holm-adjusted p-values.

    With --received: the complier effect (2SLS, assignment instruments receipt); with
    --subgroup: effects within each level and the interaction test; with --logit: average
    marginal effects from a logit model (a sensitivity analysis for a 0/1 outcome). Several
    --strata columns make one stratum per combination of their values.
    """
    from participatie_rct.errors import EstimationError

    options = (("--received", received), ("--subgroup", subgroup), ("--logit", logit))
    chosen = [name for name, on in options if on]
    if len(chosen) > 1:
        raise EstimationError(f"{' and '.join(chosen)} are different analyses; choose one.")
    if chosen and (estimator is not Estimator.OLS or adjust not in (None, Adjustment.LINEAR)):
        raise EstimationError(
            f"{chosen[0]} fits its own regression: leave out --estimator dim and --adjust lin/none "
            "(covariates enter linearly)."
        )
    if subgroup and covariates:
        raise EstimationError("--subgroup does not take --covariates; leave them out.")
    if logit and (cluster or se):
        raise EstimationError(
            "--logit uses the model-based variance: leave out --cluster and --se."
        )
    with naming_file(data):
        frame, stratum = combined_strata(read_data(data), strata_columns(strata))
        common: dict[str, Any] = {
            "outcome": outcome, "treatment": treatment, "control": control,
            "conf_level": 1.0 - alpha, "correction": correction, "missing": missing,
            "strata": stratum,
        }  # fmt: skip
        result = _fit_itt(
            frame, common, covariates=split_list(covariates), cluster=cluster, se=se,
            estimator=estimator, adjust=adjust, received=received, subgroup=subgroup, logit=logit,
        )  # fmt: skip
    if output_format is OutputFormat.JSON:
        echo_json(effects_payload(result))
    else:
        typer.echo(result.summary())


def _fit_itt(
    frame: pd.DataFrame, common: dict[str, Any], *, covariates: tuple[str, ...],
    cluster: str | None, se: SEType | None, estimator: Estimator, adjust: Adjustment | None,
    received: str | None, subgroup: str | None, logit: bool,
) -> Any:  # fmt: skip
    """The one library call ``estimate itt`` makes: ITT, or the analysis its flag chose."""
    if received:
        from participatie_rct.estimate.iv import cace

        return cace(
            frame, received=received, covariates=covariates, cluster=cluster, se_type=se, **common
        )
    if subgroup:
        from participatie_rct.estimate.subgroups import subgroup_effects

        return subgroup_effects(frame, subgroup=subgroup, cluster=cluster, se_type=se, **common)
    if logit:
        from participatie_rct.estimate.logit import logit_ame

        return logit_ame(frame, covariates=covariates, **common)
    from participatie_rct.estimate.itt import itt

    return itt(
        frame, covariates=covariates, cluster=cluster, estimator=estimator, adjust=adjust,
        se_type=se, **common,
    )  # fmt: skip


def combined_strata(
    frame: pd.DataFrame, columns: tuple[str, ...]
) -> tuple[pd.DataFrame, str | None]:
    """The frame and the name of its one stratum column for ``--strata`` (None without).

    One column is used as it is. Several make one stratum per combination of their values,
    in a new column named after them (``site+age_group``) whose values read
    ``Ede | 45+``; a row missing any of them has no stratum, as a row missing the one
    column would. Columns the frame lacks are left to the estimator, which names them.
    """
    if len(columns) < 2:
        return frame, (columns[0] if columns else None)
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        return frame, absent[0]
    name = "+".join(columns)
    parts = frame[list(columns)]
    combined = parts.astype(str).agg(" | ".join, axis=1)
    combined = combined.where(parts.notna().all(axis=1))
    return frame.assign(**{name: combined}), name


def balance_command(
    data: Path = DataArgument,
    treatment: str = TreatmentOption,
    covariates: str = typer.Option(
        ..., "--covariates", help="Baseline covariates, comma-separated."
    ),
    control: str | None = ControlOption,
    by: str | None = typer.Option(
        None, "--by", help="Repeat within each level of these columns (e.g. site,cohort)."
    ),
    missing: str = typer.Option(
        "drop", "--missing", help="drop (and report per arm) or error on missing values."
    ),
    output_format: OutputFormat = FormatOption,
) -> None:
    """Covariate balance by arm: means, standardized differences, tests, joint orthogonality."""
    from participatie_rct.estimate.balance import balance

    with naming_file(data):
        result = balance(
            read_data(data),
            treatment=treatment,
            covariates=split_list(covariates),
            control=control,
            by=split_list(by),
            missing=missing,
        )
    if output_format is OutputFormat.JSON:
        payload = effects_payload(result)
        echo_json({"balance": payload.pop("estimates"), **payload})
    else:
        typer.echo(result.summary())


def register(app: typer.Typer) -> None:
    """Add ``estimate`` and ``balance`` to the root app."""
    app.add_typer(estimate_app, name="estimate")
    app.command("balance")(balance_command)
