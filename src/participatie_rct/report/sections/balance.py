"""Balance section: baseline characteristics per arm with standardised differences, and the
joint test that they do not predict the arm."""

from __future__ import annotations

import pandas as pd

from participatie_rct.estimate.smd import standardized_mean_difference
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

#: Baseline characteristics shown in the balance table when the participants table has them.
CATEGORICAL = ("education", "household", "migration_background")


def balance_section(
    data: pd.DataFrame, joint: pd.DataFrame | Unavailable | None, view: View
) -> Section:
    """The balance table (means or shares per arm, largest |SMD|) and the joint test."""
    return Section(
        {"balance_table": balance_table(data, view), "joint_table": joint_table(joint, view)}
    )


def _characteristics(data: pd.DataFrame, w: dict[str, str]) -> list[tuple[str, pd.Series, bool]]:
    """(printed name, values per person, shown as a share) for every baseline characteristic."""
    rows: list[tuple[str, pd.Series, bool]] = []
    if "age" in data.columns:
        rows.append((w["age"], data["age"].astype(float), False))
    if "sex" in data.columns:
        sex = data["sex"].astype(str).str.lower()
        female = sex.isin(["v", "female", "f", "vrouw"]).astype(float).where(data["sex"].notna())
        rows.append((w["female"], female, True))
    if "months_on_benefit" in data.columns:
        months = pd.to_numeric(data["months_on_benefit"], errors="coerce")
        rows.append((w["months_on_benefit"], months, False))
    for column in CATEGORICAL:
        if column not in data.columns:
            continue
        for level in sorted(data[column].dropna().astype(str).unique()):
            indicator = (data[column].astype(str) == level).astype(float)
            name = f"{column.replace('_', ' ')}: {level}"
            rows.append((name, indicator.where(data[column].notna()), True))
    return rows


def balance_table(data: pd.DataFrame, view: View) -> Table:
    """Means (or shares) per arm and the largest absolute standardised mean difference."""
    w, order, language = dict(view.w), view.order, view.language
    rows: list[tuple[str, ...]] = [
        (w["n"], *[count_text(int((data["arm"] == a).sum())) for a in order], "")
    ]
    for name, column, share in _characteristics(data, w):
        control = column[data["arm"] == view.control].dropna()
        cells = []
        smds = []
        for a in order:
            values = column[data["arm"] == a].dropna()
            if share:
                cells.append(
                    share_text(int(values.sum()), len(values), digits=0, language=language)
                )
            else:
                cells.append(
                    number(values.mean(), language) if len(values) >= THRESHOLD else HIDDEN
                )
            if a != view.control:
                smds.append(abs(standardized_mean_difference(values, control)))
        finite = [s for s in smds if s == s]
        if HIDDEN in cells:
            largest = HIDDEN  # the SMD could give a hidden share away
        else:
            largest = number(max(finite), language, digits=2) if finite else w["na"]
        rows.append((name, *cells, largest))
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
