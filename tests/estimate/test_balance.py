"""balance: means, standardized differences and tests by arm, overall and within groups."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from participatie_rct.errors import EstimationError
from participatie_rct.estimate import balance


def table(seed: int = 0, n: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "arm": np.resize(["control", "earn_more", "intensive_support"], n),
            "age": rng.normal(45, 10, n),
            "site": rng.choice(["Tilburg", "Utrecht"], n),
            "cohort": np.repeat([1, 2], n // 2),
            "long_term": rng.random(n) < 0.4,
        }
    )


def test_means_and_standardized_differences() -> None:
    data = table()
    rows = balance(data, treatment="arm", covariates=["age", "site", "long_term"]).to_frame()
    age = rows[(rows["term"] == "age") & (rows["arm"] == "earn_more")].iloc[0]
    a = data.loc[data["arm"] == "earn_more", "age"]
    c = data.loc[data["arm"] == "control", "age"]
    assert math.isclose(age["mean"], a.mean()) and math.isclose(age["mean_control"], c.mean())
    assert math.isclose(
        age["std_difference"], (a.mean() - c.mean()) / math.sqrt((a.var() + c.var()) / 2)
    )
    assert set(rows["term"]) == {"age", "site=Tilburg", "site=Utrecht", "long_term"}
    assert (rows["f_df"][rows["term"] == "age"] == 2).all()  # both arms against control
    # with one arm, the arm's t test and the F test agree
    two = data[data["arm"] != "intensive_support"]
    one = balance(two, treatment="arm", covariates=["age"]).to_frame().iloc[0]
    assert math.isclose(one["p_value"], one["p_value_f"], rel_tol=1e-10)
    assert math.isclose(one["statistic"] ** 2, one["f_statistic"], rel_tol=1e-10)
    # the interval is the difference plus or minus t times its standard error
    from scipy import stats

    q = stats.t.ppf(0.975, one["df"])
    assert math.isclose(one["estimate"], one["mean"] - one["mean_control"], rel_tol=1e-12)
    assert math.isclose(one["ci_high"] - one["estimate"], q * one["std_error"], rel_tol=1e-10)


def test_by_group_repeats_within_each_level_and_skips_constant_tests() -> None:
    result = balance(table(), treatment="arm", covariates=["age", "site"], by="site")
    frame = result.to_frame()
    assert set(frame["group"]) == {"all", "site=Tilburg", "site=Utrecht"}
    within = frame[(frame["group"] == "site=Tilburg") & (frame["term"] == "site=Tilburg")]
    assert within["p_value"].isna().all()  # constant within its own group: no test
    joint = result.joint_frame()
    assert len(joint) == 6 and joint["p_value"].between(0, 1).all()
    payload = result.to_dict()
    assert set(payload) == {"estimates", "glance", "joint"} and payload["glance"]["by"] == ["site"]


def test_joint_test_detects_imbalance() -> None:
    data = table(1, n=600)
    data.loc[data["arm"] == "earn_more", "age"] += 8  # a broken lottery
    joint = (
        balance(data, treatment="arm", covariates=["age", "long_term"])
        .joint_frame()
        .set_index("arm")
    )
    assert joint.loc["earn_more", "p_value"] < 1e-6 < joint.loc["intensive_support", "p_value"]


def test_balance_needs_covariates_and_reports_dropped_rows() -> None:
    with pytest.raises(EstimationError, match="balance needs covariates"):
        balance(table(), treatment="arm", covariates=[])
    data = table()
    data.loc[0, "age"] = np.nan
    result = balance(data, treatment="arm", covariates=["age"])
    assert result.settings["n_dropped_by_arm"]["control"] == 1
