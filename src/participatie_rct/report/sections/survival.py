"""Survival section: hazard ratios, log-rank and Gray tests, and the competing exits from
benefit (counts per reason and cumulative incidence curves)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from participatie_rct.report import analysis, figures
from participatie_rct.report.i18n import number, p_clause, p_text
from participatie_rct.report.sections.common import Table, counts_table, effect_records


def survival_section(
    outcomes: pd.DataFrame,
    max_month: int,
    order: Sequence[str],
    labels: Mapping[str, str],
    control: str,
    language: str,
    w: Mapping[str, str],
    values: dict[str, Any],
) -> None:
    """Add the hazard-ratio table and the log-rank and Gray test sentences."""
    cox = analysis.cox_frame(outcomes, control)
    cox = cox.set_index("arm").reindex([a for a in order if a in set(cox["arm"])]).reset_index()
    values["cox_table"] = Table(
        (w["arm"], w["hr"], w["ci"], w["p_value"]),
        tuple(
            (
                labels[r.arm],
                number(r.hazard_ratio, language, digits=2),
                f"{number(r.ci_low, language, digits=2)} – {number(r.ci_high, language, digits=2)}",
                p_text(r.p_value, language),
            )
            for r in effect_records(cox)
        ),
    )
    lr = analysis.logrank_test(outcomes, control)
    gt = analysis.gray(outcomes, control)
    values["gray"] = w["gray"].format(
        stat=number(gt["statistic"], language, digits=2),
        df=number(gt["df"], language, digits=0),
        p=p_clause(gt["p_value"], language),
    )
    values["logrank"] = w["logrank"].format(
        stat=number(lr["statistic"], language, digits=2),
        df=number(lr["df"], language, digits=0),
        p=p_clause(lr["p_value"], language),
    )


def competing_section(
    outcomes: pd.DataFrame,
    max_month: int,
    order: Sequence[str],
    labels: Mapping[str, str],
    control: str,
    w: Mapping[str, str],
    values: dict[str, Any],
    figs: dict[str, bytes],
) -> None:
    """Add the table of exits per reason and arm and the cumulative incidence per reason."""
    reasons = [
        (1, w["reason_work"]),
        (2, w["reason_part_time_work"]),
        (3, w["reason_other"]),
        (0, w["reason_none"]),
    ]
    followed = outcomes[outcomes["time"] > 0]
    exit_counts = [
        [int(((followed["arm"] == a) & (followed["event_code"] == code)).sum()) for a in order]
        for code, _ in reasons
    ]
    values["competing_table"] = counts_table(
        w["reason"],
        [name for _, name in reasons],
        [labels[a] for a in order],
        exit_counts,
        w["total"],
    )
    cause_frames = []
    for code, name in reasons[:3]:
        part = analysis.incidence_curves(outcomes, order, control, cause=code, months=max_month)
        if not part.empty:
            cause_frames.append(part.assign(cause=name))
    if cause_frames:
        figs["competing"] = figures.outflow_figure(
            pd.concat(cause_frames, ignore_index=True),
            {a: labels[a] for a in order},
            x_label=w["months_since"],
            y_label=w["cumulative_incidence"],
            facet="cause",
            facet_order=[name for _, name in reasons[:3]],
        )
