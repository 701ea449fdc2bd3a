"""Invariants of every simulated trial, for any design (Hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from participatie_rct.simulate import MEASURES, simulate_trial

ARMS = st.lists(
    st.sampled_from([*MEASURES, "earn_more_and_intensive_support"]),
    min_size=1,
    max_size=3,
    unique=True,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 80),
    treated=ARMS,
    intake=st.sampled_from(["batch", "rolling", "waves"]),
    months=st.integers(1, 6),
    consent=st.floats(0.3, 1.0),
)
def test_every_trial_keeps_the_rules(seed, n, treated, intake, months, consent) -> None:
    arms = ["control", *treated]
    months = 1 if intake == "batch" else months  # a batch is one lottery on one day
    waves = (0, months) if intake == "waves" else None
    months = 1 if intake == "waves" else months
    trial = simulate_trial(
        "generic", rng=np.random.default_rng(seed), n=n, arms=arms, intake=intake,
        intake_months=months, consent_rate=consent, sites=["Noord", "Zuid"], waves=waves,
    )  # fmt: skip
    people = trial.participants
    assert int(people["consent"].sum()) == n == len(trial.assignments) == len(trial.outcomes)
    assert people["id"].is_unique and people["enrolled_on"].is_monotonic_increasing
    assert set(trial.assignments["arm"]) <= set(arms)
    # the monthly table: every consenting participant from the month of intake, on benefit then;
    # decliners are followed too (the non-participant reference group), never assigned
    whole = trial.benefit_months
    declined = people.loc[~people["consent"], "id"]
    assert set(whole["id"]) == set(people["id"])
    assert not trial.assignments["id"].isin(declined).any()
    panel = whole[whole["id"].isin(trial.assignments["id"])]
    rows = panel.groupby("id").size()
    follow = trial.outcomes.set_index("id")["follow_up_months"]
    assert (rows.loc[follow.index] == follow + 1).all()
    first = panel.groupby("id").head(1)
    assert first["on_benefit"].all() and (first["exit_reason"] == "").all()
    assert not panel.loc[panel["exit_reason"].isin(["work", "other"]), "on_benefit"].any()
    assert panel.loc[panel["exit_reason"] == "part_time_work", "on_benefit"].all()
    assert (panel["earnings"] >= 0).all()
    # the first outflow in outcomes is the first exit_reason in the table
    flagged = panel[panel["exit_reason"] != ""].groupby("id").head(1).set_index("id")
    out = trial.outcomes.set_index("id")
    assert (out.loc[flagged.index, "exit_reason"] == flagged["exit_reason"]).all()
    assert (out.drop(flagged.index)["exit_reason"] == "").all()
    # the same seed gives the same trial
    again = simulate_trial(
        "generic", rng=np.random.default_rng(seed), n=n, arms=arms, intake=intake,
        intake_months=months, consent_rate=consent, sites=["Noord", "Zuid"], waves=waves,
    )  # fmt: skip
    assert again.benefit_months.equals(whole) and again.truth == trial.truth
    # hours and benefit amounts: bands as the schema has them; no benefit when off benefit
    assert set(whole["hours_band"]) <= {"none", "under_12", "12_to_27", "over_27"}
    assert (whole.loc[~whole["on_benefit"], "benefit_amount"] == 0).all()
    assert (whole.loc[whole["hours_band"] == "none", "earnings"] == 0).all()
