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
from participatie_rct.simulate.model import (
    MODEL,
    _ArmEffect,
    _Calibration,
    _calibration,
    _exact_shares,
)
from participatie_rct.simulate.population import _Cohort, _population_cells
from participatie_rct.simulate.scenarios import HORIZONS, ScenarioSpec, _arm_label, _components
from participatie_rct.simulate.survey import _SURVEY_EFFECTS, _survey_effect


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
