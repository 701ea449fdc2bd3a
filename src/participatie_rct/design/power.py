"""Power, sample size and minimum detectable effects for arms compared with one control.

Proportions (outflow to work within the horizon) follow R's ``power.prop.test``: a two-sided
two-sample z test whose critical value uses the pooled variance under the null,

    power = Phi((sqrt(n) |p1 - p0| - z_{1 - a/2} sqrt(2 pbar qbar)) / sqrt(p1 q1 + p0 q0))

with ``pbar = (p0 + p1) / 2`` (Fleiss, Levin and Paik 2003, eq. 4.14 without continuity
correction). ``strict=False`` (R's default) ignores rejections in the wrong direction;
``strict=True`` adds them. Continuous outcomes follow ``power.t.test`` (two-sample t test,
noncentral t with ``2 (n - 1)`` degrees of freedom).

Several treatment arms against one control (``arms = K``):

* ``correction="bonferroni"`` tests each arm at ``alpha / K``; ``power`` is the power of one
  comparison, ``n_per_arm`` the size of every arm, the control included.
* ``correction="holm"``: Holm's first step is Bonferroni's, so Bonferroni's power is a lower
  bound. We compute Holm's own **per-comparison power** (the probability that a given arm's
  hypothesis is rejected when every arm has the same effect) exactly, not by simulation: the
  K comparisons share the control group, so their statistics are equicorrelated normals
  (correlation ``p0 q0 / (p0 q0 + p1 q1)``, 0.5 under the null). Conditional on the control
  group's deviation they are independent; the step-down probabilities are then a small
  multinomial recursion, integrated over the shared factor by Gauss-Hermite quadrature. This
  counts rejections in both directions (as ``strict=True``). ``power_any`` reports the
  probability that at least one arm is declared different (the disjunctive power).

All functions are pure; they raise :class:`~participatie_rct.errors.DesignError` when the
question has no answer (no ``n`` up to 10 million, no treatment proportion up to 1).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.optimize import brentq
from scipy.stats import nct, norm
from scipy.stats import t as student_t

from participatie_rct.choices import Correction, parse_choice
from participatie_rct.design.holm import holm_power
from participatie_rct.design.power_result import PowerResult
from participatie_rct.design.spending import check_alpha
from participatie_rct.errors import DesignError

if TYPE_CHECKING:
    pass

#: largest sample size per arm that the solvers consider (as power.prop.test's search interval)
N_MAX = 1e7
#: most treatment arms: Holm's step-down recursion grows with the cube of the arms
ARMS_MAX = 50


def power_two_proportions(
    *,
    p_control: float,
    p_treatment: float,
    n_per_arm: float | None = None,
    power: float | None = None,
    alpha: float = 0.05,
    arms: int = 1,
    correction: Correction | str = Correction.NONE,
    strict: bool = False,
) -> PowerResult:
    """Power for ``n_per_arm``, or ``n_per_arm`` for ``power`` (leave the unknown one None).

    >>> r = power_two_proportions(p_control=0.06, p_treatment=0.115, power=0.8)
    >>> round(r.n_per_arm, 2), r.n_per_arm_ceil, r.n_total
    (413.16, 414, 828)
    """
    corr = parse_choice(Correction, correction, parameter="correction")
    _check_arms(arms)
    check_alpha(alpha)
    p0 = _check_probability(p_control, "p_control")
    p1 = _check_probability(p_treatment, "p_treatment")
    if p0 == p1:
        raise DesignError(
            f"p_treatment equals p_control ({p0:g}): there is no effect to detect. "
            "Give the treatment proportion the trial should be able to find."
        )
    a = _alpha_per_comparison(alpha, arms, corr)
    if (n_per_arm is None) == (power is None):
        raise DesignError("Give exactly one of n_per_arm and power; the other is computed.")
    if power is None:
        n = _check_n(n_per_arm)
        achieved = _prop_power_any_correction(n, p0, p1, alpha, a, arms, corr, strict)
        solved = "power"
    else:
        achieved = _check_power(power, a)
        n = _solve_n_prop(p0, p1, alpha, a, arms, corr, strict, achieved)
        solved = "n_per_arm"
    return _prop_result(p0, p1, n, achieved, alpha, a, arms, corr, strict, solved)


def minimum_detectable_effect(
    *,
    p_control: float,
    n_per_arm: float,
    power: float = 0.8,
    alpha: float = 0.05,
    arms: int = 1,
    correction: Correction | str = Correction.NONE,
    strict: bool = False,
    direction: str = "increase",
) -> PowerResult:
    """The treatment proportion (and ``.effect``, the difference) detectable with ``power``.

    As ``power.prop.test(n, p1 = p_control, power = ...)`` with ``p2`` left out:
    ``direction="increase"`` searches above ``p_control`` (more outflow), ``"decrease"`` below.

    >>> r = minimum_detectable_effect(
    ...     p_control=0.12, n_per_arm=190, arms=3, correction="bonferroni"
    ... )
    >>> round(r.effect, 3)
    0.128
    """
    corr = parse_choice(Correction, correction, parameter="correction")
    _check_arms(arms)
    check_alpha(alpha)
    p0 = _check_probability(p_control, "p_control")
    n = _check_n(n_per_arm)
    if direction not in ("increase", "decrease"):
        raise DesignError(f"direction must be 'increase' or 'decrease'; got {direction!r}.")
    a = _alpha_per_comparison(alpha, arms, corr)
    target = _check_power(power, a)

    def gap(p1: float) -> float:
        return _prop_power_any_correction(n, p0, p1, alpha, a, arms, corr, strict) - target

    edge = 1e-12  # stay inside (0, 1): at 0 or 1 the treatment arm has no variance
    end = 1.0 - edge if direction == "increase" else edge
    if gap(end) < 0:
        raise DesignError(
            f"with {n:g} per arm no treatment proportion between {p0:g} and {end:g} reaches power "
            f"{target:g}: enlarge the arms or accept lower power."
        )
    lo, hi = (p0, end) if direction == "increase" else (end, p0)
    p1 = float(brentq(gap, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps))
    return _prop_result(p0, p1, n, target, alpha, a, arms, corr, strict, "effect")


def power_means(
    *,
    delta: float | None = None,
    sd: float = 1.0,
    n_per_arm: float | None = None,
    power: float | None = None,
    alpha: float = 0.05,
    arms: int = 1,
    correction: Correction | str = Correction.NONE,
    strict: bool = False,
) -> PowerResult:
    """Two-sample t test power as R's ``power.t.test``: leave exactly one of ``delta``,
    ``n_per_arm`` and ``power`` None and it is computed (``delta=None``: the minimum
    detectable difference in means).

    Holm is not offered here: use ``correction="bonferroni"``, a lower bound on Holm's power.

    >>> round(power_means(delta=0.5, sd=1, n_per_arm=64).power, 4)
    0.8015
    """
    corr = parse_choice(Correction, correction, parameter="correction")
    if corr is Correction.HOLM:
        raise DesignError(
            "correction 'holm' is computed for proportions only; for means use 'bonferroni', "
            "whose power is a lower bound for Holm's (Holm's first step is Bonferroni's)."
        )
    _check_arms(arms)
    check_alpha(alpha)
    if not (isinstance(sd, int | float) and math.isfinite(sd) and sd > 0):
        raise DesignError(f"sd must be a positive number; got {sd!r}.")
    a = _alpha_per_comparison(alpha, arms, corr)
    unknown = [
        name
        for name, v in (("delta", delta), ("n_per_arm", n_per_arm), ("power", power))
        if v is None
    ]
    if len(unknown) != 1:
        raise DesignError(
            "Give all but one of delta, n_per_arm and power; the one left out is computed "
            f"(left out now: {', '.join(unknown) or 'none'})."
        )
    if delta is not None:
        if not (isinstance(delta, int | float) and math.isfinite(delta) and delta != 0):
            raise DesignError(f"delta must be a non-zero number; got {delta!r}.")
        delta = abs(float(delta))
    if unknown == ["power"]:
        n = _check_n(n_per_arm)
        achieved = _t_power(n, delta, sd, a, strict)  # type: ignore[arg-type]
        solved = "power"
    elif unknown == ["n_per_arm"]:
        achieved = _check_power(power, a)
        n = _root(lambda x: _t_power(x, delta, sd, a, strict) - achieved, 2.0, "n_per_arm")  # type: ignore[arg-type]
        solved = "n_per_arm"
    else:
        n = _check_n(n_per_arm)
        achieved = _check_power(power, a)
        if _t_power(n, sd * 1e7, sd, a, strict) < achieved:
            raise DesignError(
                f"with {n:g} per arm no difference in means reaches power {achieved:g}."
            )
        delta = float(
            brentq(
                lambda d: _t_power(n, d, sd, a, strict) - achieved,
                sd * 1e-7,
                sd * 1e7,
                xtol=1e-14,
                rtol=1e-15,
            )
        )
        solved = "effect"
    return _result(
        "mean",
        n,
        achieved,
        alpha,
        a,
        arms,
        corr,
        strict,
        solved,
        power_any=_any_power_independent_bound(float(achieved), arms),
        delta=float(delta),  # type: ignore[arg-type]
        sd=float(sd),
    )


def _check_probability(value: Any, name: str) -> float:
    if not (isinstance(value, int | float) and 0 < float(value) < 1):
        raise DesignError(f"{name} must be a proportion strictly between 0 and 1; got {value!r}.")
    return float(value)


def _check_power(value: Any, a: float) -> float:
    if not (isinstance(value, int | float) and 0 < float(value) < 1):
        raise DesignError(f"power must be strictly between 0 and 1; got {value!r}. Typical: 0.8.")
    if float(value) <= a:
        # a test at level a rejects with probability a even without any effect
        raise DesignError(
            f"power {value!r} is not above the significance level per comparison ({a:g}): "
            "any design reaches that without an effect. Ask for more power, typically 0.8."
        )
    return float(value)


def _check_n(value: Any) -> float:
    if not (isinstance(value, int | float) and math.isfinite(value) and 2 <= value <= N_MAX):
        raise DesignError(f"n_per_arm must be a number from 2 to {N_MAX:g}; got {value!r}.")
    return float(value)


def _check_arms(arms: Any) -> None:
    if not isinstance(arms, int) or isinstance(arms, bool) or not 1 <= arms <= ARMS_MAX:
        raise DesignError(
            f"arms must be a whole number from 1 to {ARMS_MAX} (treatment arms besides the "
            f"control); got {arms!r}."
        )


def _alpha_per_comparison(alpha: float, arms: int, correction: Correction) -> float:
    # Bonferroni, and Holm's first (most demanding) step: alpha / K
    return float(alpha) if correction is Correction.NONE else float(alpha) / arms


def _ceil(n: float) -> int:
    # guard against 405.0000000001 from root finding becoming 406
    return math.ceil(n - 1e-9)


# ---------------------------------------------------------------------------------------------
# proportions


def _prop_power(n: float, p0: float, p1: float, a: float, strict: bool) -> float:
    """power.prop.test's power (two-sided, level ``a``), pooled null variance."""
    qu = norm.isf(a / 2.0)
    d = abs(p1 - p0)
    pbar = (p0 + p1) / 2.0
    null_sd = math.sqrt(2.0 * pbar * (1.0 - pbar))
    alt_sd = math.sqrt(p0 * (1.0 - p0) + p1 * (1.0 - p1))
    power = norm.cdf((math.sqrt(n) * d - qu * null_sd) / alt_sd)
    if strict:
        power += norm.sf((math.sqrt(n) * d + qu * null_sd) / alt_sd)
    return float(power)


