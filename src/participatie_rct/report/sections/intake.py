"""Intake section: cumulative assignments per site over time, and assignments per site and arm."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from participatie_rct.report import figures
from participatie_rct.report.sections.common import counts_table


def intake_section(
    people: pd.DataFrame,
    enrolled: pd.Series,
    order: Sequence[str],
    labels: Mapping[str, str],
    w: Mapping[str, str],
    values: dict[str, Any],
    figs: dict[str, bytes],
) -> tuple[pd.Series, list[str]]:
    """Add the intake figure and table; return each person's site and the sorted sites."""
    site = (
        people["site"].astype(str)
        if "site" in people.columns
        else pd.Series("-", index=people.index)
    )
    sites = sorted(site.unique())
    # cumulative intake by week (weeks starting on Monday), from the first to the last week
    week = enrolled.dt.to_period("W-SUN")
    weekly = pd.crosstab(week, site).reindex(columns=sites, fill_value=0).sort_index()
    full = pd.period_range(weekly.index.min(), weekly.index.max(), freq="W-SUN")
    weekly = weekly.reindex(full, fill_value=0).cumsum()
    intake = weekly.stack().reset_index()
    intake.columns = pd.Index(["month", "site", "cumulative"])
    intake["month"] = intake["month"].dt.start_time
    figs["intake"] = figures.intake_figure(
        intake, x_label=w["date"], y_label=w["cumulative_assigned"]
    )
    site_arm = [[int(((site == s) & (people["arm"] == a)).sum()) for a in order] for s in sites]
    values["intake_table"] = counts_table(
        w["site"], sites, [labels[a] for a in order], site_arm, w["total"]
    )

    return site, sites
