"""CONSORT counted from the register: declines and deviations from its events, and an assigned
person whom the participants file lacks still counted (and named under data quality)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from participatie_rct.trial import Trial
from participatie_rct.trial.consort import consort_from_register, missing_from_participants
from trial_handmade import DECLINED, MISSING, N, hand_made_fixture  # noqa: F401 (the hand_made fixture)


def test_flow_comes_from_the_register(hand_made) -> None:
    trial = Trial.open(hand_made.url, hand_made.data, as_of="2018-12-31")
    counts = trial.consort()
    assert counts.declined == len(DECLINED)
    assert counts.invited == N + len(DECLINED)
    assert counts.consented == N
    # the participant missing from participants.csv is assigned all the same
    assert counts.n_assigned == N
    assert sum(counts.withdrawn.values()) == 1
    assert sum(counts.deviated.values()) == 1
    arm_of = dict(
        zip(hand_made.assignments["participant"], hand_made.assignments["arm"], strict=True)
    )
    assert counts.deviated[arm_of["p0002"]] == 1
    assert counts.withdrawn[arm_of["p0001"]] == 1


def test_a_participants_file_that_says_more_declined_changes_nothing(hand_made) -> None:
    """The file's consent column is not read: only the register knows who declined."""
    trial = Trial.open(hand_made.url, hand_made.data, as_of="2018-12-31")
    lying = trial.inputs.participants.assign(consent=False)
    counts = consort_from_register(
        arms=trial.protocol.arm_keys,
        people=trial.people,
        analysed=trial.outcomes()["outflow_work"].notna(),
        seen=trial.inputs.seen,
        events=trial.inputs.events,
        as_of=trial.as_of,
    )
    assert counts.declined == len(DECLINED)
    assert missing_from_participants(trial.people, lying) == 1


def test_invitations_after_the_as_of_date_do_not_count(hand_made) -> None:
    trial = Trial.open(hand_made.url, hand_made.data, as_of="2018-12-31")
    seen = trial.inputs.seen.copy()
    seen["enrolled_on"] = pd.Timestamp("2019-03-01")  # invited later than the as-of date
    counts = consort_from_register(
        arms=trial.protocol.arm_keys,
        people=trial.people,
        analysed=trial.outcomes()["outflow_work"].notna(),
        seen=seen,
        events=None,
        as_of=trial.as_of,
    )
    assert counts.declined == 0 and counts.invited == N


def test_report_names_the_missing_participant_as_a_data_quality_problem(
    hand_made, tmp_path: Path
) -> None:
    trial = Trial.open(hand_made.url, hand_made.data, as_of="2018-12-31")
    trial.write_report(tmp_path / "r", kind="final", language="en", formats="md")
    text = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert "Assigned but not in the participants file (no baseline characteristics): <10" in text
    assert "Deviation or crossover (kept in ITT)" in text
    assert MISSING not in text  # a count, never a pseudonym
    svg = (tmp_path / "r" / "figures" / "consort.svg").read_text(encoding="utf-8")
    assert f">{N + len(DECLINED)}<" in svg  # invited, from the register
