"""CONSORT section: the flow of participants from invitation to analysis, as figure and table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from participatie_rct.report.consort import consort_counts, consort_svg
from participatie_rct.report.inputs import ReportInputs
from participatie_rct.report.sections.common import Table


def consort_section(
    inputs: ReportInputs,
    people: pd.DataFrame,
    analysed: pd.Series,
    as_of: dt.date,
    order: Sequence[str],
    labels: Mapping[str, str],
    w: Mapping[str, str],
    values: dict[str, Any],
    figs: dict[str, bytes],
) -> pd.Series:
    """Add the CONSORT figure and table; return who withdrew (per assigned person)."""
    consent = None
    invited = inputs.participants
    if "enrolled_on" in invited.columns:  # people invited after the as-of date do not count yet
        on = pd.to_datetime(invited["enrolled_on"], errors="coerce")
        invited = invited.loc[(on.isna() | (on.dt.date <= as_of)).to_numpy()]
    if "consent" in invited.columns:
        consent = invited["consent"].fillna(False).astype(bool).tolist()
    withdrawn = (
        people["withdrawn"].astype(bool)
        if "withdrawn" in people.columns
        else pd.Series(False, index=people.index)
    )
    counts = consort_counts(
        arms=order,
        assigned_arms=people["arm"].tolist(),
        withdrawn=withdrawn.tolist(),
        analysed=analysed.tolist(),
        consent=consent,
    )
    consort_words = {
        k: w[k]
        for k in (
            "invited",
            "declined",
            "consented",
            "randomised",
            "assigned",
            "withdrawn",
            "not_analysed",
            "analysed",
            "unknown",
        )
    }
    consort_words["title"] = w["consort"]
    figs["consort"] = consort_svg(counts, order, labels, consort_words).encode("utf-8")
    stage_rows = [(w[name], *cells, total) for name, cells, total in counts.table(order)]
    values["consort_table"] = Table(
        (w["stage"], *[labels[a] for a in order], w["total"]), tuple(stage_rows)
    )
    return withdrawn
