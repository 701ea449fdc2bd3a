"""The numeric helpers that exist once: each equals the estimator it stands in for."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from participatie_rct.estimate import balance, itt, neyman_std_error, standardized_mean_difference


def two_arms(seed: int = 4, n: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = np.repeat(["control", "treated"], n)
    return pd.DataFrame({"arm": arm, "y": rng.normal(size=2 * n) + (arm == "treated")})


def test_neyman_standard_error_equals_hc2_without_covariates() -> None:
    data = two_arms()
    hc2 = itt(data, outcome="y", treatment="arm").to_frame()["std_error"].iloc[0]
    own = neyman_std_error(
        data.loc[data["arm"] == "treated", "y"], data.loc[data["arm"] == "control", "y"]
    )
    assert own == pytest.approx(hc2, rel=1e-12)
    assert math.isnan(neyman_std_error([1.0], [1.0, 2.0]))


def test_standardized_mean_difference_is_the_balance_tables() -> None:
    data = two_arms().assign(age=lambda d: np.arange(len(d)) % 17)
    row = balance(data, treatment="arm", covariates=["age"]).to_frame().iloc[0]
    treated = data.loc[data["arm"] == "treated", "age"]
    control = data.loc[data["arm"] == "control", "age"]
    assert row["std_difference"] == pytest.approx(standardized_mean_difference(treated, control))
    pooled = math.sqrt((treated.var() + control.var()) / 2)
    assert row["std_difference"] == pytest.approx((treated.mean() - control.mean()) / pooled)
    # missing values are left out, constant groups give no standardized difference
    assert standardized_mean_difference(
        pd.Series([1.0, np.nan, 3.0]), pd.Series([1.0, 2.0])
    ) == pytest.approx(standardized_mean_difference(pd.Series([1.0, 3.0]), pd.Series([1.0, 2.0])))
    assert math.isnan(standardized_mean_difference(pd.Series([2.0, 2.0]), pd.Series([2.0, 2.0])))
