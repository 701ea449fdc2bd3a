"""Survival section: hazard ratios, log-rank and Gray tests, and the competing exits from
benefit (counts per reason and cumulative incidence curves)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from participatie_rct.report import figures
from participatie_rct.report.analyses import ReportAnalyses, Unavailable
from participatie_rct.report.disclosure import HIDDEN
from participatie_rct.report.disclosure_rules import OutcomeShares, outcome_shares
from participatie_rct.report.i18n import number, p_clause, p_text
from participatie_rct.report.sections.common import (
    Section,
    Table,
    View,
    counts_table,
    effect_records,
    not_estimable,
    why_not,
)
from participatie_rct.report.sections.curves import pooled_curve_frame


def _test_sentence(template: str, test: Mapping[str, float] | Unavailable, view: View) -> str:
    if isinstance(test, Unavailable):
        return why_not(test.reason, view.w)
    return template.format(
        stat=number(test["statistic"], view.language, digits=2),
        df=number(test["df"], view.language, digits=0),
        p=p_clause(test["p_value"], view.language),
    )


def work_exits(outcomes: pd.DataFrame, order: tuple[str, ...]) -> OutcomeShares:
    """Which arms' exits to work (among those followed) may be printed: what the curves,
    hazard ratios and tests of this section rest on."""
    followed = outcomes[outcomes["time"] > 0]
    exits = followed["event_code"] == 1
    return outcome_shares(
        [int((exits & (followed["arm"] == a)).sum()) for a in order],
        [int((followed["arm"] == a).sum()) for a in order],
    )


def cox_table(cox: pd.DataFrame | Unavailable, view: View, exits: OutcomeShares) -> Table:
    """Hazard ratio of each arm against control with its interval and p-value.

    A hazard ratio rests on the exits to work of the arm and the control; when either count
    may not be printed, neither may the ratio (rule 3 of the disclosure policy).
    """
    w, language = view.w, view.language
    header = (w["arm"], w["hr"], w["ci"], w["p_value"])
    if isinstance(cox, Unavailable):
        return not_estimable(header, cox.reason, w)
    present = set(cox["arm"])
    ordered = cox.set_index("arm").reindex([a for a in view.order if a in present]).reset_index()
    control = view.order.index(view.control)
    rows, hidden = [], []
    for r in effect_records(ordered):
        if not exits.effect_shown(view.order.index(r.arm), control):
            hidden.append(view.labels[r.arm])
            rows.append((view.labels[r.arm], HIDDEN, HIDDEN, HIDDEN))
            continue
        rows.append(
            (
                view.labels[r.arm],
                number(r.hazard_ratio, language, digits=2),
                f"{number(r.ci_low, language, digits=2)} – {number(r.ci_high, language, digits=2)}",
                p_text(r.p_value, language),
            )
        )
    note = w["effect_hidden"].format(arms=", ".join(hidden)) if hidden else ""
    return Table(header, tuple(rows), note=note)


def survival_section(analyses: ReportAnalyses, view: View) -> Section:
    """The hazard-ratio table and the log-rank and Gray test sentences.

    The tests compare all arms at once, so they are shown only when every arm's exits to
    work may be printed.
    """
    exits = work_exits(analyses.outcomes, view.order)
    all_shown = all(exits.shown)
    hidden = view.w["test_hidden"]
    return Section(
        {
            "cox_table": cox_table(analyses.cox, view, exits),
            "gray": _test_sentence(view.w["gray"], analyses.gray, view) if all_shown else hidden,
            "logrank": _test_sentence(view.w["logrank"], analyses.logrank, view)
            if all_shown
            else hidden,
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
            drawn = pooled_curve_frame(part, outcomes, cause=code, arms=order)
            if (drawn["month"] > 0).any():
                cause_frames.append(drawn.assign(cause=name))
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
