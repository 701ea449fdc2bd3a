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
from participatie_rct.simulate.chain import (
    STATE_OUTCOMES,
    exact_states,
    job_survival_parameters,
    loss_to_benefit,
    onset_multiplier,
)
from participatie_rct.simulate.population import _participant_cells
from participatie_rct.simulate.scenarios import (
    FREE_CHOICE,
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
    single, no migration background, 36-59 months on benefit). Figures marked *assumed* are
    not published; docs/simulation.md lists them.
    """

    part_time_rate: float = 0.0045  # B -> P: ~5% start part-time work within a year (assumed)
    other_rate: float = 0.0085  # B, P -> O: ~10% a year leave for other reasons (assumed)
    part_time_work_factor: float = 2.0  # P -> W is twice B -> W: a stepping stone (assumed)
    part_time_stop_rate: float = 0.05  # P -> B: part-time jobs end (assumed)
    duration_decline: float = 0.3  # work hazard x (1 + t/12)^-0.3 over the trial
    reentry_after_other: float = 0.003  # O -> B (assumed)
    older_effect_share: float = 0.5  # log effects for 45+ are this share of those under 45
    full_time_share: float = 0.6  # of work spells off benefit, share > 27 h a week (assumed)
    small_job_share: float = 0.05  # on benefit, share of months with a job < 12 h (assumed)

    @property
    def job_share_fragile(self) -> float:
        """Share of jobs that end at a constant rate (fitted to 82% / 72%, docs/domain.md)."""
        return job_survival_parameters()[0]

    @property
    def job_loss(self) -> float:
        """Monthly probability that a fragile job ends."""
        return job_survival_parameters()[1]

    @property
    def loss_to_benefit(self) -> float:
        """Share of job losses straight back to benefit (9% back within 18 months)."""
        return loss_to_benefit(self.reentry_after_other)


MODEL = Model()


@dataclass(frozen=True)
class _ArmEffect:
    """Log hazard ratios of one arm for people under 45 (halved at 45+), and the effect's
    profile: none up to month ``onset_start`` after intake, full from ``onset_full`` on
    (0, 0: a constant effect)."""

    work: float = 0.0
    part: float = 0.0
    onset_start: int = 0
    onset_full: int = 0


def _month_probabilities(
    lam_work: np.ndarray, lam_part: np.ndarray, lam_other: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Monthly probabilities of each competing exit from constant intensities
    (Kalbfleisch and Prentice)."""
    total = lam_work + lam_part + lam_other
    leave = -np.expm1(-total)
    share = np.divide(leave, total, out=np.zeros_like(total), where=total > 0)
    return lam_work * share, lam_part * share, lam_other * share


@dataclass(frozen=True)
class _People:
    """Log hazard shifts, age and per-person effects of a set of people (or covariate cells)."""

    lp_work: np.ndarray
    lp_part: np.ndarray
    lp_other: np.ndarray
    older: np.ndarray
    effect_work: np.ndarray
    effect_part: np.ndarray
    onset_start: np.ndarray
    onset_full: np.ndarray

    @classmethod
    def of(
        cls, lp: tuple[np.ndarray, np.ndarray, np.ndarray], older: np.ndarray, effect: _ArmEffect
    ) -> _People:
        n = older.size
        return cls(
            lp[0], lp[1], lp[2], older,
            np.full(n, effect.work), np.full(n, effect.part),
            np.full(n, effect.onset_start), np.full(n, effect.onset_full),
        )  # fmt: skip


