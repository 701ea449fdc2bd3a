"""The monthly competing-risks model of leaving benefit: intensities, exact outflow shares,
the calibration of the base hazard and the arms' effects, and the simulated monthly panel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from participatie_rct.choices import EffectPreset
from participatie_rct.errors import DesignError
from participatie_rct.simulate.population import _population_cells
from participatie_rct.simulate.scenarios import (
    HORIZONS,
    MEASURES,
    ScenarioSpec,
    _components,
    _preset_effects,
)


@dataclass(frozen=True)
class Model:
    """Fixed parameters of the monthly model (the calibrated ones live in :class:`_Calibration`).

    Rates are monthly intensities for a reference person (18-29, woman, low education,
    single, no migration background, 36-59 months on benefit).
    """

    part_time_rate: float = 0.0045  # B -> P: ~5% start part-time work within a year in control
    other_rate: float = 0.0085  # B, P -> O: ~10% a year leave for other reasons
    part_time_work_factor: float = 2.0  # P -> W is twice B -> W (stepping stone)
    part_time_stop_rate: float = 0.05  # P -> B: part-time jobs end
    duration_decline: float = 0.3  # work hazard x (1 + t/12)^-0.3 over the trial
    reentry_after_work: float = 1.0 - (1.0 - 0.09) ** (1 / 18)  # 9% back within 18 months
    reentry_after_other: float = 0.003
    older_effect_share: float = 0.5  # log effects for 45+ are this share of those under 45


MODEL = Model()


@dataclass(frozen=True)
class _ArmEffect:
    """Log hazard ratios of one arm for people under 45 (halved at 45+)."""

    work: float = 0.0
    part: float = 0.0


def _month_probabilities(
    lam_work: np.ndarray, lam_part: np.ndarray, lam_other: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Monthly probabilities of each competing exit from constant intensities
    (Kalbfleisch and Prentice)."""
    total = lam_work + lam_part + lam_other
    leave = -np.expm1(-total)
    share = np.divide(leave, total, out=np.zeros_like(total), where=total > 0)
    return lam_work * share, lam_part * share, lam_other * share


