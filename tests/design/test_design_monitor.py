"""monitor_status on DataFrames: information from matured follow-up, boundaries, Z, CP."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats
from scipy.stats import norm

from participatie_rct.design import conditional_power, group_sequential_boundaries, monitor_status
from participatie_rct.design.monitor import planned_previous_information
from participatie_rct.errors import DesignError

ARMS = ("control", "earn_more", "intensive_support", "no_application_duty")


def _outcomes(
    *, n_per_arm: int, matured_share: float, rates: dict[str, float], seed: int
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for arm in ARMS:
        matured = rng.random(n_per_arm) < matured_share
        outflow = (rng.random(n_per_arm) < rates.get(arm, 0.1)).astype(float)
        outflow[~matured] = np.nan
        frames.append(pd.DataFrame({"arm": arm, "matured": matured, "outflow_work": outflow}))
    return pd.concat(frames, ignore_index=True)


RATES = {"control": 0.08, "earn_more": 0.11, "intensive_support": 0.2, "no_application_duty": 0.09}


def test_information_counts_matured_outcomes_not_enrolment() -> None:
    frame = _outcomes(n_per_arm=200, matured_share=0.5, rates=RATES, seed=1)
    n_known = int((frame["matured"] & frame["outflow_work"].notna()).sum())
    status = monitor_status(frame, control="control", target_n=1600, planned_looks=3)
    assert status.n_observed == n_known
    assert status.information == pytest.approx(n_known / 1600)
    assert status.n_assigned == 800
    # more enrolment without matured follow-up changes neither the information nor the Z
    later = pd.DataFrame({"arm": list(ARMS) * 50, "matured": False, "outflow_work": np.nan})
    grown = monitor_status(
        pd.concat([frame, later]), control="control", target_n=1600, planned_looks=3
    )
    assert grown.information == status.information
    assert [c.statistic for c in grown.comparisons] == [c.statistic for c in status.comparisons]
    # matured but with an unknown outcome (a missing month) does not count either
    hidden = frame.copy()
    hidden.loc[hidden.index[:10], ["matured", "outflow_work"]] = [True, np.nan]
    assert monitor_status(hidden, control="control", target_n=1600).n_observed <= n_known


def test_boundary_is_recomputed_at_the_observed_fractions() -> None:
    frame = _outcomes(n_per_arm=200, matured_share=0.6, rates=RATES, seed=2)
    status = monitor_status(
        frame,
        control="control",
        target_n=1200,
        previous_information=[0.21],
        planned_looks=4,
        spending="pocock",
    )
    assert status.look == 2
    expected = group_sequential_boundaries(
        information=[0.21, status.information], alpha=0.05 / 3, spending="pocock"
    )
    assert status.z_boundary == pytest.approx(expected.z[-1], abs=1e-10)
    assert status.alpha_per_comparison == pytest.approx(0.05 / 3)
    assert [look.information for look in status.boundary.looks] == pytest.approx(
        [0.21, status.information]
    )
    plain = monitor_status(
        frame, control="control", target_n=1200, correction="none", spending="pocock"
    )
    assert plain.z_boundary == pytest.approx(
        group_sequential_boundaries(information=[plain.information], spending="pocock").z[0]
    )


def test_statistic_is_the_welch_statistic_and_crossing_follows() -> None:
    frame = _outcomes(n_per_arm=400, matured_share=0.9, rates=RATES, seed=3)
    status = monitor_status(frame, control="control", target_n=1700, spending="obrien-fleming")
    known = frame[frame["matured"] & frame["outflow_work"].notna()]
    for comparison in status.comparisons:
        treated = known.loc[known["arm"] == comparison.arm, "outflow_work"]
        control = known.loc[known["arm"] == "control", "outflow_work"]
        welch = stats.ttest_ind(treated, control, equal_var=False).statistic
        assert comparison.statistic == pytest.approx(welch, rel=1e-12)
        assert comparison.estimate == pytest.approx(treated.mean() - control.mean())
        assert comparison.crossed == (abs(comparison.statistic) >= status.z_boundary)
    by_arm = {c.arm: c for c in status.comparisons}
    assert by_arm["intensive_support"].crossed  # 8% vs 20% on ~360 per arm
    assert not by_arm["no_application_duty"].crossed
    assert status.crossed
    frame_out = status.to_frame()
    assert list(frame_out["arm"]) == ["earn_more", "intensive_support", "no_application_duty"]
    assert "CROSSED" in status.summary()


def test_final_look_spends_all_alpha_and_has_no_conditional_power() -> None:
    frame = _outcomes(n_per_arm=100, matured_share=1.0, rates=RATES, seed=4)
    status = monitor_status(
        frame, control="control", target_n=400, previous_information=[0.3, 0.6], correction="none"
    )
    assert status.final and status.information == 1.0
    assert status.boundary.looks[-1].alpha_cumulative == pytest.approx(0.05)
    expected = group_sequential_boundaries(information=[0.3, 0.6, 1.0])
    assert status.z_boundary == pytest.approx(expected.z[-1], abs=1e-10)
    assert all(math.isnan(c.conditional_power_trend) for c in status.comparisons)
    # the last planned look spends what is left even when fewer outcomes matured than planned
    short = monitor_status(
        frame, control="control", target_n=500, previous_information=[0.3], planned_looks=2
    )
    assert short.final and short.boundary.looks[-1].alpha_cumulative == pytest.approx(0.05 / 3)


def test_conditional_power_averages_to_the_power() -> None:
    # Lan and Wittes: E[CP(B(t))] over B(t) ~ N(theta t, t) is the unconditional P(|B(1)| >= c)
    theta, t, c = 2.5, 0.4, 1.96
    mean_cp, _ = integrate.quad(
        lambda b: (
            conditional_power(b / math.sqrt(t), t, theta=theta, critical=c)
            * norm.pdf(b, theta * t, math.sqrt(t))
        ),
        -12,
        12,
    )
    assert mean_cp == pytest.approx(norm.sf(c - theta) + norm.cdf(-c - theta), abs=1e-9)
    assert math.isnan(conditional_power(1.0, 1.0, theta=1.0, critical=1.96))


def test_conditional_power_under_trend_and_design() -> None:
    frame = _outcomes(n_per_arm=300, matured_share=0.4, rates=RATES, seed=5)
    status = monitor_status(
        frame,
        control="control",
        target_n=1200,
        planned_looks=3,
        planned_effect=0.06,
        correction="none",
    )
    final_z = group_sequential_boundaries(information=[status.information, 1.0]).z[-1]
    assert status.final_z == pytest.approx(final_z, abs=1e-10)
    t = status.information
    known = frame[frame["matured"] & frame["outflow_work"].notna()]
    p0 = known.loc[known["arm"] == "control", "outflow_work"].mean()
    for c in status.comparisons:
        assert c.conditional_power_trend == pytest.approx(
            conditional_power(c.statistic, t, theta=c.statistic / math.sqrt(t), critical=final_z)
        )
        se_full = math.sqrt((p0 + 0.06) * (1 - p0 - 0.06) / 300 + p0 * (1 - p0) / 300)
        assert c.conditional_power_design == pytest.approx(
            conditional_power(c.statistic, t, theta=0.06 / se_full, critical=final_z)
        )
    strong = {c.arm: c for c in status.comparisons}["intensive_support"]
    assert strong.conditional_power_trend > 0.9
    payload = status.to_dict()
    assert {"look", "information", "z_boundary", "crossed", "looks", "comparisons"} <= set(payload)
    assert "conditional_power_design" in payload["comparisons"][0]


def test_planned_previous_information() -> None:
    assert planned_previous_information(2, 4) == (0.25, 0.5)
    with pytest.raises(DesignError, match="looks_done = 3 but the protocol plans 3 looks"):
        planned_previous_information(3, 3)


@pytest.mark.parametrize(
    ("change", "kwargs", "match"),
    [
        (lambda f: f.drop(columns=["matured"]), {}, "outcomes lacks column\\(s\\) 'matured'"),
        (
            lambda f: f,
            {"control": "controle"},
            "no row of the control arm 'controle' \\(arms found: 'control', ",
        ),
        (lambda f: f.assign(matured=False), {}, "no participant has a matured outcome yet"),
        (
            lambda f: f.assign(outflow_work=2.0),
            {},
            "'outflow_work' must be 0, 1 or empty; 800 rows are not",
        ),
        (
            lambda f: f,
            {"previous_information": [0.9]},
            "is not above the previous look's \\(0.9000\\)",
        ),
        (lambda f: f, {"previous_information": [0.2, 0.1]}, "must increase strictly"),
        (lambda f: f, {"target_n": 0}, "target_n .* must be a whole number >= 2; got 0"),
        (
            lambda f: f,
            {"previous_information": [0.1, 0.2], "planned_looks": 2},
            "only 2 looks are planned",
        ),
        (
            lambda f: f.assign(outflow_work="ja"),
            {},
            "'outflow_work' must be 0, 1 or empty; 800 rows are not \\(first value 'ja' in row 0",
        ),
        (
            lambda f: f.assign(matured="false"),
            {},
            "column 'matured' must be true or false; 800 rows are not \\(first value 'false'",
        ),
        (lambda f: f, {"previous_information": ["a"]}, "previous_information must be numbers"),
        (lambda f: f, {"planned_looks": 0}, "planned_looks must be a whole number >= 1 .*; got 0"),
        (lambda f: f, {"planned_effect": float("nan")}, "planned_effect must be .*; got nan"),
        (lambda f: f, {"planned_effect": 1.5}, "planned_effect must be .*; got 1.5"),
    ],
)
def test_bad_monitoring_input_is_refused(change, kwargs: dict, match: str) -> None:
    frame = change(_outcomes(n_per_arm=200, matured_share=0.5, rates=RATES, seed=6))
    arguments = {"control": "control", "target_n": 1600, **kwargs}
    with pytest.raises(DesignError, match=match):
        monitor_status(frame, **arguments)


def _fixed_outcomes(outflows: dict[str, int], n_per_arm: int = 400) -> pd.DataFrame:
    """Everyone matured; ``outflows[arm]`` of each arm's ``n_per_arm`` left for work."""
    rows = [
        {"arm": arm, "matured": True, "outflow_work": float(i < k)}
        for arm, k in outflows.items()
        for i in range(n_per_arm)
    ]
    return pd.DataFrame(rows)


