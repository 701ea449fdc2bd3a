"""Survival section: hazard ratios, log-rank and Gray tests, and the competing exits from
benefit (counts per reason and cumulative incidence curves)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from participatie_rct.report import figures
from participatie_rct.report.analyses import ReportAnalyses, Unavailable
from participatie_rct.report.i18n import number, p_clause, p_text
from participatie_rct.report.sections.common import (
    Section,
    Table,
    View,
    counts_table,
    effect_records,
    not_estimable,
)


def _test_sentence(template: str, test: Mapping[str, float] | Unavailable, view: View) -> str:
    if isinstance(test, Unavailable):
        return view.w["not_estimable"].format(reason=test.reason)
    return template.format(
        stat=number(test["statistic"], view.language, digits=2),
        df=number(test["df"], view.language, digits=0),
        p=p_clause(test["p_value"], view.language),
    )


def cox_table(cox: pd.DataFrame | Unavailable, view: View) -> Table:
    """Hazard ratio of each arm against control with its interval and p-value."""
    w, language = view.w, view.language
    header = (w["arm"], w["hr"], w["ci"], w["p_value"])
    if isinstance(cox, Unavailable):
        return not_estimable(header, cox.reason, w)
    present = set(cox["arm"])
    ordered = cox.set_index("arm").reindex([a for a in view.order if a in present]).reset_index()
    return Table(
        header,
        tuple(
            (
                view.labels[r.arm],
                number(r.hazard_ratio, language, digits=2),
                f"{number(r.ci_low, language, digits=2)} – {number(r.ci_high, language, digits=2)}",
                p_text(r.p_value, language),
            )
            for r in effect_records(ordered)
        ),
    )


def survival_section(analyses: ReportAnalyses, view: View) -> Section:
    """The hazard-ratio table and the log-rank and Gray test sentences."""
    return Section(
        {
            "cox_table": cox_table(analyses.cox, view),
            "gray": _test_sentence(view.w["gray"], analyses.gray, view),
            "logrank": _test_sentence(view.w["logrank"], analyses.logrank, view),
        }
    )


def competing_section(analyses: ReportAnalyses, view: View) -> Section:
    """The table of exits per reason and arm and the cumulative incidence per reason."""
    w, order, labels = view.w, view.order, view.labels
    reasons = [
        (1, w["reason_work"]),
        (2, w["reason_part_time_work"]),
        (3, w["reason_other"]),
        (0, w["reason_none"]),
    ]
    outcomes = analyses.outcomes
    followed = outcomes[outcomes["time"] > 0]
    exit_counts = [
        [int(((followed["arm"] == a) & (followed["event_code"] == code)).sum()) for a in order]
        for code, _ in reasons
    ]
    table = counts_table(
        w["reason"],
        [name for _, name in reasons],
        [labels[a] for a in order],
        exit_counts,
        w["total"],
    )
    cause_frames = []
    for code, name in reasons[:3]:
        part = analyses.curves.get(code)
        if isinstance(part, pd.DataFrame) and not part.empty:
            cause_frames.append(part.assign(cause=name))
    figs: dict[str, bytes] = {}
    if cause_frames:
        figs["competing"] = figures.outflow_figure(
            pd.concat(cause_frames, ignore_index=True),
            {a: labels[a] for a in order},
            x_label=w["months_since"],
            y_label=w["cumulative_incidence"],
            facet="cause",
            facet_order=[name for _, name in reasons[:3]],
        )
    return Section({"competing_table": table}, figs)
