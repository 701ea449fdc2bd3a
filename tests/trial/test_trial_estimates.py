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


def test_tests_on_a_single_exit_month_say_why_they_cannot_run() -> None:
    # every exit to work falls in month 3: the log-rank and Gray variances are singular
    one_month = _outcomes(["a"] * 5 + ["b"] * 5, [3] * 10, [1] * 10)
    for test in (estimates.logrank_test, estimates.gray):
        result = test(one_month, "a")
        assert isinstance(result, Unavailable)
        assert "variance matrix is singular" in result.reason


def test_a_report_on_degenerate_data_renders_the_reason(tmp_path) -> None:
    """Everyone leaves for work in the same month: the log-rank and Gray variances are zero,
    and the report still renders, saying why the tests are missing."""
    from participatie_rct.trial import Trial
    from trial_handmade import HORIZON, make_trial

    made = make_trial(tmp_path)
    start = pd.Period("2018-02", freq="M")
    rows = []
    for participant in made.assignments["participant"]:
        for k in range(1, HORIZON + 3):
            off = k >= 3
            reason = "work" if off and k == 3 else ""
            rows.append(f"{participant};{start + k};{'nee' if off else 'ja'};{reason}")
    (made.data / "benefit_months.csv").write_text(
        "id;month;on_benefit;exit_reason\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    trial = Trial.open(made.url, made.data, as_of="2018-12-31")
    trial.write_report(tmp_path / "r", kind="final", language="en", formats="md")
    text = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert "Cannot be estimated: the log-rank test cannot be computed on these data" in text
    assert "Cannot be estimated: the Gray test cannot be computed on these data" in text
