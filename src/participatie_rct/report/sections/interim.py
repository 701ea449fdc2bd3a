"""Interim section: the look as ``monitor status`` computes it, shown for the reader.

The information fraction, the stopping boundary at this look and each arm's z against it come
from one :class:`~participatie_rct.design.monitor.MonitorStatus` (built by
:meth:`participatie_rct.trial.Trial.monitor`), so the report and the command cannot differ.
The text says whether the z is covariate-adjusted.
"""

from __future__ import annotations

import math
from typing import Any

from participatie_rct.report import figures
from participatie_rct.report.analyses import Interim, Unavailable
from participatie_rct.report.disclosure import count_text
from participatie_rct.report.i18n import number
from participatie_rct.report.sections.common import Section, Table, View


def interim_section(interim: Interim, plan: Any, view: View) -> Section:
    """Information fraction, the boundary at this look and each arm's z against it.

    When earlier looks were taken (``interim.previous_information``, ``assumed`` when they
    are the plan's rather than observed) the text says that the boundary accounts for the
    alpha they spent. No arm is named in the text, so it is safe in blinded reports.
    """
    w, language = view.w, view.language
    status = interim.status
    header = (w["arm"], w["z"], w["boundary"], w["crossed"])
    if isinstance(status, Unavailable):
        text = w["interim_none"].format(h=plan.horizon_months)
        values = {"information": 0.0, "boundary": math.inf, "points": [], "text": text}
        return Section({"interim": {**values, "table": Table(header, ())}})
    look = status.boundary.looks[-1]
    by_arm = {c.arm: c for c in status.comparisons}
    rows, points = [], []
    for a in view.order:
        if a not in by_arm:
            continue
        z = by_arm[a].statistic
        points.append({"label": view.labels[a], "z": float(z)})
        crossed = w["yes"] if by_arm[a].crossed else w["no"]
        rows.append(
            (
                view.labels[a],
                number(z, language, digits=2),
                number(look.z, language, digits=2),
                crossed,
            )
        )
    text = w["interim_text"].format(
        t=number(status.information, language, digits=2),
        n=count_text(status.n_observed),
        N=count_text(status.target_n),
        h=plan.horizon_months,
        spending=plan.spending,
        z=number(look.z, language, digits=2),
        p=number(look.p_nominal, language, digits=5),
    )
    if interim.previous_information:
        earlier = w["interim_earlier_planned" if interim.assumed else "interim_earlier"].format(
            look=len(interim.previous_information) + 1,
            k=len(interim.previous_information),
            fractions="; ".join(
                number(v, language, digits=3) for v in interim.previous_information
            ),
        )
        text = f"{text} {earlier}"
    text = f"{text} {w['interim_adjusted' if status.adjusted else 'interim_unadjusted']}"
    values = {
        "information": round(status.information, 6),
        "boundary": float(look.z),
        "adjusted": status.adjusted,
        "points": points,
        "text": text,
        "table": Table(header, tuple(rows)),
    }
    figs: dict[str, bytes] = {}
    if points and math.isfinite(look.z):
        import pandas as pd

        figs["boundary"] = figures.boundary_figure(
            pd.DataFrame(points),
            boundary=look.z,
            palette=figures.colours([view.labels[a] for a in view.order]),
            y_label=w["z"],
            boundary_label=w["boundary"],
        )
    return Section({"interim": values}, figs)
