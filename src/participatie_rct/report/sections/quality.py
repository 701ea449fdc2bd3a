"""Data-quality section: missing and immature follow-up per arm, and unlinked benefit rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from participatie_rct.report.analyses import ReportAnalyses
from participatie_rct.report.disclosure import count_text, suppress_table
from participatie_rct.report.sections.common import Section, Table, View


def data_quality_section(analyses: ReportAnalyses, view: View) -> Section:
    """The data-quality table per arm and the notes under it.

    Notes name benefit records that link to nobody assigned and, when there are any, the
    assigned people the participants file lacks (the register counts them; they have no
    baseline characteristics).
    """
    table, notes = _quality(
        analyses.benefit_months,
        analyses.outcomes,
        analyses.people,
        view.order,
        view.labels,
        int(analyses.protocol.analysis.horizon_months),
        analyses.end,
        view.w,
        language=view.language,
    )
    if analyses.missing_baseline:
        missing = count_text(analyses.missing_baseline, language=view.language)
        notes.append(f"{view.w['missing_baseline']}: {missing}")
    if not analyses.survey:  # only what ran is reported: one line says what is missing
        notes.append(view.w["survey_missing"])
    return Section({"dq_table": table, "dq_notes": notes})


def _quality(
    months: pd.DataFrame,
    outcomes: pd.DataFrame,
    people: pd.DataFrame,
    order: Sequence[str],
    labels: Mapping[str, str],
    horizon: int,
    end: pd.Period,
    w: Mapping[str, str],
    *,
    language: str | None = None,
) -> tuple[Table, list[str]]:
    matured = outcomes["matured"].astype(bool)
    unknown = matured & outcomes["outflow_work"].isna()
    lines = [
        (
            w["months_missing"].format(h=horizon),
            [int(outcomes.loc[outcomes["arm"] == a, "months_missing"].sum()) for a in order],
        ),
        (
            w["people_missing"],
            [int(((outcomes["arm"] == a) & (outcomes["months_missing"] > 0)).sum()) for a in order],
        ),
        (
            w["not_matured"].format(h=horizon),
            [int(((outcomes["arm"] == a) & ~matured).sum()) for a in order],
        ),
        (w["unknown_outcome"], [int(((outcomes["arm"] == a) & unknown).sum()) for a in order]),
    ]
    arm_of = people.set_index("participant")["arm"]
    row_arm = months["participant"].map(arm_of)
    stamp = pd.PeriodIndex(
        pd.to_datetime(months["month"].astype(str).str.slice(0, 7) + "-01"), freq="M"
    )
    after = pd.Series(np.asarray(stamp > end), index=months.index)
    lines.append(
        (w["rows_after"], [int(((row_arm == a) & after).sum()) for a in order]),
    )
    rows = []
    for name, body in lines:
        line = suppress_table([body])
        rows.append((name, *[line.cell(0, j) for j in range(len(order))], line.row_total(0)))
    linked = row_arm.notna()
    notes = [f"{w['rows_unlinked']}: {count_text(int((~linked).sum()), language=language)}"]
    return Table((w["variable"], *[labels[a] for a in order], w["total"]), tuple(rows)), notes