def _intensities(
    base_work: float, people: _People, t: int, model: Model = MODEL
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cause-specific intensities in month ``t`` (1-based) after intake, from state B.

    Effects are log hazard ratios for people under 45; at 45+ they are multiplied by
    ``model.older_effect_share``; in month t they are scaled by the effect's profile.
    """
    scale = np.where(people.older, model.older_effect_share, 1.0)
    scale = scale * onset_multiplier(t, people.onset_start, people.onset_full)
    decline = (1.0 + t / 12.0) ** (-model.duration_decline)
    lam_work = base_work * decline * np.exp(people.lp_work + scale * people.effect_work)
    lam_part = model.part_time_rate * np.exp(people.lp_part + scale * people.effect_part)
    lam_other = model.other_rate * np.exp(people.lp_other)
    return lam_work, lam_part, lam_other


def _transitions(base_work: float, people: _People, t: int, model: Model = MODEL) -> dict[str, Any]:
    """Month-t transition probabilities from benefit (B) and part-time work (P), and the job
    model's constants: the ``step`` of :func:`participatie_rct.simulate.chain.exact_states`."""
    lw, lpt, lo = _intensities(base_work, people, t, model)
    stop = np.full(lw.shape, model.part_time_stop_rate)
    return {
        "b": _month_probabilities(lw, lpt, lo),
        "p": _month_probabilities(lw * model.part_time_work_factor, stop, lo),
        "share": model.job_share_fragile,
        "loss": model.job_loss,
        "to_benefit": model.loss_to_benefit,
        "reentry": model.reentry_after_other,
        "full_time": model.full_time_share,
    }


def _exact_shares(
    base_work: float,
    people: _People,
    horizons: Sequence[int] = HORIZONS,
    model: Model = MODEL,
    *,
    states: bool = True,
) -> dict[int, dict[str, np.ndarray]]:
    """Exact cumulative incidence, per cell, of each kind of first outflow within each horizon,
    and the exact point-in-time shares of :func:`participatie_rct.simulate.chain.exact_states`.

    Outflow is the first month a participant leaves full benefit: to work (off benefit), to
    part-time work combined with benefit, or off benefit for another reason (docs/domain.md,
    "Outcomes a report must show"; the same rule as
    :func:`participatie_rct.estimate.build_outcomes`). These are competing risks, so the
    cumulative incidence of cause k by month H is ``sum_t S(t-1) p_k(t)`` (Kalbfleisch and
    Prentice 2002, eq. 8.3 in discrete time), computed by a forward pass over the months.
    """
    surviving = np.ones_like(people.lp_work)
    work = np.zeros_like(surviving)
    part = np.zeros_like(surviving)
    other = np.zeros_like(surviving)
    out: dict[int, dict[str, np.ndarray]] = {}
    for t in range(1, max(horizons) + 1):
        pw, pp, po = _month_probabilities(*_intensities(base_work, people, t, model))
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
    if states:  # the whole chain: only when a point-in-time share is wanted
        chain = exact_states(
            tuple(horizons), lambda t: _transitions(base_work, people, t, model), surviving.size
        )
        for t, values in chain.items():
            out[t].update(values)
    return out


# --------------------------------------------------------------------------------------------
# Calibration: solve the base work hazard and the arms' effects for the targets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Calibration:
    """The solved parameters: base work intensity, each arm's (and measure's) log hazard
    ratios, the stated preferences of a free-choice arm and each arm's withdrawal rate."""

    base_work: float
    effects: tuple[tuple[str, _ArmEffect], ...]
    preferences: tuple[tuple[str, float], ...] = ()
    withdrawal: tuple[tuple[str, float], ...] = ()

    def effect(self, arm: str) -> _ArmEffect:
        return dict(self.effects)[arm]

    def regimes(self, arm: str) -> tuple[tuple[float, _ArmEffect], ...]:
        """(weight, effect) of what the arm's participants receive: in a free-choice arm each
        person receives the measure they said they prefer."""
        if arm == FREE_CHOICE:
            return tuple((w, self.effect(m)) for m, w in self.preferences)
        return ((1.0, self.effect(arm)),)

    def withdrawal_rate(self, arm: str) -> float:
        return dict(self.withdrawal)[arm]


def _population_share(
    base_work: float, effect: _ArmEffect, horizon: int, outcome: str, spec: ScenarioSpec
) -> float:
    """Exact share of ``outcome`` at ``horizon`` among the trial's participants (the invited
    population reweighted by who consents) had everyone received ``effect``."""
    cells = _participant_cells(spec.consent_rate, spec.consent_selection)
    people = _People.of((cells.lp_work, cells.lp_part, cells.lp_other), cells.older, effect)
    shares = _exact_shares(base_work, people, horizons=(horizon,), states=outcome in STATE_OUTCOMES)
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


def _withdrawal_rates(spec: ScenarioSpec) -> dict[str, float]:
    """Withdrawal after assignment per arm, averaging ``spec.withdrawal_rate`` over the arms'
    ratios. Those who drew control leave ``withdrawal_control_factor`` times as often as the
    treated (assumed: Apeldoorn's leavers "disagreed with the group they drew", and most
    applicants hoped for a measure)."""
    share = dict(zip(spec.arms, np.asarray(spec.ratios) / sum(spec.ratios), strict=True))
    k = spec.withdrawal_control_factor
    treated = spec.withdrawal_rate / (share["control"] * k + 1.0 - share["control"])
    return {a: min(treated * (k if a == "control" else 1.0), 0.99) for a in spec.arms}


def _combine(parts: Sequence[_ArmEffect]) -> _ArmEffect:
    """A combination arm's effect: the strongest measure's log hazard ratio plus half of the
    others' (assumed: the evaluations found single measures hard to separate where they were
    combined, and nothing suggests that effects multiply)."""

    def merge(values: list[float]) -> float:
        ordered = sorted(values, key=abs, reverse=True)
        return ordered[0] + 0.5 * sum(ordered[1:])

    lead = max(parts, key=lambda p: abs(p.work))
    return _ArmEffect(
        work=merge([p.work for p in parts]),
        part=merge([p.part for p in parts]),
        onset_start=lead.onset_start,
        onset_full=lead.onset_full,
    )


def _control_base(spec: ScenarioSpec) -> float:
    """The base work intensity that puts control on the scenario's control target."""
    outcome, horizon, value = spec.control_target or ("work", 12, spec.control_rate)
    zero = _ArmEffect()
    return math.exp(
        _solve(
            lambda x: _population_share(math.exp(x), zero, horizon, outcome, spec) - value,
            -14.0,
            2.0,
        )
    )


def _solve_arm(
    arm: str,
    spec: ScenarioSpec,
    base: float,
    w: float,
    targets: dict[str, Any],
) -> _ArmEffect:
    """One measure's (or custom arm's) effect, solved for its intention-to-treat targets."""
    zero = _ArmEffect()

    def itt(effect: _ArmEffect, outcome: str, horizon: int) -> float:
        own = _population_share(base, effect, horizon, outcome, spec)
        return (1 - w) * own + w * _population_share(base, zero, horizon, outcome, spec)

    effect = _ArmEffect(part=math.log(targets["mult"].get(arm, 1.0)))
    if arm in targets["state"]:
        outcome, horizon, delta, start, full = targets["state"][arm]
        effect = replace(effect, onset_start=start, onset_full=full)
        goal = _population_share(base, zero, horizon, outcome, spec) + delta
        work = _solve(lambda x: itt(replace(effect, work=x), outcome, horizon) - goal, -8.0, 8.0)
        return replace(effect, work=work)
    control_part = _population_share(base, zero, 12, "part_time", spec)
    for _ in range(3):  # alternate: part-time and work effects interact only slightly
        if arm in targets["delta"]:
            goal = control_part + targets["delta"][arm]
            part = _solve(
                lambda x, e=effect, g=goal: itt(replace(e, part=x), "part_time", 12) - g,
                -5.0,
                5.0,
            )
            effect = replace(effect, part=part)
        if arm in targets["work"]:
            goal = targets["work"][arm]
            work = _solve(
                lambda x, e=effect, g=goal: itt(replace(e, work=x), "work", 12) - g, -8.0, 8.0
            )
            effect = replace(effect, work=work)
        if not (arm in targets["delta"] and arm in targets["work"]):
            break
    return effect


@lru_cache(maxsize=64)
def _calibrate(spec: ScenarioSpec) -> _Calibration:
    """Solve the base work hazard for the control target and every arm's effects for its
    targets.

    Targets are intention-to-treat shares: a share ``w`` of a treated arm withdraws and gets
    the control regime, so an arm's share is ``(1 - w) s_arm + w s_control``. Measures that
    are not arms themselves are still solved under the preset, so that arms combining them
    (``earn_more_and_intensive_support``) and a free-choice arm can use them.
    """
    base = _control_base(spec)
    control_work = _population_share(base, _ArmEffect(), 12, "work", spec)
    preset_work, preset_delta, preset_mult, preset_state = _preset_effects(
        MEASURES, EffectPreset(spec.effects), control_work
    )
    targets: dict[str, dict[str, Any]] = {
        "work": dict(preset_work) | dict(spec.work_targets),
        "delta": dict(preset_delta) | dict(spec.part_time_deltas),
        "mult": dict(preset_mult) | dict(spec.part_time_multipliers),
        "state": {a: rest for a, *rest in preset_state},
    }
    withdrawal = _withdrawal_rates(spec)
    treated_w = min(withdrawal[a] for a in spec.arms if a != "control") if len(spec.arms) > 1 else 0
    solved: dict[str, _ArmEffect] = {"control": _ArmEffect()}
    for arm in dict.fromkeys((*MEASURES, *spec.arms)):
        if arm != "control" and (arm in MEASURES or arm in targets["work"]):
            w = withdrawal.get(arm, treated_w)
            solved[arm] = _solve_arm(arm, spec, base, w, targets)
    for arm in spec.arms:
        if arm not in solved and arm != FREE_CHOICE:
            solved[arm] = _combine([solved[p] for p in _components(arm)])
    if FREE_CHOICE in spec.arms:
        solved[FREE_CHOICE] = _ArmEffect()  # placeholder: the arm's regimes are the measures
    keep = dict.fromkeys((*spec.arms, *MEASURES))
    return _Calibration(
        base,
        tuple((a, solved[a]) for a in keep),
        preferences=spec.preferences,
        withdrawal=tuple(withdrawal.items()),
    )


def _calibration(spec: ScenarioSpec) -> _Calibration:
    """The calibration of a design (cached: it does not depend on n, sites or names)."""
    return _calibrate(replace(spec, n=1, trial_name="", id_prefix="", sites=()))
