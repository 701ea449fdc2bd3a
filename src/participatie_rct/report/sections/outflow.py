"""Outflow section: outflow to work per arm, its curves, and the ITT effects at the horizon
(and, in a final report, at twice the horizon)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from participatie_rct.report import figures
from participatie_rct.report.analyses import ReportAnalyses
from participatie_rct.report.disclosure import HIDDEN, count_text, share_text
from participatie_rct.report.sections.common import Section, Table, View
from participatie_rct.report.sections.curves import pooled_curve_frame
from participatie_rct.report.sections.effects import itt_table, shares_of


def outflow_section(analyses: ReportAnalyses, view: View) -> Section:
    """The outflow table and figure, the ITT table and, in a final report, the longer horizon."""
    w, order, labels = view.w, view.order, view.labels
    outcomes, analysed = analyses.outcomes, analyses.analysed
    shares = shares_of(outcomes[analysed], "outflow_work", order)
    rows = []
    for j, a in enumerate(order):
        n = int(((outcomes["arm"] == a) & analysed).sum())
        k = int(outcomes.loc[(outcomes["arm"] == a) & analysed, "outflow_work"].sum())
        if a in view.hidden_n:  # CONSORT hides this arm's number analysed: so does this table
            rows.append((labels[a], HIDDEN, HIDDEN, HIDDEN))
            continue
        share = share_text(k, n, language=view.language) if shares.shown[j] else HIDDEN
        rows.append((labels[a], count_text(n), shares.table.cell(0, j), share))
    horizon = int(analyses.protocol.analysis.horizon_months)
    caption = w["population_analysed"].format(h=horizon)
    values: dict[str, Any] = {
        "outflow_table": Table(
            (w["arm"], w["n"], w["n_out"], w["share"]), tuple(rows), caption=caption
        ),
        "analysed_n": int(analysed.sum()),
        "itt_table": itt_table(analyses.itt, view, shares, caption=caption),
        "itt_available": isinstance(analyses.itt, pd.DataFrame) and bool(len(analyses.itt)),
        "itt_long": _longer_horizon(analyses, view),
    }
    figs: dict[str, bytes] = {}
    work = analyses.curves.get(1)
    if isinstance(work, pd.DataFrame) and not work.empty:
        work = pooled_curve_frame(work, outcomes, cause=1, arms=order)
    if isinstance(work, pd.DataFrame) and (work["month"] > 0).any():
        figs["outflow"] = figures.outflow_figure(
            work,
            {a: labels[a] for a in order},
            x_label=w["months_since"],
            y_label=w["cumulative_outflow"],
        )
    return Section(values, figs)


def _longer_horizon(analyses: ReportAnalyses, view: View) -> dict[str, Any] | None:
    """Secondary outcome of a final report: outflow to work within twice the horizon."""
    if analyses.itt_long is None:
        return None
    w = view.w
    months = 2 * int(analyses.protocol.analysis.horizon_months)
    long = analyses.outcomes_long
    shares = None if long is None else shares_of(long, "outflow_work", view.order)
    return {
        "title": w["outflow_share"].format(h=months),
        "text": w["itt_long_text"].format(
            h=months, n=count_text(analyses.n_long, language=view.language)
        ),
        "table": itt_table(
            analyses.itt_long,
            view,
            shares,
            caption=w["population_analysed"].format(h=months),
        ),
    }
