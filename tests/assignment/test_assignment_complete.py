"""Complete and stratified randomization: counts, exact probabilities, replay, distribution."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from participatie_rct.assignment import CompleteRandomization, StratifiedRandomization
from participatie_rct.assignment.allocation import arm_counts, exact_count_distribution
from participatie_rct.errors import AssignmentError

ARMS4 = ("control", "earn_more", "intensive_support", "no_application_duty")
#: Significance level of every distribution test. The tests use fixed seeds, so they are
#: deterministic; the level only says how surprising a pass would be if the code were wrong.
ALPHA = 1e-3

ratio_lists = st.lists(st.integers(1, 4), min_size=2, max_size=5)


def _arms(k: int) -> tuple[str, ...]:
    return tuple(f"arm_{i}" for i in range(k))


@settings(max_examples=60, deadline=None)
@given(
    ratios=ratio_lists,
    sites=st.lists(st.sampled_from("abcd"), min_size=0, max_size=60),
    seed=st.integers(0, 2**32),
)
def test_counts_per_stratum_are_floor_or_ceiling(
    ratios: list[int], sites: list[str], seed: int
) -> None:
    procedure = StratifiedRandomization(arms=_arms(len(ratios)), ratios=ratios, strata=("site",))
    units = pd.DataFrame({"site": sites}, dtype=object)
    arms = procedure.draw(units, rng=np.random.default_rng(seed))
    assert arms.index.equals(units.index)
    total = sum(ratios)
    for site in set(sites):
        n = sites.count(site)
        got = arms[units["site"] == site].value_counts()
        for arm, ratio in zip(procedure.arms, ratios, strict=True):
            expected = n * ratio / total
            assert math.floor(expected) <= got.get(arm, 0) <= math.ceil(expected)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 40), ratios=ratio_lists, u=st.integers(0, 10**6))
def test_arm_counts_sum_to_n_and_stay_within_floor_and_ceiling(
    n: int, ratios: list[int], u: int
) -> None:
    total = sum(ratios)
    order = np.random.default_rng(u).permutation(len(ratios))
    counts = arm_counts(n, ratios, u % total, order)
    assert counts.sum() == n
    for count, ratio in zip(counts, ratios, strict=True):
        assert n * ratio // total <= count <= -(-n * ratio // total)


@pytest.mark.parametrize("ratios", [(1, 1), (1, 1, 1, 1), (1, 2, 3), (2, 3, 1, 1)])
@pytest.mark.parametrize("n", [1, 2, 3, 5, 7])
def test_exact_probabilities_equal_full_enumeration(ratios: tuple[int, ...], n: int) -> None:
    """Enumerate arm orders, systematic starts and arrangements: each unit gets its share."""
    procedure = CompleteRandomization(arms=_arms(len(ratios)), ratios=ratios)
    units = pd.DataFrame(index=range(n))
    stated = procedure.probabilities(units).to_numpy()
    marginal = np.zeros((n, len(ratios)))
    for counts, weight in exact_count_distribution(n, ratios).items():
        # every distinct arrangement of the multiset of arms is equally likely
        vector = [a for a, c in enumerate(counts) for _ in range(c)]
        arrangements = set(itertools.permutations(vector))
        for arrangement in arrangements:
            for unit, arm in enumerate(arrangement):
                marginal[unit, arm] += weight / len(arrangements)
    np.testing.assert_allclose(stated, marginal, atol=1e-12)
    np.testing.assert_allclose(stated.sum(axis=1), 1.0, atol=1e-15)


def test_same_seed_same_arms_and_other_seed_other_arms() -> None:
    procedure = StratifiedRandomization(arms=ARMS4, strata=("site",))
    units = pd.DataFrame({"site": ["a", "b"] * 50})
    first = procedure.draw(units, rng=np.random.default_rng(7))
    assert first.equals(procedure.draw(units, rng=np.random.default_rng(7)))
    assert not first.equals(procedure.draw(units, rng=np.random.default_rng(8)))


def test_a_new_stratum_changes_no_other_stratums_arms() -> None:
    procedure = StratifiedRandomization(arms=ARMS4, strata=("site",))
    before = pd.DataFrame({"site": ["Ede", "Tiel"] * 20})
    after = pd.DataFrame({"site": ["Ede", "Zeist", "Tiel"] * 20})
    a = procedure.draw(before, rng=np.random.default_rng(3))
    b = procedure.draw(after, rng=np.random.default_rng(3))
    for site in ("Ede", "Tiel"):
        assert a[before["site"] == site].tolist() == b[after["site"] == site].tolist()


def test_ints_and_floats_form_one_stratum() -> None:
    procedure = StratifiedRandomization(arms=("a", "b"), strata=("group",))
    as_int = pd.DataFrame({"group": [1, 2, 1, 2, 1, 2]})
    as_float = pd.DataFrame({"group": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0]})
    mixed = pd.DataFrame({"group": pd.Series([1, "2", 1.0, 2, "1", 2.0], dtype=object)})
    expected = procedure.draw(as_int, rng=np.random.default_rng(5)).tolist()
    assert procedure.draw(as_float, rng=np.random.default_rng(5)).tolist() == expected
    assert procedure.draw(mixed, rng=np.random.default_rng(5)).tolist() == expected


def test_sequencer_batches_replay_and_rebuild_from_history() -> None:
    procedure = StratifiedRandomization(arms=ARMS4, ratios=(1, 1, 1, 2), strata=("site",))
    units = pd.DataFrame({"site": list("abcab" * 6)})
    rng = np.random.default_rng(11)
    whole = procedure.draw(units, rng=np.random.default_rng(11))
    sequencer = procedure.sequencer(rng=rng)
    first = sequencer.next_batch(units)
    assert [d.arm for d in first] == whole.tolist()  # draw is batch 0 of a fresh sequencer
    second = sequencer.next_batch(units.iloc[:10])
    one = sequencer.next({"site": "c"})
    assert {d.batch for d in first} == {0} and {d.batch for d in second} == {1} and one.batch == 2
    assert one.probabilities == {
        "control": 0.2,
        "earn_more": 0.2,
        "intensive_support": 0.2,
        "no_application_duty": 0.4,
    }
    # positions count the arrivals per stratum across batches
    assert [d.position for d in second if d.stratum == "site=a"] == [12, 13, 14, 15]
    history = pd.DataFrame(
        {
            "site": list(units["site"]) + list(units["site"].iloc[:10]),
            "arm": [d.arm for d in first + second],
            "batch": [d.batch for d in first + second],
        }
    )
    rebuilt = procedure.sequencer(rng=np.random.default_rng(11), history=history)
    again = rebuilt.next({"site": "c"})
    assert again == one


def test_batch_of_one_uses_the_shares() -> None:
    procedure = CompleteRandomization(arms=("a", "b", "c"), ratios=(1, 2, 1))
    seen = []
    for seed in range(4000):
        draw = procedure.sequencer(rng=np.random.default_rng(seed)).next({})
        assert draw.probability == {"a": 0.25, "b": 0.5, "c": 0.25}[draw.arm]
        seen.append(draw.arm)
    counts = pd.Series(seen).value_counts().reindex(["a", "b", "c"]).to_numpy()
    assert stats.chisquare(counts, 4000 * np.array([0.25, 0.5, 0.25])).pvalue > ALPHA


@pytest.mark.parametrize(
    ("ratios", "stratified"), [((1, 1, 1, 1), True), ((1, 2, 3), True), ((2, 1, 1), False)]
)
def test_empirical_frequencies_agree_with_probabilities(
    ratios: tuple[int, ...], stratified: bool
) -> None:
    """Over 3,000 seeds every unit's arm frequencies match its stated probabilities (chi-square)."""
    procedure = (
        StratifiedRandomization(arms=_arms(len(ratios)), ratios=ratios, strata=("site",))
        if stratified
        else CompleteRandomization(arms=_arms(len(ratios)), ratios=ratios)
    )
    units = pd.DataFrame({"site": ["x", "y", "x", "x", "y", "x", "y"]})
    stated = procedure.probabilities(units).to_numpy()
    seeds = 3000
    codes = np.array(
        [
            pd.Index(procedure.arms).get_indexer(
                procedure.draw(units, rng=np.random.default_rng(s))
            )
            for s in range(seeds)
        ]
    )
    pvalues = []
    for unit in range(len(units)):
        observed = np.bincount(codes[:, unit], minlength=len(ratios))
        pvalues.append(stats.chisquare(observed, seeds * stated[unit]).pvalue)
    assert min(pvalues) > ALPHA / len(units)  # Bonferroni over the units