def _n_prop_closed_form(p0: float, p1: float, a: float, power: float) -> float:
    # inverting the non-strict formula: sqrt(n) d = z_{1-a/2} null_sd + z_power alt_sd
    pbar = (p0 + p1) / 2.0
    null_sd = math.sqrt(2.0 * pbar * (1.0 - pbar))
    alt_sd = math.sqrt(p0 * (1.0 - p0) + p1 * (1.0 - p1))
    root_n = (norm.isf(a / 2.0) * null_sd + norm.ppf(power) * alt_sd) / abs(p1 - p0)
    return float(root_n**2)


def _prop_power_any_correction(
    n: float,
    p0: float,
    p1: float,
    alpha: float,
    a: float,
    arms: int,
    corr: Correction,
    strict: bool,
) -> float:
    if corr is Correction.HOLM and arms > 1:
        return holm_power(n, p0, p1, alpha=alpha, arms=arms)[0]
    return _prop_power(n, p0, p1, a, strict)


def _solve_n_prop(
    p0: float,
    p1: float,
    alpha: float,
    a: float,
    arms: int,
    corr: Correction,
    strict: bool,
    power: float,
) -> float:
    if corr is not Correction.HOLM or arms == 1:
        if not strict:
            n = _n_prop_closed_form(p0, p1, a, power)
        else:
            n = _root(lambda x: _prop_power(x, p0, p1, a, True) - power, 1.0, "n_per_arm")
        if n > N_MAX:
            raise DesignError(
                f"more than {N_MAX:g} per arm would be needed: the effect is too small to detect."
            )
        return n
    # Holm lies between the unadjusted and the Bonferroni tests
    upper = _n_prop_closed_form(p0, p1, a, power) * 1.01 + 2.0
    return _root(
        lambda x: holm_power(x, p0, p1, alpha=alpha, arms=arms)[0] - power, 2.0, "n_per_arm", upper
    )


