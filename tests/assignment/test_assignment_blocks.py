"""Permuted blocks: balance at every completed block, bounded imbalance, replay, distribution."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from participatie_rct.assignment import PermutedBlocks
from participatie_rct.assignment.blocks import block_chunk
from participatie_rct.assignment.streams import key_words
from participatie_rct.errors import AssignmentError

ARMS4 = ("control", "earn_more", "intensive_support", "no_application_duty")
#: Significance level of the distribution tests (fixed seeds: deterministic; see complete tests).
ALPHA = 1e-3

designs = st.lists(st.integers(1, 3), min_size=2, max_size=4).flatmap(
    lambda ratios: st.tuples(
        st.just(tuple(ratios)),
        st.lists(st.integers(1, 3), min_size=1, max_size=3, unique=True).map(
            lambda m: tuple(sorted(sum(ratios) * x for x in m))
        ),
    )
)


def _arms(k: int) -> tuple[str, ...]:
    return tuple(f"arm_{i}" for i in range(k))


@settings(max_examples=40, deadline=None)
@given(design=designs, seed=st.integers(0, 2**32), n=st.integers(1, 120))
def test_blocks_are_balanced_and_imbalance_is_bounded(
    design: tuple[tuple[int, ...], tuple[int, ...]], seed: int, n: int
) -> None:
    ratios, sizes = design
    procedure = PermutedBlocks(arms=_arms(len(ratios)), ratios=ratios, block_sizes=sizes)
    total = sum(ratios)
    arms, probs = procedure.stratum_sequence("", n, rng=np.random.default_rng(seed))
    codes = pd.Index(procedure.arms).get_indexer(arms)
    _, _, chunk_sizes = block_chunk(np.random.SeedSequence(seed), key_words(""), 0, ratios, sizes)
    ends = np.cumsum(chunk_sizes)
    r = np.asarray(ratios)
    counts = np.zeros(len(ratios), dtype=np.int64)
    largest = max(sizes)
    for i, code in enumerate(codes):
        counts[code] += 1
        # deviation from the target allocation never exceeds what one block allows
        deviation = counts * total - (i + 1) * r  # in units of 1/total
        assert np.abs(deviation).max() <= largest * (total - r.min())
        if (i + 1) in ends:
            assert (deviation == 0).all(), "exactly balanced at each completed block"
        # the recorded probability is the one of the arms still left in the block
        assert probs[i, code] > 0
        np.testing.assert_allclose(probs[i].sum(), 1.0)


def test_pairwise_difference_never_exceeds_half_the_largest_block() -> None:
    """Equal ratios: two arms never differ by more than the largest block size / number of arms."""
    procedure = PermutedBlocks(arms=ARMS4, block_sizes=(4, 8, 12))
    for seed in range(30):
        arms, _ = procedure.stratum_sequence("site=Ede", 300, rng=np.random.default_rng(seed))
        counts = pd.get_dummies(pd.Series(arms)).cumsum()
        spread = counts.max(axis=1) - counts.min(axis=1)
        assert spread.max() <= 12 // 4


def test_conditional_probabilities_follow_the_block_contents() -> None:
    procedure = PermutedBlocks(arms=("a", "b"), ratios=(1, 2), block_sizes=(3,))
    arms, probs = procedure.stratum_sequence("", 30, rng=np.random.default_rng(2))
    for start in range(0, 30, 3):
        block = arms[start : start + 3]
        assert sorted(block) == ["a", "b", "b"]
        np.testing.assert_allclose(probs[start], [1 / 3, 2 / 3])
        left = ["a", "b", "b"]
        for i, arm in enumerate(block):
            expected = [left.count("a") / len(left), left.count("b") / len(left)]
            np.testing.assert_allclose(probs[start + i], expected)
            left.remove(arm)


@pytest.mark.parametrize(("ratios", "sizes"), [((1, 1, 1, 1), (4, 8)), ((1, 2), (3, 6, 9))])
def test_empirical_frequencies_agree_with_probabilities(
    ratios: tuple[int, ...], sizes: tuple[int, ...]
) -> None:
    """Over 2,000 seeds every position's arm frequencies match the exact marginal (chi-square)."""
    procedure = PermutedBlocks(
        arms=_arms(len(ratios)), ratios=ratios, block_sizes=sizes, strata=("site",)
    )
    units = pd.DataFrame({"site": ["x", "y", "x", "x", "y", "x", "x", "x", "x", "x"]})
    stated = procedure.probabilities(units).to_numpy()
    seeds = 2000
    codes = np.array(
        [
            pd.Index(procedure.arms).get_indexer(
                procedure.draw(units, rng=np.random.default_rng(s))
            )
            for s in range(seeds)
        ]
    )
    pvalues = [
        stats.chisquare(np.bincount(codes[:, i], minlength=len(ratios)), seeds * stated[i]).pvalue
        for i in range(len(units))
    ]
    assert min(pvalues) > ALPHA / len(units)


