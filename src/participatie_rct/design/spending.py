"""Lan-DeMets alpha-spending functions: how much type I error may be used up by information t.

A spending function ``alpha(t)`` is increasing on the information fraction ``t`` in [0, 1]
with ``alpha(0) = 0`` and ``alpha(1) = alpha`` (Lan and DeMets 1983). Group-sequential
boundaries (:mod:`participatie_rct.design.boundaries`) spend ``alpha(t_k) - alpha(t_{k-1})``
at look ``k``, whatever the fractions ``t_k`` turn out to be.

Two-sided tests are symmetric: each side spends ``alpha / 2`` by the one-sided function, so
the total spent is twice the one-sided value. This is the convention of rpact
(``getDesignGroupSequential(sided = 2)``) and gsDesign. For the O'Brien-Fleming type it gives

    alpha(t) = 2 * 2 * (1 - Phi(z_{1 - alpha/4} / sqrt(t)))

which is *not* the formula ``2 - 2 Phi(z_{1 - alpha/2} / sqrt(t))`` printed in Lan and DeMets
(1983) for a two-sided test; the two agree at ``t = 1`` and differ early on (the former is
more conservative at small ``t``). We follow rpact so that boundaries can be checked against it.

Pocock type (Lan and DeMets 1983): ``alpha(t) = alpha * log(1 + (e - 1) t)``.

Hwang, Shih and DeCani (1990), with parameter ``gamma``:
``alpha(t) = alpha * (1 - exp(-gamma t)) / (1 - exp(-gamma))`` and ``alpha * t`` for
``gamma = 0``. Negative ``gamma`` spends little early (``gamma = -4`` resembles
O'Brien-Fleming), positive ``gamma`` spends much early (``gamma = 1`` resembles Pocock).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.stats import norm

from participatie_rct.choices import Spending, parse_choice
from participatie_rct.errors import DesignError

#: gamma of the Hwang-Shih-DeCani family when none is given (an O'Brien-Fleming-like shape)
DEFAULT_HSD_GAMMA = -4.0


def spent_alpha(
    information: float | Sequence[float] | np.ndarray,
    *,
    alpha: float = 0.05,
    spending: Spending | str = Spending.OBRIEN_FLEMING,
    gamma: float | None = None,
) -> np.ndarray:
    """Cumulative two-sided alpha spent at each information fraction in ``information``.

    Fractions above 1 count as 1 (all alpha is spent once the planned information is in).

    >>> float(spent_alpha(1.0, alpha=0.05, spending="pocock")[0])
    0.05
    >>> round(float(spent_alpha(0.5, alpha=0.05, spending="hsd", gamma=0)[0]), 6)
    0.025
    """
    kind = parse_choice(Spending, spending, parameter="spending")
    check_alpha(alpha)
    t = np.atleast_1d(np.asarray(information, dtype=float))
    if t.size and (not np.all(np.isfinite(t)) or np.any(t < 0)):
        raise DesignError(
            f"information fractions must be finite numbers >= 0; got {list(map(float, t))}. "
            "Give the share of the planned information (matured participants) at each look."
        )
    t = np.minimum(t, 1.0)
    if kind is Spending.OBRIEN_FLEMING:
        if gamma is not None:
            raise DesignError(
                "gamma applies only to spending 'hsd'; leave it out for 'obrien-fleming'."
            )
        return _obrien_fleming(t, alpha)
    if kind is Spending.POCOCK:
        if gamma is not None:
            raise DesignError("gamma applies only to spending 'hsd'; leave it out for 'pocock'.")
        return _pocock(t, alpha)
    g = DEFAULT_HSD_GAMMA if gamma is None else float(gamma)
    if not math.isfinite(g):
        raise DesignError(
            f"gamma of the 'hsd' spending function must be a finite number; got {gamma!r}."
        )
    return _hwang_shih_decani(t, alpha, g)


def check_alpha(alpha: float) -> None:
    """Refuse a significance level outside (0, 1)."""
    if not (isinstance(alpha, int | float) and 0 < float(alpha) < 1):
        raise DesignError(
            f"alpha must be a number strictly between 0 and 1; got {alpha!r}. Typical: 0.05."
        )


def _obrien_fleming(t: np.ndarray, alpha: float) -> np.ndarray:
    # one-sided Lan-DeMets O'Brien-Fleming type at alpha/2 per side, doubled (rpact, gsDesign)
    out = np.zeros_like(t)
    positive = t > 0
    z = norm.isf(alpha / 4.0)
    out[positive] = 4.0 * norm.sf(z / np.sqrt(t[positive]))
    return out


def _pocock(t: np.ndarray, alpha: float) -> np.ndarray:
    # Lan and DeMets (1983): alpha * log(1 + (e - 1) t)
    return alpha * np.log1p((math.e - 1.0) * t)


def _hwang_shih_decani(t: np.ndarray, alpha: float, gamma: float) -> np.ndarray:
    # Hwang, Shih and DeCani (1990), eq. 2; the limit gamma -> 0 is linear spending
    if abs(gamma) < 1e-10:
        return alpha * t
    spent: np.ndarray
    if gamma > 0:
        spent = alpha * np.expm1(-gamma * t) / np.expm1(-gamma)
        return spent
    # gamma < 0: (e^{ct} - 1) / (e^c - 1) with c = -gamma, rewritten as
    # e^{c(t - 1)} (1 - e^{-ct}) / (1 - e^{-c}) so that a large |gamma| cannot overflow
    c = -gamma
    spent = alpha * np.exp(c * (t - 1.0)) * np.expm1(-c * t) / np.expm1(-c)
    return spent
