"""Work outcomes as the evaluations defined them, built by ``build_outcomes`` from hours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from participatie_rct.errors import EstimationError
from participatie_rct.estimate import build_outcomes
from participatie_rct.estimate.work_outcomes import work_outcome_columns


def _assignments(*people: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"participant": list(people), "arm": ["control"] * len(people),
         "assigned_at": ["2018-01-15"] * len(people)}
    )  # fmt: skip


def _months(person: str, bands: list[str], amounts: list[float] | None = None) -> pd.DataFrame:
    n = len(bands)
    return pd.DataFrame(
        {
            "participant": person,
            "month": [f"2018-{m + 1:02d}" if m < 12 else f"2019-{m - 11:02d}" for m in range(n)],
            "on_benefit": [b in ("none", "under_12", "12_to_27") for b in bands],
            "exit_reason": [""] * n,
            "hours_band": bands,
            "benefit_amount": amounts if amounts is not None else [500.0] * n,
        }
    )


def test_part_time_then_full_time_counts_as_work_at_the_horizon() -> None:
    """The first-exit outcome sees only the part-time step; the evaluations' outcome sees the
    person working full-time at month H."""
    bands = ["none", "none", "12_to_27", "12_to_27", "over_27", "over_27", "over_27"]
    months = _months("A", bands)
    months.loc[2, "exit_reason"] = "part_time_work"
    out = build_outcomes(_assignments("A"), months, horizon_months=6)
    row = out.iloc[0]
    assert row["outflow_work"] == 0.0  # first exit was part-time work
    assert row["working_12h"] == 1.0 and row["working_27h"] == 1.0
    assert row["ever_working_12h"] == 1.0 and row["months_working_12h"] == 5
    assert row["benefit_followup"] == pytest.approx(6 * 500.0)


def test_missing_months_make_the_outcomes_unknown_not_zero() -> None:
    months = _months("A", ["none"] * 7).drop(index=[6])  # month 6 has no row
    out = build_outcomes(_assignments("A"), months, horizon_months=6, as_of="2018-12")
    row = out.iloc[0]
    assert np.isnan(row["working_12h"]) and np.isnan(row["ever_working_12h"])
    assert np.isnan(row["months_working_12h"]) and np.isnan(row["benefit_followup"])
    # one working month is enough to know "ever", even with a gap elsewhere
    months = _months("B", ["none", "12_to_27", "none", "none", "none", "none", "none"]).drop(
        index=[4]
    )
    out = build_outcomes(_assignments("B"), months, horizon_months=6)
    assert out.iloc[0]["ever_working_12h"] == 1.0


def test_without_hours_nothing_changes() -> None:
    months = _months("A", ["none"] * 7).drop(columns=["hours_band", "benefit_amount"])
    out = build_outcomes(_assignments("A"), months, horizon_months=6)
    assert "working_12h" not in out.columns and "benefit_followup" not in out.columns


def test_an_unknown_band_is_refused_with_row_and_value() -> None:
    months = _months("A", ["none", "40h", "none"])
    with pytest.raises(EstimationError, match=r"'hours_band'.*row 2: '40h'.*under_12"):
        work_outcome_columns(
            np.array(["A"]), np.array([2018 * 12]), months, end=2018 * 12 + 2, horizon=2
        )


def test_the_simulator_and_the_outcome_engine_agree() -> None:
    from participatie_rct.simulate import simulate_trial

    trial = simulate_trial("utrecht", effects="late_exemption", rng=np.random.default_rng(4),
                           n=2000)  # fmt: skip
    assignments = trial.assignments.rename(
        columns={"id": "participant", "enrolled_on": "assigned_at"}
    )
    out = build_outcomes(assignments, trial.benefit_months, horizon_months=24)
    mine = trial.outcomes.set_index("id").loc[out["participant"]]
    for engine, simulated in (
        ("working_12h", "working_12h_24"),
        ("working_27h", "working_27h_24"),
        ("ever_working_12h", "ever_working_12h_24"),
    ):
        assert (out[engine].to_numpy() == mine[simulated].to_numpy()).all(), engine


def test_bands_are_read_per_spelling_whatever_the_case_spaces_or_gaps() -> None:
    from participatie_rct.estimate.work_outcomes import hours_codes

    values = pd.Series([" Over_27", "none", None, "12_TO_27 ", "", "under_12", "over_27"])
    assert hours_codes(values).tolist() == [3, 0, -1, 2, -1, 1, 3]
    with pytest.raises(
        EstimationError, match=r"2 value\(s\) are not an hours band \(row 3: '40h'\)"
    ):
        hours_codes(pd.Series(["none", None, "40h", "40h"]))


def test_rows_of_people_not_assigned_or_without_an_id_are_left_out() -> None:
    months = pd.concat(
        [_months("A", ["none", "12_to_27", "over_27"]), _months("Z", ["over_27"] * 3)]
    )
    months.loc[months["participant"] == "Z", "participant"] = [None, "Z", None]
    out = work_outcome_columns(
        np.array(["A"]), np.array([2018 * 12]), months, end=2018 * 12 + 2, horizon=2
    )
    assert out["working_27h"].tolist() == [1.0]
    assert out["months_working_12h"].tolist() == [2.0]
