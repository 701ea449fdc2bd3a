"""Synthetic trials that look like the Participatiewet experiments, with the truth built in.

:func:`simulate_trial` draws a cohort of bijstand recipients, invites them until the target
number has consented, assigns the consenting participants through the trial's own declared
assignment procedure (the protocol it generates, in arrival order), and follows them month by
month through a discrete-time competing-risks model of leaving benefit. It returns a frozen
:class:`SimulatedTrial` with the three input tables of CONTRACT.md (``participants``,
``benefit_months``, ``survey``), the protocol, the withdrawals and ``truth``: the effects it
built in and the outflow shares they imply, computed exactly from the model.
:func:`write_simulation` writes it to a folder. Same seed, same bytes.

The model (every figure from DOMAIN.md, "Numbers to calibrate the simulator"):

* **States** per person and calendar month: on benefit without work (B), part-time work
  combined with benefit (P, at least 12 hours a week; earnings kept beside the benefit), off
  benefit to work (W), off benefit for another reason (O: moving, partner, other benefit).
* **Monthly hazards** from B: to work, to part-time work, to other exit; from P: to work
  (twice the rate from B: part-time work is a stepping stone), to other exit, back to B.
  They are cause-specific intensities ``lambda_k`` that are constant within a month; the
  probability of leaving by cause k in that month is ``lambda_k / Lambda * (1 - exp(-Lambda))``
  with ``Lambda`` their sum (the exact discrete-time form of competing risks with piecewise
  constant hazards, Kalbfleisch and Prentice 2002, ch. 8).
* **Work hazard falls with time on benefit** (DOMAIN.md: 0.6-1.0% a month for long-term
  recipients, falling with time on benefit): a factor by months-on-benefit group at intake
  and a slow decline ``(1 + t/12)^-0.3`` over the months of the trial.
* **Covariates** (age group, sex, education, household, migration background) shift the log
  hazards; their distributions are independent categorical distributions, so the population
  expectation of any outflow share is an exact finite sum over covariate cells.
* **Calibration**: the base work hazard is solved so that the share out to work within 12
  months in control equals the scenario's rate (seed figure: 6%, Wageningen); the arm effects
  are solved so the arms' intention-to-treat shares hit the preset's targets (seed preset:
  11.5% for intensive support and no application duty, earn-more half-way; evaluation
  preset: no full-time effect, +3 points part-time work for intensive support and earn-more,
  exemption nil). Effects are half as large on the log-hazard scale for people aged 45 or
  over (heterogeneity). Participants who withdraw after learning their arm (~4%, Wageningen
  and Apeldoorn) get no treatment but stay in the intention-to-treat analysis.
* **Re-entry**: after leaving for work, ~9% are back on benefit within 18 months (DOMAIN.md:
  "staying in work ... ~9% back on benefit within 18 months").
* **Survey** waves at intake, 12 and 24 months with non-response that depends on covariates
  and on having left benefit (missing at random, not completely at random).
"""

from __future__ import annotations

import calendar
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from participatie_rct.choices import AssignmentMethod, EffectPreset, Scenario, parse_choice
from participatie_rct.errors import DesignError, ParticipatieRCTError
from participatie_rct.protocol import Protocol

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MEASURES",
    "SIMULATION_FILES",
    "ScenarioSpec",
    "SimulatedTrial",
    "Withdrawal",
    "expected_outflow",
    "scenario_spec",
    "simulate_trial",
    "simulation_files",
    "write_simulation",
]

#: The measures an arm can combine (DOMAIN.md, "The arms"); an arm key is ``control``, one
#: measure, or measures joined by ``_and_`` (the decree allows up to two combination groups).
MEASURES: tuple[str, ...] = ("earn_more", "intensive_support", "no_application_duty")

_LABELS: dict[str, tuple[str, str]] = {
    "control": ("Controlgroep", "Control"),
    "earn_more": ("Bijverdienen", "Earn more"),
    "intensive_support": ("Intensieve begeleiding", "Intensive support"),
    "no_application_duty": ("Ontheffing sollicitatieplicht", "No application duty"),
}

#: Outcome horizons (months after the month of intake) reported in ``truth``.
HORIZONS: tuple[int, ...] = (12, 24)

# --------------------------------------------------------------------------------------------
# Covariate distributions: (value, share, log-HR work, log-HR part-time, log-HR other exit).
# Shares describe a municipal long-term caseload (Rotterdam's long-term group averages 51
# years of age and 11 years on benefit; DOMAIN.md); hazard ratios are plausible orders of
# magnitude, not estimates: the calibration pins the overall levels.
# --------------------------------------------------------------------------------------------
_AGE = (  # (group, lowest age, highest age, share, work, part, other)
    ("18-29", 18, 29, 0.18, 0.00, 0.10, 0.30),
    ("30-44", 30, 44, 0.32, -0.10, 0.05, 0.00),
    ("45-54", 45, 54, 0.26, -0.45, -0.10, -0.20),
    ("55-66", 55, 66, 0.24, -0.90, -0.40, -0.20),
)
_SEX = (("v", 0.52, 0.00, 0.10, 0.0), ("m", 0.47, 0.10, -0.10, 0.0), ("x", 0.01, 0.00, 0.00, 0.0))
_EDUCATION = (
    ("low", 0.55, 0.00, 0.00, 0.0),
    ("middle", 0.33, 0.30, 0.20, 0.0),
    ("high", 0.12, 0.50, 0.30, 0.1),
)
_HOUSEHOLD = (
    ("single", 0.55, 0.00, 0.00, 0.0),
    ("single_parent", 0.25, -0.20, 0.20, 0.1),
    ("couple", 0.08, 0.10, 0.00, 0.2),
    ("couple_with_children", 0.12, 0.00, 0.10, 0.2),
)
_MIGRATION = (
    ("none", 0.45, 0.00, 0.00, 0.0),
    ("western", 0.10, 0.00, 0.00, 0.2),
    ("non_western", 0.45, -0.15, -0.10, 0.0),
)
#: Months on benefit at intake: (lowest, highest, share, work duration factor).
_DURATION = (
    (0, 11, 0.12, 2.2),
    (12, 35, 0.22, 1.4),
    (36, 59, 0.20, 1.0),
    (60, 119, 0.26, 0.75),
    (120, 240, 0.20, 0.5),
)
_OLDER = (2, 3)  # age groups 45+: treatment effects halved on the log-hazard scale


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
class ScenarioSpec:
    """Everything that describes a simulated trial except the random draws.

    ``control_rate`` is the share out to work within 12 months in control; ``work_targets``
    maps arms to their intention-to-treat 12-month shares (solved for); ``part_time_deltas``
    maps arms to the extra 12-month share starting part-time work (solved for);
    ``part_time_multipliers`` fixes hazard ratios on part-time work that are not solved for.
    """

    scenario: str
    trial_name: str
    id_prefix: str
    sites: tuple[tuple[str, float], ...]
    arms: tuple[str, ...]
    ratios: tuple[int, ...]
    n: int
    consent_rate: float
    withdrawal_rate: float
    intake: str  # "rolling" or "batch"
    intake_start: date
    intake_months: int
    block_sizes: tuple[int, ...]
    effects: str = "seed"
    control_rate: float = 0.06
    work_targets: tuple[tuple[str, float], ...] = ()
    part_time_deltas: tuple[tuple[str, float], ...] = ()
    part_time_multipliers: tuple[tuple[str, float], ...] = ()
    follow_up_months: int = 24
    strata: tuple[str, ...] = ("site", "age_group")

    def __post_init__(self) -> None:
        _check_spec(self)


