"""The monthly panel: person-month data from the register and benefit months, and the clustered
linear probability model against R (``lm`` + ``sandwich::vcovCL(type = "HC1")``) and statsmodels.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.panel import months_off_benefit, panel_effects, person_months

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "survival_reference.json").read_text())
#: closed-form least squares: only floating-point rounding separates us from R
EXACT = 1e-9


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    frame = pd.read_csv(REF_DIR / "survival_panel.csv")
    # as R's factor(trt): the first sorted level is the reference arm
    frame["trt"] = pd.Categorical(frame["trt"], categories=sorted(frame["trt"].unique()))
    return frame


@pytest.mark.reference
def test_effects_by_month_match_lm_with_vcovcl(panel):
    ours = panel_effects(panel, outcome="event_by_month", treatment="trt", time="month").to_frame()
    theirs = pd.DataFrame(REF["panel_effects_month"])
    assert ours["month"].tolist() == theirs["month"].tolist()
    np.testing.assert_allclose(ours["estimate"], theirs["estimate"], rtol=EXACT)
    np.testing.assert_allclose(ours["std_error"], theirs["std_error"], rtol=EXACT)


@pytest.mark.reference
def test_pooled_effect_and_month_one_coefficient_match_lm(panel):
    pooled = panel_effects(
        panel, outcome="event_by_month", treatment="trt", by_month=False
    ).to_frame()
    theirs = {row["term"]: row for row in REF["panel_pooled"]}
    assert pooled["estimate"].iloc[0] == pytest.approx(theirs["trt2"]["estimate"], rel=EXACT)
    assert pooled["std_error"].iloc[0] == pytest.approx(theirs["trt2"]["std_error"], rel=EXACT)
    by_month = panel_effects(panel, outcome="event_by_month", treatment="trt", time="month")
    coef = by_month.coefficients
    month = {row["term"]: row for row in REF["panel_month"]}
    intercept = coef[(coef["arm"] == "1") & (coef["month"] == 1)].iloc[0]
    assert intercept["estimate"] == pytest.approx(month["(Intercept)"]["estimate"], rel=EXACT)
    assert intercept["std_error"] == pytest.approx(month["(Intercept)"]["std_error"], rel=EXACT)


def test_three_arm_panel_agrees_with_statsmodels_clustered_ols():
    rng = np.random.default_rng(4)
    people = 90
    arm = rng.choice(["control", "earn_more", "intensive_support"], size=people)
    rows = []
    for pid in range(people):
        for month in range(1, rng.integers(2, 7)):
            rows.append(
                {
                    "participant": f"p{pid}",
                    "arm": arm[pid],
                    "month": month,
                    "off_benefit": rng.integers(0, 2),
                }
            )
    data = pd.DataFrame(rows)
    ours = panel_effects(data, outcome="off_benefit", treatment="arm", by_month=False).to_frame()
    x = sm.add_constant(pd.get_dummies(data["arm"], drop_first=True).astype(float))
    fit = sm.OLS(data["off_benefit"].astype(float), x).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(data["participant"])[0]}
    )
    np.testing.assert_allclose(ours["estimate"], fit.params.iloc[1:], rtol=1e-10)
    np.testing.assert_allclose(ours["std_error"], fit.bse.iloc[1:], rtol=1e-10)


def _register_and_months() -> tuple[pd.DataFrame, pd.DataFrame]:
    assignments = pd.DataFrame(
        {
            "participant": ["a", "b", "c"],
            "arm": ["control", "earn_more", "control"],
            "assigned_at": [
                "2018-01-15T10:00:00+00:00",
                "2018-01-20T09:00:00+00:00",
                "2018-02-01T09:00:00+00:00",
            ],
        }
    )
    months = pd.DataFrame(
        {
            "participant": ["a"] * 5 + ["b"] * 5 + ["c"] * 4,
            "month": ["2018-01", "2018-02", "2018-03", "2018-04", "2018-05"] * 2
            + ["2018-02", "2018-03", "2018-04", "2018-05"],
            "on_benefit": [
                True,
                True,
                False,
                True,
                True,
                True,
                True,
                True,
                False,
                False,
                True,
                True,
                True,
                True,
            ],
            "exit_reason": [
                "",
                "",
                "work",
                "",
                "",
                "",
                "part_time_work",
                "",
                "work",
                "",
                "",
                "",
                "",
                "",
            ],
            "earnings": [0, 0, 1500, 0, 0, 0, 300, 250, 1400, 1500, 0, 0, 0, 0],
        }
    )
    return assignments, months


def test_person_months_counts_reentry_as_the_same_person():
    assignments, months = _register_and_months()
    frame = person_months(assignments, months)
    a = frame[frame["participant"] == "a"]
    # month 0 is the assignment month; a leaves for work in month 2 and is back on benefit after
    assert a["month"].tolist() == [1, 2, 3, 4]
    assert a["off_benefit"].tolist() == [0, 1, 0, 0]
    assert a["in_work"].tolist() == [0, 1, 0, 0]
    b = frame[frame["participant"] == "b"]
    # part-time work with earnings counts as in work while on benefit; the spell carries forward
    assert b["in_work"].tolist() == [1, 1, 1, 1]
    assert b["off_benefit"].tolist() == [0, 0, 1, 1]
    c = frame[frame["participant"] == "c"]
    assert c["month"].tolist() == [1, 2, 3]
    assert set(frame["participant"]) == {"a", "b", "c"}


def test_person_months_respects_as_of():
    assignments, months = _register_and_months()
    frame = person_months(assignments, months, as_of="2018-03")
    assert frame.groupby("participant")["month"].max().to_dict() == {"a": 2, "b": 2, "c": 1}


def test_months_off_benefit_compares_arms():
    data = pd.DataFrame(
        {
            "participant": np.repeat(["a", "b", "c", "d"], 3),
            "arm": np.repeat(["control", "control", "earn_more", "earn_more"], 3),
            "month": np.tile([1, 2, 3], 4),
            "off_benefit": [0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1],
        }
    )
    result = months_off_benefit(data, treatment="arm", horizon=3)
    row = result.to_frame().iloc[0]
    assert row["estimate"] == pytest.approx(2.5 - 0.5)
    assert row["std_error"] == pytest.approx(np.sqrt(0.5 / 2 + 0.5 / 2))


def test_panel_errors_name_the_column():
    data = pd.DataFrame({"participant": [1, 1], "arm": ["a", "b"], "month": [1, 2], "y": [0, "x"]})
    with pytest.raises(EstimationError, match=r"column 'y': 1 row has no finite number \(line 3"):
        panel_effects(data, outcome="y", treatment="arm")
    with pytest.raises(EstimationError, match=r"column 'off' is missing"):
        panel_effects(data, outcome="off", treatment="arm")
    assignments, months = _register_and_months()
    with pytest.raises(EstimationError, match=r"benefit_months: column 'on_benefit' is missing"):
        person_months(assignments, months.drop(columns="on_benefit"))


def _synthetic_register(seed: int, people: int = 240) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly benefit records with exits to work / part-time work / other, and returns."""
    rng = np.random.default_rng(seed)
    arm = rng.choice(["control", "intensive_support"], size=people)
    start = rng.integers(0, 6, size=people)  # month of assignment in 2018
    assignments = pd.DataFrame(
        {
            "participant": [f"p{i:03d}" for i in range(people)],
            "arm": arm,
            "assigned_at": [f"2018-{m + 1:02d}-10T09:00:00+00:00" for m in start],
        }
    )
    rows = []
    for i in range(people):
        on = True
        for k in range(0, 19 - start[i]):
            month = f"{2018 + (start[i] + k) // 12}-{(start[i] + k) % 12 + 1:02d}"
            reason = ""
            if on and k >= 1 and rng.random() < (0.06 if arm[i] == "control" else 0.09):
                reason = rng.choice(["work", "part_time_work", "other"])
                on = reason == "part_time_work"
            elif not on and rng.random() < 0.05:
                on = True  # re-entry: back on benefit, same person
            rows.append(
                {
                    "participant": f"p{i:03d}",
                    "month": month,
                    "on_benefit": on,
                    "exit_reason": reason,
                    "earnings": 400.0 if reason == "part_time_work" else 0.0,
                }
            )
    return assignments, pd.DataFrame(rows)