def _prop_result(
    p0: float,
    p1: float,
    n: float,
    power: float,
    alpha: float,
    a: float,
    arms: int,
    corr: Correction,
    strict: bool,
    solved: str,
) -> PowerResult:
    if arms > 1:
        # P(smallest p-value <= first-step level): Holm's and Bonferroni's first step is alpha / K;
        # without correction every comparison is at alpha (alpha * K makes alpha / K = alpha)
        level = alpha if corr is not Correction.NONE else alpha * arms
        any_power = holm_power(n, p0, p1, alpha=level, arms=arms)[1]
    else:
        any_power = power
    return _result(
        "proportion",
        n,
        power,
        alpha,
        a,
        arms,
        corr,
        strict,
        solved,
        power_any=float(any_power),
        p_control=p0,
        p_treatment=p1,
    )


def _result(
    outcome: str,
    n: float,
    power: float,
    alpha: float,
    a: float,
    arms: int,
    corr: Correction,
    strict: bool,
    solved: str,
    **rest: Any,
) -> PowerResult:
    """A :class:`PowerResult` with the sizes rounded up: every arm, the control included, gets
    ``ceil(n)`` participants."""
    ceil_n = _ceil(n)
    return PowerResult(
        outcome=outcome,
        n_per_arm=float(n),
        n_per_arm_ceil=ceil_n,
        n_total=ceil_n * (arms + 1),
        power=float(power),
        alpha=float(alpha),
        alpha_per_comparison=a,
        arms=arms,
        correction=corr,
        solved_for=solved,
        strict=strict,
        **rest,
    )


