"""Outflow section: outflow to work per arm, its curves, and the ITT effects at the horizon
(and, in a final report, at twice the horizon)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from participatie_rct.report import figures
from participatie_rct.report.analyses import ReportAnalyses, Unavailable
from participatie_rct.report.disclosure import count_text, share_text
from participatie_rct.report.sections.common import Section, Table, View, itt_table_rows


def itt_header(w: Any) -> tuple[str, ...]:
    """Header of an ITT table."""
    return (w["arm"], w["n"], w["estimate"], w["std_error"], w["ci"], w["p_value"], w["p_holm"])


def itt_table(itt: pd.DataFrame | Unavailable, view: View) -> Table:
    """The ITT effects per arm, or the sentence that says why they could not be estimated."""
    if isinstance(itt, Unavailable):
        return Table(itt_header(view.w), (), note=view.w["not_estimable"].format(reason=itt.reason))
    rows = itt_table_rows(itt, view.labels, view.order, view.language)
    return Table(itt_header(view.w), tuple(rows))


def outflow_section(analyses: ReportAnalyses, view: View) -> Section:
    """The outflow table and figure, the ITT table and, in a final report, the longer horizon."""
    w, order, labels = view.w, view.order, view.labels
    outcomes, analysed = analyses.outcomes, analyses.analysed
    rows = []
    for a in order:
        shares = outcomes.loc[(outcomes["arm"] == a) & analysed, "outflow_work"]
        n, k = len(shares), int(shares.sum())
        rows.append(
            (labels[a], count_text(n), count_text(k), share_text(k, n, language=view.language))
        )
    values: dict[str, Any] = {
        "outflow_table": Table((w["arm"], w["n"], w["n_out"], w["share"]), tuple(rows)),
        "analysed_n": int(analysed.sum()),
        "itt_table": itt_table(analyses.itt, view),
        "itt_available": isinstance(analyses.itt, pd.DataFrame) and bool(len(analyses.itt)),
        "itt_long": _longer_horizon(analyses, view),
    }
    figs: dict[str, bytes] = {}
    work = analyses.curves.get(1)
    if isinstance(work, pd.DataFrame) and not work.empty:
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
    return {
        "title": w["outflow_share"].format(h=months),
        "text": w["itt_long_text"].format(h=months, n=count_text(analyses.n_long)),
        "table": itt_table(analyses.itt_long, view),
    }
