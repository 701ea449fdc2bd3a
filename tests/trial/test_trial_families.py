"""Outcome families: the outcomes built from the benefit months, Holm within a family, and the
resampling adjustments of a secondary family."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.multiplicity import holm
from participatie_rct.protocol import ANALYSIS_OUTCOMES, OutcomeFamily
from participatie_rct.report.analyses import Unavailable
from participatie_rct.trial import Trial
from participatie_rct.trial.families import KINDS, estimate_family, resampled, with_family_holm
from participatie_rct.trial.family_outcomes import (
    month_grid,
    months_receiving_benefit,
    part_time_share,
    sustained_outflow,
)
from trial_handmade import HORIZON, make_trial

NAN = float("nan")


def test_every_declarable_outcome_has_a_kind() -> None:
    assert set(KINDS) == set(ANALYSIS_OUTCOMES)


def test_month_grid_places_each_month_after_assignment_and_leaves_the_rest_missing() -> None:
    people = pd.Series(["a", "b"])
    month0 = np.array([24216, 24217])  # January and February 2018
    months = pd.DataFrame(
        {
            "participant": ["a", "a", "a", "a", "b", "x"],
            "month": pd.to_datetime(
                ["2018-01-01", "2018-02-01", "2018-04-01", "2018-06-01", "2018-03-01", "2018-02-01"]
            ),
            "on_benefit": [False, True, False, True, True, False],
        }
    )
    grid = month_grid(people, month0, months, end=24220, width=4)  # data end: May 2018
    # a: month 0 (January) is not follow-up, March has no row, June is after the data's end
    np.testing.assert_array_equal(grid[0], [1.0, NAN, 0.0, NAN])
    np.testing.assert_array_equal(grid[1], [1.0, NAN, NAN, NAN])


def test_part_time_share_counts_months_on_benefit_with_earnings_over_all_h_months() -> None:
    on = np.array([[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 1, 1]], dtype=float)
    earn = np.array([[100, 0, 900, 900], [0, 0, 0, 0], [20, NAN, NAN, 30]], dtype=float)
    # the third person has no amount in a month on benefit: unknown
    np.testing.assert_array_equal(part_time_share(on, earn, 4), [0.25, 0.0, NAN])


def test_months_receiving_benefit_needs_every_month() -> None:
    on = np.array([[1, 0, 1, 1, 0], [1, 1, NAN, 1, 1]])
    np.testing.assert_array_equal(months_receiving_benefit(on, 4), [3.0, NAN])
    np.testing.assert_array_equal(months_receiving_benefit(on, 2), [1.0, 2.0])


def test_sustained_outflow_needs_a_run_that_starts_by_the_horizon() -> None:
    on = np.array(
        [
            [1, 0, 0, 0, 1, 1],  # a run of 3 starting in month 2: sustained
            [1, 1, 1, 0, 0, 0],  # a run starting in month 4: after a horizon of 3
            [1, 1, 0, 0, 0, 1],  # starts in month 3 = the horizon: sustained
            [0, 0, NAN, 0, 0, 0],  # a run may lie across the missing month: unknown
            [0, 0, 1, 0, 0, NAN],  # no run in months 1..5, month 6 not needed: none
            [NAN, 0, 0, 0, 1, 1],  # a full run is seen even though month 1 is missing
        ],
        dtype=float,
    )
    np.testing.assert_array_equal(
        sustained_outflow(on, 3, months=3), [1.0, 0.0, 1.0, NAN, 0.0, 1.0]
    )
    with pytest.raises(EstimationError, match="needs 8 months per person"):
        sustained_outflow(on, 3, months=6)


def _itt(arms: list[str], p: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"arm": arms, "p_value": p, "p_holm": p})


def test_holm_runs_over_every_declared_arm_and_outcome() -> None:
    effects: dict[str, pd.DataFrame | Unavailable] = {
        "earnings": _itt(["b", "c"], [0.01, 0.04]),
        "reentry": Unavailable("no data"),
        "health": _itt(["b", "c"], [0.02, 0.5]),
    }
    out = with_family_holm(effects, ["earnings", "reentry", "health"], ["a", "b", "c"], "a")
    expected = holm([0.01, 0.04, NAN, NAN, 0.02, 0.5], n=6)
    assert out["earnings"]["p_holm"].tolist() == pytest.approx(expected[:2].tolist())
    assert out["health"]["p_holm"].tolist() == pytest.approx(expected[4:].tolist())
    assert out["reentry"] == Unavailable("no data")
    assert out["earnings"]["p_holm"].iloc[0] == pytest.approx(0.06)  # 6 x 0.01, not 4 x


FAMILY = """
[[analysis.families]]
name = "benefit"
role = "secondary"
outcomes = ["months_receiving_benefit", "sustained_outflow", "earnings", "working_12h", "wellbeing"]
"""


@pytest.fixture(scope="module")
def with_families(tmp_path_factory: pytest.TempPathFactory) -> Trial:
    made = make_trial(tmp_path_factory.mktemp("families"), analysis=FAMILY)
    return Trial.open(made.url, made.data, as_of="2018-12-31")


def test_a_family_is_estimated_with_holm_and_the_registered_design(with_families) -> None:
    trial = with_families
    (family,) = trial.plan.families
    est = estimate_family(trial, family, stratum="stratum", covariates=(), resample=True)
    # eight months of data: nobody has the 11 months a sustained exit needs (its window
    # has not passed), so it is not known yet; it still counts in Holm's family
    assert est.missing == {
        "earnings": "family_no_earnings",
        "working_12h": "family_no_hours",
        "wellbeing": "family_no_survey",
        "sustained_outflow": "family_not_yet",
    }
    assert set(est.effects) == {"months_receiving_benefit"}
    months = est.effects["months_receiving_benefit"]
    assert isinstance(months, pd.DataFrame) and len(months) == 3
    expected = holm([*months["p_value"], *[NAN] * 12], n=15)[:3]
    assert months["p_holm"].tolist() == pytest.approx(expected.tolist())
    # months on benefit are the complement of the outcome table's months off benefit
    table = trial.outcomes().set_index("participant")
    data = est.data.set_index("participant")
    both = data["months_receiving_benefit"].notna() & table["months_off_benefit"].notna()
    assert both.sum() > 40
    np.testing.assert_array_equal(
        data.loc[both, "months_receiving_benefit"], HORIZON - table.loc[both, "months_off_benefit"]
    )
    assert est.resampling == "randomization" and est.n_draws == 1000
    adjusted = est.adjusted
    assert isinstance(adjusted, pd.DataFrame) and len(adjusted) == 3
    assert set(adjusted["outcome"]) == {"months_receiving_benefit"}
    assert adjusted[["p_westfall_young", "p_romano_wolf"]].ge(1 / 1001).all().all()
    again = estimate_family(trial, family, stratum="stratum", covariates=(), resample=True)
    assert again.adjusted.equals(adjusted)  # seeded from the protocol: the same report again


def test_a_table_that_cannot_replay_the_design_is_bootstrapped(with_families) -> None:
    trial = with_families
    (family,) = trial.plan.families
    data = trial.outcomes().assign(months_receiving_benefit=lambda d: d["months_off_benefit"])
    frame, how = resampled(
        trial, data.drop(columns=["site"]), ["months_receiving_benefit"], family, (), None
    )
    assert how == "bootstrap" and isinstance(frame, pd.DataFrame) and len(frame) == 3


def test_a_primary_family_sets_the_headlines_holm(tmp_path) -> None:
    primary = (
        '\n[[analysis.families]]\nname = "outflow"\nrole = "primary"\n'
        'outcomes = ["outflow_work", "outflow_any"]\n'
    )
    made = make_trial(tmp_path, analysis=primary)
    trial = Trial.open(made.url, made.data, as_of="2018-12-31")
    analyses = trial.report_analyses("interim")
    (family,) = analyses.families
    assert family.family == OutcomeFamily("outflow", "primary", ("outflow_work", "outflow_any"))
    itt = analyses.itt
    assert isinstance(itt, pd.DataFrame)
    assert itt["p_holm"].tolist() == family.effects["outflow_work"]["p_holm"].tolist()
    alone = holm(itt["p_value"].tolist(), n=3)
    assert (itt["p_holm"].to_numpy() >= alone - 1e-12).all()
    assert (itt["p_holm"].to_numpy() > alone).any()  # six hypotheses, not three
    assert family.adjusted is None  # resampling only in a final report's secondary families
