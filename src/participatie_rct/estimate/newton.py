"""One Newton-Raphson maximizer with step halving for the partial likelihoods (Cox, Fine-Gray).

Both models maximize a concave log partial likelihood from beta = 0. Each step solves
``I step = U``; a step that lowers the log-likelihood is halved (up to 30 times), as R's
``coxph`` does. Convergence needs both a negligible change in the log-likelihood and a
negligible step. A fit that does not converge is returned with ``converged=False``: the caller
turns that into a warning on its result, the same way for every model, instead of raising.

Monotone likelihood (Heinze and Schemper 2001; ``docs/inference.md``): when an arm or a
covariate pattern has no events the log-likelihood keeps rising as a coefficient runs to
minus or plus infinity; the information of that coefficient then vanishes, so its
model-based variance explodes. :func:`diverging` flags such coefficients after the fit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from participatie_rct.errors import EstimationError

#: iterations before a fit is reported as not converged
MAX_ITER = 50
#: a coefficient whose model-based standard error exceeds this (on the log-hazard scale) is
#: running off to infinity: no finite hazard ratio fits better
DIVERGING_SE = 1e3
#: ... or whose magnitude exceeds this (exp(30) ~ 1e13: not a hazard ratio anyone observes)
DIVERGING_COEF = 30.0

State = TypeVar("State")

#: the objective: beta -> (log-likelihood, score, information, whatever the caller keeps)
Objective = Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray, State]]


@dataclass(frozen=True)
class NewtonFit(Generic[State]):
    """The maximizer's outcome: estimate, information, log-likelihoods and convergence."""

    beta: np.ndarray
    info: np.ndarray
    loglik0: float
    loglik: float
    iterations: int
    converged: bool
    state: State


def newton_raphson(
    objective: Objective[State],
    p: int,
    *,
    model: str,
    tol: float = 1e-9,
    ftol: float = 1e-12,
) -> NewtonFit[State]:
    """Maximize ``objective`` over ``p`` coefficients from zero, halving steps that lose ground.

    A singular information matrix is refused with a message naming ``model``: some column is
    constant or collinear (a column whose events are all absent is caught before this by
    the callers, and reported as not estimable).
    """
    beta = np.zeros(p)
    loglik, score, info, state = objective(beta)
    loglik0 = loglik
    converged = p == 0
    iteration = 0
    for iteration in range(1, MAX_ITER + 1):  # noqa: B007 - the count is reported
        if p == 0:
            break
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError as exc:
            raise EstimationError(
                f"The {model} model's information matrix is singular: a covariate is constant "
                "or a linear combination of others. Drop that covariate."
            ) from exc
        for _ in range(30):
            new_beta = beta + step
            new = objective(new_beta)
            if np.isfinite(new[0]) and new[0] >= loglik - 1e-12 * abs(loglik):
                break
            step = step / 2
        small = np.max(np.abs(step)) < tol
        flat = abs(new[0] - loglik) <= ftol * max(1.0, abs(loglik))
        beta = new_beta
        loglik, score, info, state = new
        if small and flat:
            converged = True
            break
    return NewtonFit(beta, info, loglik0, loglik, iteration, converged, state)


def diverging(beta: np.ndarray, vcov: np.ndarray) -> np.ndarray:
    """Indices of coefficients running off to infinity (monotone likelihood).

    A coefficient is flagged when its model-based standard error (from ``vcov``, the inverse
    information) or its size is beyond what any finite hazard ratio would give
    (:data:`DIVERGING_SE`, :data:`DIVERGING_COEF`), or when the variance is not finite.
    """
    var = np.diag(vcov)
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.where(var > 0, var, np.inf))
    bad = ~np.isfinite(se) | (se > DIVERGING_SE) | (np.abs(beta) > DIVERGING_COEF)
    return np.flatnonzero(bad)


def not_converged_warning(model: str, iterations: int) -> str:
    """The one wording of non-convergence that every partial-likelihood result carries."""
    return (
        f"{model}: Newton-Raphson did not converge in {iterations} iterations; the estimates "
        "are the last iterate. Check the event counts per arm and covariate level."
    )