def _check_spec(spec: ScenarioSpec) -> None:
    if spec.n < 1:
        raise DesignError(f"simulate: n is {spec.n}; give at least one participant.")
    if len(spec.arms) < 2:
        raise DesignError(f"simulate: arms are {', '.join(spec.arms)}; a trial needs two or more.")
    if "control" not in spec.arms:
        raise DesignError(
            f"simulate: arms are {', '.join(spec.arms)}; one of them must be 'control'."
        )
    if len(set(spec.arms)) != len(spec.arms):
        raise DesignError(
            f"simulate: arms {', '.join(spec.arms)} name an arm twice; give each once."
        )
    if len(spec.ratios) != len(spec.arms) or any(r < 1 for r in spec.ratios):
        raise DesignError(
            f"simulate: ratios {list(spec.ratios)} do not fit arms {list(spec.arms)}; "
            "give one whole number >= 1 per arm."
        )
    for name, value in (("consent rate", spec.consent_rate),):
        if not 0.0 < value <= 1.0:
            raise DesignError(f"simulate: {name} is {value}; it must be in (0, 1].")
    if not 0.0 <= spec.withdrawal_rate < 1.0:
        raise DesignError(
            f"simulate: withdrawal rate is {spec.withdrawal_rate}; it must be in [0, 1)."
        )
    if not 0.0 < spec.control_rate < 0.9:
        raise DesignError(
            f"simulate: control rate is {spec.control_rate}; the 12-month share out to work "
            "in control must be in (0, 0.9), e.g. 0.06."
        )
    if spec.intake not in ("rolling", "batch"):
        raise DesignError(f"simulate: intake is {spec.intake!r}; it must be 'rolling' or 'batch'.")
    if spec.intake_months < 1:
        raise DesignError(f"simulate: intake months is {spec.intake_months}; give at least 1.")
    if spec.follow_up_months < max(HORIZONS):
        raise DesignError(
            f"simulate: follow-up of {spec.follow_up_months} months is shorter than the "
            f"longest horizon, {max(HORIZONS)} months."
        )
    for arm, target in spec.work_targets:
        if arm not in spec.arms or arm == "control":
            raise DesignError(
                f"simulate: an effect is given for {arm!r}, which is not a treatment arm."
            )
        if not 0.0 < target < 0.9:
            raise DesignError(
                f"simulate: the 12-month work share for {arm!r} is {target}; "
                "it must be in (0, 0.9)."
            )
    for arm in spec.arms:
        if arm != "control" and not _known_arm(arm) and arm not in dict(spec.work_targets):
            raise DesignError(
                f"simulate: arm {arm!r} is neither a measure ({', '.join(MEASURES)}), nor measures "
                "joined by '_and_', and no effect is given for it. Give its 12-month share "
                f"out to work (e.g. --arm-rate {arm}=0.09)."
            )
    if spec.sites and abs(sum(s for _, s in spec.sites) - 1.0) > 1e-9:
        raise DesignError("simulate: site shares must sum to 1.")


def _components(arm: str) -> tuple[str, ...]:
    """The measures an arm combines: ``earn_more_and_intensive_support`` -> both."""
    if arm == "control":
        return ()
    return tuple(arm.split("_and_"))


def _known_arm(arm: str) -> bool:
    parts = _components(arm)
    return bool(parts) and all(p in MEASURES for p in parts)


def _arm_label(arm: str, language: int) -> str:
    parts = _components(arm) or ("control",)
    return " + ".join(_LABELS[p][language] if p in _LABELS else p for p in parts)


# Seed preset: control 6% -> 11.5% for intensive support and no application duty (ratio
# 11.5/6), earn-more half-way (DOMAIN.md, Wageningen). Evaluation preset: no effect on full-
# time outflow; part-time work +3 points (DOMAIN.md: "+2 to +4") for intensive support and
# earn-more; exemption nil.
_SEED_RATIO = {
    "intensive_support": 11.5 / 6.0,
    "no_application_duty": 11.5 / 6.0,
    "earn_more": (1 + 11.5 / 6.0) / 2,
}
_SEED_PART_MULTIPLIER = {"earn_more": 1.5}  # keeping earnings makes small jobs worth taking
_EVALUATION_PART_DELTA = {"intensive_support": 0.03, "earn_more": 0.03}


def _preset_effects(
    arms: Sequence[str], preset: EffectPreset, control_rate: float
) -> tuple[
    tuple[tuple[str, float], ...], tuple[tuple[str, float], ...], tuple[tuple[str, float], ...]
]:
    """(work_targets, part_time_deltas, part_time_multipliers) of a preset, for the arms that
    are single measures."""
    work: list[tuple[str, float]] = []
    delta: list[tuple[str, float]] = []
    mult: list[tuple[str, float]] = []
    for arm in arms:
        if arm not in MEASURES:
            continue  # control, combinations (built from their measures) and custom arms
        if preset is EffectPreset.SEED:
            work.append((arm, control_rate * _SEED_RATIO[arm]))
            if arm in _SEED_PART_MULTIPLIER:
                mult.append((arm, _SEED_PART_MULTIPLIER[arm]))
        elif arm in _EVALUATION_PART_DELTA:
            delta.append((arm, _EVALUATION_PART_DELTA[arm]))
    return tuple(work), tuple(delta), tuple(mult)


