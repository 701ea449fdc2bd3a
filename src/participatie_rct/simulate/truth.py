"""The truth of a simulated trial: the effects built in and the exact outflow shares they
imply, per arm, for the population, the age groups and the cohort itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from participatie_rct.protocol import Protocol
from participatie_rct.simulate.chain import STATE_OUTCOMES, back_on_benefit
from participatie_rct.simulate.model import (
    MODEL,
    _ArmEffect,
    _Calibration,
    _calibration,
    _exact_shares,
    _People,
)
from participatie_rct.simulate.population import _Cohort, _participant_cells, _population_cells
from participatie_rct.simulate.scenarios import (
    FREE_CHOICE,
    HORIZONS,
    ScenarioSpec,
    _arm_label,
    _components,
    state_horizons,
)


def _r(value: float) -> float:
    """Round for JSON so the bytes do not depend on the last bits of floating point."""
    return float(f"{value:.10g}")


def _keys(spec: ScenarioSpec) -> tuple[tuple[str, int], ...]:
    """(outcome, month) pairs of the truth: first outflow by 12, 18 and 24 months, and the
    point-in-time outcomes at 12, 24 and every further year of follow-up."""
    first = tuple((name, h) for h in HORIZONS for name in _FIRST_EXIT)
    state = tuple((name, h) for h in state_horizons(spec) for name in STATE_OUTCOMES)
    return first + state


_FIRST_EXIT = ("work", "part_time", "other", "any_exit")


def _shares(
    shares: Mapping[int, Mapping[str, np.ndarray]],
    weight: np.ndarray,
    keys: tuple[tuple[str, int], ...],
) -> dict[str, float]:
    return {f"{name}_{h}": float(weight @ shares[h][name]) for name, h in keys}


def _months_needed(keys: tuple[tuple[str, int], ...]) -> tuple[int, ...]:
    return tuple(sorted({h for _, h in keys}))


def _mix(parts: list[tuple[float, dict[str, float]]]) -> dict[str, float]:
    """Weighted sum of share dicts (a free-choice arm's regimes; intention to treat)."""
    return {k: sum(w * values[k] for w, values in parts) for k in parts[0][1]}


def expected_outflow(spec: ScenarioSpec) -> dict[str, dict[str, float]]:
    """Exact population intention-to-treat shares per arm, without simulating.

    The ``itt`` entries of a simulated trial's ``truth`` (keys ``work_12``, ``part_time_12``,
    ``other_12``, ``any_exit_12``, the same at 18 and 24 months, and the point-in-time
    outcomes ``working_12h_24`` and others): each arm's withdrawers get the control regime.
    """
    calibration = _calibration(spec)
    keys = _keys(spec)
    out: dict[str, dict[str, float]] = {}
    control = _arm_population(spec, calibration, "control", keys)["pop"]
    for arm in spec.arms:
        pop = _arm_population(spec, calibration, arm, keys)["pop"]
        w = calibration.withdrawal_rate(arm)
        out[arm] = dict(pop) if arm == "control" else _mix([(1 - w, pop), (w, control)])
    return out


def _arm_population(
    spec: ScenarioSpec, calibration: _Calibration, arm: str, keys: tuple[tuple[str, int], ...]
) -> dict[str, Any]:
    """Population shares of an arm's regimes (a mixture in a free-choice arm)."""
    parts = [
        (w, _population_truth(calibration.base_work, e, spec.consent_rate,
                              spec.consent_selection, keys))
        for w, e in calibration.regimes(arm)
    ]  # fmt: skip
    return {
        "pop": _mix([(w, p["pop"]) for w, p in parts]),
        "groups": {g: _mix([(w, p["groups"][g]) for w, p in parts]) for g in ("18-44", "45+")},
    }


@lru_cache(maxsize=128)
def _cell_shares(
    base_work: float, effect: _ArmEffect, keys: tuple[tuple[str, int], ...]
) -> dict[int, dict[str, np.ndarray]]:
    """Exact shares per covariate cell of one regime (cached: shared by the population, the
    age groups and every cohort of a design)."""
    cells = _population_cells()
    people = _People.of((cells.lp_work, cells.lp_part, cells.lp_other), cells.older, effect)
    return _exact_shares(base_work, people, horizons=_months_needed(keys))


@lru_cache(maxsize=128)
def _population_truth(
    base_work: float,
    effect: _ArmEffect,
    consent_rate: float,
    selection: float,
    keys: tuple[tuple[str, int], ...],
) -> dict[str, Any]:
    """Exact shares of one regime among the participants: overall and per age group (cached:
    the same for every trial of a design)."""
    cells = _participant_cells(consent_rate, selection)
    by_cell = _cell_shares(base_work, effect, keys)
    masks = {"18-44": ~cells.older, "45+": cells.older}
    return {
        "pop": _shares(by_cell, cells.weight, keys),
        "groups": {
            g: _shares(by_cell, np.where(k, cells.weight, 0.0) / cells.weight[k].sum(), keys)
            for g, k in masks.items()
        },
    }


#: What each key of ``truth.json`` means.
_DEFINITIONS: dict[str, str] = {
    "work_H": (
        "the first outflow is to work (off benefit), in months 1..H after the month of intake"
    ),
    "part_time_H": ("the first outflow is to part-time work combined with benefit, in months 1..H"),
    "other_H": "the first outflow is off benefit for another reason, in months 1..H",
    "any_exit_H": "any first outflow (work, part-time work, other) in months 1..H",
    "working_12h_H": (
        "working 12 hours a week or more in month H after intake (part-time work with "
        "benefit or work off benefit): the evaluations' part-time outcome"
    ),
    "working_27h_H": "working more than 27 hours a week in month H (full-time)",
    "ever_working_12h_H": "working 12 hours or more in any month 1..H",
    "on_benefit_H": "on benefit (possibly with part-time work) in month H",
    "regimes": "what the arm's participants receive (free choice: preferred measures)",
    "effect_onset_months": (
        "the effect is nil up to the first month and full from the second (a profile "
        "by month since assignment); [0, 0] is a constant effect"
    ),
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
    per_arm = _per_arm(spec, calibration, members)
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
        "definitions": _DEFINITIONS,
        "calibration_targets": {
            "control": (
                {
                    "outcome": spec.control_target[0],
                    "month": spec.control_target[1],
                    "share": spec.control_target[2],
                }
                if spec.control_target
                else {"outcome": "work", "month": 12, "share": spec.control_rate}
            ),
            "work_12": dict(spec.work_targets),
            "part_time_12_difference": dict(spec.part_time_deltas),
        },
        "model": _model_facts(spec, calibration),
        "arms": per_arm,
    }
    rounded: dict[str, Any] = _rounded(truth)
    return rounded


def _per_arm(spec: ScenarioSpec, calibration: _Calibration, members: _Cohort) -> dict[str, Any]:
    """Every arm's entry of ``truth.json``: population, cohort and age-group shares."""
    cells = _population_cells()
    counts = np.bincount(members.cell_index(), minlength=cells.weight.size)
    mine = counts / max(int(counts.sum()), 1)  # the cohort's own covariate mix
    keys = _keys(spec)
    groups = ("18-44", "45+")
    raw: dict[str, dict[str, Any]] = {}
    for arm in spec.arms:
        cohort = [
            (weight, _shares(_cell_shares(calibration.base_work, e, keys), mine, keys))
            for weight, e in calibration.regimes(arm)
        ]
        raw[arm] = {**_arm_population(spec, calibration, arm, keys), "cohort": _mix(cohort)}

    def itt(arm: str, values: dict[str, float], control: dict[str, float]) -> dict[str, float]:
        # withdrawers from a treated arm get the control regime (still analysed in their arm)
        w = calibration.withdrawal_rate(arm)
        return dict(values) if arm == "control" else _mix([(1 - w, values), (w, control)])

    def minus(values: dict[str, float], control: dict[str, float]) -> dict[str, float]:
        return {k: v - control[k] for k, v in values.items()}

    ctrl = raw["control"]
    per_arm: dict[str, Any] = {}
    for arm in spec.arms:
        pop_itt = itt(arm, raw[arm]["pop"], ctrl["pop"])
        coh_itt = itt(arm, raw[arm]["cohort"], ctrl["cohort"])
        group_itt = {g: itt(arm, raw[arm]["groups"][g], ctrl["groups"][g]) for g in groups}
        per_arm[arm] = _arm_entry(arm, calibration, raw[arm]["pop"], pop_itt, ctrl["pop"])
        per_arm[arm] |= {
            "cohort_itt": coh_itt,
            "cohort_itt_difference": minus(coh_itt, ctrl["cohort"]),
            "itt_by_age_group": group_itt,
            "itt_difference_by_age_group": {
                g: minus(group_itt[g], ctrl["groups"][g]) for g in groups
            },
        }
    return per_arm


def _arm_entry(
    arm: str,
    calibration: _Calibration,
    treated: dict[str, float],
    itt: dict[str, float],
    control: dict[str, float],
) -> dict[str, Any]:
    """An arm's labels, regimes, hazard ratios and population shares in ``truth.json``."""
    e = calibration.effect(arm)
    return {
        "label_nl": _arm_label(arm, 0),
        "label_en": _arm_label(arm, 1),
        "measures": list(_components(arm)) if arm != FREE_CHOICE else [],
        "regimes": dict(calibration.preferences) if arm == FREE_CHOICE else {arm: 1.0},
        "withdrawal_rate": calibration.withdrawal_rate(arm),
        "work_hazard_ratio": {
            "under_45": math.exp(e.work),
            "45_plus": math.exp(MODEL.older_effect_share * e.work),
        },
        "part_time_hazard_ratio": {
            "under_45": math.exp(e.part),
            "45_plus": math.exp(MODEL.older_effect_share * e.part),
        },
        "effect_onset_months": [e.onset_start, e.onset_full],
        "treated": treated,
        "itt": itt,
        "itt_difference": {k: v - control[k] for k, v in itt.items()},
    }


def _model_facts(spec: ScenarioSpec, calibration: _Calibration) -> dict[str, Any]:
    """The model's fixed and solved parameters, and the job-survival figures they imply."""
    share, loss, to_benefit = MODEL.job_share_fragile, MODEL.job_loss, MODEL.loss_to_benefit
    return {
        "base_work_rate": calibration.base_work,
        "part_time_rate": MODEL.part_time_rate,
        "other_rate": MODEL.other_rate,
        "part_time_work_factor": MODEL.part_time_work_factor,
        "part_time_stop_rate": MODEL.part_time_stop_rate,
        "duration_decline": MODEL.duration_decline,
        "reentry_after_other": MODEL.reentry_after_other,
        "full_time_share": MODEL.full_time_share,
        "small_job_share": MODEL.small_job_share,
        "job_share_fragile": share,
        "job_loss_monthly": loss,
        "job_loss_to_benefit": to_benefit,
        "still_working_6_months_after_work": 1.0 - share + share * (1.0 - loss) ** 6,
        "still_working_18_months_after_work": 1.0 - share + share * (1.0 - loss) ** 18,
        "back_on_benefit_18_months_after_work": back_on_benefit(
            to_benefit, share, loss, MODEL.reentry_after_other, 18
        ),
        "consent_selection": spec.consent_selection,
        "withdrawal_control_factor": spec.withdrawal_control_factor,
        "earn_more_rule": {
            "share": spec.earn_more_rule[0],
            "cap_euros": spec.earn_more_rule[1],
            "months": spec.earn_more_rule[2],
        },
    }


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
