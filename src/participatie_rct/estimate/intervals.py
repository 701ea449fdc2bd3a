"""Confidence intervals of probabilities that stay within [0, 1].

Cumulative incidence and survival curves are probabilities; a symmetric Wald interval can
cross 0 or 1 early in follow-up. The ``log(-log F)`` transformation keeps it inside.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from participatie_rct.errors import EstimationError


def log_log_interval(
    estimate: np.ndarray, std_error: np.ndarray, *, conf_level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits of a probability ``F`` with standard error ``se``.

    The interval is Wald on the ``log(-log F)`` scale, ``F^exp(+-z se / (F log F))`` (the
    transformation ``cmprsk`` users apply to ``timepoints``; Kalbfleisch and Prentice 2002,
    sec. 1.3). Where ``F`` is 0 or 1 (or the standard error is missing) both limits equal
    ``F``.

    >>> low, high = log_log_interval(np.array([0.5]), np.array([0.05]))
    >>> bool(0.39 < low[0] < 0.5 < high[0] < 0.6)
    True
    """
    if not 0 < conf_level < 1:
        raise EstimationError(f"conf_level must be between 0 and 1 (e.g. 0.95); got {conf_level}.")
    f = np.asarray(estimate, dtype=float)
    se = np.asarray(std_error, dtype=float)
    z = float(stats.norm.ppf(0.5 + conf_level / 2))
    inside = (f > 0) & (f < 1) & np.isfinite(se)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.exp(z * se / (f * np.log(f)))
        low = np.where(inside, f**factor, f)
        high = np.where(inside, f ** (1 / factor), f)
    return np.minimum(low, high), np.maximum(low, high)