def scenario_spec(
    scenario: str | Scenario,
    *,
    effects: str | EffectPreset = "seed",
    n: int | None = None,
    arms: Sequence[str] | None = None,
    ratios: Sequence[int] | None = None,
    control_rate: float | None = None,
    arm_rates: Mapping[str, float] | None = None,
    intake: str | None = None,
    intake_months: int | None = None,
    intake_start: date | None = None,
    consent_rate: float | None = None,
    withdrawal_rate: float | None = None,
    sites: Sequence[str] | None = None,
) -> ScenarioSpec:
    """The :class:`ScenarioSpec` of a named scenario, with any option overridden.

    * ``wageningen``: one site, four arms, about half of ~800 recipients take part (410),
      rolling intake over three months from 1 October 2017 (DOMAIN.md, "Sizes").
    * ``apeldoorn``: Apeldoorn and Epe, three arms (no earn-more: outside the decree), 450
      participants, 85% of those invited agree, 4% leave after learning their arm, six
      months of recruitment (DOMAIN.md).
    * ``generic``: driven by the options; defaults 600 participants, four arms, one batch.
    """
    which = parse_choice(Scenario, scenario, parameter="scenario")
    preset = parse_choice(EffectPreset, effects, parameter="effects")
    base: dict[str, Any]
    if which is Scenario.WAGENINGEN:
        base = dict(
            trial_name="Bijstand experiment Wageningen (simulated)",
            id_prefix="WAG",
            sites=(("Wageningen", 1.0),),
            arms=("control", "earn_more", "intensive_support", "no_application_duty"),
            n=410,
            consent_rate=0.51,
            withdrawal_rate=0.04,
            intake="rolling",
            intake_start=date(2017, 10, 1),
            intake_months=3,
            block_sizes=(4, 8),
        )
    elif which is Scenario.APELDOORN:
        base = dict(
            trial_name="Participatie-experiment Apeldoorn en Epe (simulated)",
            id_prefix="APD",
            sites=(("Apeldoorn", 0.8), ("Epe", 0.2)),
            arms=("control", "intensive_support", "no_application_duty"),
            n=450,
            consent_rate=0.85,
            withdrawal_rate=0.04,
            intake="rolling",
            intake_start=date(2017, 11, 1),
            intake_months=6,
            block_sizes=(3, 6),
        )
    else:
        base = dict(
            trial_name="Bijstand experiment (simulated)",
            id_prefix="GEN",
            sites=(("Gemeente", 1.0),),
            arms=("control", "earn_more", "intensive_support", "no_application_duty"),
            n=600,
            consent_rate=1.0,
            withdrawal_rate=0.04,
            intake="batch",
            intake_start=date(2018, 6, 1),
            intake_months=1,
            block_sizes=(),
        )
    if n is not None:
        base["n"] = int(n)
    if arms is not None:
        base["arms"] = tuple(arms)
    if sites is not None:
        names = tuple(sites)
        base["sites"] = tuple((s, 1.0 / len(names)) for s in names)
    for key, value in (
        ("intake", intake),
        ("intake_months", intake_months),
        ("intake_start", intake_start),
        ("consent_rate", consent_rate),
        ("withdrawal_rate", withdrawal_rate),
    ):
        if value is not None:
            base[key] = value
    arm_keys: tuple[str, ...] = base["arms"]
    base["ratios"] = tuple(int(r) for r in ratios) if ratios is not None else (1,) * len(arm_keys)
    if ratios is not None or arms is not None or not base["block_sizes"]:
        total = sum(base["ratios"])
        base["block_sizes"] = (total, 2 * total)
    rate = 0.06 if control_rate is None else float(control_rate)
    work, delta, mult = _preset_effects(arm_keys, preset, rate)
    if arm_rates:
        overrides = {str(k): float(v) for k, v in arm_rates.items()}
        work = tuple((a, t) for a, t in work if a not in overrides) + tuple(overrides.items())
    return ScenarioSpec(
        scenario=which.value,
        effects=preset.value,
        control_rate=rate,
        work_targets=work,
        part_time_deltas=delta,
        part_time_multipliers=mult,
        **base,
    )


# --------------------------------------------------------------------------------------------
# Exact outflow shares over covariate cells
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cells:
    """Every combination of the categorical covariates, with its population weight."""

    weight: np.ndarray
    lp_work: np.ndarray
    lp_part: np.ndarray
    lp_other: np.ndarray
    older: np.ndarray  # bool: aged 45 or over


@lru_cache(maxsize=1)
def _population_cells() -> _Cells:
    tables = [
        [(a[3], a[4], a[5], a[6], i in _OLDER) for i, a in enumerate(_AGE)],
        [(s[1], s[2], s[3], s[4], False) for s in _SEX],
        [(e[1], e[2], e[3], e[4], False) for e in _EDUCATION],
        [(h[1], h[2], h[3], h[4], False) for h in _HOUSEHOLD],
        [(m[1], m[2], m[3], m[4], False) for m in _MIGRATION],
        [(d[2], math.log(d[3]), 0.0, 0.0, False) for d in _DURATION],
    ]
    weight = np.ones(1)
    lps = [np.zeros(1), np.zeros(1), np.zeros(1)]
    older = np.zeros(1, dtype=bool)
    for table in tables:
        w = np.array([row[0] for row in table])
        weight = np.multiply.outer(weight, w).ravel()
        for k in range(3):
            v = np.array([row[k + 1] for row in table])
            lps[k] = np.add.outer(lps[k], v).ravel()
        older = np.logical_or.outer(older, np.array([row[4] for row in table])).ravel()
    return _Cells(weight / weight.sum(), lps[0], lps[1], lps[2], older)


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
# The cohort: invitation, consent, covariates, intake dates
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cohort:
    """Every invited person (arrays in invitation order = id order)."""

    ids: np.ndarray
    site: np.ndarray
    enrolled_on: np.ndarray  # datetime64[D]
    consent: np.ndarray
    age: np.ndarray
    age_idx: np.ndarray
    sex_idx: np.ndarray
    edu_idx: np.ndarray
    hh_idx: np.ndarray
    mig_idx: np.ndarray
    dur_idx: np.ndarray
    months_on_benefit: np.ndarray

    def take(self, index: np.ndarray) -> _Cohort:
        return _Cohort(**{k: getattr(self, k)[index] for k in self.__dataclass_fields__})

    def linear_predictors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Log hazard shifts (work, part-time, other) of each person's covariates."""
        out = []
        for k in range(3):
            lp = np.array([a[4 + k] for a in _AGE])[self.age_idx]
            for table, idx in (
                (_SEX, self.sex_idx),
                (_EDUCATION, self.edu_idx),
                (_HOUSEHOLD, self.hh_idx),
                (_MIGRATION, self.mig_idx),
            ):
                lp = lp + np.array([row[2 + k] for row in table])[idx]
            if k == 0:
                lp = lp + np.log(np.array([d[3] for d in _DURATION]))[self.dur_idx]
            out.append(lp)
        return out[0], out[1], out[2]

    @property
    def older(self) -> np.ndarray:
        return np.isin(self.age_idx, _OLDER)


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _recruit(spec: ScenarioSpec, rng: np.random.Generator) -> np.ndarray:
    """Consent of each invited person, inviting until ``spec.n`` have agreed."""
    consent = np.zeros(0, dtype=bool)
    while int(consent.sum()) < spec.n:
        missing = spec.n - int(consent.sum())
        chunk = math.ceil(missing / spec.consent_rate * 1.1) + 16
        consent = np.concatenate([consent, rng.random(chunk) < spec.consent_rate])
    last = int(np.flatnonzero(consent)[spec.n - 1])
    return consent[: last + 1]


