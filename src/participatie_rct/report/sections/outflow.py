"""Outflow section: outflow to work per arm, its curves, and the ITT effects at the horizon
(and, in a final report, at twice the horizon)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from participatie_rct.choices import ReportKind
from participatie_rct.report import analysis, figures
from participatie_rct.report.disclosure import count_text, share_text
from participatie_rct.report.inputs import ReportInputs
from participatie_rct.report.sections.common import Table, itt_table_rows


def outflow_section(
    *,
    inputs: ReportInputs,
    people: pd.DataFrame,
    outcomes: pd.DataFrame,
    analysed: pd.Series,
    itt: pd.DataFrame,
    kind: ReportKind,
    horizon: int,
    end: pd.Period,
    order: Sequence[str],
    labels: Mapping[str, str],
    control: str,
    stratum: str | None,
    covariates: Sequence[str],
    plan: Any,
    language: str,
    w: Mapping[str, str],
    values: dict[str, Any],
    figs: dict[str, bytes],
) -> int:
    """Add the outflow table and figure and the ITT tables; return the months the curves span."""
    rows = []
    for a in order:
        shares = outcomes.loc[(outcomes["arm"] == a) & analysed, "outflow_work"]
        n, k = len(shares), int(shares.sum())
        rows.append((labels[a], count_text(n), count_text(k), share_text(k, n, language=language)))
    values["outflow_table"] = Table((w["arm"], w["n"], w["n_out"], w["share"]), tuple(rows))
    values["analysed_n"] = int(analysed.sum())

    max_month = int(min(max(1, outcomes["time"].max() if len(outcomes) else 1), 24))
    work_curves = analysis.incidence_curves(outcomes, order, control, cause=1, months=max_month)
    if not work_curves.empty:
        figs["outflow"] = figures.outflow_figure(
            work_curves,
            {a: labels[a] for a in order},
            x_label=w["months_since"],
            y_label=w["cumulative_outflow"],
        )

    itt_rows = itt_table_rows(itt, labels, order, language)
    values["itt_table"] = Table(
        (w["arm"], w["n"], w["estimate"], w["std_error"], w["ci"], w["p_value"], w["p_holm"]),
        tuple(itt_rows),
    )
    values["itt_available"] = bool(len(itt))
    values["itt_long"] = None
    if kind is ReportKind.FINAL:
        values["itt_long"] = _longer_horizon(
            people,
            inputs,
            2 * horizon,
            end,
            order,
            labels,
            control,
            stratum,
            covariates,
            plan,
            language,
            w,
        )

    return max_month


def _longer_horizon(
    people: pd.DataFrame,
    inputs: ReportInputs,
    months: int,
    end: pd.Period,
    order: Sequence[str],
    labels: Mapping[str, str],
    control: str,
    stratum: str | None,
    covariates: Sequence[str],
    plan: Any,
    language: str,
    w: Mapping[str, str],
) -> dict[str, Any] | None:
    """Secondary outcome of a final report: outflow to work within ``months`` (twice the horizon).

    Same estimator as the primary outcome; None when nobody has that much follow-up.
    """
    from participatie_rct.estimate.outcomes import build_outcomes

    longer = build_outcomes(people, inputs.benefit_months, horizon_months=months, as_of=end)
    for c in covariates:
        longer[c] = pd.to_numeric(longer[c], errors="coerce")
    fit = analysis.itt_frame(
        longer,
        outcome="outflow_work",
        arms=order,
        control=control,
        strata=stratum,
        covariates=covariates,
        se_type=plan.se_type,
    )
    if fit.empty:
        return None
    header = (w["arm"], w["n"], w["estimate"], w["std_error"], w["ci"], w["p_value"], w["p_holm"])
    return {
        "title": w["outflow_share"].format(h=months),
        "text": w["itt_long_text"].format(
            h=months, n=count_text(int(longer["outflow_work"].notna().sum()))
        ),
        "table": Table(header, tuple(itt_table_rows(fit, labels, order, language))),
    }
