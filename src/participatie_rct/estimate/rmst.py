"""Restricted mean time on benefit up to a horizon tau, per arm, and each arm minus control.

RMST(tau) = integral_0^tau S(u) du under the Kaplan-Meier curve (Royston and Parmar 2013).
Its variance is sum_{t_j <= tau} A_j^2 d_j / (n_j (n_j - d_j)), with A_j the area under S
from t_j to tau (Klein and Moeschberger 2003, sec. 4.5), the ``se(rmean)`` of R's
``print(survfit(...), rmean = tau)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.km import km_table, prepare_survival
from participatie_rct.estimate.survival_results import RMSTResult
from participatie_rct.tidy import resolve_level


def _rmst_one(time: np.ndarray, event: np.ndarray, tau: float) -> tuple[float, float]:
    tab = km_table(time, event)
    jumps = (tab["n_event"] > 0) & (tab["time"] <= tau)
    t = tab["time"][jumps]
    s = tab["survival"][jumps]
    d = tab["n_event"][jumps]
    n = tab["n_risk"][jumps]
    # S is 1 on [0, t_1), s_j on [t_j, t_{j+1}), the last step runs to tau
    edges = np.concatenate([[0.0], t, [tau]])
    heights = np.concatenate([[1.0], s])
    pieces = np.diff(edges) * heights
    area = float(pieces.sum())
    after = np.cumsum(pieces[::-1])[::-1][1:]  # A_j: area from t_j to tau
    with np.errstate(divide="ignore", invalid="ignore"):
        inc = np.where(n - d > 0, d / (n * (n - d)), 0.0)
    variance = float(np.sum(after**2 * inc))
    return area, variance


def rmst(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    tau: float,
    control: str | None = None,
    conf_level: float = 0.95,
) -> RMSTResult:
    """Restricted mean time on benefit up to ``tau`` per arm and the difference with control.

    Arms are independent samples, so the variance of a difference is the sum of the two
    variances; the interval and p-value are normal (Wald).
    """
    if not np.isfinite(tau) or tau <= 0:
        raise EstimationError(
            f"tau must be a positive horizon (same unit as the times); got {tau!r}."
        )
    conf_level = resolve_level(conf_level)
    sd = prepare_survival(data, time=time, event=event, treatment=treatment, control=control)
    # As survRM2 (Uno et al. 2014): beyond an arm's last time its curve is unknown, so tau
    # may not exceed the shortest follow-up among the arms.
    last = [float(sd.time[sd.arm == a].max()) for a in range(len(sd.levels))]
    short = int(np.argmin(last))
    if tau > last[short]:
        raise EstimationError(
            f"tau {tau:g} lies beyond the follow-up of arm {sd.levels[short]!r} (its last time in "
            f"column {time!r} is {last[short]:g}), where its curve is unknown. Choose tau <= "
            f"{last[short]:g}."
        )
    z = float(stats.norm.ppf(0.5 + conf_level / 2))
    per_arm = [
        _rmst_one(sd.time[sd.arm == a], sd.event[sd.arm == a], float(tau))
        for a in range(len(sd.levels))
    ]
    rows = []
    for a, (est, var) in enumerate(per_arm):
        se = float(np.sqrt(var))
        rows.append(
            {
                "arm": sd.levels[a],
                "term": "rmst",
                "estimate": est,
                "std_error": se,
                "statistic": np.nan,
                "p_value": np.nan,
                "ci_low": est - z * se,
                "ci_high": est + z * se,
            }
        )
    c_est, c_var = per_arm[0]
    for a in range(1, len(sd.levels)):
        est = per_arm[a][0] - c_est
        se = float(np.sqrt(per_arm[a][1] + c_var))
        stat = est / se if se > 0 else np.nan
        rows.append(
            {
                "arm": sd.levels[a],
                "term": "difference",
                "estimate": est,
                "std_error": se,
                "statistic": stat,
                "p_value": float(2 * stats.norm.sf(abs(stat))),
                "ci_low": est - z * se,
                "ci_high": est + z * se,
            }
        )
    table = pd.DataFrame(rows)
    table["conf_level"] = conf_level
    return RMSTResult(
        table=table,
        tau=float(tau),
        conf_level=conf_level,
        control=sd.levels[0],
        n=int(sd.time.size),
    )