def _any_power_independent_bound(power: float, arms: int) -> float:
    # for means only a lower bound: the probability that at least one of K comparisons rejects
    # is at least the power of one of them
    return power if arms == 1 else float("nan")


# ---------------------------------------------------------------------------------------------
# means


def _t_power(n: float, delta: float, sd: float, a: float, strict: bool) -> float:
    """power.t.test's power: two-sample, two-sided, noncentral t with 2 (n - 1) df."""
    nu = max(1e-7, n - 1.0) * 2.0
    qu = student_t.isf(a / 2.0, nu)
    ncp = math.sqrt(n / 2.0) * delta / sd
    power = float(nct.sf(qu, nu, ncp))
    if strict:
        wrong_side = float(nct.cdf(-qu, nu, ncp))
        power += wrong_side if math.isfinite(wrong_side) else 0.0  # underflows far from the null
    return power


def _root(fn: Any, lower: float, what: str, upper: float | None = None) -> float:
    """Smallest root of the increasing ``fn`` above ``lower``: bracket by doubling, then brentq."""
    if fn(lower) >= 0:
        return lower
    limit = N_MAX if upper is None else upper
    below, hi = lower, min(max(2.0 * lower, 4.0), limit)
    while fn(hi) < 0:
        if hi >= limit:
            raise DesignError(
                f"no {what} up to {limit:g} reaches the power asked: "
                "the effect is too small to detect."
            )
        below, hi = hi, min(hi * 2.0, limit)
    return float(brentq(fn, below, hi, xtol=1e-10, rtol=4 * np.finfo(float).eps))
