"""The log-rank test of equal hazards across arms, optionally stratified (R's ``survdiff``).

Counts come from sorted unique times: for arm g at time t, n_gt = number still followed and
d_gt = number of exits, so the test costs a sort and a few cumulative sums.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.km import prepare_survival
from participatie_rct.estimate.survival_results import LogrankResult


def risk_counts(
    time: np.ndarray, event: np.ndarray, group: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique times with, per group, the number at risk (time >= t) and number of exits at t.

    Returns ``(times, n_risk, n_event)`` with the two count arrays of shape (times, groups).
    """
    times, inverse = np.unique(time, return_inverse=True)
    n_event = np.zeros((times.size, n_groups))
    np.add.at(n_event, (inverse, group), (event > 0).astype(float))
    n_risk = np.zeros((times.size, n_groups))
    for g in range(n_groups):  # loop over arms, not subjects
        own = np.sort(time[group == g])
        n_risk[:, g] = own.size - np.searchsorted(own, times, side="left")
    return times, n_risk, n_event


def _logrank_parts(
    time: np.ndarray, event: np.ndarray, group: np.ndarray, k: int
) -> tuple[np.ndarray, ...]:
    """Observed, expected and the hypergeometric covariance of O - E within one stratum.

    E_g = sum_t n_gt d_t / n_t;
    V_gh = sum_t d_t (n_t - d_t) / (n_t - 1) * n_gt / n_t * (1[g = h] - n_ht / n_t)
    (Mantel 1966; Kalbfleisch and Prentice 2002, sec. 7.2).
    """
    _, n_risk, n_event = risk_counts(time, event, group, k)
    keep = n_event.sum(axis=1) > 0
    n_risk, n_event = n_risk[keep], n_event[keep]
    n = n_risk.sum(axis=1)
    d = n_event.sum(axis=1)
    share = n_risk / n[:, None]
    observed = n_event.sum(axis=0)
    expected = (share * d[:, None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    cov = np.einsum("t,tg,gh->gh", factor, share, np.eye(k)) - np.einsum(
        "t,tg,th->gh", factor, share, share
    )
    return observed, expected, cov


def logrank(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    strata: str | None = None,
    control: str | None = None,
) -> LogrankResult:
    """Log-rank test of equal hazards of leaving benefit (any non-zero ``event``) across arms.

    With ``strata`` the observed-minus-expected counts and their covariance are summed over
    strata (``survdiff(Surv(time, event) ~ arm + strata(s))``). The statistic is
    (O - E)' V^{-1} (O - E) over all arms but the first, on k - 1 degrees of freedom.
    """
    sd = prepare_survival(
        data, time=time, event=event, treatment=treatment, control=control, strata=strata
    )
    k = len(sd.levels)
    observed = np.zeros(k)
    expected = np.zeros(k)
    cov = np.zeros((k, k))
    for s in np.unique(sd.stratum):
        keep = sd.stratum == s
        o, e, v = _logrank_parts(sd.time[keep], sd.event[keep], sd.arm[keep], k)
        observed += o
        expected += e
        cov += v
    if not (sd.event > 0).any():
        raise EstimationError(
            f"column {event!r}: no exits at all, so the log-rank test is undefined. "
            "Check the event column: 0 means censored, 1, 2, ... the kind of exit."
        )
    # as survdiff: keep arms with expected > 0, drop the first of them, solve (O - E)' V^-1 (O - E)
    used = np.flatnonzero(expected > 0)[1:]
    diff = (observed - expected)[used]
    statistic = float(diff @ np.linalg.solve(cov[np.ix_(used, used)], diff))
    df = int(used.size)
    table = pd.DataFrame(
        {
            "arm": list(sd.levels),
            "n": np.bincount(sd.arm, minlength=k),
            "observed": observed,
            "expected": expected,
            "variance": np.diag(cov),
        }
    )
    return LogrankResult(
        statistic=statistic,
        df=df,
        p_value=float(stats.chi2.sf(statistic, df)),
        table=table,
        strata=strata,
    )