def test_outcome_builder_feeds_survival_and_panel():
    from participatie_rct.estimate.outcomes import build_outcomes
    from participatie_rct.estimate.survival_analysis import survival_analysis

    assignments, months = _synthetic_register(8)
    outcomes = build_outcomes(assignments, months, horizon_months=12)
    result = survival_analysis(
        outcomes,
        time="time",
        event="event_code",
        treatment="arm",
        event_of_interest=1,
        times=[6, 12],
    )
    assert {"km", "logrank", "cox", "cif", "gray", "fine_gray"} <= set(result.parts())
    assert result.cox.n == len(assignments)
    assert result.cox.n_events == int((outcomes["event_code"] > 0).sum())
    frame = person_months(assignments, months)
    # every participant appears once per month, whether or not they left and came back
    assert frame.groupby("participant")["month"].apply(lambda m: m.is_unique).all()
    assert frame["participant"].nunique() == len(assignments)
    effects = panel_effects(frame, outcome="off_benefit", treatment="arm", time="month")
    assert effects.n_clusters == len(assignments)
    assert set(effects.to_frame()["arm"]) == {"intensive_support"}


def test_panel_and_outcomes_count_the_assignment_month_alike():
    """23:30 UTC on 31 January is 1 February in the Netherlands: both count from February."""
    from participatie_rct.months import month_index

    assignments, months = _register_and_months()
    late = assignments.assign(assigned_at=pd.Timestamp("2018-01-31 23:30", tz="UTC"))
    frame = person_months(late, months)
    first = month_index(pd.Series(["2018-02"]), table="t", column="m").iloc[0]
    assert month_index(late["assigned_at"], table="t", column="m").eq(first).all()
    own = pd.Series(months["month"]).astype(str).str[:7]
    a_months = sorted(month_index(own[months["participant"] == "a"], table="t", column="m") - first)
    assert frame[frame["participant"] == "a"]["month"].tolist() == [m for m in a_months if m >= 1]
