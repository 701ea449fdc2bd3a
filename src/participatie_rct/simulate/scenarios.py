"""Scenarios of a simulated trial: the arms and their labels, the effect presets, the
:class:`ScenarioSpec` of each published trial and the protocol file it is assigned by.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from participatie_rct.assignment.blocks import BLOCK_SIZE_MAX
from participatie_rct.choices import EffectPreset, Scenario, parse_choice
from participatie_rct.errors import DesignError

#: The measures an arm can combine (DOMAIN.md, "The arms"); an arm key is ``control``, one
#: measure, or measures joined by ``_and_`` (the decree allows up to two combination groups).
MEASURES: tuple[str, ...] = ("earn_more", "intensive_support", "no_application_duty")

_LABELS: dict[str, tuple[str, str]] = {
    "control": ("Controlgroep", "Control"),
    "earn_more": ("Bijverdienen", "Earn more"),
    "intensive_support": ("Intensieve begeleiding", "Intensive support"),
    "no_application_duty": ("Ontheffing sollicitatieplicht", "No application duty"),
}

#: An arm key as the protocol requires it (CONTRACT.md: keys are snake_case).
_ARM_KEY = re.compile(r"[a-z][a-z0-9_]*")

#: Outcome horizons (months after the month of intake) reported in ``truth``.
HORIZONS: tuple[int, ...] = (12, 24)
#: Most participants a simulation writes (100,000 take about ten seconds and 100 MB of CSV).
N_MAX = 1_000_000
#: Longest rolling intake: the scenarios start in 2017-2018, so 60 months plus the follow-up
#: keep every enrolment date and benefit month in the past.
INTAKE_MONTHS_MAX = 60


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
    if not 1 <= spec.n <= N_MAX:
        raise DesignError(
            f"simulate: n is {spec.n}; give from 1 to {N_MAX:,} participants "
            "(larger trials belong to a database, not to CSV files)."
        )
    if len(spec.arms) < 2:
        raise DesignError(f"simulate: arms are {', '.join(spec.arms)}; a trial needs two or more.")
    if "control" not in spec.arms:
        raise DesignError(
            f"simulate: arms are {', '.join(spec.arms)}; one of them must be 'control'."
        )
    for arm in spec.arms:
        if not _ARM_KEY.fullmatch(arm):
            raise DesignError(
                f"simulate: arm {arm!r} is not a snake_case key (lower-case letters, digits and "
                "underscores, starting with a letter); name it like 'coaching' or 'earn_more'."
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
    if not 1 <= spec.intake_months <= INTAKE_MONTHS_MAX:
        raise DesignError(
            f"simulate: intake months is {spec.intake_months}; give from 1 to "
            f"{INTAKE_MONTHS_MAX} (a longer intake would enrol people after today's date)."
        )
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
    names = [name for name, _ in spec.sites]
    if any(not name.strip() for name in names) or len(set(names)) != len(names):
        raise DesignError(
            f"simulate: sites are {', '.join(map(repr, names))}; give each municipality once, "
            "by a non-empty name, e.g. --sites Apeldoorn,Epe."
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
        base["block_sizes"] = tuple(b for b in (total, 2 * total) if b <= BLOCK_SIZE_MAX) or (
            total,
        )
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


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def protocol_toml(spec: ScenarioSpec, *, seed: int | None) -> str:
    """The protocol file of a simulated trial: its arms, permuted blocks by site and age group.

    ``seed=None`` makes it a sealed trial (its draws come from a trial secret).
    """
    description = f"Synthetic trial: scenario {spec.scenario}, effects {spec.effects}."
    lines = [
        "[trial]",
        f"name = {_toml_string(spec.trial_name)}",
        'concealment = "sealed"' if seed is None else f"seed = {int(seed)}",
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
