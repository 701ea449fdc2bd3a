"""Follow-up starts at each participant's intake date, whatever the rest of the register holds."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from participatie_rct.estimate.outcomes import with_intake_start


def _assignments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "participant": ["a", "b", "c"],
            "arm": ["control", "t", "t"],
            "assigned_at": pd.to_datetime(["2019-05-01T10:00Z"] * 3),
            "enrolled_on": ["2018-02-13", None, None],  # b and c: an older register's rows
        }
    )


def test_each_row_keeps_its_own_intake_date_and_takes_the_file_s_where_missing() -> None:
    file_dates = pd.Series({"b": "2018-03-01", "c": "2018-04-01", "x": "2017-01-01"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every row has a date: no warning
        out = with_intake_start(_assignments(), file_dates)
    assert out["enrolled_on"].dt.strftime("%Y-%m-%d").tolist() == [
        "2018-02-13", "2018-03-01", "2018-04-01",
    ]  # fmt: skip
    assert (out["assigned_at"] == out["enrolled_on"]).all()


def test_a_row_without_any_intake_date_is_counted_from_the_record_and_said() -> None:
    with pytest.warns(UserWarning, match="2 of 3 assigned participants have no intake date"):
        out = with_intake_start(_assignments())
    # one row without a date no longer moves the others off their intake dates
    assert out["enrolled_on"].dt.strftime("%Y-%m-%d").tolist() == [
        "2018-02-13", "2019-05-01", "2019-05-01",
    ]  # fmt: skip
