"""Test statistics of randomization inference, computed for many re-draws at once.

Every statistic takes a chunk of re-drawn assignments ``Z`` (draws x units, arm indices) and
returns one value per draw, treated arm and outcome column, by matrix products over the
units: no loop over draws or units in Python.

* ``dim``: difference in means, arm minus control.
* ``lin``: the covariate-adjusted ITT coefficient of Lin (2013): with covariates centred at
  their means, the arm's intercept minus control's in the fully interacted regression, which
  is the difference of the per-arm regression intercepts (the model is block diagonal by arm).
* ``studentized``: ``lin`` divided by its HC2 standard error (Welch's t without covariates);
  per arm ``V = G^-1 (sum e^2 / (1 - h) x x') G^-1`` with the arm's own fit.
* ``logrank``: the difference in mean log-rank scores ``delta_i - Lambda(t_i)`` (Nelson-Aalen
  of the pooled sample at the unit's own time; Peto and Peto 1972), arm minus control: the
  log-rank statistic in its linear-rank form, positive when the arm leaves faster.

``dim`` and ``lin`` are linear in the outcome, which is what test inversion uses
(``docs/inference.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

STATISTICS = ("dim", "lin", "studentized", "logrank")
#: statistics that are linear in the outcome (interval by test inversion is exact for them)
LINEAR = ("dim", "lin", "logrank")
#: draws x units per tile of the indicator buffer in :func:`arm_sums` (512 KiB of float64)
TILE = (16, 4096)


@dataclass(frozen=True)
class Columns:
    """Outcome columns (units x r) that share one set of usable rows, and covariates."""

    y: np.ndarray  # (n_ok, r)
    ok: np.ndarray  # bool per unit: the rows used
    x: np.ndarray  # (n_ok, q) covariates, centred at the used rows' means


StatFn = Callable[..., np.ndarray]


def _masks(z: np.ndarray, arms: Sequence[int], w: np.ndarray | None = None) -> list[np.ndarray]:
    """Per arm: (draws, units) indicator, times the (bootstrap) frequency weights ``w``."""
    if w is None:
        return [(z == a).astype(np.float64) for a in arms]
    return [(z == a) * w for a in arms]


def arm_sums(
    z: np.ndarray, y: np.ndarray, arms: Sequence[int]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per arm: the sums of the columns of ``y`` over the arm's units (draws, r) and the
    arm's unit counts (draws,).

    Tile by tile (:data:`TILE` draws x units), the arm's indicator is written into one small
    reused float buffer and multiplied with ``y`` and a column of ones, so the counts come
    with the sums. No mask of all draws is made per arm, the buffer stays in cache, and the
    products are small, so BLAS keeps them on one thread instead of threads that wait on
    each other when the machine is busy.
    """
    rows, cols = TILE
    with_ones = np.column_stack([y, np.ones(y.shape[0])])
    out = np.zeros((len(arms), z.shape[0], with_ones.shape[1]))
    indicator = np.empty((min(rows, z.shape[0]), min(cols, z.shape[1])))
    product = np.empty((indicator.shape[0], with_ones.shape[1]))
    for r0 in range(0, z.shape[0], rows):
        for c0 in range(0, z.shape[1], cols):
            block = z[r0 : r0 + rows, c0 : c0 + cols]
            buffer = indicator[: block.shape[0], : block.shape[1]]
            part = product[: block.shape[0]]
            for j, a in enumerate(arms):
                np.equal(block, a, out=buffer)
                np.matmul(buffer, with_ones[c0 : c0 + cols], out=part)
                out[j, r0 : r0 + rows] += part
    return [o[:, :-1] for o in out], [o[:, -1] for o in out]


def difference_in_means(
    z: np.ndarray,
    cols: Columns,
    control: int,
    treated: Sequence[int],
    w: np.ndarray | None = None,
) -> np.ndarray:
    """(draws, arms, r): mean outcome of each treated arm minus control's.

    ``w`` (draws, units): frequency weights of a bootstrap; ``z`` may then be one row.
    """
    zz = _used(z, cols.ok)
    # control: every used unit has an arm, and every arm but control is treated, so the
    # control's sums are the totals minus the treated arms' (one product fewer per draw)
    if w is None:
        sums, counts = arm_sums(zz, cols.y, treated)
        rest_sum = cols.y.sum(axis=0)[None, :] - sum(sums)
        rest_n = zz.shape[1] - sum(counts)
    else:
        ww = _used(w, cols.ok)
        masks = _masks(zz, treated, ww)
        sums = [m @ cols.y for m in masks]
        counts = [m.sum(axis=1) for m in masks]
        rest_sum = ww @ cols.y - sum(sums)
        rest_n = ww.sum(axis=1) - sum(counts)
    with np.errstate(invalid="ignore", divide="ignore"):
        base = rest_sum / rest_n[:, None]
        out = [s / n[:, None] - base for s, n in zip(sums, counts, strict=True)]
    return np.stack(out, axis=1)


