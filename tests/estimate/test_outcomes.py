"""build_outcomes: the month arithmetic and the rules in its docstring, case by case."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from participatie_rct.errors import EstimationError
from participatie_rct.estimate import build_outcomes

START = pd.Period("2018-01", "M")


def months_table(spec: dict[str, tuple[int, list, dict]]) -> pd.DataFrame:
    """participant -> (first month offset, on_benefit per month (None = no row), {i: reason})."""
    rows = []
    for person, (offset, ons, reasons) in spec.items():
        for i, on in enumerate(ons):
            if on is None:
                continue
            rows.append(
                {
                    "participant": person,
                    "month": START + offset + i,
                    "on_benefit": on,
                    "exit_reason": reasons.get(i, ""),
                    "earnings": 100.0 * i,
                }
            )
    return pd.DataFrame(rows)


def assignments(people: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "participant": list(people),
            "arm": ["control" if i % 2 == 0 else "earn_more" for i in range(len(people))],
            "assigned_at": list(people.values()),
            "site": "Wageningen",
        }
    )


@pytest.fixture
def outcomes() -> pd.DataFrame:
    spec = {
        # on benefit in month 0..3, leaves for work in month 4, back on benefit in month 7
        "work": (0, [True] * 4 + [False] * 3 + [True] * 8, {4: "work"}),
        # never leaves
        "stays": (0, [True] * 15, {}),
        # a missing month (2) before leaving in month 3: exit cannot be dated, censored at 1
        "gap": (0, [True, True, None, False] + [False] * 11, {3: "work"}),
        # assigned in June: only 9 months of follow-up before the data's end
        "late": (5, [True] * 10, {}),
        # reason recorded on the last month on benefit (month 2), off from month 3
        "reason_before": (0, [True, True, True] + [False] * 12, {2: "other"}),
        # part-time work combined with benefit: still on benefit, the reason marks the exit
        "part_time": (0, [True] * 5 + [True] * 10, {5: "part_time_work"}),
        # leaves without a reason anywhere
        "no_reason": (0, [True, False] + [False] * 13, {}),
    }
    dates = {p: "2018-01-20T09:00:00Z" for p in spec}
    dates["late"] = "2018-06-02T00:00:00Z"
    return build_outcomes(assignments(dates), months_table(spec), horizon_months=12).set_index(
        "participant"
    )


def test_exit_to_work_and_reentry(outcomes: pd.DataFrame) -> None:
    row = outcomes.loc["work"]
    assert row["assigned_month"] == pd.Period("2018-01", "M")
    assert row["matured"] and row["followup_months"] == 12 and row["months_missing"] == 0
    assert row["months_to_outflow"] == 4 and row["time"] == 4 and row["event"] == 1
    assert row["event_code"] == 1 and row["exit_type"] == "work"
    assert row["outflow_work"] == 1.0 and row["outflow_any"] == 1.0
    assert row["months_off_benefit"] == 3 and row["reentry"] == 1.0
    assert row["earnings_followup"] == sum(100.0 * i for i in range(1, 13))


def test_never_leaving_is_censored_at_the_data_end(outcomes: pd.DataFrame) -> None:
    row = outcomes.loc["stays"]
    assert row["event"] == 0 and row["event_code"] == 0 and row["exit_type"] == ""
    assert row["time"] == 14  # data end 2019-03 is month 14 after January 2018
    assert row["outflow_work"] == 0.0 and row["outflow_any"] == 0.0
    assert math.isnan(row["months_to_outflow"]) and math.isnan(row["reentry"])


def test_missing_month_is_reported_not_guessed(outcomes: pd.DataFrame) -> None:
    row = outcomes.loc["gap"]
    assert row["months_missing"] == 1 and row["months_observed"] == 11
    assert row["event"] == 0 and row["time"] == 1
    assert math.isnan(row["outflow_work"]) and math.isnan(row["months_off_benefit"])
    assert math.isnan(row["earnings_followup"])


def test_immature_participants_have_no_binary_outcome(outcomes: pd.DataFrame) -> None:
    row = outcomes.loc["late"]
    assert not row["matured"] and row["followup_months"] == 9 and row["time"] == 9
    assert math.isnan(row["outflow_work"]) and math.isnan(row["outflow_any"])


def test_exit_reason_on_the_last_month_on_benefit(outcomes: pd.DataFrame) -> None:
    row = outcomes.loc["reason_before"]
    assert row["time"] == 2 and row["event_code"] == 3 and row["exit_type"] == "other"
    assert row["outflow_work"] == 0.0 and row["outflow_any"] == 1.0 and row["reentry"] == 0.0


def test_part_time_work_with_benefit_is_an_exit(outcomes: pd.DataFrame) -> None:
    row = outcomes.loc["part_time"]
    assert row["time"] == 5 and row["event_code"] == 2 and row["exit_type"] == "part_time_work"
    assert row["months_off_benefit"] == 0 and math.isnan(row["reentry"])


def test_exit_without_reason_is_flagged(outcomes: pd.DataFrame) -> None:
    row = outcomes.loc["no_reason"]
    assert row["time"] == 1 and row["exit_type"] == "other" and row["exit_reason_missing"]


def test_columns_and_order(outcomes: pd.DataFrame) -> None:
    assert list(outcomes.columns[:3]) == ["arm", "assigned_month", "followup_months"]
    assert "site" in outcomes.columns and "assigned_at" in outcomes.columns
    assert outcomes["event"].isin([0, 1]).all()


def test_month_may_be_period_timestamp_or_text() -> None:
    spec = {"a": (0, [True, True, False, False], {2: "work"}), "b": (0, [True] * 4, {})}
    people = assignments({"a": "2018-01-05", "b": "2018-01-31T23:00:00Z"})
    table = months_table(spec)
    as_period = build_outcomes(people, table, horizon_months=2)
    as_stamp = build_outcomes(
        people, table.assign(month=table["month"].dt.to_timestamp()), horizon_months=2
    )
    as_text = build_outcomes(
        people, table.assign(month=table["month"].astype(str)), horizon_months=2
    )
    pd.testing.assert_frame_equal(as_period, as_stamp)
    pd.testing.assert_frame_equal(as_period, as_text)
    assert as_period["outflow_work"].tolist() == [1.0, 0.0]


def test_as_of_cuts_the_data() -> None:
    spec = {"a": (0, [True] * 6 + [False] * 6, {6: "work"})}
    people = assignments({"a": "2018-01-05"})
    early = build_outcomes(people, months_table(spec), horizon_months=3, as_of="2018-04")
    assert (
        early.loc[0, "time"] == 3
        and early.loc[0, "event"] == 0
        and early.loc[0, "outflow_work"] == 0.0
    )
    late = build_outcomes(people, months_table(spec), horizon_months=12)
    assert (
        late.loc[0, "time"] == 6
        and late.loc[0, "event"] == 1
        and np.isnan(late.loc[0, "outflow_work"])
    )


def test_participant_without_rows_is_all_missing() -> None:
    people = assignments({"a": "2018-01-05", "ghost": "2018-01-05"})
    out = build_outcomes(people, months_table({"a": (0, [True] * 5, {})}), horizon_months=3)
    ghost = out.set_index("participant").loc["ghost"]
    assert ghost["months_missing"] == 3 and ghost["time"] == 0 and np.isnan(ghost["outflow_any"])


def test_duplicate_months_are_refused() -> None:
    table = months_table({"a": (0, [True, True], {})})
    with pytest.raises(EstimationError, match="repeat a participant and month"):
        build_outcomes(
            assignments({"a": "2018-01-05"}), pd.concat([table, table.iloc[[0]]]), horizon_months=1
        )


def test_unknown_exit_reason_is_refused() -> None:
    table = months_table({"a": (0, [True, False], {1: "emigrated"})})
    with pytest.raises(EstimationError, match=r"exit_reason.*'emigrated'"):
        build_outcomes(assignments({"a": "2018-01-05"}), table, horizon_months=1)


def test_missing_columns_are_named() -> None:
    with pytest.raises(EstimationError, match="'assigned_at'"):
        build_outcomes(
            pd.DataFrame({"participant": ["a"], "arm": ["control"]}),
            months_table({}),
            horizon_months=1,
        )


def test_row_order_does_not_matter() -> None:
    spec = {
        "a": (0, [True, True, False, True] + [True] * 8, {2: "work"}),
        "b": (1, [True, None, True, False] + [False] * 8, {3: "other"}),
        "c": (0, [True] * 12, {}),
    }
    people = assignments({"a": "2018-01-05", "b": "2018-02-10", "c": "2018-01-31"})
    table = months_table(spec)
    base = build_outcomes(people, table, horizon_months=6)
    for seed in range(5):
        shuffled = table.sample(frac=1, random_state=seed).reset_index(drop=True)
        pd.testing.assert_frame_equal(build_outcomes(people, shuffled, horizon_months=6), base)


def test_assignment_month_is_the_dutch_calendar_month() -> None:
    table = months_table({"a": (0, [True] * 4, {}), "b": (0, [True] * 4, {})})
    # 23:30 UTC on 31 January is 00:30 on 1 February in the Netherlands
    people = assignments({"a": "2018-01-31T22:30:00Z", "b": "2018-01-31T23:30:00Z"})
    out = build_outcomes(people, table, horizon_months=1)
    assert out["assigned_month"].astype(str).tolist() == ["2018-01", "2018-02"]


def _odd_panel() -> tuple[pd.DataFrame, pd.DataFrame]:
    people = pd.DataFrame(
        {
            "participant": ["a", "b"],
            "arm": ["control", "earn_more"],
            "assigned_at": ["2018-01-15T10:00:00+00:00", "2018-01-20T10:00:00+00:00"],
        }
    )
    months = pd.DataFrame(
        {
            "participant": ["a", "a", "b"],
            "month": ["2018-02", "2018-03", "2018-02"],
            "on_benefit": [True, True, True],
        }
    )
    return people, months


@pytest.mark.parametrize(
    ("value", "expected"), [("false", 1), ("nee", 1), (0, 1), ("ja", 0), (1.0, 0), (True, 0)]
)
def test_on_benefit_words_and_numbers_are_read_strictly(value: object, expected: int) -> None:
    people, months = _odd_panel()
    months["on_benefit"] = months["on_benefit"].astype(object)
    months.loc[1, "on_benefit"] = value
    out = build_outcomes(people, months, horizon_months=2)
    assert out["event"].tolist() == [expected, 0]


@pytest.mark.parametrize("value", ["misschien", None])
def test_unreadable_on_benefit_is_refused_with_its_row(value: object) -> None:
    people, months = _odd_panel()
    months["on_benefit"] = months["on_benefit"].astype(object)
    months.loc[1, "on_benefit"] = value
    with pytest.raises(
        EstimationError, match=r"'on_benefit': 1 value\(s\) are not true/false \(row 2"
    ):
        build_outcomes(people, months, horizon_months=2)


def test_unreadable_dates_are_refused_in_one_line() -> None:
    people, months = _odd_panel()
    people.loc[1, "assigned_at"] = "nooit"
    with pytest.raises(
        EstimationError, match=r"'assigned_at': 1 value\(s\) .* \(row 2: 'nooit'\)"
    ) as info:
        build_outcomes(people, months, horizon_months=2)
    assert "\n" not in str(info.value)
    with pytest.raises(EstimationError, match=r"\(row 1: 'gisteren'\)"):
        build_outcomes(*_odd_panel(), horizon_months=2, as_of="gisteren")


def test_as_of_before_any_data_gives_no_follow_up() -> None:
    out = build_outcomes(*_odd_panel(), horizon_months=2, as_of="2017-06")
    assert out["followup_months"].tolist() == [0, 0] and out["event"].tolist() == [0, 0]
    assert out["outflow_any"].isna().all()
