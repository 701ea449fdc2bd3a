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

#: The measures an arm can combine (docs/domain.md, "Arms"); an arm key is ``control``, one
#: measure, or measures joined by ``_and_`` (the decree allows up to two combination groups).
MEASURES: tuple[str, ...] = ("earn_more", "intensive_support", "no_application_duty")

_LABELS: dict[str, tuple[str, str]] = {
    "control": ("Controlgroep", "Control"),
    "earn_more": ("Bijverdienen", "Earn more"),
    "intensive_support": ("Intensieve begeleiding", "Intensive support"),
    "no_application_duty": ("Ontheffing sollicitatieplicht", "No application duty"),
}

#: An arm key as the protocol requires it (docs/cli-contract.md: keys are snake_case).
_ARM_KEY = re.compile(r"[a-z][a-z0-9_]*")

#: Outcome horizons (months after the month of intake) reported in ``truth``.
HORIZONS: tuple[int, ...] = (12, 18, 24)
#: Most participants a simulation writes (400,000 is a national caseload; see docs/).
N_MAX = 1_000_000
#: Longest rolling intake: the scenarios start in 2017-2018, so 60 months plus the follow-up
#: keep every enrolment date and benefit month in the past.
INTAKE_MONTHS_MAX = 60
#: Longest follow-up: the CPB follow-up looked two to four years on; 60 months make a
#: national five-year panel.
FOLLOW_UP_MAX = 60
#: The key of an arm whose participants pick their measure by stated preference (Groningen).
FREE_CHOICE = "free_choice"
#: The decree allows up to two combination groups (Stb. 2017, 69).
COMBINATIONS_MAX = 2


@dataclass(frozen=True)
class ScenarioSpec:
    """Everything that describes a simulated trial except the random draws.

    ``control_rate`` is the share out to work within 12 months in control, unless
    ``control_target`` (outcome, month, share) names another control figure (Utrecht:
    working >= 12 h at 24 months, 15%); ``work_targets`` maps arms to their
    intention-to-treat 12-month shares (solved for); ``part_time_deltas`` maps arms to the
    extra 12-month share starting part-time work (solved for); ``part_time_multipliers`` fixes
    hazard ratios on part-time work that are not solved for. ``waves`` are the month offsets
    of the recruitment waves (intake ``waves``); ``preferences`` the stated preferences of a
    free-choice arm; ``earn_more_rule`` the earn-more arm's disregard (share of earnings kept,
    monthly cap in euros, months); ``consent_selection`` how strongly nearness to work raises
    consent; ``withdrawal_control_factor`` how much more often those who drew control leave.
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
    intake: str  # "rolling", "batch" or "waves"
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
    waves: tuple[int, ...] = ()
    control_target: tuple[str, int, float] | None = None
    preferences: tuple[tuple[str, float], ...] = tuple((m, 1.0 / 3.0) for m in MEASURES)
    earn_more_rule: tuple[float, float, int] = (0.5, 199.0, 24)
    consent_selection: float = 0.5
    withdrawal_control_factor: float = 2.0
    #: protocol lines added after its ``[analysis]`` table (e.g. ``[[analysis.families]]``)
    analysis_extra: str = ""

    def __post_init__(self) -> None:
        from participatie_rct.simulate.checks import check_spec

        check_spec(self)


def state_horizons(spec: ScenarioSpec) -> tuple[int, ...]:
    """Months at which the point-in-time outcomes are given: 12, 24 and every further whole
    year of the scenario's follow-up."""
    return tuple(range(12, spec.follow_up_months + 1, 12))


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
# 11.5/6), earn-more half-way (docs/domain.md, Wageningen). Evaluation preset: no effect on full-
# time outflow; part-time work +3 points (docs/domain.md: "+2 to +4") for intensive support and
# earn-more; exemption nil.
_SEED_RATIO = {
    "intensive_support": 11.5 / 6.0,
    "no_application_duty": 11.5 / 6.0,
    "earn_more": (1 + 11.5 / 6.0) / 2,
}
_SEED_PART_MULTIPLIER = {"earn_more": 1.5}  # keeping earnings makes small jobs worth taking
_EVALUATION_PART_DELTA = {"intensive_support": 0.03, "earn_more": 0.03}


#: Late exemption effect (CPB 2022, Utrecht): working > 12 h a week two years after the
#: lottery, 24% of the exempted against 15% of control; nothing in the first year (the
#: synthesis found no effect of exemption during the trial). Onset after month 12, full from 18
#: (the timing within the second year is assumed).
_LATE_EXEMPTION = ("no_application_duty", "working_12h", 24, 0.24 - 0.15, 12, 18)

PresetEffects = tuple[
    tuple[tuple[str, float], ...],
    tuple[tuple[str, float], ...],
    tuple[tuple[str, float], ...],
    tuple[tuple[str, str, int, float, int, int], ...],
]


