"""Per site and pooled: Cochran's Q between sites, and a multi-site report built from frames."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from participatie_rct.choices import ReportKind
from participatie_rct.estimate.heterogeneity import cochran_q as heterogeneity
from participatie_rct.report.inputs import ReportInputs
from participatie_rct.trial import Trial


def test_cochran_q_by_hand() -> None:
    per_site = pd.DataFrame(
        {
            "arm": ["b"] * 3,
            "site": ["x", "y", "z"],
            "estimate": [0.10, 0.02, 0.06],
            "std_error": [0.02, 0.04, 0.05],
        }
    )
    w = np.array([1 / 0.02**2, 1 / 0.04**2, 1 / 0.05**2])
    b = np.array([0.10, 0.02, 0.06])
    pooled = (w * b).sum() / w.sum()
    q = (w * (b - pooled) ** 2).sum()
    row = heterogeneity(per_site).iloc[0]
    assert row["q"] == pytest.approx(q, rel=1e-12)
    assert row["df"] == 2
    assert row["p_value"] == pytest.approx(stats.chi2.sf(q, 2), rel=1e-12)
    assert row["i2"] == pytest.approx(max(0.0, (q - 2) / q), rel=1e-12)


def test_equal_site_estimates_have_q_zero_and_one_site_has_no_test() -> None:
    same = pd.DataFrame(
        {"arm": ["b", "b"], "site": ["x", "y"], "estimate": [0.05, 0.05], "std_error": [0.02, 0.03]}
    )
    assert heterogeneity(same).iloc[0]["q"] == pytest.approx(0.0)
    assert heterogeneity(same).iloc[0]["p_value"] == pytest.approx(1.0)
    one = same.iloc[:1]
    assert np.isnan(heterogeneity(one).iloc[0]["q"])


def inputs_from_simulation(trial) -> ReportInputs:
    """Report inputs straight from a simulated trial, the arms as the simulator drew them."""
    strata = list(trial.protocol.assignment.strata)
    assigned = trial.assignments.rename(columns={"id": "participant"}).copy()
    assigned["assigned_at"] = pd.to_datetime(assigned["enrolled_on"])
    assigned["stratum"] = assigned[strata].astype(str).agg("|".join, axis=1)
    assigned["probability"] = 0.25
    people = trial.participants.assign(participant=trial.participants["id"])
    months = trial.benefit_months.rename(columns={"id": "participant"})
    return ReportInputs(
        protocol=trial.protocol, assignments=assigned, participants=people, benefit_months=months
    )


@pytest.fixture(scope="module")
def two_sites():
    from participatie_rct.simulate import simulate_trial

    trial = simulate_trial("apeldoorn", rng=np.random.default_rng(7))
    assert trial.assignments["site"].nunique() == 2
    inputs = inputs_from_simulation(trial)
    context = Trial(inputs, as_of=dt.date(2030, 1, 1), key=None).report_context(
        kind=ReportKind.FINAL,
        language="en",
        blinded=False,
        package_version="test",
    )
    return trial, context


def test_report_shows_each_site_pooled_and_heterogeneity(two_sites) -> None:
    trial, context = two_sites
    values = context.values
    assert values["multi_site"] is True
    sites = set(trial.assignments["site"])
    shown = {row[1] for row in values["site_table"].rows}
    assert sites | {"Pooled"} == shown
    treated = [a for a in trial.protocol.arm_keys if a != trial.protocol.control]
    assert len(values["het_table"].rows) == len(treated)
    for row in values["het_table"].rows:
        assert row[2] == "1"  # two sites: one degree of freedom
    intake = values["intake_table"]
    assert [row[0] for row in intake.rows] == [*sorted(sites), "Total"]
    assert "forest" in context.figures and "intake" in context.figures