def _draw_cohort(spec: ScenarioSpec, rng: np.random.Generator) -> _Cohort:
    consent = _recruit(spec, rng)
    size = consent.size
    start = np.datetime64(spec.intake_start, "D")
    enrolled: np.ndarray
    if spec.intake == "batch":
        enrolled = np.full(size, start)
    else:
        end = np.datetime64(_add_months(spec.intake_start, spec.intake_months), "D")
        days = int((end - start).astype(int))
        enrolled = start + np.sort(rng.integers(0, days, size=size)).astype("timedelta64[D]")

    def pick(shares: Sequence[float]) -> np.ndarray:
        p = np.asarray(shares, dtype=float)
        return rng.choice(p.size, size=size, p=p / p.sum())

    site_idx = pick([s for _, s in spec.sites])
    age_idx = pick([a[3] for a in _AGE])
    low = np.array([a[1] for a in _AGE])[age_idx]
    high = np.array([a[2] for a in _AGE])[age_idx]
    age = low + np.floor(rng.random(size) * (high - low + 1)).astype(int)
    sex_idx = pick([s[1] for s in _SEX])
    edu_idx = pick([e[1] for e in _EDUCATION])
    hh_idx = pick([h[1] for h in _HOUSEHOLD])
    mig_idx = pick([m[1] for m in _MIGRATION])
    dur_idx = pick([d[2] for d in _DURATION])
    d_low = np.array([d[0] for d in _DURATION])[dur_idx]
    d_high = np.array([d[1] for d in _DURATION])[dur_idx]
    months = d_low + np.floor(rng.random(size) * (d_high - d_low + 1)).astype(int)
    width = max(6, len(str(size)))
    ids = np.array([f"{spec.id_prefix}-{i:0{width}d}" for i in range(1, size + 1)])
    sites = np.array([s for s, _ in spec.sites])[site_idx]
    return _Cohort(
        ids,
        sites,
        enrolled,
        consent,
        age,
        age_idx,
        sex_idx,
        edu_idx,
        hh_idx,
        mig_idx,
        dur_idx,
        months,
    )


def _age_group(age_idx: np.ndarray) -> np.ndarray:
    """The stratum column ``age_group``: ``18-44`` or ``45+``."""
    return np.where(np.isin(age_idx, _OLDER), "45+", "18-44")


# --------------------------------------------------------------------------------------------
# The protocol and the assignment through the real engine
# --------------------------------------------------------------------------------------------


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def protocol_toml(spec: ScenarioSpec, *, seed: int) -> str:
    """The protocol file of a simulated trial: its arms, permuted blocks by site and age group."""
    description = f"Synthetic trial: scenario {spec.scenario}, effects {spec.effects}."
    lines = [
        "[trial]",
        f"name = {_toml_string(spec.trial_name)}",
        f"seed = {int(seed)}",
        f"description = {_toml_string(description)}",
        "",
    ]
    for arm, ratio in zip(spec.arms, spec.ratios, strict=True):
        lines += [
            "[[arms]]",
            f"key = {_toml_string(arm)}",
            f"ratio = {ratio}",
            f"label_nl = {_toml_string(_arm_label(arm, 0))}",
            f"label_en = {_toml_string(_arm_label(arm, 1))}",
            "",
        ]
    lines += [
        "[assignment]",
        'method = "permuted_blocks"',
        "strata = [" + ", ".join(_toml_string(s) for s in spec.strata) + "]",
        "block_sizes = [" + ", ".join(str(b) for b in spec.block_sizes) + "]",
        "",
        "[identifiers]",
        'column = "id"',
        'kind = "pseudonym"',
        "",
        "[analysis]",
        "horizon_months = 12",
        'covariates = ["months_on_benefit", "birth_year"]',
        "alpha = 0.05",
        'se_type = "hc2"',
        "",
    ]
    return "\n".join(lines)


def _assign(protocol: Protocol, units: pd.DataFrame, *, intake: str) -> np.ndarray:
    """Arms of the consenting participants, drawn by the protocol's own procedure.

    Arrival order is the row order of ``units`` (intake date, then id). The sequencer is
    built as the register builds it, from ``numpy.random.default_rng(protocol.seed)`` with no
    history; rolling intake assigns one arrival at a time (``next``, as ``assign --id``), a
    batch is assigned together (``next_batch``, as ``assign FILE``). So a register that
    enrols the same participants in the same order draws the same arms. With permuted
    blocks the arm of the k-th arrival in a stratum depends only on the seed, the stratum and
    k, so rolling arrivals are handed to ``next_batch`` in arrival order too: the same arms
    as one ``next`` per arrival (tested against the register), twenty times faster.
    """
    import numpy.random as npr

    procedure = protocol.procedure()
    columns = list(protocol.unit_columns)
    frame = units[columns].astype(str).reset_index(drop=True)
    sequencer = procedure.sequencer(rng=npr.default_rng(protocol.seed), history=None)
    if intake == "batch" or protocol.assignment.method is AssignmentMethod.PERMUTED_BLOCKS:
        draws = sequencer.next_batch(frame)
    else:
        records = [{str(k): v for k, v in unit.items()} for unit in frame.to_dict("records")]
        draws = [sequencer.next(unit) for unit in records]
    return np.array([d.arm for d in draws], dtype=object).astype(str)


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


