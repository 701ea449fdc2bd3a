"""Power by simulation: reproducible for any number of workers, valid levels, sane power."""

from __future__ import annotations

import math

import numpy as np
import pytest

from participatie_rct.design.power import power_two_proportions
from participatie_rct.design.simulation import simulated_power
from participatie_rct.errors import DesignError
from participatie_rct.estimate import itt
from participatie_rct.simulate import scenario_spec, simulate_trial

#: Monte Carlo tolerance: |simulated - expected| <= Z_TOL binomial standard errors.
Z_TOL = 4.5


def test_same_result_for_any_number_of_workers() -> None:
    calls: list[tuple[int, int]] = []
    one = simulated_power(
        "apeldoorn", n_trials=8, rng=np.random.default_rng(9), workers=1, looks=2, survival=True
    )
    two = simulated_power(
        "apeldoorn", n_trials=8, rng=np.random.default_rng(9), workers=2, looks=2, survival=True,
        progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    assert one.trials.equals(two.trials)
    assert one.to_dict() == two.to_dict()
    assert calls[-1] == (8, 8) and all(t == 8 for _, t in calls)
    assert one.settings["seed"] == 9 and one.settings["information"] == [0.5, 1.0]


def test_single_look_decisions_are_holm_on_the_itt_p_values() -> None:
    spec = scenario_spec("apeldoorn")
    result = simulated_power(spec, n_trials=5, rng=np.random.default_rng(21), workers=1)
    children = np.random.default_rng(21).spawn(5)
    for i, child in enumerate(children):
        trial = simulate_trial(spec, rng=child, tables=False)
        data = trial.outcomes.assign(
            stratum=trial.outcomes["site"] + "/" + trial.outcomes["age_group"]
        )
        frame = (
            itt(data, outcome="work_12", treatment="arm", strata="stratum")
            .to_frame()
            .set_index("arm")
        )
        rows = result.trials[result.trials["trial"] == i].set_index("arm")
        for arm in frame.index:
            assert rows.loc[arm, "estimate"] == pytest.approx(frame.loc[arm, "estimate"], rel=1e-12)
            assert bool(rows.loc[arm, "rejected"]) == bool(frame.loc[arm, "p_holm"] <= 0.05)


def test_familywise_error_under_the_null_with_looks_and_holm() -> None:
    spec = scenario_spec(
        "generic", n=240, arms=["control", "earn_more", "intensive_support"],
        arm_rates={"earn_more": 0.06, "intensive_support": 0.06}, control_rate=0.06,
    )  # fmt: skip
    trials = 300
    result = simulated_power(
        spec, n_trials=trials, rng=np.random.default_rng(3), workers=2, looks=2
    )
    assert all(abs(v) < 1e-6 for v in result.truth.values())
    fwer = result.glance()["power_any_arm"]
    assert fwer <= 0.05 + Z_TOL * math.sqrt(0.05 * 0.95 / trials)


def test_power_agrees_with_the_two_proportion_formula() -> None:
    # two arms, effect 6% -> 11.5% (ITT); the formula's n for 80% power
    n_arm = power_two_proportions(p_control=0.06, p_treatment=0.115, power=0.8).n_per_arm_ceil
    spec = scenario_spec("generic", n=2 * n_arm, arms=["control", "intensive_support"])
    trials = 200
    result = simulated_power(spec, n_trials=trials, rng=np.random.default_rng(8), workers=2)
    power = result.to_frame().set_index("arm").loc["intensive_support", "power"]
    assert abs(power - 0.8) <= Z_TOL * math.sqrt(0.8 * 0.2 / trials)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(DesignError, match="n_trials must be a whole number"):
        simulated_power("apeldoorn", n_trials=0, rng=np.random.default_rng(1))
    with pytest.raises(DesignError, match="ends with the final analysis at 1"):
        simulated_power(
            "apeldoorn", n_trials=2, rng=np.random.default_rng(1), information=[0.5, 0.8]
        )
    with pytest.raises(DesignError, match="workers must be"):
        simulated_power("apeldoorn", n_trials=2, rng=np.random.default_rng(1), workers=0)


def test_other_primary_outcomes() -> None:
    result = simulated_power(
        "apeldoorn", effects="evaluation", outcome="part_time_12", n_trials=3,
        rng=np.random.default_rng(2), workers=1,
    )  # fmt: skip
    assert result.truth["intensive_support"] == pytest.approx(0.03, abs=1e-8)
    assert result.truth["no_application_duty"] == pytest.approx(0.0, abs=1e-10)
    assert result.settings["outcome"] == "part_time_12"
    with pytest.raises(DesignError, match="outcome must be one of"):
        simulated_power("apeldoorn", n_trials=2, rng=np.random.default_rng(1), outcome="wellbeing")


def test_power_on_the_evaluations_point_in_time_outcome() -> None:
    """Utrecht's late exemption effect (24% vs 15% working >= 12 h after two years) as the
    primary outcome of a power simulation."""
    from participatie_rct.simulate import scenario_spec

    spec = scenario_spec("utrecht", effects="late_exemption")
    result = simulated_power(
        spec, outcome="working_12h_24", n_trials=3, rng=np.random.default_rng(4), workers=1
    )
    assert result.truth["no_application_duty"] == pytest.approx(0.09, abs=1e-8)
    assert result.settings["outcome"] == "working_12h_24"