def _used(a: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """The columns of the rows used (no copy when every row is used)."""
    return a if ok.all() else a[:, ok]


def _design(cols: Columns) -> tuple[np.ndarray, np.ndarray]:
    """``[1, x]`` and its per-unit outer products flattened (n, p*p)."""
    X = np.hstack([np.ones((cols.x.shape[0], 1)), cols.x])
    return X, (X[:, :, None] * X[:, None, :]).reshape(X.shape[0], -1)


def _arm_fits(
    m: np.ndarray, X: np.ndarray, XX: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per draw: the inverse Gram of the arm's rows and its coefficients (draws, p, r)."""
    p = X.shape[1]
    gram = (m @ XX).reshape(-1, p, p)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = np.linalg.pinv(gram)
    xy = np.einsum("dn,np,nr->dpr", m, X, y, optimize=True)
    coef = inv @ xy
    coef[m.sum(axis=1) < p] = np.nan  # an arm with fewer rows than coefficients: no fit
    return inv, coef


def lin_coefficient(
    z: np.ndarray,
    cols: Columns,
    control: int,
    treated: Sequence[int],
    w: np.ndarray | None = None,
) -> np.ndarray:
    """(draws, arms, r): Lin's covariate-adjusted effect of each arm against control."""
    zz = _used(z, cols.ok)
    X, XX = _design(cols)
    masks = _masks(zz, [control, *treated], None if w is None else _used(w, cols.ok))
    fits = [_arm_fits(m, X, XX, cols.y)[1][:, 0, :] for m in masks]
    return np.stack([fits[j + 1] - fits[0] for j in range(len(treated))], axis=1)


def _hc2_intercept_variance(
    m: np.ndarray, X: np.ndarray, XX: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per draw and outcome: the arm's intercept and its HC2 variance."""
    inv, coef = _arm_fits(m, X, XX, y)
    p = X.shape[1]
    fitted = np.einsum("np,dpr->dnr", X, coef, optimize=True)
    resid = y[None, :, :] - fitted
    lev = np.einsum("np,dpq,nq->dn", X, inv, X, optimize=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = m[:, :, None] * resid**2 / (1.0 - lev)[:, :, None]
    meat = np.einsum("dnr,nk->drk", w, XX, optimize=True).reshape(w.shape[0], w.shape[2], p, p)
    var = np.einsum("dp,drpq,dq->dr", inv[:, 0, :], meat, inv[:, :, 0], optimize=True)
    return coef[:, 0, :], var


def studentized(z: np.ndarray, cols: Columns, control: int, treated: Sequence[int]) -> np.ndarray:
    """(draws, arms, r): Lin's coefficient over its HC2 standard error."""
    zz = _used(z, cols.ok)
    if cols.x.shape[1] == 0:
        return _welch(zz, cols.y, control, treated)
    X, XX = _design(cols)
    return _t_against_control(
        [_hc2_intercept_variance(m, X, XX, cols.y) for m in _masks(zz, [control, *treated])]
    )


def _t_against_control(parts: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """(draws, arms, r): each treated arm's estimate minus control's over the root of the
    summed variances; ``parts`` holds (estimate, variance) per arm, control first."""
    (est_c, var_c), *rest = parts
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.stack([(est - est_c) / np.sqrt(var + var_c) for est, var in rest], axis=1)


def _welch(zz: np.ndarray, y: np.ndarray, control: int, treated: Sequence[int]) -> np.ndarray:
    """Without covariates HC2 is Welch's variance ``s_a^2 / n_a`` per arm: from the sums of
    y and y^2 per arm (:func:`arm_sums`), no residuals per unit."""
    y = y - y.mean(axis=0)  # both moments are shift-invariant; centring avoids cancellation
    r = y.shape[1]
    sums, counts = arm_sums(zz, np.hstack([y, y * y]), [control, *treated])
    parts = []
    for both, count in zip(sums, counts, strict=True):
        n = count[:, None]
        s1, s2 = both[:, :r], both[:, r:]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = s1 / n
            var = np.maximum(s2 - n * mean * mean, 0.0) / (n - 1) / n
        parts.append((mean, var))
    return _t_against_control(parts)


def logrank_scores(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """``delta_i - Lambda(t_i)``: the log-rank (Savage) scores of the pooled sample.

    Lambda is the Nelson-Aalen cumulative hazard at the unit's own time, ties included.
    """
    times, inverse = np.unique(time, return_inverse=True)
    at_risk = np.cumsum(np.bincount(inverse, minlength=times.size)[::-1])[::-1]
    deaths = np.bincount(inverse, weights=(event > 0).astype(float), minlength=times.size)
    hazard = np.cumsum(deaths / at_risk)
    return (event > 0).astype(float) - hazard[inverse.ravel()]


FUNCTIONS: dict[str, StatFn] = {
    "dim": difference_in_means,
    "lin": lin_coefficient,
    "studentized": studentized,
    "logrank": difference_in_means,  # on the log-rank scores
}
