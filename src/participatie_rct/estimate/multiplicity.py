"""Multiple-comparison adjustments of p-values across treatment arms."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _family_size(p: np.ndarray, n: int | None) -> int:
    available = int((~np.isnan(p)).sum())
    if n is None:
        return available
    if n < available:
        raise ValueError(f"the family has {n} members but {available} p-values were given")
    return int(n)


def holm(p_values: Sequence[float], *, n: int | None = None) -> np.ndarray:
    """Holm's (1979) step-down adjusted p-values, in the input order.

    Sorted ascending, the i-th smallest (i = 1..m) becomes ``max_{j<=i} min(1, (m-j+1) p_(j))``.
    NaN entries stay NaN. ``n`` is the size of the declared family (R's ``p.adjust(p, n=)``):
    a member without a p-value (an arm without data) still counts, so the family does not
    shrink with what happened to be estimable. Without ``n`` only the available p-values
    count, as R's default.

    >>> holm([0.01, 0.04, 0.03]).round(6).tolist()
    [0.03, 0.06, 0.06]
    >>> holm([0.01, float("nan"), 0.03], n=3).round(6).tolist()
    [0.03, nan, 0.06]
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = _family_size(p, n)
    if ok.size == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    scaled = (m - np.arange(ok.size)) * p[order]
    out[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return out


def bonferroni(p_values: Sequence[float], *, n: int | None = None) -> np.ndarray:
    """Bonferroni-adjusted p-values ``min(1, m p)``; NaN entries stay NaN.

    ``n`` is the declared family size, as in :func:`holm` (default: the available p-values).

    >>> bonferroni([0.01, 0.4]).tolist()
    [0.02, 0.8]
    """
    p = np.asarray(p_values, dtype=float)
    m = _family_size(p, n)
    adjusted: np.ndarray = np.minimum(1.0, p * m)
    return adjusted
