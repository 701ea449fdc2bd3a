"""The outflow curves as a report may draw them: steps pooled to at least 10 events.

Rule 6 of ``docs/disclosure-policy.md``: a cumulative-incidence curve is drawn only at the
ends of pooled steps that each rest on at least 10 exits (of the cause drawn), and not past
the first month at which fewer than 10 of the arm remain at risk. The printed values are the
estimator's exact values at those months (with their interval); the months between are left
out, so two neighbouring points tell a reader only that at least ten people left.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from participatie_rct.report.disclosure_rules import pool_steps


def pooled_curve_frame(
    curves: pd.DataFrame, outcomes: pd.DataFrame, *, cause: int, arms: Sequence[str]
) -> pd.DataFrame:
    """The rows of ``curves`` (``arm``, ``month``, ``cumulative_incidence``, ``ci_low``,
    ``ci_high``) that may be drawn for exit ``cause``, plus the start of each arm at 0.

    Events and numbers at risk are counted from ``outcomes`` (``arm``, ``time`` in months,
    ``event_code``) over the people followed (``time > 0``), as the estimator counted them.
    """
    followed = outcomes[outcomes["time"] > 0]
    parts = []
    for arm in arms:
        mine = followed[followed["arm"] == arm]
        curve = curves[curves["arm"] == arm].set_index("month").sort_index()
        curve.index = curve.index.astype(float)
        if curve.empty or mine.empty:
            continue
        time = mine["time"].to_numpy(dtype=float)
        months = np.unique(time[(mine["event_code"] == cause).to_numpy()])
        months = months[np.isin(months, curve.index.to_numpy(dtype=float))]
        events = [
            int(((time == m) & (mine["event_code"] == cause).to_numpy()).sum()) for m in months
        ]
        at_risk = [int((time >= m).sum()) for m in months]
        values = curve.loc[months, "cumulative_incidence"].to_numpy(dtype=float)
        pooled = pool_steps(list(months), list(values), events, at_risk, start_value=0.0)
        rows = curve.loc[pooled.time[1:]].reset_index()
        start = pd.DataFrame(
            {"arm": [arm], "month": [0.0], "cumulative_incidence": [0.0]}
            | {"ci_low": [0.0], "ci_high": [0.0]}
        )
        keep = ["arm", "month", "cumulative_incidence", "ci_low", "ci_high"]
        parts.append(pd.concat([start, rows.assign(arm=arm)[keep]], ignore_index=True))
    if not parts:
        return curves.iloc[0:0]
    return pd.concat(parts, ignore_index=True)
