"""Where a running trial stands at a look: information, boundary, crossing, conditional power.

Information is counted by **matured follow-up**, not by enrolment: a participant adds to the
information once their H-month outcome is observed (``matured`` is true and ``outflow_work``
is known, as :func:`participatie_rct.estimate.build_outcomes` reports them). The information
fraction is

    t = (participants with an observed H-month outcome) / (planned number of participants)

capped at 1. For a difference in proportions the statistical information is ``1 / Var``,
which is proportional to the number of matured participants when the arms fill in the
planned ratio and the outcome rates stay put, so this count is the usual working measure.

The boundary of the current look is recomputed from the spending function at the fractions
actually observed at every look so far (Lan and DeMets 1983: the spending function, not the
schedule, is fixed in advance). At the last planned look, or once ``t`` reaches 1, all the
remaining alpha is spent.

The test statistic of each arm against the control is the difference in outflow-to-work
proportions over its Neyman (HC2) standard error ``sqrt(s1^2/n1 + s0^2/n0)``. With several
arms, ``correction="holm"`` (the default) steps down from ``alpha / K`` (Maurer and Bretz 2013,
:mod:`participatie_rct.design.sequential_holm`); ``"bonferroni"`` tests each at ``alpha / K``.

Conditional power uses the B-value of Lan and Wittes (1988): ``B(t) = Z(t) sqrt(t)`` is
Brownian motion with drift ``theta`` (the expected ``Z`` at full information), so

    CP = P(|B(1)| >= c | B(t)) ,  B(1) - B(t) ~ N(theta (1 - t), 1 - t)

with ``c`` the final critical value when no further interim look is taken. ``theta`` is the
current trend ``Z(t) / sqrt(t)`` or the planned effect divided by its standard error at the
planned size (the control rate taken from the matured control group).

Each comparison carries its repeated confidence interval at the look (:mod:`.rci`): the
difference plus or minus the look's critical value times its standard error. The result
objects live in :mod:`.monitor_result`, the input checks in :mod:`.monitor_checks`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy.stats import norm

from participatie_rct.choices import Correction, Spending, parse_choice
from participatie_rct.design.boundaries import (
    BoundaryResult,
    Look,
    critical_values,
)
from participatie_rct.design.boundaries import (  # re-exported: it lived here before
    planned_previous_information as planned_previous_information,
)
from participatie_rct.design.monitor_checks import (
    REQUIRED_COLUMNS as REQUIRED_COLUMNS,
)
from participatie_rct.design.monitor_checks import (
    arm_order,
    check_look,
    check_outcomes,
    check_settings,
    fractions_of,
)
from participatie_rct.design.monitor_result import (  # re-exported: they lived here before
    Comparison as Comparison,
)
from participatie_rct.design.monitor_result import (
    MonitorStatus as MonitorStatus,
)
from participatie_rct.design.rci import repeated_confidence_interval
from participatie_rct.design.sequential_holm import holm_step_down
from participatie_rct.design.spending import DEFAULT_HSD_GAMMA, check_alpha, spent_alpha
from participatie_rct.estimate.dim import neyman_std_error

if TYPE_CHECKING:
    import pandas as pd


def monitor_status(
    outcomes: pd.DataFrame,
    *,
    control: str,
    target_n: int,
    alpha: float = 0.05,
    spending: Spending | str = Spending.OBRIEN_FLEMING,
    gamma: float | None = None,
    previous_information: Sequence[float] = (),
    planned_looks: int | None = None,
    planned_effect: float | None = None,
    correction: Correction | str = Correction.HOLM,
    horizon_months: int | None = None,
) -> MonitorStatus:
    """The interim look now: information fraction, boundary, Z per arm, crossing, conditional power.

    Parameters
    ----------
    outcomes
        One row per assigned participant with ``arm``, ``matured`` and ``outflow_work``
        (0/1, NaN when not known), as ``participatie_rct.estimate.build_outcomes`` returns.
    control
        The control arm's key.
    target_n
        Planned number of participants, all arms together: the denominator of the
        information fraction.
    previous_information
        Information fractions observed at the earlier looks, in order (empty at the first look).
    planned_looks
        Looks planned in all (interim looks + final). At the last one all alpha is spent.
    planned_effect
        The difference in outflow-to-work proportions the trial was designed to detect; gives
        the conditional power under the design (NaN without it).
    correction
        ``holm`` (step-down from ``alpha / K``), ``bonferroni`` (``alpha / K`` each) or ``none``.
    """
    kind = parse_choice(Spending, spending, parameter="spending")
    corr = parse_choice(Correction, correction, parameter="correction")
    check_alpha(alpha)
    if kind is Spending.HSD and gamma is None:
        gamma = DEFAULT_HSD_GAMMA
    previous = fractions_of(previous_information)
    check_settings(target_n, planned_looks, planned_effect, previous)
    frame = check_outcomes(outcomes, control)
    arms = [a for a in arm_order(frame["arm"]) if a != control]
    a = alpha / len(arms) if corr is not Correction.NONE else alpha
    observed = frame[frame["_observed"]]
    information = min(1.0, len(observed) / target_n)
    look = check_look(information, len(observed), target_n, previous, planned_looks)
    final = information >= 1.0 or (planned_looks is not None and look == planned_looks)
    boundary, final_z = _look_boundary((*previous, information), a, kind, gamma, final=final)
    shares = frame["arm"].value_counts(normalize=True)
    comparisons = tuple(
        _compare(
            observed,
            arm,
            control,
            z=boundary.looks[-1].z,
            final_z=final_z,
            t=information,
            final=final,
            planned_effect=planned_effect,
            n_arm_full=target_n * float(shares.get(arm, 0.0)),
            n_control_full=target_n * float(shares.get(control, 0.0)),
        )
        for arm in arms
    )
    if corr is Correction.HOLM:
        fractions = np.array([*previous, information])
        comparisons = holm_step_down(comparisons, fractions, alpha, kind, gamma, final)
    return MonitorStatus(
        look=look,
        information=information,
        n_observed=len(observed),
        n_assigned=len(frame),
        target_n=target_n,
        final=final,
        boundary=boundary,
        comparisons=comparisons,
        control=control,
        alpha=float(alpha),
        alpha_per_comparison=float(a),
        correction=corr,
        spending=kind,
        gamma=gamma,
        planned_looks=planned_looks,
        planned_effect=planned_effect,
        horizon_months=horizon_months,
        final_z=final_z,
    )


def _look_boundary(
    observed: Sequence[float], a: float, kind: Spending, gamma: float | None, *, final: bool
) -> tuple[BoundaryResult, float]:
    """The boundary of every look so far at the observed fractions, and the final critical
    value if no further interim look is taken (this look's own when it is the final one)."""
    fractions = np.array(observed)
    cumulative = spent_alpha(fractions, alpha=a, spending=kind, gamma=gamma)
    if final:
        cumulative[-1] = a  # the final analysis spends whatever is left
    z = critical_values(fractions, cumulative)
    boundary = _boundary(fractions, z, cumulative, a, kind, gamma)
    if final:
        return boundary, float(z[-1])
    ahead = np.array([*fractions, 1.0])
    return boundary, float(critical_values(ahead, np.append(cumulative, a))[-1])


def conditional_power(z: float, t: float, *, theta: float, critical: float) -> float:
    """Lan and Wittes (1988) conditional power of a two-sided test at full information.

    ``z`` is the current statistic at information fraction ``t``, ``theta`` the drift (the
    expected ``Z`` at ``t = 1``) and ``critical`` the final critical value of ``|Z|``.

    >>> round(conditional_power(2.0, 0.5, theta=2.0 / math.sqrt(0.5), critical=1.96), 4)
    0.8903
    """
    if not (0 < t < 1):
        return math.nan
    b = z * math.sqrt(t)  # B-value, Lan and Wittes (1988), eq. 1
    mean = b + theta * (1.0 - t)
    sd = math.sqrt(1.0 - t)
    return float(norm.sf((critical - mean) / sd) + norm.cdf((-critical - mean) / sd))


def _boundary(
    fractions: np.ndarray,
    z: np.ndarray,
    cumulative: np.ndarray,
    a: float,
    kind: Spending,
    gamma: float | None,
) -> BoundaryResult:
    looks = tuple(
        Look(
            information=float(t),
            z=float(c),
            alpha_cumulative=float(s),
            p_nominal=float(2.0 * norm.sf(c)) if math.isfinite(c) else 0.0,
        )
        for t, c, s in zip(fractions, z, cumulative, strict=True)
    )
    return BoundaryResult(looks=looks, alpha=float(a), spending=kind, gamma=gamma)


def _compare(
    observed: pd.DataFrame,
    arm: str,
    control: str,
    *,
    z: float,
    final_z: float,
    t: float,
    final: bool,
    planned_effect: float | None,
    n_arm_full: float,
    n_control_full: float,
) -> Comparison:
    y1 = observed.loc[observed["arm"] == arm, "outflow_work"].to_numpy(dtype=float)
    y0 = observed.loc[observed["arm"] == control, "outflow_work"].to_numpy(dtype=float)
    n1, n0 = len(y1), len(y0)
    p1 = float(y1.mean()) if n1 else math.nan
    p0 = float(y0.mean()) if n0 else math.nan
    estimate = p1 - p0
    se = neyman_std_error(y1, y0)  # sqrt(s1^2/n1 + s0^2/n0); NaN below two per arm
    stat = estimate / se if se > 0 else math.nan
    crossed = bool(math.isfinite(stat) and abs(stat) >= z)
    rci = repeated_confidence_interval(estimate, se, z) if se > 0 else (math.nan, math.nan)
    cp_trend = cp_design = math.nan
    if not final and math.isfinite(stat):
        cp_trend = conditional_power(stat, t, theta=stat / math.sqrt(t), critical=final_z)
        if (
            planned_effect is not None
            and math.isfinite(p0)
            and n_arm_full > 0
            and n_control_full > 0
        ):
            pt = min(max(p0 + planned_effect, 0.0), 1.0)
            se_full = math.sqrt(pt * (1 - pt) / n_arm_full + p0 * (1 - p0) / n_control_full)
            if se_full > 0:
                cp_design = conditional_power(
                    stat, t, theta=planned_effect / se_full, critical=final_z
                )
    return Comparison(
        arm=arm,
        n=n1,
        n_control=n0,
        outflow=p1,
        outflow_control=p0,
        estimate=estimate,
        std_error=se,
        statistic=stat,
        crossed=crossed,
        conditional_power_trend=cp_trend,
        conditional_power_design=cp_design,
        rci_low=rci[0],
        rci_high=rci[1],
        critical=z,
    )
