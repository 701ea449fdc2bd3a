"""Balance section: baseline characteristics per arm with standardised differences, and the
joint test that they do not predict the arm."""

from __future__ import annotations

from typing import Any

import pandas as pd

from participatie_rct.report.analyses import Unavailable
from participatie_rct.report.disclosure import HIDDEN, THRESHOLD, count_text, share_text
from participatie_rct.report.i18n import number, p_text
from participatie_rct.report.sections.common import (
    Section,
    Table,
    View,
    effect_records,
    not_estimable,
)


def balance_section(
    n_by_arm: dict[str, int],
    baseline: pd.DataFrame,
    joint: pd.DataFrame | Unavailable | None,
    view: View,
) -> Section:
    """The balance table (means or shares per arm, largest |SMD|) and the joint test."""
    return Section(
        {
            "balance_table": balance_table(n_by_arm, baseline, view),
            "joint_table": joint_table(joint, view),
        }
    )


def balance_table(n_by_arm: dict[str, int], baseline: pd.DataFrame, view: View) -> Table:
    """Means (or shares) per arm and the largest absolute standardised mean difference.

    ``baseline`` is :func:`participatie_rct.trial.estimates.baseline_table`: one row per
    characteristic and arm. A mean of fewer than 10 people is hidden, and so is the SMD of a
    row with a hidden cell (it could give the cell away).
    """
    w, order, language = view.w, view.order, view.language
    rows: list[tuple[str, ...]] = [(w["n"], *[count_text(n_by_arm.get(a, 0)) for a in order], "")]
    for name, group in baseline.groupby("characteristic", sort=False):
        by_arm: dict[str, Any] = {str(r["arm"]): r for r in group.to_dict("records")}
        cells = []
        for a in order:
            r = by_arm[a]
            if r["share"]:
                cells.append(share_text(int(r["total"]), int(r["n"]), digits=0, language=language))
            else:
                cells.append(number(r["mean"], language) if r["n"] >= THRESHOLD else HIDDEN)
        smds = [abs(float(by_arm[a]["smd"])) for a in order if a != view.control]
        finite = [s for s in smds if s == s]
        if HIDDEN in cells:
            largest = HIDDEN  # the SMD could give a hidden share away
        else:
            largest = number(max(finite), language, digits=2) if finite else w["na"]
        rows.append((w.get(str(name), str(name)), *cells, largest))
    return Table((w["variable"], *[view.labels[a] for a in order], w["smd_max"]), tuple(rows))


def joint_table(joint: pd.DataFrame | Unavailable | None, view: View) -> Table | None:
    """Per arm, the joint F test that the baseline characteristics do not predict the arm."""
    w = view.w
    header = (w["arm"], w["f_stat"], w["df"], w["p_value"])
    if joint is None:
        return None
    if isinstance(joint, Unavailable):
        return not_estimable(header, joint.reason, w)
    rows = []
    for a in view.order:
        for r in effect_records(joint[(joint["arm"] == a) & (joint["group"] == "all")]):
            rows.append(
                (
                    view.labels[a],
                    number(r.statistic, view.language, digits=2),
                    f"{int(r.df)}, {int(r.df_residual)}",
                    p_text(r.p_value, view.language),
                )
            )
    return Table(header, tuple(rows))
