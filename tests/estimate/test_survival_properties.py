"""Invariants of the survival estimators, and the errors they raise on bad input.

Each property would fail for a plausible bug: shuffled rows must not change a curve, swapping
the arms must flip the sign of a log hazard ratio, KM without censoring is the empirical
survival function, cumulative incidences of all exits plus KM add up to one, and so on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.competing import cumulative_incidence, fine_gray, gray_test
from participatie_rct.estimate.cox import cox
from participatie_rct.estimate.km import kaplan_meier
from participatie_rct.estimate.logrank import logrank
from participatie_rct.estimate.rmst import rmst

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def trial(seed: int, n: int = 120, *, causes: int = 2, months: int | None = 12) -> pd.DataFrame:
    """A small two-arm trial with monthly (tied) or continuous exit times and competing exits."""
    rng = np.random.default_rng(seed)
    arm = rng.permutation(np.repeat(["control", "intensive_support"], n // 2))
    rate = np.where(arm == "control", 0.08, 0.12)
    exit_time = rng.exponential(1 / rate)
    censor = rng.uniform(2, 24, size=n)
    time = np.minimum(exit_time, censor)
    if months is not None:
        time = np.ceil(np.minimum(time, months))
    event = np.where(exit_time <= censor, rng.integers(1, causes + 1, size=n), 0)
    if months is not None:
        event = np.where(np.minimum(exit_time, censor) > months, 0, event)
    return pd.DataFrame(
        {"time": time, "event": event, "arm": arm, "age": rng.normal(40, 10, size=n).round()}
    )


seeds = st.integers(min_value=0, max_value=10_000)


@SETTINGS
@given(seeds)
def test_shuffled_rows_give_the_same_results(seed):
    data = trial(seed)
    shuffled = data.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    for frame in (data, shuffled):
        frame.attrs.clear()
    km_a = kaplan_meier(
        data, time="time", event="event", treatment="arm", times=[3, 6, 12]
    ).to_frame()
    km_b = kaplan_meier(
        shuffled, time="time", event="event", treatment="arm", times=[3, 6, 12]
    ).to_frame()
    pd.testing.assert_frame_equal(km_a, km_b)
    cox_a = cox(data, time="time", event="event", treatment="arm", covariates=("age",)).to_frame()
    cox_b = cox(
        shuffled, time="time", event="event", treatment="arm", covariates=("age",)
    ).to_frame()
    np.testing.assert_allclose(cox_a["estimate"], cox_b["estimate"], rtol=1e-8)
    np.testing.assert_allclose(cox_a["robust_std_error"], cox_b["robust_std_error"], rtol=1e-8)


@SETTINGS
@given(seeds)
def test_relabelling_arms_flips_the_log_hazard_ratio(seed):
    data = trial(seed)
    a = cox(data, time="time", event="event", treatment="arm", control="control").to_frame().iloc[0]
    b = (
        cox(data, time="time", event="event", treatment="arm", control="intensive_support")
        .to_frame()
        .iloc[0]
    )
    assert a["estimate"] == pytest.approx(-b["estimate"], rel=1e-8, abs=1e-10)
    assert a["std_error"] == pytest.approx(b["std_error"], rel=1e-8)
    assert a["robust_std_error"] == pytest.approx(b["robust_std_error"], rel=1e-8)
    fa = fine_gray(
        data, time="time", event="event", treatment="arm", event_of_interest=1, control="control"
    )
    fb = fine_gray(
        data,
        time="time",
        event="event",
        treatment="arm",
        event_of_interest=1,
        control="intensive_support",
    )
    assert fa.to_frame()["estimate"].iloc[0] == pytest.approx(
        -fb.to_frame()["estimate"].iloc[0], rel=1e-7, abs=1e-9
    )
    assert fa.to_frame()["std_error"].iloc[0] == pytest.approx(
        fb.to_frame()["std_error"].iloc[0], rel=1e-7
    )
    la = logrank(data, time="time", event="event", treatment="arm", control="control")
    lb = logrank(data, time="time", event="event", treatment="arm", control="intensive_support")
    assert la.statistic == pytest.approx(lb.statistic, rel=1e-10)
    ga = gray_test(
        data, time="time", event="event", treatment="arm", event_of_interest=2, control="control"
    )
    gb = gray_test(
        data,
        time="time",
        event="event",
        treatment="arm",
        event_of_interest=2,
        control="intensive_support",
    )
    assert ga.statistic == pytest.approx(gb.statistic, rel=1e-8)


@SETTINGS
@given(seeds)
def test_km_without_censoring_is_the_empirical_survival_function(seed):
    rng = np.random.default_rng(seed)
    times = rng.integers(1, 30, size=50).astype(float)
    data = pd.DataFrame({"time": times, "event": 1, "arm": rng.choice(["a", "b"], size=50)})
    grid = [5.0, 10.0, 20.0]
    frame = kaplan_meier(
        data, time="time", event="event", treatment="arm", control="a", times=grid
    ).to_frame()
    for row in frame.itertuples():
        own = times[data["arm"].to_numpy() == row.arm]
        assert row.estimate == pytest.approx(np.mean(own > row.time))
        assert row.n_risk == np.sum(own >= row.time)


@SETTINGS
@given(seeds)
def test_cumulative_incidences_and_km_add_up_to_one(seed):
    data = trial(seed, causes=3)
    grid = [2.0, 5.0, 9.0]
    km = kaplan_meier(data, time="time", event="event", treatment="arm", times=grid).to_frame()
    cif = cumulative_incidence(
        data, time="time", event="event", treatment="arm", times=grid
    ).to_frame()
    total = cif.groupby(["arm", "time"])["estimate"].sum().rename("cumulative_incidence")
    merged = km.rename(columns={"estimate": "survival"}).merge(
        total.reset_index(), on=["arm", "time"]
    )
    # a cause that never occurs in an arm is absent from its sum; fill the curve beyond follow-up
    ok = merged["cumulative_incidence"].notna()
    np.testing.assert_allclose(
        merged.loc[ok, "survival"] + merged.loc[ok, "cumulative_incidence"], 1.0, atol=1e-12
    )


@SETTINGS
@given(seeds)
def test_one_cause_cif_is_one_minus_km(seed):
    data = trial(seed, causes=1)
    grid = [3.0, 6.0]
    km = kaplan_meier(data, time="time", event="event", treatment="arm", times=grid).to_frame()
    cif = cumulative_incidence(
        data, time="time", event="event", treatment="arm", times=grid
    ).to_frame()
    np.testing.assert_allclose(cif["estimate"], 1 - km["estimate"], atol=1e-12)


@SETTINGS
@given(seeds)
def test_efron_equals_breslow_without_ties(seed):
    data = trial(seed, months=None)
    assert not data["time"].duplicated().any()
    efron = cox(
        data, time="time", event="event", treatment="arm", covariates=("age",), ties="efron"
    ).to_frame()
    breslow = cox(
        data, time="time", event="event", treatment="arm", covariates=("age",), ties="breslow"
    ).to_frame()
    np.testing.assert_allclose(efron["estimate"], breslow["estimate"], rtol=1e-9)
    np.testing.assert_allclose(efron["robust_std_error"], breslow["robust_std_error"], rtol=1e-9)


def test_own_cluster_equals_robust_and_clusters_change_it():
    data = trial(3)
    data["person"] = np.arange(len(data))
    data["site"] = np.arange(len(data)) % 7
    plain = cox(data, time="time", event="event", treatment="arm").to_frame()
    own = cox(data, time="time", event="event", treatment="arm", cluster="person").to_frame()
    site = cox(data, time="time", event="event", treatment="arm", cluster="site").to_frame()
    assert own["robust_std_error"].iloc[0] == pytest.approx(
        plain["robust_std_error"].iloc[0], rel=1e-12
    )
    assert site["robust_std_error"].iloc[0] != pytest.approx(
        plain["robust_std_error"].iloc[0], rel=1e-3
    )


def test_cox_and_gray_with_three_arms_give_one_row_per_arm():
    rng = np.random.default_rng(5)
    data = trial(5, n=300)
    data["arm"] = rng.choice(["control", "earn_more", "no_application_duty"], size=len(data))
    result = cox(data, time="time", event="event", treatment="arm")
    assert result.to_frame()["arm"].tolist() == ["earn_more", "no_application_duty"]
    assert result.proportional_hazards().to_frame()["df"].tolist() == [2, 2]
    assert gray_test(data, time="time", event="event", treatment="arm", event_of_interest=1).df == 2
    assert logrank(data, time="time", event="event", treatment="arm").df == 2


def test_rmst_of_uncensored_data_is_the_mean_of_truncated_times():
    times = np.array([1.0, 2, 2, 3, 5, 8, 9, 12])
    data = pd.DataFrame({"time": np.r_[times, times + 1], "event": 1, "arm": ["a"] * 8 + ["b"] * 8})
    table = rmst(data, time="time", event="event", treatment="arm", control="a", tau=6).to_frame()
    assert table["estimate"].iloc[0] == pytest.approx(np.minimum(times, 6).mean())
    assert table["estimate"].iloc[1] == pytest.approx(np.minimum(times + 1, 6).mean())


def test_results_have_the_four_views():
    data = trial(11)
    for result in (
        kaplan_meier(data, time="time", event="event", treatment="arm", times=[6]),
        logrank(data, time="time", event="event", treatment="arm"),
        cox(data, time="time", event="event", treatment="arm"),
        cumulative_incidence(
            data, time="time", event="event", treatment="arm", event_of_interest=1, times=[6]
        ),
        gray_test(data, time="time", event="event", treatment="arm", event_of_interest=1),
        fine_gray(data, time="time", event="event", treatment="arm", event_of_interest=1),
        rmst(data, time="time", event="event", treatment="arm", tau=6),
    ):
        assert isinstance(result.to_frame(), pd.DataFrame)
        assert isinstance(result.glance(), dict)
        assert isinstance(result.summary(), str) and result.summary()
        assert isinstance(result.to_dict(), dict)
        with pytest.raises(AttributeError):
            result.n = 0  # frozen


# ---- errors name the column, the rows and the fix --------------------------------------------


def test_missing_column_is_named():
    with pytest.raises(
        EstimationError, match=r"time column 'months' is not in the data .*columns: time, event"
    ):
        kaplan_meier(trial(1), time="months", event="event", treatment="arm")


def test_negative_times_are_refused_with_their_lines():
    data = trial(1)
    data.loc[[3, 7], "time"] = -1
    with pytest.raises(
        EstimationError, match=r"column 'time': 2 rows have a negative .*lines 5, 9"
    ):
        cox(data, time="time", event="event", treatment="arm")


def test_missing_values_are_refused_not_dropped():
    data = trial(1)
    data.loc[4, "event"] = np.nan
    with pytest.raises(EstimationError, match=r"column 'event': 1 row has no value \(line 6"):
        logrank(data, time="time", event="event", treatment="arm")


def test_bad_event_codes_are_refused():
    data = trial(1)
    data["event"] = data["event"].astype(float)
    data.loc[2, "event"] = 1.5
    with pytest.raises(
        EstimationError, match=r"column 'event': 1 row has no valid event code \(line 4"
    ):
        kaplan_meier(data, time="time", event="event", treatment="arm")


def test_unknown_control_and_single_arm_are_refused():
    data = trial(1)
    with pytest.raises(EstimationError, match=r"control level 'placebo' does not occur.*control="):
        cox(data, time="time", event="event", treatment="arm", control="placebo")
    with pytest.raises(EstimationError, match=r"only one arm"):
        logrank(data[data["arm"] == "control"], time="time", event="event", treatment="arm")


def test_unknown_event_of_interest_is_refused():
    with pytest.raises(
        EstimationError, match=r"event code 7 does not occur \(exit codes present: 1, 2\)"
    ):
        gray_test(trial(1), time="time", event="event", treatment="arm", event_of_interest=7)
    with pytest.raises(EstimationError, match=r"event code 7 does not occur"):
        cox(trial(1), time="time", event="event", treatment="arm", event_of_interest=7)


def test_constant_covariate_is_refused():
    data = trial(1)
    data["one"] = 1.0
    with pytest.raises(EstimationError, match=r"singular"):
        cox(data, time="time", event="event", treatment="arm", covariates=("one",))


def test_bad_choices_are_refused():
    with pytest.raises(EstimationError, match=r"ties must be one of efron, breslow; got 'exact'"):
        cox(trial(1), time="time", event="event", treatment="arm", ties="exact")
    with pytest.raises(EstimationError, match=r"conf_type must be one of log, log-log, plain"):
        kaplan_meier(trial(1), time="time", event="event", treatment="arm", conf_type="arcsin")
    with pytest.raises(EstimationError, match=r"tau must be a positive horizon"):
        rmst(trial(1), time="time", event="event", treatment="arm", tau=0)


def test_a_stratum_without_exits_adds_nothing_to_gray_or_logrank():
    data = trial(21)
    quiet = data.head(10).assign(event=0, site="b")
    both = pd.concat([data.assign(site="a"), quiet], ignore_index=True)
    plain = gray_test(data, time="time", event="event", treatment="arm", event_of_interest=1)
    strat = gray_test(
        both, time="time", event="event", treatment="arm", event_of_interest=1, strata="site"
    )
    assert strat.statistic == pytest.approx(plain.statistic, rel=1e-12)
    lr_plain = logrank(data, time="time", event="event", treatment="arm")
    lr_strat = logrank(both, time="time", event="event", treatment="arm", strata="site")
    assert lr_strat.statistic == pytest.approx(lr_plain.statistic, rel=1e-12)


@pytest.mark.parametrize("bad", [-5, float("nan"), float("inf"), "x"])
def test_curves_refuse_a_time_that_is_not_a_time_since_assignment(bad):
    data = trial(2)
    message = r"times=: .* is not a time since assignment \(a number >= 0\)"
    with pytest.raises(EstimationError, match=message):
        kaplan_meier(data, time="time", event="event", treatment="arm", times=[6, bad])
    with pytest.raises(EstimationError, match=message):
        cumulative_incidence(data, time="time", event="event", treatment="arm", times=[bad])
