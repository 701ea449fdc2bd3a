"""Intake section: cumulative assignments per site over time, and assignments per site and arm."""

from __future__ import annotations

import pandas as pd

from participatie_rct.report import figures
from participatie_rct.report.sections.common import Section, View, counts_table


def sites_of(people: pd.DataFrame) -> pd.Series:
    """Each assigned person's site as text (``-`` when the register has no sites)."""
    if "site" in people.columns:
        return people["site"].astype(str)
    return pd.Series("-", index=people.index)


def intake_section(people: pd.DataFrame, view: View) -> Section:
    """The intake figure (cumulative assignments per week and site) and the site-by-arm table."""
    w, order, labels = view.w, view.order, view.labels
    site = sites_of(people)
    sites = sorted(site.unique())
    enrolled = pd.to_datetime(people["enrolled_on"])
    # cumulative intake by week (weeks starting on Monday), from the first to the last week
    week = enrolled.dt.to_period("W-SUN")
    weekly = pd.crosstab(week, site).reindex(columns=sites, fill_value=0).sort_index()
    full = pd.period_range(weekly.index.min(), weekly.index.max(), freq="W-SUN")
    weekly = weekly.reindex(full, fill_value=0).cumsum()
    intake = weekly.stack().reset_index()
    intake.columns = pd.Index(["month", "site", "cumulative"])
    intake["month"] = intake["month"].dt.start_time
    figure = figures.intake_figure(intake, x_label=w["date"], y_label=w["cumulative_assigned"])
    site_arm = [[int(((site == s) & (people["arm"] == a)).sum()) for a in order] for s in sites]
    table = counts_table(w["site"], sites, [labels[a] for a in order], site_arm, w["total"])
    return Section({"intake_table": table}, {"intake": figure})
