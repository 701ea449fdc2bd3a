"""Multiple-comparison adjustments of p-values across treatment arms."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's (1979) step-down adjusted p-values, in the input order.

    Sorted ascending, the i-th smallest (i = 1..m) becomes ``max_{j<=i} min(1, (m-j+1) p_(j))``.
    NaN entries stay NaN and do not count towards m (as R's ``p.adjust``).

    >>> holm([0.01, 0.04, 0.03]).round(6).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    scaled = (m - np.arange(m)) * p[order]
    out[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return out


def bonferroni(p_values: Sequence[float]) -> np.ndarray:
    """Bonferroni-adjusted p-values ``min(1, m p)``; NaN entries stay NaN and do not count.

    >>> bonferroni([0.01, 0.4]).tolist()
    [0.02, 0.8]
    """
    p = np.asarray(p_values, dtype=float)
    m = int((~np.isnan(p)).sum())
    return np.minimum(1.0, p * m)
