"""The statistics that used to live in the report, now public estimators: Cochran's Q, the
log-log interval of a probability, and the standardized mean difference."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.balance import balance
from participatie_rct.estimate.heterogeneity import cochran_q
from participatie_rct.estimate.intervals import log_log_interval
from participatie_rct.estimate.smd import standardized_mean_difference


def test_smd_equals_the_balance_table(rng_data: pd.DataFrame) -> None:
    """The balance table's SMD is the function's, and both are the definition (Austin 2009,
    eq. 1-2) worked out here with pandas: the balance estimator calls the function, so the
    hand computation is the independent reference."""
    table = balance(rng_data, treatment="arm", covariates=["x"], control="c").to_frame()
    control = rng_data.loc[rng_data["arm"] == "c", "x"]
    for arm in ("a", "b"):
        expected = table.loc[table["arm"] == arm, "std_difference"].iloc[0]
        treated = rng_data.loc[rng_data["arm"] == arm, "x"]
        got = standardized_mean_difference(treated, control)
        assert got == pytest.approx(expected, rel=1e-12)
        by_hand = (treated.mean() - control.mean()) / math.sqrt(
            (treated.var(ddof=1) + control.var(ddof=1)) / 2
        )
        assert got == pytest.approx(by_hand, rel=1e-12)


def test_smd_without_spread_or_people_is_nan() -> None:
    assert math.isnan(standardized_mean_difference(pd.Series([1.0, 1.0]), pd.Series([1.0, 1.0])))
    assert math.isnan(standardized_mean_difference(pd.Series([1.0]), pd.Series([0.0, 2.0])))
    # missing values are left out, text that is not a number too
    assert standardized_mean_difference(
        pd.Series([1.0, 3.0, None]), pd.Series([0.0, 2.0, "x"])
    ) == pytest.approx(1 / math.sqrt(2))


def test_log_log_interval_is_symmetric_on_its_scale_and_stays_in_zero_one() -> None:
    f = np.array([0.02, 0.3, 0.5, 0.97])
    se = np.array([0.03, 0.05, 0.1, 0.05])
    low, high = log_log_interval(f, se, conf_level=0.9)
    assert ((low >= 0) & (low <= f) & (f <= high) & (high <= 1)).all()
    z = stats.norm.ppf(0.95)
    centre = np.log(-np.log(f))
    half = z * se / (f * np.abs(np.log(f)))
    # log(-log) reverses order: the upper limit of F is the lower one on that scale
    assert np.log(-np.log(high)) == pytest.approx(centre - half, rel=1e-12)
    assert np.log(-np.log(low)) == pytest.approx(centre + half, rel=1e-12)


def test_log_log_interval_at_the_edges_and_bad_level() -> None:
    low, high = log_log_interval(np.array([0.0, 1.0, 0.4]), np.array([0.1, 0.1, np.nan]))
    assert list(low) == [0.0, 1.0, 0.4] and list(high) == [0.0, 1.0, 0.4]
    with pytest.raises(EstimationError, match="conf_level must be between 0 and 1"):
        log_log_interval(np.array([0.5]), np.array([0.1]), conf_level=95)


def test_cochran_q_refuses_a_frame_without_its_columns() -> None:
    with pytest.raises(EstimationError, match="per_site lacks column"):
        cochran_q(pd.DataFrame({"arm": ["b"], "estimate": [0.1]}))


def test_cochran_q_leaves_out_sites_without_a_standard_error() -> None:
    frame = pd.DataFrame(
        {
            "arm": ["b"] * 3,
            "estimate": [0.1, 0.3, 0.9],
            "std_error": [0.1, 0.1, 0.0],  # the third site has no usable standard error
        }
    )
    row = cochran_q(frame).iloc[0]
    assert row["sites"] == 2 and row["df"] == 1
    assert row["q"] == pytest.approx(2.0)


@pytest.fixture
def rng_data() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    arms = np.repeat(["c", "a", "b"], 40)
    return pd.DataFrame({"arm": arms, "x": rng.normal(size=arms.size) + (arms == "a") * 0.3})