# --------------------------------------------------------------------------------------------
# Survey waves
# --------------------------------------------------------------------------------------------

#: Waves at intake, 12 and 24 months; response rates fall with every wave (DOMAIN.md:
#: "recruitment was slow because of the many questionnaires").
_WAVES = ((0, 0, 0.85), (1, 12, 0.65), (2, 24, 0.55))
#: Direct effects of each measure on the survey's latent scores (points), from wave 1 on.
_SURVEY_EFFECTS = {
    "wellbeing": {"no_application_duty": 0.4, "intensive_support": 0.3, "earn_more": 0.1},
    "health": {"no_application_duty": 0.1, "intensive_support": 0.1, "earn_more": 0.0},
    "self_sufficiency": {"no_application_duty": 0.15, "intensive_support": 0.2, "earn_more": 0.05},
}


def _survey_effect(arm: str, outcome: str) -> float:
    return float(sum(_SURVEY_EFFECTS[outcome].get(p, 0.0) for p in _components(arm)))


def _simulate_survey(
    cohort: _Cohort,
    arms: np.ndarray,
    treated: np.ndarray,
    states: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One row per participant and wave answered; non-response is missing at random given
    covariates and benefit status (lower for non-western migration background and for those
    who left benefit)."""
    import pandas as pd

    n = arms.size
    person = rng.normal(0.0, 1.0, size=n)
    older = np.isin(cohort.age_idx, _OLDER)
    oldest = cohort.age_idx == 3
    frames = []
    for wave, month, rate in _WAVES:
        state = states[min(month, states.shape[0] - 1)]
        working = np.isin(state, (_P, _W))
        off = np.isin(state, (_W, _O))
        logit = math.log(rate / (1 - rate)) - 0.4 * (cohort.mig_idx == 2) + 0.2 * older - 0.4 * off
        answered = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
        effects = {
            k: np.where(treated & (wave > 0), np.array([_survey_effect(a, k) for a in arms]), 0.0)
            for k in _SURVEY_EFFECTS
        }
        wellbeing = (
            6.2 + 1.1 * person + 0.5 * working + effects["wellbeing"] + rng.normal(0, 0.8, n)
        )
        health = (
            3.4
            - 0.2 * older
            - 0.2 * oldest
            + 0.4 * person
            + 0.2 * working
            + effects["health"]
            + rng.normal(0, 0.6, n)
        )
        selfsuff = (
            2.8
            + 0.25 * cohort.edu_idx
            + 0.3 * person
            + 0.4 * working
            + effects["self_sufficiency"]
            + rng.normal(0, 0.5, n)
        )
        frames.append(
            pd.DataFrame(
                {
                    "id": cohort.ids[answered],
                    "wave": wave,
                    "wellbeing": np.clip(np.rint(wellbeing), 0, 10).astype(int)[answered],
                    "health": np.clip(np.rint(health), 1, 5).astype(int)[answered],
                    "self_sufficiency": np.round(np.clip(selfsuff, 1.0, 5.0), 1)[answered],
                }
            )
        )
    survey = pd.concat(frames, ignore_index=True)
    return survey.sort_values(["id", "wave"], kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# The result and the public functions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Withdrawal:
    """A participant who left the trial after learning their arm (the register records it)."""

    id: str
    arm: str
    withdrawn_on: str
    reason: str = "disagrees with the assigned group"

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "arm": self.arm,
            "withdrawn_on": self.withdrawn_on,
            "reason": self.reason,
        }


@dataclass(frozen=True, eq=False)
class SimulatedTrial:
    """A synthetic trial: the three input tables, the protocol, and the truth built in.

    * ``participants``: everyone invited (``consent`` false for those who declined), in id order;
    * ``benefit_months``: one row per consenting participant and calendar month, from the
      month of intake to the end of follow-up (None when simulated with ``tables=False``);
    * ``survey``: one row per participant and wave answered (None with ``tables=False``);
    * ``assignments``: consenting participants in arrival order with ``sequence``, ``arm``
      and ``withdrawn``: the arms the protocol's procedure drew;
    * ``outcomes``: one row per consenting participant: first outflow (``exit_month`` months
      after the month of intake, 0 if none; ``exit_reason`` ``work``, ``part_time_work``,
      ``other`` or empty), ``follow_up_months``, and 0/1 indicators ``work_12``, ``work_24``,
      ``part_time_12``, ``any_exit_12`` (first outflow of that kind within the months);
    * ``withdrawals``: who left after learning their arm, for the register's ``withdraw``;
    * ``truth``: JSON-ready dict of the effects and the exact outflow shares they imply.
    """

    participants: pd.DataFrame
    benefit_months: pd.DataFrame | None
    survey: pd.DataFrame | None
    assignments: pd.DataFrame
    outcomes: pd.DataFrame
    withdrawals: tuple[Withdrawal, ...]
    truth: dict[str, Any]
    protocol: Protocol
    spec: ScenarioSpec
    seed: int | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per arm and outcome: ``arm``, ``outcome``, ``n``, ``truth`` (the expected
        intention-to-treat share for this cohort), ``population`` (the population share) and
        ``sample`` (the share observed in this trial)."""
        import pandas as pd

        rows = []
        for arm in self.protocol.arm_keys:
            mine = self.outcomes[self.outcomes["arm"] == arm]
            spec = self.truth["arms"][arm]
            for outcome in ("work_12", "work_24", "part_time_12", "any_exit_12"):
                rows.append(
                    {
                        "arm": arm,
                        "outcome": outcome,
                        "n": len(mine),
                        "truth": spec["cohort_itt"][outcome],
                        "population": spec["itt"][outcome],
                        "sample": float(mine[outcome].mean()) if len(mine) else float("nan"),
                    }
                )
        return pd.DataFrame(rows)

    def glance(self) -> dict[str, Any]:
        """Trial-level facts: scenario, effects, seeds, invited, consented, withdrawn."""
        keys = ("scenario", "effects", "seed", "protocol_seed", "n_invited", "n", "n_withdrawn")
        return {k: self.truth[k] for k in keys}

    def summary(self) -> str:
        """A few lines a person reads: who was invited, who took part, the effects built in."""
        t = self.truth
        lines = [
            f"Simulated trial: scenario {t['scenario']}, effects {t['effects']}, seed {t['seed']}",
            f"invited {t['n_invited']}, consented {t['n']}, withdrew after assignment "
            f"{t['n_withdrawn']}",
            "arm                              n   work<=12m (truth)  work<=12m (sample)",
        ]
        frame = self.to_frame()
        for row in frame[frame["outcome"] == "work_12"].to_dict("records"):
            lines.append(
                f"{row['arm']:<30} {row['n']:>4}   {row['truth']:>10.4f}         "
                f"{row['sample']:>10.4f}"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The truth, JSON-ready (what ``truth.json`` holds)."""
        return self.truth


def _seed_of(rng: np.random.Generator) -> tuple[int | None, tuple[int, ...]]:
    seq = getattr(rng.bit_generator, "seed_seq", None)
    entropy = getattr(seq, "entropy", None)
    key = tuple(int(k) for k in getattr(seq, "spawn_key", ()))
    return (int(entropy) if isinstance(entropy, int | np.integer) else None), key


def simulate_trial(
    scenario: str | Scenario | ScenarioSpec = "wageningen",
    *,
    rng: np.random.Generator,
    effects: str | EffectPreset = "seed",
    n: int | None = None,
    arms: Sequence[str] | None = None,
    ratios: Sequence[int] | None = None,
    control_rate: float | None = None,
    arm_rates: Mapping[str, float] | None = None,
    intake: str | None = None,
    intake_months: int | None = None,
    intake_start: date | None = None,
    consent_rate: float | None = None,
    withdrawal_rate: float | None = None,
    sites: Sequence[str] | None = None,
    tables: bool = True,
) -> SimulatedTrial:
    """Simulate one trial of ``scenario`` (see :func:`scenario_spec` for the options).

    Deterministic for the state of ``rng``. ``tables=False`` skips the monthly and survey
    tables (power by simulation needs only ``outcomes``).

    >>> import numpy as np
    >>> trial = simulate_trial("apeldoorn", rng=np.random.default_rng(1), tables=False)
    >>> int(trial.truth["n"]), sorted(trial.truth["arms"])
    (450, ['control', 'intensive_support', 'no_application_duty'])
    """
    import pandas as pd

    if isinstance(scenario, ScenarioSpec):
        spec = scenario
    else:
        spec = scenario_spec(
            scenario,
            effects=effects,
            n=n,
            arms=arms,
            ratios=ratios,
            control_rate=control_rate,
            arm_rates=arm_rates,
            intake=intake,
            intake_months=intake_months,
            intake_start=intake_start,
            consent_rate=consent_rate,
            withdrawal_rate=withdrawal_rate,
            sites=sites,
        )
    seed, spawn_key = _seed_of(rng)
    calibration = _calibration(spec)
    protocol_seed = int(rng.integers(0, 2**31 - 1))
    s_cohort, s_withdraw, s_months, s_earn, s_survey = rng.spawn(5)
    protocol = Protocol.from_text(protocol_toml(spec, seed=protocol_seed), source="protocol.toml")

    cohort = _draw_cohort(spec, s_cohort)
    age_group = _age_group(cohort.age_idx)
    enrolled_text = np.datetime_as_string(cohort.enrolled_on, unit="D")
    participants = pd.DataFrame(
        {
            "id": cohort.ids,
            "site": cohort.site,
            "enrolled_on": enrolled_text,
            "birth_year": cohort.enrolled_on.astype("datetime64[Y]").astype(int)
            + 1970
            - cohort.age,
            "sex": np.array([s[0] for s in _SEX])[cohort.sex_idx],
            "age_group": age_group,
            "months_on_benefit": cohort.months_on_benefit,
            "education": np.array([e[0] for e in _EDUCATION])[cohort.edu_idx],
            "household": np.array([h[0] for h in _HOUSEHOLD])[cohort.hh_idx],
            "migration_background": np.array([m[0] for m in _MIGRATION])[cohort.mig_idx],
            "consent": cohort.consent,
        }
    )

    # assignment: consenting participants in arrival order (intake date, then id)
    index = np.flatnonzero(cohort.consent)
    members = cohort.take(index)
    units = participants.iloc[index].reset_index(drop=True)
    arm = _assign(protocol, units, intake=spec.intake)
    size = index.size
    withdrawn = s_withdraw.random(size) < spec.withdrawal_rate
    lag = s_withdraw.integers(7, 61, size=size).astype("timedelta64[D]")
    withdrawn_on = np.datetime_as_string(members.enrolled_on + lag, unit="D")
    withdrawals = tuple(
        Withdrawal(id=str(members.ids[i]), arm=str(arm[i]), withdrawn_on=str(withdrawn_on[i]))
        for i in np.flatnonzero(withdrawn)
    )
    assignments = pd.DataFrame(
        {
            "id": members.ids,
            "site": members.site,
            "age_group": age_group[index],
            "enrolled_on": enrolled_text[index],
            "sequence": np.arange(1, size + 1),
            "arm": arm,
            "withdrawn": withdrawn,
        }
    )

    # the monthly model: treatment effects only for those who stayed in a treated arm
    effect = {a: calibration.effect(a) for a in spec.arms}
    treated = ~withdrawn & (arm != "control")
    eff_work = np.where(treated, np.array([effect[a].work for a in arm]), 0.0)
    eff_part = np.where(treated, np.array([effect[a].part for a in arm]), 0.0)
    lp = members.linear_predictors()
    older = members.older
    month0 = members.enrolled_on.astype("datetime64[M]").astype(int)
    end = (
        int(np.datetime64(spec.intake_start, "M").astype(int))
        + spec.intake_months
        - 1
        + spec.follow_up_months
    )
    follow_up = end - month0
    states, events = _simulate_months(
        calibration.base_work, lp, older, eff_work, eff_part, int(follow_up.max()), s_months
    )
    exit_month, exit_cause = _first_exit(events)
    in_follow_up = exit_month <= follow_up
    exit_month = np.where(in_follow_up, exit_month, 0)
    exit_cause = np.where(in_follow_up, exit_cause, 0)
    reason_text = np.array(["", "work", "part_time_work", "other"])
    outcomes = pd.DataFrame(
        {
            "id": members.ids,
            "site": members.site,
            "age_group": age_group[index],
            "arm": arm,
            "withdrawn": withdrawn,
            "enrolled_on": enrolled_text[index],
            "months_on_benefit": members.months_on_benefit,
            "birth_year": participants["birth_year"].to_numpy()[index],
            "follow_up_months": follow_up,
            "exit_month": exit_month,
            "exit_reason": reason_text[exit_cause],
            "work_12": ((exit_cause == _WORK) & (exit_month <= 12)).astype(int),
            "work_24": ((exit_cause == _WORK) & (exit_month <= 24)).astype(int),
            "part_time_12": ((exit_cause == _PART) & (exit_month <= 12)).astype(int),
            "any_exit_12": ((exit_cause > 0) & (exit_month <= 12)).astype(int),
        }
    )

    benefit_months = survey = None
    if tables:
        benefit_months = _benefit_table(members.ids, month0, follow_up, states, events, s_earn)
        survey = _simulate_survey(members, arm, treated, states, s_survey)

    truth = _truth(spec, calibration, members, protocol, seed, spawn_key, cohort.ids.size)
    truth["n_withdrawn"] = len(withdrawals)
    truth["withdrawals"] = [w.to_dict() for w in withdrawals]
    return SimulatedTrial(
        participants=participants,
        benefit_months=benefit_months,
        survey=survey,
        assignments=assignments,
        outcomes=outcomes,
        withdrawals=withdrawals,
        truth=truth,
        protocol=protocol,
        spec=spec,
        seed=seed,
    )


def _benefit_table(
    ids: np.ndarray,
    month0: np.ndarray,
    follow_up: np.ndarray,
    states: np.ndarray,
    events: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Rows per person and month in id and month order; earnings from work, else 0."""
    import pandas as pd

    n = ids.size
    lengths = follow_up + 1
    person = np.repeat(np.arange(n), lengths)
    starts = np.cumsum(lengths) - lengths
    t = np.arange(int(lengths.sum())) - np.repeat(starts, lengths)
    state = states[t, person]
    event = events[t, person]
    month = month0[person] + t
    first = int(month.min())
    labels = np.array(
        [f"{1970 + m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, int(month.max()) + 1)]
    )
    # monthly pay: full-time around EUR 1,900 net, part-time (>= 12 h a week) around EUR 650
    full = np.exp(rng.normal(math.log(1900.0), 0.25, size=n))
    part = np.exp(rng.normal(math.log(650.0), 0.30, size=n))
    wobble = 1.0 + 0.05 * rng.standard_normal(person.size)
    earnings = (
        np.where(state == _W, full[person], np.where(state == _P, part[person], 0.0)) * wobble
    )
    return pd.DataFrame(
        {
            "id": ids[person],
            "month": labels[month - first],
            "on_benefit": np.isin(state, (_B, _P)),
            "exit_reason": np.array(["", "work", "part_time_work", "other"])[event],
            "earnings": np.round(np.maximum(earnings, 0.0), 2),
        }
    )


def _r(value: float) -> float:
    """Round for JSON so the bytes do not depend on the last bits of floating point."""
    return float(f"{value:.10g}")


def _shares(shares: Mapping[int, Mapping[str, np.ndarray]], weight: np.ndarray) -> dict[str, float]:
    out: dict[str, float] = {}
    for h in HORIZONS:
        for name in ("work", "part_time", "other", "any_exit"):
            out[f"{name}_{h}"] = float(weight @ shares[h][name])
    return out


def expected_outflow(spec: ScenarioSpec) -> dict[str, dict[str, float]]:
    """Exact population intention-to-treat outflow shares per arm, without simulating.

    The ``itt`` entries of a simulated trial's ``truth`` (keys ``work_12``, ``part_time_12``,
    ``other_12``, ``any_exit_12`` and the same at 24 months): a share ``withdrawal_rate`` of
    each treated arm gets the control regime.
    """
    calibration = _calibration(spec)
    control = _population_truth(calibration.base_work, calibration.effect("control"))["pop"]
    w = spec.withdrawal_rate
    out: dict[str, dict[str, float]] = {}
    for arm in spec.arms:
        pop = _population_truth(calibration.base_work, calibration.effect(arm))["pop"]
        out[arm] = (
            dict(pop)
            if arm == "control"
            else {k: (1 - w) * v + w * control[k] for k, v in pop.items()}
        )
    return out


@lru_cache(maxsize=64)
def _population_truth(base_work: float, effect: _ArmEffect) -> dict[str, Any]:
    """Exact population shares of one arm's regime: overall and per age group (cached: the
    same for every trial of a design)."""
    cells = _population_cells()
    n = cells.weight.size
    by_cell = _exact_shares(
        base_work, cells.lp_work, cells.lp_part, cells.lp_other, cells.older,
        np.full(n, effect.work), np.full(n, effect.part),
    )  # fmt: skip
    masks = {"18-44": ~cells.older, "45+": cells.older}
    return {
        "pop": _shares(by_cell, cells.weight),
        "groups": {
            g: _shares(by_cell, np.where(k, cells.weight, 0.0) / cells.weight[k].sum())
            for g, k in masks.items()
        },
    }


def _truth(
    spec: ScenarioSpec,
    calibration: _Calibration,
    members: _Cohort,
    protocol: Protocol,
    seed: int | None,
    spawn_key: tuple[int, ...],
    n_invited: int,
) -> dict[str, Any]:
    """Effects built in and the exact outflow shares they imply, per arm.

    ``treated``: the population share had everyone received the arm; ``itt``: with the
    withdrawal rate's share getting the control regime (what an intention-to-treat analysis
    estimates); ``cohort_itt``: the same expectation for this cohort's own covariates. Shares
    are exact sums over covariate cells of a forward pass of the monthly chain, not sample
    means.
    """
    lp = members.linear_predictors()
    w = spec.withdrawal_rate
    m = members.ids.size
    groups = ("18-44", "45+")
    raw: dict[str, dict[str, Any]] = {}
    for arm in spec.arms:
        e = calibration.effect(arm)
        by_person = _exact_shares(
            calibration.base_work,
            lp[0],
            lp[1],
            lp[2],
            members.older,
            np.full(m, e.work),
            np.full(m, e.part),
        )
        raw[arm] = {
            **_population_truth(calibration.base_work, e),
            "cohort": _shares(by_person, np.full(m, 1.0 / m)),
        }

    def itt(arm: str, values: dict[str, float], control: dict[str, float]) -> dict[str, float]:
        # withdrawers from a treated arm get the control regime (still analysed in their arm)
        return (
            dict(values)
            if arm == "control"
            else {k: (1 - w) * v + w * control[k] for k, v in values.items()}
        )

    def minus(values: dict[str, float], control: dict[str, float]) -> dict[str, float]:
        return {k: v - control[k] for k, v in values.items()}

    ctrl = raw["control"]
    per_arm: dict[str, Any] = {}
    for arm in spec.arms:
        e = calibration.effect(arm)
        pop_itt = itt(arm, raw[arm]["pop"], ctrl["pop"])
        coh_itt = itt(arm, raw[arm]["cohort"], ctrl["cohort"])
        group_itt = {g: itt(arm, raw[arm]["groups"][g], ctrl["groups"][g]) for g in groups}
        per_arm[arm] = {
            "label_nl": _arm_label(arm, 0),
            "label_en": _arm_label(arm, 1),
            "measures": list(_components(arm)),
            "work_hazard_ratio": {
                "under_45": math.exp(e.work),
                "45_plus": math.exp(MODEL.older_effect_share * e.work),
            },
            "part_time_hazard_ratio": {
                "under_45": math.exp(e.part),
                "45_plus": math.exp(MODEL.older_effect_share * e.part),
            },
            "treated": raw[arm]["pop"],
            "itt": pop_itt,
            "itt_difference": minus(pop_itt, ctrl["pop"]),
            "cohort_itt": coh_itt,
            "cohort_itt_difference": minus(coh_itt, ctrl["cohort"]),
            "itt_by_age_group": group_itt,
            "itt_difference_by_age_group": {
                g: minus(group_itt[g], ctrl["groups"][g]) for g in groups
            },
            "survey_direct_effect": {k: _survey_effect(arm, k) for k in _SURVEY_EFFECTS},
        }
    truth: dict[str, Any] = {
        "scenario": spec.scenario,
        "effects": spec.effects,
        "seed": seed,
        "spawn_key": list(spawn_key),
        "protocol_seed": protocol.seed,
        "protocol_sha256": protocol.sha256,
        "n_invited": n_invited,
        "n": int(members.ids.size),
        "n_withdrawn": 0,
        "control": "control",
        "intake": spec.intake,
        "intake_start": spec.intake_start.isoformat(),
        "intake_months": spec.intake_months,
        "follow_up_months": spec.follow_up_months,
        "consent_rate": spec.consent_rate,
        "withdrawal_rate": spec.withdrawal_rate,
        "definitions": {
            "work_H": (
                "the first outflow is to work (off benefit), in months 1..H after the "
                "month of intake"
            ),
            "part_time_H": (
                "the first outflow is to part-time work combined with benefit, in months 1..H"
            ),
            "other_H": "the first outflow is off benefit for another reason, in months 1..H",
            "any_exit_H": "any first outflow (work, part-time work, other) in months 1..H",
            "treated": "population share had everyone received the arm",
            "itt": "population share under intention to treat (withdrawers get the control regime)",
            "cohort_itt": "expected intention-to-treat share for this cohort's covariates",
            "by_age_group": "population shares among those aged 18-44 and 45+ at intake",
            "hazard_ratio": (
                "monthly hazard ratio against control; 45_plus has the log effect times "
                f"{MODEL.older_effect_share}"
            ),
            "survey_direct_effect": (
                "points on the latent score from wave 1 on, before rounding and clipping"
            ),
            "withdrawals": (
                "participants who left after learning their arm; record them in the register "
                "(participatie-rct withdraw); they stay in the intention-to-treat analysis"
            ),
        },
        "calibration_targets": {
            "control_work_12": spec.control_rate,
            "work_12": dict(spec.work_targets),
            "part_time_12_difference": dict(spec.part_time_deltas),
        },
        "model": {
            "base_work_rate": calibration.base_work,
            "part_time_rate": MODEL.part_time_rate,
            "other_rate": MODEL.other_rate,
            "part_time_work_factor": MODEL.part_time_work_factor,
            "part_time_stop_rate": MODEL.part_time_stop_rate,
            "duration_decline": MODEL.duration_decline,
            "reentry_after_work": MODEL.reentry_after_work,
            "reentry_after_other": MODEL.reentry_after_other,
            "back_on_benefit_18_months_after_work": 1.0 - (1.0 - MODEL.reentry_after_work) ** 18,
        },
        "arms": per_arm,
    }
    return _rounded(truth)


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, float | np.floating):
        return _r(float(value))
    if isinstance(value, np.integer):
        return int(value)
    return value


# --------------------------------------------------------------------------------------------
# Writing a simulation to a folder
# --------------------------------------------------------------------------------------------

SIMULATION_FILES: tuple[str, ...] = (
    "participants.csv",
    "benefit_months.csv",
    "survey.csv",
    "truth.json",
    "protocol.toml",
)


def _csv_bytes(frame: pd.DataFrame, formats: Mapping[str, str]) -> bytes:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == bool:
            out[column] = np.where(out[column].to_numpy(), "true", "false")
        elif column in formats:
            out[column] = [format(v, formats[column]) for v in out[column].to_numpy()]
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def simulation_files(trial: SimulatedTrial) -> dict[str, bytes]:
    """The bytes of every file :func:`write_simulation` writes, by file name."""
    if trial.benefit_months is None or trial.survey is None:
        raise ParticipatieRCTError(
            "write_simulation: this trial was simulated with tables=False; simulate it with "
            "tables=True to write it."
        )
    return {
        "participants.csv": _csv_bytes(trial.participants, {}),
        "benefit_months.csv": _csv_bytes(trial.benefit_months, {"earnings": ".2f"}),
        "survey.csv": _csv_bytes(trial.survey, {"self_sufficiency": ".1f"}),
        "truth.json": (json.dumps(trial.truth, indent=2, ensure_ascii=False) + "\n").encode(
            "utf-8"
        ),
        "protocol.toml": trial.protocol.text.encode("utf-8"),
    }


def write_simulation(trial: SimulatedTrial, out_dir: str | Path) -> dict[str, Path]:
    """Write ``participants.csv``, ``benefit_months.csv``, ``survey.csv``, ``truth.json`` and
    ``protocol.toml`` into ``out_dir`` (created if needed); returns the paths by file name.

    CSV with ``,``, UTF-8 without BOM, ISO dates, ``true``/``false``, fixed decimals: the same
    trial gives the same bytes. Every file is rendered before the first is written.
    """
    contents = simulation_files(trial)
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, data in contents.items():
            path = folder / name
            path.write_bytes(data)
            paths[name] = path
    except OSError as exc:
        raise ParticipatieRCTError(
            f"{folder}: cannot write the simulation there ({exc.strerror}); "
            "choose a folder you can write to."
        ) from None
    return paths
