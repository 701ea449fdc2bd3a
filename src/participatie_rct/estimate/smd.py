"""The standardized mean difference of a baseline characteristic between two arms."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def standardized_mean_difference(treated: pd.Series, control: pd.Series) -> float:
    """``(mean_t - mean_c) / sqrt((s_t^2 + s_c^2) / 2)`` (Austin 2009, eq. 1-2).

    Missing values are left out. NaN when either group has fewer than two values or the
    pooled standard deviation is zero, since then the difference has no scale.

    >>> standardized_mean_difference(pd.Series([1.0, 3.0]), pd.Series([0.0, 2.0]))
    0.7071067811865475
    """
    x = pd.to_numeric(treated, errors="coerce").dropna().to_numpy(dtype=float)
    y = pd.to_numeric(control, errors="coerce").dropna().to_numpy(dtype=float)
    if x.size < 2 or y.size < 2:
        return math.nan
    sd = math.sqrt((float(np.var(x, ddof=1)) + float(np.var(y, ddof=1))) / 2)
    return float((x.mean() - y.mean()) / sd) if sd > 0 else math.nan
