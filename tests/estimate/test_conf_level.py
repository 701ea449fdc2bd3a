"""Every public estimator refuses a confidence level outside (0, 1) the same way.

The estimators are found by their signature: each function exported from ``participatie_rct``
that takes ``conf_level`` must have a case here (a new one without a case fails
:func:`test_every_estimator_with_a_level_has_a_case`). Each is called on data it can analyse,
so the level is the only thing wrong, and must be refused with one
:class:`~participatie_rct.errors.ChoiceError` that names ``conf_level`` (docs/conventions.md,
rule 8).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import participatie_rct as prct
from participatie_rct.errors import ChoiceError

assignment = pytest.importorskip("participatie_rct.assignment")

ARMS = ("control", "earn_more", "intensive_support")
SURVIVAL = {"time": "time", "event": "event", "treatment": "arm"}
#: the levels refused: the bounds themselves, beyond them, and not a number
BAD_LEVELS = (0.0, 1.0, 1.5, math.nan)


def people(n_per_arm: int = 30, seed: int = 3) -> pd.DataFrame:
    """Three arms with an outcome, a covariate, strata, two kinds of exit, receipt, a survey."""
    rng = np.random.default_rng(seed)
    arm = np.repeat(ARMS, n_per_arm)
    n = arm.size
    time = np.ceil(rng.exponential(10.0, size=n).clip(0.5, 24))
    y = rng.normal(size=n) + (arm != "control") * 0.4
    return pd.DataFrame(
        {
            "arm": arm,
            "y": y,
            "age": rng.normal(40, 10, size=n).round(),
            "site": np.tile(["Tilburg", "Utrecht"], n // 2),
            "time": time,
            "event": np.where(time < 24, rng.integers(1, 3, size=n), 0),
            "received": (arm != "control") & (rng.random(n) < 0.8),
            "wellbeing": np.where(rng.random(n) < 0.75, y, np.nan),
        }
    )


def panel(n_people: int = 40, months: int = 4, seed: int = 8) -> pd.DataFrame:
    """Person-months of two arms, off benefit with an arm-dependent chance."""
    rng = np.random.default_rng(seed)
    arm = np.tile(["control", "earn_more"], n_people // 2)
    rows = [
        (
            f"p{person}",
            arm[person],
            month,
            int(rng.random() < 0.2 + 0.1 * (arm[person] != "control")),
        )
        for person in range(n_people)
        for month in range(1, months + 1)
    ]
    return pd.DataFrame(rows, columns=["participant", "arm", "month", "off_benefit"])


def _ri(d: pd.DataFrame, **level: Any) -> Any:
    return prct.randomization_inference(
        d,
        outcome="y",
        treatment="arm",
        procedure=assignment.CompleteRandomization(arms=ARMS),
        units=d[[]],
        n_draws=10,
        rng=np.random.default_rng(1),
        **level,
    )


#: one call per estimator that takes a level: (data, **level) -> result
CASES: dict[str, Callable[..., Any]] = {
    "itt": lambda d, **c: prct.itt(d, outcome="y", treatment="arm", **c),
    "logit_ame": lambda d, **c: prct.logit_ame(
        d.assign(y=(d["y"] > 0).astype(int)), outcome="y", treatment="arm", **c
    ),
    "cace": lambda d, **c: prct.cace(
        d[d["arm"] != "intensive_support"], outcome="y", treatment="arm", received="received", **c
    ),
    "subgroup_effects": lambda d, **c: prct.subgroup_effects(
        d, outcome="y", treatment="arm", subgroup="site", **c
    ),
    "lee_bounds": lambda d, **c: prct.lee_bounds(
        d, outcome="wellbeing", treatment="arm", n_boot=10, rng=np.random.default_rng(2), **c
    ),
    "balance": lambda d, **c: prct.balance(d, treatment="arm", covariates=["age"], **c),
    "randomization_inference": _ri,
    "kaplan_meier": lambda d, **c: prct.kaplan_meier(d, **SURVIVAL, **c),
    "rmst": lambda d, **c: prct.rmst(d, **SURVIVAL, tau=12, **c),
    "cox": lambda d, **c: prct.cox(d, **SURVIVAL, **c),
    "cause_specific_cox": lambda d, **c: prct.cause_specific_cox(
        d, **SURVIVAL, event_of_interest=1, **c
    ),
    "cumulative_incidence": lambda d, **c: prct.cumulative_incidence(
        d, **SURVIVAL, event_of_interest=1, **c
    ),
    "fine_gray": lambda d, **c: prct.fine_gray(d, **SURVIVAL, event_of_interest=1, **c),
    "panel_effects": lambda d, **c: prct.panel_effects(
        panel(), outcome="off_benefit", treatment="arm", **c
    ),
    "months_off_benefit": lambda d, **c: prct.months_off_benefit(
        panel(), treatment="arm", horizon=4, **c
    ),
    "survival_analysis": lambda d, **c: prct.survival_analysis(
        d, **SURVIVAL, event_of_interest=1, tau=12, **c
    ),
}


def _takes_a_level() -> set[str]:
    """The exported functions with a ``conf_level`` parameter."""
    names = set()
    for name in prct._EXPORTS:
        value = getattr(prct, name)
        if inspect.isfunction(value) and "conf_level" in inspect.signature(value).parameters:
            names.add(name)
    return names


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return people()


def test_every_estimator_with_a_level_has_a_case() -> None:
    assert _takes_a_level() == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_valid_level_is_accepted(name: str, data: pd.DataFrame) -> None:
    """The cases are sound: with a level inside (0, 1) each call gives a result."""
    result = CASES[name](data, conf_level=0.9)
    assert len(result.to_frame()) > 0


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("level", BAD_LEVELS, ids=repr)
def test_a_level_outside_zero_and_one_is_refused_naming_conf_level(
    name: str, level: float, data: pd.DataFrame
) -> None:
    with pytest.raises(ChoiceError) as refused:
        CASES[name](data, conf_level=level)
    message = str(refused.value)
    assert message.startswith("conf_level must lie strictly between 0 and 1; got ")
    assert "\n" not in message
