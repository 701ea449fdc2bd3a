"""The checks of a :class:`~participatie_rct.simulate.scenarios.ScenarioSpec`: every refusal
names the option, the value it got and how to fix it, before anything is drawn."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from participatie_rct.errors import DesignError
from participatie_rct.simulate.scenarios import (
    _ARM_KEY,
    COMBINATIONS_MAX,
    FOLLOW_UP_MAX,
    FREE_CHOICE,
    HORIZONS,
    INTAKE_MONTHS_MAX,
    MEASURES,
    N_MAX,
    _components,
    _known_arm,
)

if TYPE_CHECKING:
    from participatie_rct.simulate.scenarios import ScenarioSpec

#: The last calendar month a simulated table may reach: fixed (not the clock), so that the
#: same options are accepted on every machine and every simulated month lies in the past.
LAST_MONTH = date(2025, 12, 1)


def check_spec(spec: ScenarioSpec) -> None:
    """Refuse a design the simulator cannot build faithfully (DesignError)."""
    _check_size_and_rates(spec)
    _check_arms(spec)
    _check_intake(spec)
    _check_sites(spec)


def _check_size_and_rates(spec: ScenarioSpec) -> None:
    if not 1 <= spec.n <= N_MAX:
        raise DesignError(
            f"simulate: n is {spec.n}; give from 1 to {N_MAX:,} participants "
            "(larger trials belong to a database, not to CSV files)."
        )
    if not 0.0 < spec.consent_rate <= 1.0:
        raise DesignError(f"simulate: consent rate is {spec.consent_rate}; it must be in (0, 1].")
    if not 0.0 <= spec.withdrawal_rate < 0.5:
        raise DesignError(
            f"simulate: withdrawal rate is {spec.withdrawal_rate}; it must be in [0, 0.5) "
            "(the published trials lost about 0.04)."
        )
    if not 0.0 < spec.control_rate < 0.9:
        raise DesignError(
            f"simulate: control rate is {spec.control_rate}; the 12-month share out to work "
            "in control must be in (0, 0.9), e.g. 0.06."
        )
    if not max(HORIZONS) <= spec.follow_up_months <= FOLLOW_UP_MAX:
        raise DesignError(
            f"simulate: follow-up is {spec.follow_up_months} months; give from {max(HORIZONS)} "
            f"(the longest horizon) to {FOLLOW_UP_MAX}, e.g. --follow-up 48."
        )
    share, cap, months = spec.earn_more_rule
    if not (0.0 <= share <= 1.0 and cap >= 0.0 and months >= 0):
        raise DesignError(
            f"simulate: the earn-more rule is {spec.earn_more_rule}; give the share kept (0..1), "
            "the monthly cap in euros (>= 0) and the months it lasts (>= 0), e.g. (0.5, 199, 24)."
        )


def _check_arms(spec: ScenarioSpec) -> None:
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
    declared = dict(spec.work_targets)
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
    combinations = []
    for arm in spec.arms:
        parts = _components(arm)
        if arm in ("control", FREE_CHOICE) or arm in declared:
            continue
        if not _known_arm(arm):
            raise DesignError(
                f"simulate: arm {arm!r} is neither a measure ({', '.join(MEASURES)}), nor measures "
                "joined by '_and_', and no effect is given for it. Give its 12-month share "
                f"out to work (e.g. --arm-rate {arm}=0.09)."
            )
        if len(parts) > 1:
            combinations.append(arm)
        if len(set(parts)) != len(parts) or len(parts) > 2:
            raise DesignError(
                f"simulate: arm {arm!r} combines {len(parts)} measures; the decree's combination "
                "groups join two different measures, and no trial measured more, so the model "
                f"has no effect for it. Give its 12-month share (--arm-rate {arm}=0.10) or "
                "combine two measures."
            )
    if len(combinations) > COMBINATIONS_MAX:
        raise DesignError(
            f"simulate: {len(combinations)} combination arms ({', '.join(combinations)}); the "
            f"decree allows at most {COMBINATIONS_MAX} combination groups. Drop one."
        )
    if FREE_CHOICE in spec.arms:
        prefs = dict(spec.preferences)
        if set(prefs) - set(MEASURES) or abs(sum(prefs.values()) - 1.0) > 1e-9:
            raise DesignError(
                f"simulate: the free-choice preferences are {prefs}; give a share per measure "
                f"({', '.join(MEASURES)}) summing to 1."
            )


def _check_intake(spec: ScenarioSpec) -> None:
    if spec.intake not in ("rolling", "batch", "waves"):
        raise DesignError(
            f"simulate: intake is {spec.intake!r}; it must be 'rolling', 'batch' or 'waves'."
        )
    if not 1 <= spec.intake_months <= INTAKE_MONTHS_MAX:
        raise DesignError(
            f"simulate: intake months is {spec.intake_months}; give from 1 to "
            f"{INTAKE_MONTHS_MAX} (a longer intake would enrol people after today's date)."
        )
    if spec.intake == "batch" and spec.intake_months != 1:
        raise DesignError(
            f"simulate: intake is 'batch' (one lottery on one day) but intake months is "
            f"{spec.intake_months}; leave out --intake-months, or use --intake rolling to spread "
            "arrivals over the months."
        )
    if spec.intake == "waves":
        waves = list(spec.waves)
        if len(waves) < 2 or waves != sorted(set(waves)) or waves[0] != 0:
            raise DesignError(
                f"simulate: intake is 'waves' but the waves are {waves}; give two or more month "
                "offsets from the start, increasing and starting at 0, e.g. --waves 0,6."
            )
    elif spec.waves:
        raise DesignError(
            f"simulate: waves {list(spec.waves)} are given but intake is {spec.intake!r}; use "
            "--intake waves."
        )
    last = (spec.waves[-1] if spec.waves else spec.intake_months - 1) + spec.follow_up_months
    end = spec.intake_start.year * 12 + spec.intake_start.month - 1 + last
    if end > LAST_MONTH.year * 12 + LAST_MONTH.month - 1:
        raise DesignError(
            f"simulate: intake from {spec.intake_start:%Y-%m} plus {last} months of intake and "
            f"follow-up runs past {LAST_MONTH:%Y-%m}; shorten the intake or the follow-up so "
            "every simulated month lies in the past."
        )


def _check_sites(spec: ScenarioSpec) -> None:
    names = [name for name, _ in spec.sites]
    if any(not name.strip() for name in names) or len(set(names)) != len(names):
        raise DesignError(
            f"simulate: sites are {', '.join(map(repr, names))}; give each municipality once, "
            "by a non-empty name, e.g. --sites Apeldoorn,Epe."
        )
    shares = [share for _, share in spec.sites]
    if spec.sites and (any(s <= 0 for s in shares) or abs(sum(shares) - 1.0) > 1e-6):
        listed = ", ".join(f"{n}={s:g}" for n, s in spec.sites)
        raise DesignError(
            f"simulate: site shares {listed} must be positive and sum to 1; e.g. "
            "--sites Apeldoorn=0.8,Epe=0.2, or names only for equal shares."
        )
