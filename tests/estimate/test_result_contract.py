"""The result contract (docs/result-contract.md), checked on every estimator the package exports.

Every function exported from ``participatie_rct`` that estimates something has a case here; a
new export without one fails :func:`test_every_exported_estimator_has_a_case`. Each result must
give a tidy ``to_frame()`` with the contract's columns, a ``glance()`` dict with ``n``,
``n_dropped_by_arm``, ``control`` and ``warnings``, a JSON-ready ``to_dict()`` of
``{"estimates", "glance"}``, a short ``repr`` and ``_repr_html_``, and take ``conf_level=``.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import participatie_rct as prct
from participatie_rct.tidy import (
    CURVE_COLUMNS,
    ESTIMATE_COLUMNS,
    GLANCE_KEYS,
    RATIO_COLUMNS,
    TidyResult,
    json_ready,
)

assignment = pytest.importorskip("participatie_rct.assignment")

#: exported functions that are not estimators (data preparation, p-value adjustment)
NOT_ESTIMATORS = {"build_outcomes", "holm", "bonferroni", "person_months"}
#: p-value adjustment over a family of outcomes (like holm, a correction, not an estimate)
NOT_ESTIMATORS |= {"family_p_values"}

#: results whose rows are curves over time
CURVES = {"kaplan_meier", "cumulative_incidence"}
#: proportional hazards models: log scale plus the exponentiated columns
RATIOS = {"cox", "cause_specific_cox", "fine_gray", "survival_analysis"}
#: tests without an estimate of their own: no interval to give
TESTS = {"gray_test"}


def people(n_per_arm: int = 40, seed: int = 11) -> pd.DataFrame:
    """Three arms, an outcome, a covariate, strata, exits with two causes, receipt, a survey."""
    rng = np.random.default_rng(seed)
    arm = np.repeat(["control", "earn_more", "intensive_support"], n_per_arm)
    n = arm.size
    effect = np.select([arm == "earn_more", arm == "intensive_support"], [0.3, 0.6], 0.0)
    time = np.ceil(rng.exponential(10.0, size=n).clip(0.5, 24))
    y = rng.normal(size=n) + effect
    answered = rng.random(n) < np.where(arm == "control", 0.6, 0.8)
    return pd.DataFrame(
        {
            "arm": arm,
            "y": y,
            "age": rng.normal(40, 10, size=n).round(),
            "site": np.tile(["Tilburg", "Utrecht"], n // 2),
            "time": time,
            "event": np.where(time < 24, rng.integers(1, 3, size=n), 0),
            "received": (arm != "control") & (rng.random(n) < 0.8),
            "wellbeing": np.where(answered, y, np.nan),
        }
    )


def panel(n_people: int = 60, months: int = 6, seed: int = 5) -> pd.DataFrame:
    """Person-months: each person is off benefit in a month with an arm-dependent chance."""
    rng = np.random.default_rng(seed)
    arm = np.tile(["control", "earn_more"], n_people // 2)
    rows = []
    for person in range(n_people):
        p = 0.2 if arm[person] == "control" else 0.35
        for month in range(1, months + 1):
            rows.append((f"p{person}", arm[person], month, int(rng.random() < p)))
    return pd.DataFrame(rows, columns=["participant", "arm", "month", "off_benefit"])


def _ri(data: pd.DataFrame, **level: Any) -> Any:
    procedure = assignment.CompleteRandomization(arms=("control", "earn_more", "intensive_support"))
    return prct.randomization_inference(
        data,
        outcome="y",
        treatment="arm",
        procedure=procedure,
        units=data[[]],
        n_draws=20,
        rng=np.random.default_rng(2),
    )


SURVIVAL = {"time": "time", "event": "event", "treatment": "arm"}

#: one call per exported estimator: (data, **conf_level) -> result
CASES: dict[str, Callable[..., Any]] = {
    "itt": lambda d, **c: prct.itt(d, outcome="y", treatment="arm", strata="site", **c),
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
        d, outcome="wellbeing", treatment="arm", n_boot=20, rng=np.random.default_rng(3), **c
    ),
    "balance": lambda d, **c: prct.balance(d, treatment="arm", covariates=["age", "site"], **c),
    "randomization_inference": _ri,
    "kaplan_meier": lambda d, **c: prct.kaplan_meier(d, **SURVIVAL, times=[3, 6], **c),
    "logrank": lambda d, **c: prct.logrank(d, **SURVIVAL),
    "rmst": lambda d, **c: prct.rmst(d, **SURVIVAL, tau=12, **c),
    "cox": lambda d, **c: prct.cox(d, **SURVIVAL, covariates=["age"], **c),
    "cause_specific_cox": lambda d, **c: prct.cause_specific_cox(
        d, **SURVIVAL, event_of_interest=1, **c
    ),
    "cumulative_incidence": lambda d, **c: prct.cumulative_incidence(
        d, **SURVIVAL, event_of_interest=1, times=[3, 6], **c
    ),
    "gray_test": lambda d, **c: prct.gray_test(d, **SURVIVAL, event_of_interest=1),
    "fine_gray": lambda d, **c: prct.fine_gray(d, **SURVIVAL, event_of_interest=1, **c),
    "panel_effects": lambda d, **c: prct.panel_effects(
        panel(), outcome="off_benefit", treatment="arm", **c
    ),
    "months_off_benefit": lambda d, **c: prct.months_off_benefit(
        panel(), treatment="arm", horizon=6, **c
    ),
    "survival_analysis": lambda d, **c: prct.survival_analysis(
        d, **SURVIVAL, event_of_interest=1, times=[6], tau=12, **c
    ),
}

#: estimators without an interval take no level
NO_LEVEL = {"logrank", "gray_test", "randomization_inference"}


def _exported_estimators() -> set[str]:
    names = set()
    for name, module in prct._EXPORTS.items():
        if not module.startswith("participatie_rct.estimate"):
            continue
        value = getattr(prct, name)
        if inspect.isfunction(value) and name not in NOT_ESTIMATORS:
            names.add(name)
    return names


def test_every_exported_estimator_has_a_case() -> None:
    assert _exported_estimators() == set(CASES)


def test_every_exported_result_class_follows_the_contract() -> None:
    for name, module in prct._EXPORTS.items():
        value = getattr(prct, name)
        if module.startswith("participatie_rct.estimate") and inspect.isclass(value):
            assert issubclass(value, TidyResult), name
            assert dataclasses.is_dataclass(value), name
            fields = {f.name: f for f in dataclasses.fields(value)}
            assert "warnings" in fields and fields["warnings"].default == (), name
            assert value.__repr__ is TidyResult.__repr__, f"{name}: the dataclass repr is back"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return people()


@pytest.fixture(scope="module")
def results(data: pd.DataFrame) -> dict[str, Any]:
    return {name: call(data) for name, call in CASES.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_to_frame_has_the_contract_columns(name: str, results: dict[str, Any]) -> None:
    frame = results[name].to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0
    required = CURVE_COLUMNS if name in CURVES else ESTIMATE_COLUMNS
    assert set(required) <= set(frame.columns), set(required) - set(frame.columns)
    assert not {"coef", "survival", "cumulative_incidence", "hazard_ratio"} & set(frame.columns)
    assert frame.index.equals(pd.RangeIndex(len(frame)))
    if name in RATIOS:
        assert set(RATIO_COLUMNS) <= set(frame.columns)
        np.testing.assert_allclose(frame["exp_estimate"], np.exp(frame["estimate"]), rtol=1e-12)
        np.testing.assert_allclose(frame["exp_ci_low"], np.exp(frame["ci_low"]), rtol=1e-9)
        np.testing.assert_allclose(frame["exp_ci_high"], np.exp(frame["ci_high"]), rtol=1e-9)
    if name not in TESTS:
        finite = frame["ci_low"].notna() & frame["estimate"].notna()
        assert finite.any() or name in {"randomization_inference", "logrank"}
        ok = frame[finite]
        assert (ok["ci_low"] <= ok["estimate"] + 1e-12).all()
        assert (ok["estimate"] <= ok["ci_high"] + 1e-12).all()


@pytest.mark.parametrize("name", list(CASES))
def test_glance_is_a_dict_of_model_facts(name: str, results: dict[str, Any]) -> None:
    glance = results[name].glance()
    assert isinstance(glance, dict)
    assert set(GLANCE_KEYS) <= set(glance)
    assert glance["control"] == "control"
    assert isinstance(glance["n"], int) and glance["n"] > 0
    assert isinstance(glance["n_dropped_by_arm"], dict)
    assert glance["warnings"] == []


@pytest.mark.parametrize("name", list(CASES))
def test_to_dict_is_estimates_and_glance_and_json_ready(name: str, results: dict[str, Any]) -> None:
    result = results[name]
    payload = result.to_dict()
    assert {"estimates", "glance"} <= set(payload)
    assert len(payload["estimates"]) == len(result.to_frame())
    text = json.dumps(payload, allow_nan=False)  # NaN and inf are gone
    assert json.loads(text)["glance"]["control"] == "control"


@pytest.mark.parametrize("name", list(CASES))
def test_repr_is_a_short_table_and_html_exists(name: str, results: dict[str, Any]) -> None:
    result = results[name]
    text = repr(result)
    assert 2 <= len(text.splitlines()) <= 40
    assert "Result(" not in text and "DataFrame" not in text
    html = result._repr_html_()
    assert html.startswith("<div>") and "<table" in html
    assert isinstance(result.summary(), str)


@pytest.mark.parametrize("name", sorted(set(CASES) - NO_LEVEL))
def test_conf_level_is_the_keyword_and_changes_the_interval(
    name: str, data: pd.DataFrame, results: dict[str, Any]
) -> None:
    wide = results[name].to_frame()
    narrow = CASES[name](data, conf_level=0.5).to_frame()
    finite = wide["ci_low"].notna() & narrow["ci_low"].notna() & (wide["std_error"] > 0)
    assert finite.any()
    width = (wide["ci_high"] - wide["ci_low"])[finite]
    assert (width > (narrow["ci_high"] - narrow["ci_low"])[finite]).all()
    np.testing.assert_allclose(wide["estimate"][finite], narrow["estimate"][finite])


def test_a_warning_reaches_glance_and_the_text() -> None:
    result = prct.itt(people(), outcome="y", treatment="arm")
    warned = dataclasses.replace(result, warnings=("coefficient 'age' is not estimable",))
    assert warned.glance()["warnings"] == ["coefficient 'age' is not estimable"]
    assert "warning: coefficient 'age' is not estimable" in repr(warned)
    assert "not estimable" in warned._repr_html_()
    assert warned.to_dict()["glance"]["warnings"] == ["coefficient 'age' is not estimable"]


def test_one_json_cleaner() -> None:
    cleaned = json_ready(
        {"a": math.nan, "b": [np.float64(math.inf), np.int64(3)], "c": np.array([1.0, np.nan])}
    )
    assert cleaned == {"a": None, "b": [None, 3], "c": [1.0, None]}


@pytest.mark.parametrize("name", sorted(set(CASES) - NO_LEVEL))
@pytest.mark.parametrize("level", [1.5, 0.0, 95])
def test_a_level_outside_zero_and_one_is_refused_the_same_way(
    name: str, level: float, data: pd.DataFrame
) -> None:
    from participatie_rct.errors import ChoiceError

    with pytest.raises(ChoiceError, match=r"conf_level must lie strictly between 0 and 1; got"):
        CASES[name](data, conf_level=level)


def test_design_results_have_the_same_text_views() -> None:
    for name, module in prct._EXPORTS.items():
        value = getattr(prct, name)
        if module.startswith("participatie_rct.design") and inspect.isclass(value):
            assert issubclass(value, TidyResult), name
    power = prct.power_two_proportions(p_control=0.06, p_treatment=0.115, power=0.8)
    bounds = prct.group_sequential_boundaries(information=[0.5, 1.0])
    for result in (power, bounds):
        assert len(repr(result).splitlines()) <= 10 and "Result(" not in repr(result)
        assert result._repr_html_().startswith("<div>")
        json.dumps(result.to_dict(), allow_nan=False)
