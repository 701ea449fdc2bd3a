"""The disclosure rules for derived numbers, each with the attack that tries to undo it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from participatie_rct.report.disclosure import THRESHOLD, suppress_table
from participatie_rct.report.disclosure_rules import (
    effect_verdict,
    group_verdict,
    model_verdict,
    outcome_shares,
    pool_steps,
    share_verdict,
)


def test_share_needs_both_groups_at_the_threshold() -> None:
    assert share_verdict(0, 31)  # nobody with the outcome reveals nobody
    assert share_verdict(12, 31)
    assert not share_verdict(1, 33)
    assert not share_verdict(30, 33)  # 3 without the outcome
    assert not share_verdict(0, 9)  # 0% of 9 people still describes 9 people
    assert "fewer than 10" in share_verdict(1, 33).reason


def test_the_effect_that_gave_a_hidden_control_count_back_is_hidden() -> None:
    # the report printed 0/31 in one arm and an effect of -3.0 pp next to the control's <10:
    # -3.0 pp = 0/31 - 1/33, so the effect gave the control's 1 back.
    arm, control = (0, 31), (1, 33)
    assert share_verdict(*arm) and not share_verdict(*control)
    verdict = effect_verdict([arm, control])
    assert not verdict and "fewer than 10" in verdict.reason
    assert effect_verdict([(12, 40), (15, 41)])


def test_model_rules() -> None:
    arms = {"control": 40, "earn_more": 38}
    assert model_verdict(n=78, n_parameters=4, n_by_arm=arms)
    saturated = model_verdict(n=12, n_parameters=6, n_by_arm={"a": 6, "b": 6})
    assert not saturated and "saturated" in saturated.reason
    small_arm = model_verdict(n=50, n_parameters=2, n_by_arm={"control": 41, "earn_more": 9})
    assert not small_arm and "earn_more" in small_arm.reason
    small_stratum = model_verdict(
        n=78, n_parameters=5, n_by_arm=arms, n_by_stratum={"Ede": 70, "Tiel": 8}
    )
    assert not small_stratum and "1 strata" in small_stratum.reason


def test_per_site_estimates_need_ten_per_arm() -> None:
    assert group_verdict({"control": 10, "earn_more": 12})
    # a site with 3 people per arm once printed an effect of -33.3 pp
    verdict = group_verdict({"control": 3, "earn_more": 3})
    assert not verdict and "control, earn_more" in verdict.reason


def _candidates(text: str, upper: int) -> np.ndarray:
    """What a reader knows of one printed cell: its value, 1-9 for ``<10``, 1+ for ``·``."""
    if text == "<10":
        return np.arange(1, min(THRESHOLD, upper + 1))
    if text == "·":
        return np.arange(THRESHOLD, upper + 1)  # hidden to protect another: not itself small
    return np.array([int(text)])


def _solutions(shares: object, n: list[int]) -> list[np.ndarray]:
    """Every table of counts consistent with what the report prints (brute force)."""
    table = shares.table  # type: ignore[attr-defined]
    k = len(n)
    if table.withheld:  # nothing printed but the public n per arm
        grids = np.meshgrid(*[np.arange(0, m + 1) for m in n], indexing="ij")
        return [np.stack([g.ravel() for g in grids], axis=1)]
    options = [_candidates(table.cell(0, j), n[j]) for j in range(k)]
    grids = np.meshgrid(*options, indexing="ij")
    cand = np.stack([g.ravel() for g in grids], axis=1)  # candidate "with outcome" counts
    without = np.asarray(n) - cand
    ok = (without >= 0).all(axis=1)
    for j in range(k):
        allowed = _candidates(table.cell(1, j), n[j])
        ok &= np.isin(without[:, j], allowed)
    for row, values in ((0, cand), (1, without)):
        text = table.row_total(row)
        ok &= np.isin(values.sum(axis=1), _candidates(text, int(np.sum(n))))
    return [cand[ok]]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(10, 30)).filter(lambda t: t[0] <= t[1]),
        min_size=2,
        max_size=3,
    )
)
def test_differencing_the_outcome_table_recovers_no_hidden_count(
    raw: list[tuple[int, int]],
) -> None:
    counts = [c for c, _ in raw]
    n = [m for _, m in raw]
    shares = outcome_shares(counts, n)
    # printed: every n (CONSORT), the count table with its margins, the shares of the shown
    # columns, the pooled share when its margins are shown, and effects between shown shares:
    # the shares and effects add nothing to the table, so the table is what a reader solves.
    for j in range(len(n)):
        for i in range(len(n)):
            if not shares.effect_shown(j, i):
                assert not (shares.shown[j] and shares.shown[i])
    (solutions,) = _solutions(shares, n)
    assert len(solutions) >= 1  # the truth is always among them
    assert any((row == counts).all() for row in solutions)
    # no small count (1-9 people, with or without the outcome) can be pinned down exactly
    without = np.asarray(n) - solutions
    for j in range(len(n)):
        if 0 < counts[j] < THRESHOLD:
            assert len(np.unique(solutions[:, j])) > 1, (counts, n, j, "with")
        if 0 < n[j] - counts[j] < THRESHOLD:
            assert len(np.unique(without[:, j])) > 1, (counts, n, j, "without")


def test_differencing_effects_alone_never_give_a_hidden_share() -> None:
    rng = np.random.default_rng(11)
    for _ in range(2000):
        k = int(rng.integers(2, 5))
        n = rng.integers(10, 60, size=k)
        c = np.array([int(rng.integers(0, m + 1)) for m in n])
        cells = {f"arm{i}": (int(c[i]), int(n[i])) for i in range(k)}
        shown = {a for a, cell in cells.items() if share_verdict(*cell)}
        effects = [a for a in cells if a != "arm0" and effect_verdict([cells[a], cells["arm0"]])]
        for a in effects:
            # every printed effect connects two printed shares: nothing hidden is reachable
            assert a in shown and "arm0" in shown


def _km(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.argsort(time, kind="stable")
    time, event = time[order], event[order]
    times = np.unique(time[event == 1])
    at_risk = np.array([(time >= t).sum() for t in times])
    events = np.array([((time == t) & (event == 1)).sum() for t in times])
    surv = np.cumprod(1 - events / at_risk)
    return times, surv, events, at_risk


@settings(max_examples=100, deadline=None)
@given(st.integers(15, 200), st.integers(0, 2**32 - 1))
def test_pooled_curves_show_no_step_of_fewer_than_ten_events(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    time = rng.integers(1, 25, size=n).astype(float)
    event = (rng.random(n) < 0.6).astype(int)
    times, surv, events, at_risk = _km(time, event)
    if times.size == 0:
        return
    curve = pool_steps(times, surv, events, at_risk)
    assert curve.time[0] == 0 and curve.value[0] == 1.0
    assert (curve.events[1:] >= THRESHOLD).all()
    assert (curve.n_risk[1:] >= THRESHOLD).all()
    # printed values are the true curve at those times: nothing is invented or smoothed
    for t, v in zip(curve.time[1:], curve.value[1:], strict=True):
        assert v == pytest.approx(surv[np.searchsorted(times, t)])
    if curve.cut_at is not None:
        assert (curve.time < curve.cut_at).all()
        assert at_risk[np.searchsorted(times, curve.cut_at)] < THRESHOLD
    # the attacker's best guess of the events between two printed points is at least ten
    for i in range(1, len(curve.time)):
        assert curve.events[i] >= THRESHOLD


def test_pool_steps_refuses_unsorted_input() -> None:
    with pytest.raises(ValueError, match="increasing order"):
        pool_steps([2.0, 1.0], [0.9, 0.8], [1, 1], [20, 19])


def test_the_bounds_of_the_markers_are_audited() -> None:
    # 10 and <10 beside a total of 11, where the column totals (19 and 10) are public: the
    # greedy pass hid the 10, but '·' means at least 10, so the <10 had to be 1. The audit
    # hides more until no small cell is pinned, or withholds the table.
    table = suppress_table([[10, 1], [9, 9]], public_column_totals=True)
    assert table.row_total(0) != "11" or table.withheld
    everything_small = suppress_table([[1, 8], [9, 9]], public_column_totals=True)
    assert everything_small.withheld
    assert {everything_small.cell(i, j) for i in range(2) for j in range(2)} == {"·"}