def _preset_effects(
    arms: Sequence[str], preset: EffectPreset, control_rate: float
) -> PresetEffects:
    """(work_targets, part_time_deltas, part_time_multipliers, state_targets) of a preset, for
    the arms that are single measures. A state target is (arm, outcome, month, difference
    against control, onset start, onset full)."""
    work: list[tuple[str, float]] = []
    delta: list[tuple[str, float]] = []
    mult: list[tuple[str, float]] = []
    state: list[tuple[str, str, int, float, int, int]] = []
    for arm in arms:
        if arm not in MEASURES:
            continue  # control, combinations (built from their measures) and custom arms
        if preset is EffectPreset.SEED:
            work.append((arm, control_rate * _SEED_RATIO[arm]))
            if arm in _SEED_PART_MULTIPLIER:
                mult.append((arm, _SEED_PART_MULTIPLIER[arm]))
            continue
        if arm in _EVALUATION_PART_DELTA:
            delta.append((arm, _EVALUATION_PART_DELTA[arm]))
        if preset is EffectPreset.LATE_EXEMPTION and arm == _LATE_EXEMPTION[0]:
            state.append(_LATE_EXEMPTION)
    return tuple(work), tuple(delta), tuple(mult), tuple(state)


def parse_sites(sites: Sequence[str]) -> tuple[tuple[str, float], ...]:
    """``["Apeldoorn=0.8", "Epe=0.2"]`` -> shares as given; names alone -> equal shares."""
    named: list[tuple[str, float | None]] = []
    for text in sites:
        name, sep, share = str(text).partition("=")
        try:
            named.append((name.strip(), float(share) if sep else None))
        except ValueError:
            raise DesignError(
                f"simulate: site {text!r} has share {share!r}, which is not a number; give "
                "NAME=SHARE, e.g. --sites Apeldoorn=0.8,Epe=0.2."
            ) from None
    given = [s for _, s in named if s is not None]
    if given and len(given) != len(named):
        raise DesignError(
            f"simulate: sites {', '.join(map(str, sites))} give a share for some sites only; "
            "give a share for every site (Apeldoorn=0.8,Epe=0.2) or for none (equal shares)."
        )
    if not given:
        return tuple((n, 1.0 / len(named)) for n, _ in named)
    return tuple((n, float(s)) for n, s in named)  # type: ignore[arg-type]


def _override_design(
    base: dict[str, Any],
    *,
    n: int | None,
    arms: Sequence[str] | None,
    sites: Sequence[str] | None,
    intake: str | None,
    waves: Sequence[int] | None,
) -> None:
    """Apply the size, arms, sites and intake options to a published design (in place). A
    changed intake starts from one month and no waves; waves alone imply intake 'waves'."""
    if n is not None:
        base["n"] = int(n)
    if arms is not None:
        base["arms"] = tuple(arms)
    if sites is not None:
        base["sites"] = parse_sites(sites)
    if intake is not None and intake != base["intake"]:
        base["intake"], base["intake_months"], base["waves"] = intake, 1, ()
    if waves is not None:
        base["waves"] = tuple(int(w) for w in waves)
        if intake is None:
            base["intake"], base["intake_months"] = "waves", 1


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
    waves: Sequence[int] | None = None,
    follow_up_months: int | None = None,
    earn_more_rule: tuple[float, float, int] | None = None,
) -> ScenarioSpec:
    """The :class:`ScenarioSpec` of a named scenario, with any option overridden.

    One scenario per published experiment (``wageningen``, ``apeldoorn``, ``tilburg``,
    ``utrecht``, ``groningen``, ``nijmegen``, ``deventer``; their designs and sources are in
    :mod:`participatie_rct.simulate.published` and docs/simulation.md) and ``generic``, driven
    by the options (defaults 600 participants, four arms, one batch). ``sites`` are names (equal
    shares) or ``NAME=SHARE``. ``intake="batch"`` is one lottery, so it takes no
    ``intake_months``; ``waves`` are month offsets of recruitment waves.
    """
    from participatie_rct.simulate.published import DESIGNS

    which = parse_choice(Scenario, scenario, parameter="scenario")
    preset = parse_choice(EffectPreset, effects, parameter="effects")
    base: dict[str, Any] = dict(DESIGNS[which.value].base)
    _override_design(base, n=n, arms=arms, sites=sites, intake=intake, waves=waves)
    for key, value in (
        ("intake_months", intake_months),
        ("intake_start", intake_start),
        ("consent_rate", consent_rate),
        ("withdrawal_rate", withdrawal_rate),
        ("follow_up_months", follow_up_months),
        ("earn_more_rule", earn_more_rule),
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
    if control_rate is not None:
        base.pop("control_target", None)
    work, delta, mult, _state = _preset_effects(arm_keys, preset, rate)
    if base.get("control_target"):
        work = ()  # the preset's shares follow the calibrated control (model._calibrate)
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
    if spec.analysis_extra:
        lines += [spec.analysis_extra.strip(), ""]
    return "\n".join(lines)