def test_recorded_conditional_probabilities_are_calibrated() -> None:
    """Given the state, arms come with the recorded probabilities: sum(1[arm] - p) is ~ 0."""
    procedure = PermutedBlocks(arms=("a", "b", "c"), ratios=(1, 2, 3), block_sizes=(6, 12))
    hits = np.zeros(3)
    expected = np.zeros(3)
    variance = np.zeros(3)
    for seed in range(400):
        sequencer = procedure.sequencer(rng=np.random.default_rng(seed))
        for _ in range(7):  # a mid-block arrival, so probabilities are truly conditional
            draw = sequencer.next({})
        p = np.array([draw.probabilities[a] for a in procedure.arms])
        hits += np.array([draw.arm == a for a in procedure.arms])
        expected += p
        variance += p * (1 - p)
    z = (hits - expected) / np.sqrt(variance)
    assert np.abs(z).max() < stats.norm.isf(ALPHA / 6)


def test_arm_of_kth_arrival_depends_only_on_seed_stratum_and_k() -> None:
    """Interleaving strata differently, restarting, or adding a site changes nobody's arm."""
    procedure = PermutedBlocks(arms=ARMS4, block_sizes=(4, 8), strata=("site",))
    sites = ["Ede", "Tiel"] * 30
    one = procedure.draw(pd.DataFrame({"site": sites}), rng=np.random.default_rng(9))
    shuffled_sites = sorted(sites) + ["Zeist"] * 5
    other = procedure.draw(pd.DataFrame({"site": shuffled_sites}), rng=np.random.default_rng(9))
    for site in ("Ede", "Tiel"):
        assert (
            one[np.array(sites) == site].tolist()
            == other[np.array(shuffled_sites) == site].tolist()
        )


def test_rebuild_from_history_continues_every_stratum() -> None:
    procedure = PermutedBlocks(
        arms=ARMS4, ratios=(1, 1, 1, 3), block_sizes=(6, 12), strata=("site", "age")
    )
    units = pd.DataFrame({"site": ["a", "b", "a"] * 15, "age": [1, 2, 2.0, 1.0, 2] * 9})
    straight = procedure.sequencer(rng=np.random.default_rng(4))
    draws = straight.next_batch(units)
    split = procedure.sequencer(rng=np.random.default_rng(4))
    first = split.next_batch(units.iloc[:20])
    history = units.iloc[:20].assign(arm=[d.arm for d in first])
    rebuilt = procedure.sequencer(rng=np.random.default_rng(4), history=history)
    rest = rebuilt.next_batch(units.iloc[20:30]) + [
        rebuilt.next(units.iloc[i].to_dict()) for i in range(30, 45)
    ]
    assert first + rest == draws
    # a history carrying only the stratum keys (as the register stores them) works as well
    by_key = pd.DataFrame({"stratum": [d.stratum for d in first], "arm": [d.arm for d in first]})
    again = procedure.sequencer(rng=np.random.default_rng(4), history=by_key).next_batch(
        units.iloc[20:]
    )
    assert again == draws[20:]


def test_positions_count_arrivals_per_stratum() -> None:
    procedure = PermutedBlocks(arms=("a", "b"), block_sizes=(2, 4), strata=("site",))
    draws = procedure.sequencer(rng=np.random.default_rng(1)).next_batch(
        pd.DataFrame({"site": list("xyxxy")})
    )
    assert [(d.stratum, d.position) for d in draws] == [
        ("site=x", 0),
        ("site=y", 0),
        ("site=x", 1),
        ("site=x", 2),
        ("site=y", 1),
    ]


def test_block_sizes_are_checked() -> None:
    with pytest.raises(
        AssignmentError,
        match=r"block size 6 is not a positive multiple of the sum of the ratios \(4\)",
    ):
        PermutedBlocks(arms=ARMS4, block_sizes=(4, 6))
    with pytest.raises(AssignmentError, match="need block_sizes"):
        PermutedBlocks(arms=ARMS4, block_sizes=())
