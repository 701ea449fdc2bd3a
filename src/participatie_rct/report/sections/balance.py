"""Balance section: baseline characteristics per arm with standardised differences, and the
joint test that they do not predict the arm."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from participatie_rct.estimate.balance import standardized_difference
from participatie_rct.report.disclosure import HIDDEN, THRESHOLD, count_text, share_text
from participatie_rct.report.i18n import number, p_text, words
from participatie_rct.report.sections.common import Table, effect_records

#: Baseline characteristics shown in the balance table when the participants table has them.
CATEGORICAL = ("education", "household", "migration_background")


def balance_section(
    data: pd.DataFrame, order: Sequence[str], labels: Mapping[str, str], control: str, language: str
) -> Table:
    w = words(language)
    rows: list[tuple[str, ...]] = []
    by_arm = {a: data[data["arm"] == a] for a in order}
    n_row = [w["n"], *[count_text(len(by_arm[a])) for a in order], ""]
    rows.append(tuple(n_row))

    def add(name: str, column: pd.Series, *, share: bool) -> None:
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
            if a != control:
                smds.append(
                    abs(
                        standardized_difference(
                            values.astype(float),
                            column[data["arm"] == control].dropna().astype(float),
                        )
                    )
                )
        finite = [s for s in smds if s == s]
        if HIDDEN in cells:
            largest = HIDDEN  # the SMD could give a hidden share away
        else:
            largest = number(max(finite), language, digits=2) if finite else w["na"]
        rows.append((name, *cells, largest))

    if "age" in data.columns:
        add(w["age"], data["age"].astype(float), share=False)
    if "sex" in data.columns:
        sex = data["sex"].astype(str).str.lower()
        add(
            w["female"],
            sex.isin(["v", "female", "f", "vrouw"]).astype(float).where(data["sex"].notna()),
            share=True,
        )
    if "months_on_benefit" in data.columns:
        add(
            w["months_on_benefit"],
            pd.to_numeric(data["months_on_benefit"], errors="coerce"),
            share=False,
        )
    for column in CATEGORICAL:
        if column not in data.columns:
            continue
        for level in sorted(data[column].dropna().astype(str).unique()):
            indicator = (
                (data[column].astype(str) == level).astype(float).where(data[column].notna())
            )
            add(f"{column.replace('_', ' ')}: {level}", indicator, share=True)
    return Table((w["variable"], *[labels[a] for a in order], w["smd_max"]), tuple(rows))


def joint_balance_section(
    data: pd.DataFrame,
    order: Sequence[str],
    labels: Mapping[str, str],
    control: str,
    language: str,
    w: Mapping[str, str],
) -> Table | None:
    """Joint test per arm that the numeric baseline characteristics do not predict the arm.

    :func:`participatie_rct.estimate.balance.balance`: regression of the arm indicator on the
    covariates among the arm and control, HC2 Wald F test; None when it cannot be computed.
    """
    from participatie_rct.errors import EstimationError
    from participatie_rct.estimate.balance import balance

    frame = data.copy()
    covariates = []
    if "age" in frame.columns:
        covariates.append("age")
    if "sex" in frame.columns:
        sex = frame["sex"].astype(str).str.lower()
        frame["female"] = sex.isin(["v", "female", "f", "vrouw"]).astype(float)
        covariates.append("female")
    if "months_on_benefit" in frame.columns:
        frame["months_on_benefit"] = pd.to_numeric(frame["months_on_benefit"], errors="coerce")
        covariates.append("months_on_benefit")
    if not covariates:
        return None
    try:
        joint = balance(
            frame, treatment="arm", covariates=covariates, control=control
        ).joint_frame()
    except EstimationError:
        return None
    rows = []
    for a in order:
        for r in effect_records(joint[(joint["arm"] == a) & (joint["group"] == "all")]):
            rows.append(
                (
                    labels[a],
                    number(r.statistic, language, digits=2),
                    f"{int(r.df)}, {int(r.df_residual)}",
                    p_text(r.p_value, language),
                )
            )
    return Table((w["arm"], w["f_stat"], w["df"], w["p_value"]), tuple(rows))