def _intensities(
    base_work: float,
    lp_work: np.ndarray,
    lp_part: np.ndarray,
    lp_other: np.ndarray,
    older: np.ndarray,
    effect_work: np.ndarray,
    effect_part: np.ndarray,
    t: int,
    model: Model = MODEL,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cause-specific intensities in month ``t`` (1-based) after intake, from state B.

    ``effect_*`` are log hazard ratios for people under 45; at 45+ they are multiplied by
    ``model.older_effect_share``.
    """
    scale = np.where(older, model.older_effect_share, 1.0)
    decline = (1.0 + t / 12.0) ** (-model.duration_decline)
    lam_work = base_work * decline * np.exp(lp_work + scale * effect_work)
    lam_part = model.part_time_rate * np.exp(lp_part + scale * effect_part)
    lam_other = model.other_rate * np.exp(lp_other)
    return lam_work, lam_part, lam_other


def _exact_shares(
    base_work: float,
    lp_work: np.ndarray,
    lp_part: np.ndarray,
    lp_other: np.ndarray,
    older: np.ndarray,
    effect_work: np.ndarray,
    effect_part: np.ndarray,
    horizons: Sequence[int] = HORIZONS,
    model: Model = MODEL,
) -> dict[int, dict[str, np.ndarray]]:
    """Exact cumulative incidence, per cell, of each kind of first outflow within each horizon.

    Outflow is the first month a participant leaves full benefit: to work (off benefit), to
    part-time work combined with benefit, or off benefit for another reason (DOMAIN.md,
    "Outcomes a report must show"; the same rule as
    :func:`participatie_rct.estimate.build_outcomes`). These are competing risks, so the
    cumulative incidence of cause k by month H is ``sum_t S(t-1) p_k(t)`` (Kalbfleisch and
    Prentice 2002, eq. 8.3 in discrete time), computed by a forward pass over the months.
    """
    surviving = np.ones_like(lp_work)
    work = np.zeros_like(surviving)
    part = np.zeros_like(surviving)
    other = np.zeros_like(surviving)
    out: dict[int, dict[str, np.ndarray]] = {}
    for t in range(1, max(horizons) + 1):
        lw, lpt, lo = _intensities(
            base_work, lp_work, lp_part, lp_other, older, effect_work, effect_part, t, model
        )
        pw, pp, po = _month_probabilities(lw, lpt, lo)
        work = work + surviving * pw
        part = part + surviving * pp
        other = other + surviving * po
        surviving = surviving * (1.0 - pw - pp - po)
        if t in horizons:
            out[t] = {
                "work": work,
                "part_time": part,
                "other": other,
                "any_exit": work + part + other,
            }
    return out


# --------------------------------------------------------------------------------------------
# Calibration: solve the base work hazard and the arms' effects for the targets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Calibration:
    """The solved parameters: base work intensity and each arm's log hazard ratios."""

    base_work: float
    effects: tuple[tuple[str, _ArmEffect], ...]

    def effect(self, arm: str) -> _ArmEffect:
        return dict(self.effects)[arm]


def _population_share(base_work: float, effect: _ArmEffect, horizon: int, outcome: str) -> float:
    cells = _population_cells()
    n = cells.weight.size
    shares = _exact_shares(
        base_work,
        cells.lp_work,
        cells.lp_part,
        cells.lp_other,
        cells.older,
        np.full(n, effect.work),
        np.full(n, effect.part),
        horizons=(horizon,),
    )
    return float(cells.weight @ shares[horizon][outcome])


def _solve(fn: Any, low: float, high: float) -> float:
    """Root of an increasing function on [low, high] (scipy's Brent method)."""
    from scipy.optimize import brentq

    f_low, f_high = fn(low), fn(high)
    if f_low > 0 or f_high < 0:
        raise DesignError(
            "simulate: the effects asked for cannot be reached by the model (a target share is too "
            "low or too high for the control rate); choose a share closer to the control rate."
        )
    return float(brentq(fn, low, high, xtol=1e-12, rtol=1e-12))


@lru_cache(maxsize=64)
def _calibrate(
    arms: tuple[str, ...],
    control_rate: float,
    withdrawal_rate: float,
    work_targets: tuple[tuple[str, float], ...],
    part_time_deltas: tuple[tuple[str, float], ...],
    part_time_multipliers: tuple[tuple[str, float], ...],
    preset: str,
) -> _Calibration:
    """Solve the base work hazard for ``control_rate`` and every arm's effects for its targets.

    Targets are intention-to-treat shares: a share ``withdrawal_rate`` of each treated arm
    withdraws and gets the control regime, so an arm's share is ``(1 - w) s_arm + w s_control``.
    Measures that are not arms themselves are still solved under the preset, so that arms
    combining them (``earn_more_and_intensive_support``) add their log hazard ratios.
    """
    w = withdrawal_rate
    base = math.exp(
        _solve(
            lambda x: _population_share(math.exp(x), _ArmEffect(), 12, "work") - control_rate,
            -14.0,
            2.0,
        )
    )
    zero = _ArmEffect()
    control_part = _population_share(base, zero, 12, "part_time")

    def itt(effect: _ArmEffect, outcome: str, control_value: float) -> float:
        return (1 - w) * _population_share(base, effect, 12, outcome) + w * control_value

    preset_work, preset_delta, preset_mult = _preset_effects(
        MEASURES, EffectPreset(preset), control_rate
    )
    targets_work = dict(preset_work) | dict(work_targets)
    targets_delta = dict(preset_delta) | dict(part_time_deltas)
    multipliers = dict(preset_mult) | dict(part_time_multipliers)
    solved: dict[str, _ArmEffect] = {"control": zero}
    to_solve = [
        a
        for a in dict.fromkeys((*MEASURES, *arms))
        if a != "control" and (a in MEASURES or a in targets_work)
    ]
    for arm in to_solve:
        effect = _ArmEffect(part=math.log(multipliers.get(arm, 1.0)))
        for _ in range(3):  # alternate: part-time and work effects interact only slightly
            if arm in targets_delta:
                goal = control_part + targets_delta[arm]
                part = _solve(
                    lambda x, e=effect, g=goal: (
                        itt(replace(e, part=x), "part_time", control_part) - g
                    ),
                    -5.0,
                    5.0,
                )
                effect = replace(effect, part=part)
            if arm in targets_work:
                goal = targets_work[arm]
                work = _solve(
                    lambda x, e=effect, g=goal: itt(replace(e, work=x), "work", control_rate) - g,
                    -8.0,
                    8.0,
                )
                effect = replace(effect, work=work)
            if not (arm in targets_delta and arm in targets_work):
                break
        solved[arm] = effect
    for arm in arms:
        if arm not in solved:  # a combination of measures: log hazard ratios add
            parts = [solved[p] for p in _components(arm)]
            solved[arm] = _ArmEffect(
                work=sum(p.work for p in parts), part=sum(p.part for p in parts)
            )
    return _Calibration(base, tuple((a, solved[a]) for a in arms))


def _calibration(spec: ScenarioSpec) -> _Calibration:
    return _calibrate(
        spec.arms,
        spec.control_rate,
        spec.withdrawal_rate,
        spec.work_targets,
        spec.part_time_deltas,
        spec.part_time_multipliers,
        spec.effects,
    )


# --------------------------------------------------------------------------------------------
# The monthly panel
# --------------------------------------------------------------------------------------------

#: Event codes in the monthly simulation.
_NONE, _WORK, _PART, _OTHER = 0, 1, 2, 3
_B, _P, _W, _O = 0, 1, 2, 3


def _simulate_months(
    base_work: float,
    lp: tuple[np.ndarray, np.ndarray, np.ndarray],
    older: np.ndarray,
    effect_work: np.ndarray,
    effect_part: np.ndarray,
    months: int,
    rng: np.random.Generator,
    model: Model = MODEL,
) -> tuple[np.ndarray, np.ndarray]:
    """States and events, shape (months + 1, n): month 0 is the month of intake (on benefit).

    One uniform draw per person and month decides the transition out of the current state,
    with the same monthly probabilities as :func:`_exact_shares` (so the sample tracks the
    exact truth), plus re-entry from W and O.
    """
    n = older.size
    states = np.zeros((months + 1, n), dtype=np.int8)
    events = np.zeros((months + 1, n), dtype=np.int8)
    state = np.zeros(n, dtype=np.int8)
    stop = np.full(n, model.part_time_stop_rate)
    for t in range(1, months + 1):
        lw, lpt, lo = _intensities(
            base_work, lp[0], lp[1], lp[2], older, effect_work, effect_part, t, model
        )
        pw, pp, po = _month_probabilities(lw, lpt, lo)
        qw, qs, qo = _month_probabilities(lw * model.part_time_work_factor, stop, lo)
        u = rng.random(n)
        new = state.copy()
        event = np.zeros(n, dtype=np.int8)
        on_b = state == _B
        on_p = state == _P
        # from B: work, part-time, other (cumulative cut points of one uniform draw)
        to_w = on_b & (u < pw)
        to_p = on_b & ~to_w & (u < pw + pp)
        to_o = on_b & ~to_w & ~to_p & (u < pw + pp + po)
        # from P: work, stop (back to B), other
        p_w = on_p & (u < qw)
        p_b = on_p & ~p_w & (u < qw + qs)
        p_o = on_p & ~p_w & ~p_b & (u < qw + qs + qo)
        back = ((state == _W) & (u < model.reentry_after_work)) | (
            (state == _O) & (u < model.reentry_after_other)
        )
        new[to_w | p_w] = _W
        new[to_p] = _P
        new[to_o | p_o] = _O
        new[p_b | back] = _B
        event[to_w | p_w] = _WORK
        event[to_p] = _PART
        event[to_o | p_o] = _OTHER
        states[t] = new
        events[t] = event
        state = new
    return states, events


def _first_exit(events: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Month (1-based; 0 if none) and kind (work, part-time work, other; 0 if none) of each
    first outflow."""
    leaving = events > _NONE
    any_exit = leaving.any(axis=0)
    month = np.where(any_exit, leaving.argmax(axis=0), 0)
    cause = np.where(any_exit, events[month, np.arange(events.shape[1])], 0)
    return month, cause
