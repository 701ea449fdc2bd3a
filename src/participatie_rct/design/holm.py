"""Holm's step-down power for K arms against one shared control, computed exactly.

The K comparisons share the control group, so their statistics are equicorrelated normals
(correlation ``p0 q0 / (p0 q0 + p1 q1)``, 0.5 under the null). Conditional on the control
group's deviation they are independent; the step-down probabilities are then a small
multinomial recursion over the cells between Holm's levels, integrated over the shared factor
by Gauss-Hermite quadrature (Holm 1979; the conditioning argument as in Dunnett 1955).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import binom, norm

#: Gauss-Hermite nodes for the shared-control factor of Holm's power
_HERMITE_NODES = 96


def holm_power(
    n: float, p_control: float, p_treatment: float, *, alpha: float, arms: int
) -> tuple[float, float]:
    """Holm's per-comparison power and the power to reject at least one of ``arms`` hypotheses.

    Every arm has ``n`` participants and proportion ``p_treatment``; the control has ``n`` and
    ``p_control``. Each comparison uses power.prop.test's statistic (pooled null variance),
    two-sided. Exact up to quadrature error (about 1e-10): see the module docstring.
    """
    p0, p1 = p_control, p_treatment
    v0, v1 = p0 * (1 - p0), p1 * (1 - p1)
    mean = math.sqrt(n) * (p1 - p0)  # E of sqrt(n) (phat_arm - phat_control)
    sd = math.sqrt(v0 + v1)
    rho = v0 / (v0 + v1)  # shared control: cov = v0, so corr = v0 / (v0 + v1)
    pbar = (p0 + p1) / 2.0
    null_sd = math.sqrt(2.0 * pbar * (1.0 - pbar))
    # Holm's thresholds alpha / K, alpha / (K - 1), ..., alpha on |statistic| * null_sd
    levels = alpha / (arms - np.arange(arms))
    cuts = norm.isf(levels / 2.0) * null_sd
    nodes, weights = np.polynomial.hermite_e.hermegauss(_HERMITE_NODES)
    weights = weights / math.sqrt(2.0 * math.pi)
    centre = mean + sd * math.sqrt(rho) * nodes  # conditional mean given the control's deviation
    spread = sd * math.sqrt(1.0 - rho)
    # F[m, w] = P(|D| >= cut_m | w): conditional probability of a p-value <= level m
    F = norm.sf((cuts[:, None] - centre[None, :]) / spread) + norm.cdf(
        (-cuts[:, None] - centre[None, :]) / spread
    )
    at_least = _holm_step_down(F, arms)  # P(R >= r | w), r = 1..K
    expected_rejections = at_least.sum(axis=0)
    per_comparison = float(weights @ expected_rejections) / arms
    any_rejection = float(weights @ at_least[0])
    return per_comparison, any_rejection


def _holm_step_down(F: np.ndarray, arms: int) -> np.ndarray:
    """P(R >= r | w) for Holm's number of rejections R among ``arms`` conditionally iid tests.

    R >= r iff the j-th smallest p-value is <= level_j for every j <= r, i.e. at least j
    p-values fall at or below level_j for every j <= r. Walk through the cells
    (level_{j-1}, level_j] with a distribution over the running count, dropping the states
    that break the condition; the mass left after cell r is P(R >= r).
    """
    n_nodes = F.shape[1]
    state = np.zeros((arms + 1, n_nodes))
    state[0] = 1.0
    below = np.zeros(n_nodes)  # P(p <= level_{j-1})
    out = np.zeros((arms, n_nodes))
    counts = np.arange(arms + 1)
    for j in range(arms):
        cell = np.clip(F[j] - below, 0.0, 1.0)
        left = np.clip(1.0 - below, 1e-300, None)
        q = np.clip(cell / left, 0.0, 1.0)  # P(in this cell | not in an earlier one)
        new = np.zeros_like(state)
        for c in range(arms + 1):
            remaining = arms - c
            extra = np.arange(remaining + 1)
            prob = binom.pmf(extra[:, None], remaining, q[None, :])
            for e in extra:
                new[c + e] += state[c] * prob[e]
        new[counts < j + 1] = 0.0  # at least j + 1 p-values at or below level_{j+1}
        state = new
        out[j] = state.sum(axis=0)
        below = F[j]
    return out
