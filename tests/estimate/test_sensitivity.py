"""Subgroups, logit AMEs, complier effects, Lee bounds: properties beyond the R references."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from participatie_rct.errors import EstimationError
from participatie_rct.estimate import cace, itt, lee_bounds, logit_ame, subgroup_effects
from participatie_rct.estimate.lee import trimmed_mean


def trial(seed: int = 0, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = np.resize(np.array(["control", "earn_more", "intensive_support"]), n)[rng.permutation(n)]
    older = rng.random(n) < 0.5
    y = 0.1 + 0.3 * (arm == "earn_more") * older + rng.normal(0, 0.5, n)
    takeup = np.where(arm == "control", 0.0, (rng.random(n) < 0.7).astype(float))
    return pd.DataFrame(
        {
            "arm": arm,
            "age_45_plus": older,
            "y": y,
            "site": rng.choice(["A", "B"], n),
            "took_up": takeup,
        }
    )


def test_subgroup_effects_equal_separate_regressions() -> None:
    data = trial()
    result = subgroup_effects(data, outcome="y", treatment="arm", subgroup="age_45_plus")
    frame = result.to_frame()
    assert len(frame) == 4 and set(frame["level"]) == {"True", "False"}
    for level, part in data.groupby("age_45_plus"):
        alone = itt(part, outcome="y", treatment="arm").to_frame().set_index("arm")
        mine = frame[frame["level"] == str(level)].set_index("arm")
        np.testing.assert_allclose(mine["estimate"], alone["estimate"], rtol=1e-10)
        # HC2 leverages are the same in the pooled, fully interacted model
        np.testing.assert_allclose(mine["std_error"], alone["std_error"], rtol=1e-10)
    tests = {t["arm"]: t for t in result.interaction_tests()}
    assert set(tests) == {"earn_more", "intensive_support", "all"} and tests["all"]["df"] == 2
    assert tests["earn_more"]["p_value"] < 0.05 < tests["intensive_support"]["p_value"]
    assert len(result.to_dict()["glance"]["interaction"]) == 3


def test_subgroup_refuses_continuous_columns() -> None:
    with pytest.raises(EstimationError, match="subgroups need a categorical column"):
        data = trial().assign(score=lambda d: d["y"] * 10)
        subgroup_effects(data, outcome="y", treatment="arm", subgroup="score")


def test_subgroup_refuses_the_outcome_or_treatment_column() -> None:
    with pytest.raises(EstimationError, match="column 'arm' is the treatment and cannot also"):
        subgroup_effects(trial(), outcome="y", treatment="arm", subgroup="arm")


def test_logit_ame_is_close_to_the_difference_in_shares_without_covariates() -> None:
    data = trial(2).assign(outflow=lambda d: d["y"] > 0.2)
    ame = logit_ame(data, outcome="outflow", treatment="arm").to_frame().set_index("arm")
    shares = data.groupby("arm")["outflow"].mean()
    # a saturated logit reproduces the cell shares exactly
    assert math.isclose(
        ame.loc["earn_more", "estimate"], shares["earn_more"] - shares["control"], rel_tol=1e-8
    )
    assert ame["df"].map(math.isinf).all()
    with pytest.raises(EstimationError, match="must be 0/1"):
        logit_ame(data, outcome="y", treatment="arm")


def test_cace_matches_linearmodels_2sls_and_the_wald_ratio() -> None:
    from linearmodels.iv import IV2SLS

    data = trial(3)
    two = data[data["arm"] != "intensive_support"].reset_index(drop=True)
    result = cace(two, outcome="y", treatment="arm", received="took_up", se_type="hc0")
    e = result.effect("earn_more")
    z = (two["arm"] == "earn_more").astype(float)
    wald = (
        itt(two, outcome="y", treatment="arm").effect("earn_more").estimate
        / two.loc[z == 1, "took_up"].mean()
    )
    assert math.isclose(e.estimate, wald, rel_tol=1e-10)
    ref = IV2SLS(two["y"], np.ones((len(two), 1)), two[["took_up"]], z.to_frame("z")).fit(
        cov_type="robust"
    )
    assert math.isclose(e.estimate, ref.params["took_up"], rel_tol=1e-10)
    assert math.isclose(e.std_error, ref.std_errors["took_up"], rel_tol=1e-8)  # both HC0
    fs = result.settings["first_stage"]["earn_more"]
    assert fs["statistic"] > 100 and fs["compliance_control"] == 0.0


def test_cace_several_arms_and_refusals() -> None:
    data = trial(4)
    result = cace(data, outcome="y", treatment="arm", received="took_up")
    assert result.to_frame()["arm"].tolist() == ["earn_more", "intensive_support"]
    bad = data.assign(took_up=np.where(data["arm"] == "control", 1.0, data["took_up"]))
    with pytest.raises(EstimationError, match="control rows have 1"):
        cace(bad, outcome="y", treatment="arm", received="took_up")


def test_trimmed_mean_is_exact_with_fractions() -> None:
    values = np.array([5.0, 1.0, 3.0, 2.0, 4.0])
    assert trimmed_mean(values, 1.0, from_top=False) == 3.0
    assert math.isclose(trimmed_mean(values, 0.5, from_top=False), (1 + 2 + 0.5 * 3) / 2.5)
    assert math.isclose(trimmed_mean(values, 0.5, from_top=True), (5 + 4 + 0.5 * 3) / 2.5)


def test_lee_bounds_by_hand() -> None:
    # arm: 4 of 5 respond (q=0.8), control: 2 of 5 (q=0.4): trim half of the arm's respondents
    data = pd.DataFrame(
        {
            "arm": ["t"] * 5 + ["c"] * 5,
            "wellbeing": [1, 2, 3, 4, np.nan, 5, 7, np.nan, np.nan, np.nan],
        }
    )
    row = lee_bounds(data, outcome="wellbeing", treatment="arm", control="c").bounds_frame().iloc[0]
    assert row["trim_share"] == pytest.approx(0.5) and row["trimmed"] == "arm"
    assert row["lower"] == pytest.approx(1.5 - 6) and row["upper"] == pytest.approx(3.5 - 6)
    # the other way round: control answers more, so control is trimmed
    flipped = (
        lee_bounds(data, outcome="wellbeing", treatment="arm", control="t").bounds_frame().iloc[0]
    )
    assert flipped["trimmed"] == "control"
    assert flipped["lower"] == pytest.approx(-row["upper"]) and flipped["upper"] == pytest.approx(
        -row["lower"]
    )


def test_lee_bounds_bootstrap_is_reproducible_and_records_its_seed() -> None:
    data = trial(5)
    data.loc[data.sample(frac=0.3, random_state=1).index, "y"] = np.nan
    a = lee_bounds(data, outcome="y", treatment="arm", n_boot=50, rng=np.random.default_rng(11))
    b = lee_bounds(data, outcome="y", treatment="arm", n_boot=50, rng=np.random.default_rng(11))
    assert a.to_frame().equals(b.to_frame()) and a.settings["seed"] == 11
    frame = a.bounds_frame()
    assert (frame["ci_low"] <= frame["lower"]).all() and (frame["upper"] <= frame["ci_high"]).all()
    with pytest.raises(EstimationError, match="need rng"):
        lee_bounds(data, outcome="y", treatment="arm", n_boot=5)