def test_holm_steps_down_where_bonferroni_stops() -> None:
    """Maurer and Bretz (2013): after the largest |Z| crosses at alpha/3, the next is tested
    at alpha/2 (|Z| >= 2.2414 at a single final look) rather than alpha/3 (2.3940)."""
    frame = _fixed_outcomes({"control": 40, "a": 80, "b": 62, "c": 45})
    args = {"control": "control", "target_n": len(frame)}
    holm = monitor_status(frame, **args)  # the default, as for itt and power
    bonferroni = monitor_status(frame, **args, correction="bonferroni")
    z = {c.arm: c.statistic for c in holm.comparisons}
    assert 2.2414 < z["b"] < 2.3940 < z["a"]
    assert holm.correction.value == "holm"
    assert {c.arm: c.crossed for c in holm.comparisons} == {"a": True, "b": True, "c": False}
    assert {c.arm: c.crossed for c in bonferroni.comparisons} == {
        "a": True, "b": False, "c": False,
    }  # fmt: skip
    assert holm.z_boundary == pytest.approx(bonferroni.z_boundary)  # the first step: alpha/3
    # each arm carries the bar of its step, so "crossed" can be read off its own row
    critical = {c.arm: c.critical for c in holm.comparisons}
    assert critical == pytest.approx({"a": 2.3940, "b": 2.2414, "c": 1.9600}, abs=1e-4)
    assert {c.arm: c.critical for c in bonferroni.comparisons} == pytest.approx(
        dict.fromkeys("abc", bonferroni.z_boundary)
    )
    assert "Z 2.3" in holm.summary() and "against |Z| >= 2.2414" in holm.summary()
    assert all(c["critical"] > 0 for c in holm.to_dict()["comparisons"])
    # nothing crosses when the largest does not: the step-down stops at its first step
    weak = _fixed_outcomes({"control": 40, "a": 62, "b": 62, "c": 45})
    assert not monitor_status(weak, **args).crossed