def test_probabilities_rows_sum_to_one_and_align_with_units() -> None:
    procedure = StratifiedRandomization(arms=ARMS4, ratios=(3, 1, 1, 1), strata=("site",))
    units = pd.DataFrame({"site": ["a", "b", "c"]}, index=[10, 20, 30])
    probs = procedure.probabilities(units)
    assert list(probs.columns) == list(ARMS4)
    assert probs.index.equals(units.index)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert probs.loc[10, "control"] == 0.5


def test_missing_stratum_value_is_refused_naming_column_and_positions() -> None:
    procedure = StratifiedRandomization(arms=ARMS4, strata=("site", "age_group"))
    units = pd.DataFrame({"site": ["a", "b", None, "c", " "], "age_group": ["x"] * 5})
    with pytest.raises(
        AssignmentError, match=r"column 'site' is empty for 2 participants \(arrival positions 3, 5"
    ):
        procedure.draw(units, rng=np.random.default_rng(1))
    with pytest.raises(AssignmentError, match=r"column 'site' is empty") as info:
        procedure.probabilities(units)
    assert info.value.positions == (2, 4)  # type: ignore[attr-defined]
    with pytest.raises(AssignmentError, match=r"no column 'age_group'"):
        procedure.draw(units[["site"]].fillna("a"), rng=np.random.default_rng(1))
    with pytest.raises(AssignmentError, match=r"column 'age_group' is empty for this participant"):
        procedure.sequencer(rng=np.random.default_rng(1)).next(
            {"site": "a", "age_group": float("nan")}
        )


def test_declarations_are_checked() -> None:
    with pytest.raises(AssignmentError, match="two or more arms"):
        CompleteRandomization(arms=("only",))
    with pytest.raises(AssignmentError, match="ratio 0"):
        CompleteRandomization(arms=("a", "b"), ratios=(1, 0))
    with pytest.raises(AssignmentError, match="needs strata"):
        StratifiedRandomization(arms=("a", "b"), strata=())
    with pytest.raises(AssignmentError, match="must be a pandas DataFrame"):
        CompleteRandomization(arms=("a", "b")).draw([1, 2], rng=np.random.default_rng(1))  # type: ignore[arg-type]


def test_history_needs_batch_numbers() -> None:
    procedure = CompleteRandomization(arms=("a", "b"))
    with pytest.raises(AssignmentError, match="no 'batch' column"):
        procedure.sequencer(rng=np.random.default_rng(1), history=pd.DataFrame({"arm": ["a"]}))
    with pytest.raises(AssignmentError, match="arm the protocol does not declare"):
        procedure.sequencer(
            rng=np.random.default_rng(1), history=pd.DataFrame({"arm": ["z"], "batch": [0]})
        )
