"""Invariants of the register, checked on generated intakes (Hypothesis, few examples)."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from participatie_rct.registry import Register

from .helpers import frame_of, make_protocol

_SETTINGS = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _arms(cuts: list[int], n: int, *, one_by_one: bool = False) -> dict[str, str]:
    frame = frame_of([f"p{i:03d}" for i in range(n)], sites=("Ede", "Tiel", "Wageningen"))
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'trial.db'}"
        with Register.create(url, make_protocol(), key=None) as reg:
            if one_by_one:
                for row in frame.to_dict("records"):
                    unit = {"site": row["site"], "age_group": row["age_group"]}
                    reg.assign_one(row["participant"], unit, key=None)
            else:
                bounds = [0, *sorted(set(cuts)), n]
                for start, stop in itertools.pairwise(bounds):
                    if stop > start:
                        reg.assign_frame(frame.iloc[start:stop].reset_index(drop=True))
            assert reg.verify().ok
            return dict(
                zip(reg.assignments()["participant"], reg.assignments()["arm"], strict=True)
            )


@_SETTINGS
@given(n=st.integers(5, 40), data=st.data())
def test_block_arms_do_not_depend_on_how_arrivals_are_batched(n: int, data: st.DataObject) -> None:
    """Permuted blocks: the k-th arrival of a stratum gets the same arm in one file, in pieces
    or one by one (the arm is a function of seed, stratum and position only)."""
    cuts = data.draw(st.lists(st.integers(1, n - 1), max_size=4))
    whole = _arms([], n)
    assert _arms(cuts, n) == whole
    if n <= 12:
        assert _arms([], n, one_by_one=True) == whole


@_SETTINGS
@given(n=st.integers(3, 30), again=st.sets(st.integers(0, 29), max_size=10))
def test_asking_again_changes_nothing(n: int, again: set[int]) -> None:
    frame = frame_of([f"p{i:03d}" for i in range(n)])
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'trial.db'}"
        with Register.create(url, make_protocol(), key=None) as reg:
            reg.assign_frame(frame)
            before = reg.assignments()
            n_events = len(reg.events())
            subset = frame.iloc[sorted(i for i in again if i < n)].reset_index(drop=True)
            if len(subset):
                outcome = reg.assign_frame(subset)
                assert (outcome.n_new, outcome.n_existing) == (0, len(subset))
            after = reg.assignments()
            assert after.equals(before)
            assert len(reg.events()) == n_events
