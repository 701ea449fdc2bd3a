"""Interim section: information fraction, the stopping boundary at this look and each arm's z."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from participatie_rct.report import analysis
from participatie_rct.report.disclosure import count_text
from participatie_rct.report.i18n import number
from participatie_rct.report.sections.common import Table, effect_records


def interim_section(
    frame: pd.DataFrame,
    n_info: int,
    n_total: int,
    plan: Any,
    labels: Mapping[str, str],
    order: Sequence[str],
    language: str,
    w: Mapping[str, str],
    *,
    previous_information: Sequence[float] = (),
    assumed: bool = False,
) -> dict[str, Any]:
    """Information fraction, the boundary at this look and each arm's z against it.

    ``previous_information`` holds the fractions of the interim looks taken before this one
    (``assumed`` when they are the plan's rather than observed); the boundary then accounts
    for the alpha those looks spent, and the text says so. No arm is named in that sentence,
    so it is safe in blinded reports.
    """
    if plan.target_n:  # the planned total, as monitor status counts information
        n_total = int(plan.target_n)
    t = min(1.0, n_info / n_total) if n_total else 0.0
    look = analysis.interim_boundary(
        t,
        plan,
        comparisons=max(1, len(order) - 1),
        previous_information=previous_information,
    )
    rows = []
    points = []
    for a in order:
        for r in effect_records(frame[frame["arm"] == a]):
            points.append({"label": labels[a], "z": float(r.statistic)})
            rows.append(
                (
                    labels[a],
                    number(r.statistic, language, digits=2),
                    number(look["z"], language, digits=2),
                    w["yes"] if abs(r.statistic) >= look["z"] else w["no"],
                )
            )
    text = w["interim_text"].format(
        t=number(t, language, digits=2),
        n=count_text(n_info),
        N=count_text(n_total),
        h=plan.horizon_months,
        spending=plan.spending,
        z=number(look["z"], language, digits=2),
        p=number(look["p_nominal"], language, digits=5),
    )
    if n_info == 0:
        text = w["interim_none"].format(h=plan.horizon_months)
    if previous_information:
        earlier = w["interim_earlier_planned" if assumed else "interim_earlier"].format(
            look=len(previous_information) + 1,
            k=len(previous_information),
            fractions="; ".join(number(v, language, digits=3) for v in previous_information),
        )
        text = f"{text} {earlier}"
    return {
        "information": round(t, 6),
        "boundary": float(look["z"]),
        "points": points,
        "text": text,
        "table": Table((w["arm"], w["z"], w["boundary"], w["crossed"]), tuple(rows)),
    }
