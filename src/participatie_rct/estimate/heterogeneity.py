"""Heterogeneity of an effect between sites: Cochran's Q and I².

A trial run at several municipalities estimates each arm's effect per site; these functions
ask whether the sites disagree more than sampling error allows. Pure: a frame of per-site
estimates in, a frame of per-arm statistics out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from participatie_rct.errors import EstimationError

#: Columns of :func:`cochran_q`'s result, in order.
HETEROGENEITY_COLUMNS = ("arm", "q", "df", "p_value", "i2", "sites")
_NEEDED = ("arm", "estimate", "std_error")


def cochran_q(per_site: pd.DataFrame) -> pd.DataFrame:
    """Cochran's Q and I² per arm from per-site estimates (columns arm, estimate, std_error).

    ``Q = sum_s w_s (b_s - b_bar)^2`` with ``w_s = 1 / se_s^2`` and ``b_bar`` the
    inverse-variance pooled estimate, chi-square on (sites - 1) df under homogeneity
    (Cochran 1954); ``I^2 = max(0, (Q - df) / Q)`` (Higgins and Thompson 2002, eq. 10).
    Sites whose standard error is missing, infinite or zero do not count; an arm with fewer
    than two usable sites gets NaN for Q, its p-value and I².

    >>> frame = pd.DataFrame({"arm": ["b", "b"], "estimate": [0.0, 0.2], "std_error": [0.1, 0.1]})
    >>> round(float(cochran_q(frame)["q"].iloc[0]), 6)
    2.0
    """
    missing = [c for c in _NEEDED if c not in per_site.columns]
    if missing:
        raise EstimationError(
            f"per_site lacks column(s) {', '.join(map(repr, missing))}; give one row per arm "
            "and site with 'arm', 'estimate' and 'std_error'."
        )
    rows = []
    for arm, group in per_site.groupby("arm", sort=False):
        se = group["std_error"].to_numpy(dtype=float)
        usable = np.isfinite(se) & (se > 0)
        b = group["estimate"].to_numpy(dtype=float)[usable]
        k = int(usable.sum())
        rows.append({"arm": arm, **_q_statistics(b, se[usable]), "sites": k})
    return pd.DataFrame(rows, columns=list(HETEROGENEITY_COLUMNS))


def _q_statistics(b: np.ndarray, se: np.ndarray) -> dict[str, float]:
    k = len(b)
    if k < 2:
        nan = float("nan")
        return {"q": nan, "df": float(max(k - 1, 0)), "p_value": nan, "i2": nan}
    w = 1.0 / se**2
    pooled = float((w * b).sum() / w.sum())
    q = float((w * (b - pooled) ** 2).sum())
    df = k - 1
    return {
        "q": q,
        "df": float(df),
        "p_value": float(stats.chi2.sf(q, df)),
        "i2": max(0.0, (q - df) / q) if q > 0 else 0.0,
    }
