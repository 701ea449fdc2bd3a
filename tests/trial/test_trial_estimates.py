"""The report's estimators say why they cannot run instead of returning an empty table."""

from __future__ import annotations

import pandas as pd
import pytest

from participatie_rct.report.analyses import Unavailable
from participatie_rct.trial import estimates


def _outcomes(arms: list[str], times: list[int], codes: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"arm": arms, "time": times, "event_code": codes})


@pytest.mark.parametrize("test", [estimates.cox_frame, estimates.logrank_test, estimates.gray])
def test_survival_tests_refuse_with_a_reason(test) -> None:
    # arm b's only person has no follow-up (time 0): one arm is left
    one_arm = _outcomes(["a", "a", "b"], [3, 5, 0], [1, 0, 1])
    assert test(one_arm, "a") == Unavailable("fewer than two arms have follow-up")
    no_work = _outcomes(
        ["a"] * 6 + ["b"] * 6, [1, 2, 3, 4, 5, 6] * 2, [0, 3, 2, 3, 0, 3, 3, 2, 0, 0, 3, 2]
    )
    assert test(no_work, "a") == Unavailable("nobody has left benefit for work yet")
    assert not isinstance(test(no_work, "a", cause=3), Unavailable)  # other exits are there


def test_incidence_interval_holds_the_estimate_within_0_and_1() -> None:
    outcomes = _outcomes(
        ["a"] * 6 + ["b"] * 6, [1, 2, 3, 4, 5, 6] * 2, [1, 0, 3, 1, 0, 1, 1, 1, 0, 3, 1, 0]
    )
    curves = estimates.incidence_curves(outcomes, ["a", "b"], "a", cause=1, months=6)
    assert isinstance(curves, pd.DataFrame) and set(curves["arm"]) == {"a", "b"}
    assert (curves["cumulative_incidence"] == curves["estimate"]).all()
    inside = curves[curves["std_error"] > 0]
    assert len(inside)
    assert ((inside["ci_low"] >= 0) & (inside["ci_low"] <= inside["estimate"])).all()
    assert ((inside["estimate"] <= inside["ci_high"]) & (inside["ci_high"] <= 1)).all()
