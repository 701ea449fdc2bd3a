"""The simulator: valid tables, same bytes for the same seed, calibration targets met."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from participatie_rct.data import validate_file
from participatie_rct.errors import DesignError, ParticipatieRCTError
from participatie_rct.simulate import (
    SIMULATION_FILES,
    expected_outflow,
    scenario_spec,
    simulate_trial,
    simulation_files,
    write_simulation,
)

#: Sampling tolerance of every calibration check: |sample - truth| <= Z_TOL standard errors.
#: With some twenty checks, 4.5 keeps a false alarm below 1 in 10,000 runs while a
#: mis-calibrated model (off by 1 point on 20,000 people, > 5 SE) still fails.
Z_TOL = 4.5


def _within(sample: float, truth: float, se: float) -> bool:
    return abs(sample - truth) <= Z_TOL * se


def _se_share(p: float, n: int) -> float:
    return math.sqrt(max(p * (1 - p), 1e-12) / n)


@pytest.fixture(scope="module")
def large_wageningen():
    return simulate_trial("wageningen", rng=np.random.default_rng(2017), n=20_000)


@pytest.fixture(scope="module")
def large_evaluation():
    return simulate_trial(
        "wageningen", effects="evaluation", rng=np.random.default_rng(2020), n=20_000, tables=False
    )


@pytest.fixture(scope="module")
def large_apeldoorn():
    return simulate_trial("apeldoorn", rng=np.random.default_rng(450), n=20_000)


@pytest.mark.parametrize("scenario", ["wageningen", "apeldoorn", "generic"])
def test_written_tables_pass_validate_and_repeat_byte_for_byte(
    scenario: str, tmp_path: Path
) -> None:
    first = write_simulation(
        simulate_trial(scenario, rng=np.random.default_rng(11)), tmp_path / "a"
    )
    second = write_simulation(
        simulate_trial(scenario, rng=np.random.default_rng(11)), tmp_path / "b"
    )
    assert sorted(first) == sorted(SIMULATION_FILES)
    for name in SIMULATION_FILES:
        assert first[name].read_bytes() == second[name].read_bytes(), name
    for table in ("participants", "benefit_months", "survey"):
        report = validate_file(first[f"{table}.csv"], table)
        assert report.n_rows > 0
    truth = json.loads(first["truth.json"].read_text(encoding="utf-8"))
    assert truth["scenario"] == scenario and truth["seed"] == 11
    other = simulation_files(simulate_trial(scenario, rng=np.random.default_rng(12)))
    assert other["benefit_months.csv"] != first["benefit_months.csv"].read_bytes()


def test_scenario_shapes() -> None:
    wag = simulate_trial("wageningen", rng=np.random.default_rng(1))
    assert wag.protocol.arm_keys == (
        "control",
        "earn_more",
        "intensive_support",
        "no_application_duty",
    )
    assert wag.truth["n"] == 410 and int(wag.participants["consent"].sum()) == 410
    # about half of the ~800 recipients take part (docs/domain.md, Wageningen)
    assert 0.4 < wag.truth["n"] / wag.truth["n_invited"] < 0.62
    assert wag.participants["enrolled_on"].min() == "2017-10-01"
    apd = simulate_trial("apeldoorn", rng=np.random.default_rng(1))
    assert apd.protocol.arm_keys == ("control", "intensive_support", "no_application_duty")
    assert apd.truth["n"] == 450 and 480 < apd.truth["n_invited"] < 600
    assert set(apd.participants["site"]) == {"Apeldoorn", "Epe"}
    assert apd.protocol.assignment.strata == ("site", "age_group")
    assert (
        apd.protocol.identifier_kind.value == "pseudonym" and apd.protocol.identifier_column == "id"
    )
    assert apd.truth["protocol_seed"] == apd.protocol.seed
    assert [w.id for w in apd.withdrawals] == apd.assignments.loc[
        apd.assignments["withdrawn"], "id"
    ].tolist()
    assert all(w.reason for w in apd.withdrawals)
    # participants in id order, intake dates never decrease along the ids (arrival order)
    assert apd.participants["id"].is_monotonic_increasing
    assert apd.participants["enrolled_on"].is_monotonic_increasing


def test_batch_and_rolling_intake() -> None:
    batch = simulate_trial("generic", rng=np.random.default_rng(5), n=200, intake="batch")
    assert batch.participants["enrolled_on"].nunique() == 1
    rolling = simulate_trial(
        "generic", rng=np.random.default_rng(5), n=200, intake="rolling", intake_months=4
    )
    months = pd.to_datetime(rolling.participants["enrolled_on"]).dt.to_period("M")
    assert months.nunique() == 4


def test_combined_arms_take_the_strongest_measure_plus_half_the_other() -> None:
    arms = ["control", "intensive_support", "earn_more", "earn_more_and_intensive_support"]
    trial = simulate_trial("generic", rng=np.random.default_rng(3), n=400, arms=arms, tables=False)
    t = trial.truth["arms"]
    combo = t["earn_more_and_intensive_support"]
    assert combo["measures"] == ["earn_more", "intensive_support"]
    assert combo["label_en"] == "Earn more + Intensive support"
    # log hazard ratios: the strongest measure's plus half of the other's (sub-additive: the
    # evaluations could not separate measures that were combined; effects do not multiply)
    hr = combo["work_hazard_ratio"]["under_45"]
    strong = t["intensive_support"]["work_hazard_ratio"]["under_45"]
    weak = t["earn_more"]["work_hazard_ratio"]["under_45"]
    assert hr == pytest.approx(strong * math.sqrt(weak), rel=1e-8)
    assert strong < hr < strong * weak
    assert t["intensive_support"]["itt"]["work_12"] < combo["itt"]["work_12"] < 0.16


def test_truth_hits_the_calibration_targets_exactly() -> None:
    trial = simulate_trial("wageningen", rng=np.random.default_rng(1), tables=False)
    arms = trial.truth["arms"]
    expected = expected_outflow(trial.spec)
    for arm, spec in arms.items():
        assert spec["itt"] == pytest.approx(expected[arm], rel=1e-9)
    assert arms["control"]["itt"]["work_12"] == pytest.approx(0.06, abs=1e-8)
    assert arms["intensive_support"]["itt"]["work_12"] == pytest.approx(0.115, abs=1e-8)
    assert arms["no_application_duty"]["itt"]["work_12"] == pytest.approx(0.115, abs=1e-8)
    assert 0.06 < arms["earn_more"]["itt"]["work_12"] < 0.115
    # heterogeneity: smaller effects from 45 on
    hr = arms["intensive_support"]["work_hazard_ratio"]
    assert 1 < hr["45_plus"] < hr["under_45"]
    # ~9% back on benefit within 18 months of leaving for work (docs/domain.md)
    assert trial.truth["model"]["back_on_benefit_18_months_after_work"] == pytest.approx(0.09)
    evaluation = simulate_trial(
        "apeldoorn", effects="evaluation", rng=np.random.default_rng(1), tables=False
    )
    ev = evaluation.truth["arms"]
    assert abs(ev["intensive_support"]["itt_difference"]["work_12"]) < 0.005
    assert ev["intensive_support"]["itt_difference"]["part_time_12"] == pytest.approx(
        0.03, abs=1e-8
    )
    assert ev["no_application_duty"]["itt_difference"]["part_time_12"] == pytest.approx(
        0.0, abs=1e-12
    )


def test_large_cohort_meets_the_seed_targets(large_wageningen) -> None:
    out = large_wageningen.outcomes
    for arm, spec in large_wageningen.truth["arms"].items():
        rows = out[out["arm"] == arm]
        for outcome in ("work_12", "work_24", "part_time_12", "any_exit_12"):
            truth = spec["cohort_itt"][outcome]
            sample = rows[outcome].mean()
            assert _within(sample, truth, _se_share(truth, len(rows))), (
                arm,
                outcome,
                sample,
                truth,
            )
        # the population targets too (the cohort's covariates are a sample: twice the variance)
        truth = spec["itt"]["work_12"]
        assert _within(rows["work_12"].mean(), truth, math.sqrt(2) * _se_share(truth, len(rows)))


def test_large_cohort_meets_the_evaluation_targets(large_evaluation) -> None:
    out = large_evaluation.outcomes
    control = out[out["arm"] == "control"]
    for arm in ("earn_more", "intensive_support", "no_application_duty"):
        rows = out[out["arm"] == arm]
        truth = large_evaluation.truth["arms"][arm]["cohort_itt_difference"]
        for outcome in ("work_12", "part_time_12"):
            diff = rows[outcome].mean() - control[outcome].mean()
            se = math.hypot(
                _se_share(rows[outcome].mean(), len(rows)),
                _se_share(control[outcome].mean(), len(control)),
            )
            assert _within(diff, truth[outcome], se), (arm, outcome, diff, truth[outcome])


def test_large_apeldoorn_consent_withdrawal_and_reentry(large_apeldoorn) -> None:
    t = large_apeldoorn.truth
    share = t["n"] / t["n_invited"]
    assert _within(share, 0.85, _se_share(0.85, t["n_invited"]))
    assert _within(t["n_withdrawn"] / t["n"], 0.04, _se_share(0.04, t["n"]))
    # re-entry: of those whose first outflow is to work in months 1..6, the share back on
    # benefit within the 18 months after leaving
    panel = large_apeldoorn.benefit_months
    out = large_apeldoorn.outcomes.set_index("id")
    leavers = out[(out["exit_reason"] == "work") & (out["exit_month"] <= 6)]

    def months(text: pd.Series) -> np.ndarray:
        return (text.str[:4].astype(int) * 12 + text.str[5:7].astype(int)).to_numpy()

    panel = panel[panel["id"].isin(out.index)]
    k = months(panel["month"]) - months(out["enrolled_on"].reindex(panel["id"]))
    exit_k = out["exit_month"].reindex(panel["id"]).to_numpy()
    window = panel["id"].isin(leavers.index).to_numpy() & (k > exit_k) & (k <= exit_k + 18)
    back = panel.loc[window & panel["on_benefit"].to_numpy(), "id"].nunique() / len(leavers)
    assert _within(back, 0.09, _se_share(0.09, len(leavers)))
    # the monthly table: one row per participant and month, from intake through follow-up
    assert not panel.duplicated(["id", "month"]).any()
    assert set(panel["exit_reason"]) == {"", "work", "part_time_work", "other"}
    assert (panel.loc[panel["exit_reason"] == "work", "on_benefit"] == False).all()  # noqa: E712
    assert (panel.loc[panel["exit_reason"] == "part_time_work", "on_benefit"]).all()
    assert (panel.loc[panel["exit_reason"] == "part_time_work", "earnings"] > 0).all()


def test_survey_waves_have_non_response(large_apeldoorn) -> None:
    survey = large_apeldoorn.survey
    n = large_apeldoorn.truth["n"]
    rates = survey.groupby("wave").size() / n
    assert list(rates.index) == [0, 1, 2]
    assert rates.is_monotonic_decreasing and rates.iloc[0] < 0.95 and rates.iloc[2] > 0.3
    assert survey["wellbeing"].between(0, 10).all() and survey["health"].between(1, 5).all()


def test_declined_invitees_are_followed_as_a_reference_group_but_not_assigned() -> None:
    trial = simulate_trial("apeldoorn", rng=np.random.default_rng(9))
    declined = trial.participants.loc[~trial.participants["consent"], "id"]
    assert len(declined) == trial.truth["n_invited"] - trial.truth["n"] > 0
    months = trial.benefit_months
    assert set(months.loc[months["id"].isin(declined), "id"]) == set(declined)
    assert not trial.assignments["id"].isin(declined).any()
    assert not trial.outcomes["id"].isin(declined).any()


def test_no_bsn_anywhere() -> None:
    trial = simulate_trial("generic", rng=np.random.default_rng(2), n=50)
    assert "bsn" not in trial.participants.columns
    assert trial.participants["id"].str.fullmatch(r"GEN-\d{6}").all()


def test_bad_options_are_refused_with_a_fix() -> None:
    with pytest.raises(DesignError, match=r"neither a measure.*--arm-rate coaching=0\.09"):
        scenario_spec("generic", arms=["control", "coaching"])
    with pytest.raises(DesignError, match="must be 'control'"):
        scenario_spec("generic", arms=["earn_more", "intensive_support"])
    with pytest.raises(DesignError, match="ratios"):
        scenario_spec("generic", ratios=[1, 2])
    with pytest.raises(DesignError, match=r"control rate is 1\.2"):
        scenario_spec("generic", control_rate=1.2)
    with pytest.raises(ParticipatieRCTError, match="scenario must be one of"):
        scenario_spec("rotterdam")
    spec = scenario_spec("generic", arms=["control", "coaching"], arm_rates={"coaching": 0.09})
    trial = simulate_trial(spec, rng=np.random.default_rng(1), tables=False)
    assert trial.truth["arms"]["coaching"]["itt"]["work_12"] == pytest.approx(0.09, abs=1e-8)
    with pytest.raises(ParticipatieRCTError, match="tables=False"):
        write_simulation(trial, "unused")


def test_estimators_recover_the_truth(large_wageningen) -> None:
    """build_outcomes + itt (HC2, strata fixed effects) on 20,000 simulated participants."""
    from participatie_rct.estimate import build_outcomes, itt

    trial = large_wageningen
    assignments = trial.assignments.rename(
        columns={"id": "participant", "enrolled_on": "assigned_at"}
    )
    outcomes = build_outcomes(assignments, trial.benefit_months, horizon_months=12)
    # the estimation engine reads the simulated months exactly as the simulator meant them
    mine = trial.outcomes.set_index("id").loc[outcomes["participant"]]
    assert (outcomes["outflow_work"].to_numpy() == mine["work_12"].to_numpy()).all()
    assert (outcomes["outflow_any"].to_numpy() == mine["any_exit_12"].to_numpy()).all()
    outcomes["stratum"] = outcomes["site"] + "/" + outcomes["age_group"]
    result = itt(outcomes, outcome="outflow_work", treatment="arm", strata="stratum").to_frame()
    for row in result.itertuples(index=False):
        truth = trial.truth["arms"][row.arm]["cohort_itt_difference"]["work_12"]
        assert _within(row.estimate, truth, row.std_error), (row.arm, row.estimate, truth)
    # heterogeneity: within each age group the effect matches that group's truth
    for group, rows in outcomes.groupby("age_group"):
        sub = itt(rows, outcome="outflow_work", treatment="arm", strata="stratum").to_frame()
        for row in sub.itertuples(index=False):
            truth = trial.truth["arms"][row.arm]["itt_difference_by_age_group"][group]["work_12"]
            # population truth of the group: the cohort's covariates add sampling variance
            assert _within(row.estimate, truth, math.sqrt(2) * row.std_error), (group, row.arm)
    older = trial.truth["arms"]["intensive_support"]["itt_difference_by_age_group"]
    assert older["45+"]["work_12"] < older["18-44"]["work_12"]
