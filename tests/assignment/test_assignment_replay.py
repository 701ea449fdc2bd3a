"""Replay invariants for every method, and exact marginals by full enumeration for tiny designs."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from participatie_rct.assignment import (
    AssignmentProcedure,
    CompleteRandomization,
    Minimization,
    PermutedBlocks,
    StratifiedRandomization,
)

#: Significance level of the distribution tests (fixed seeds: deterministic; see complete tests).
ALPHA = 1e-3

PROCEDURES: dict[str, AssignmentProcedure] = {
    "complete": CompleteRandomization(arms=("a", "b", "c"), ratios=(1, 2, 1)),
    "stratified": StratifiedRandomization(
        arms=("a", "b", "c"), ratios=(1, 2, 1), strata=("site", "age")
    ),
    "permuted_blocks": PermutedBlocks(
        arms=("a", "b", "c"), ratios=(1, 2, 1), block_sizes=(4, 8), strata=("site",)
    ),
    "minimization": Minimization(
        arms=("a", "b", "c"), ratios=(1, 2, 1), factors=("site", "age"), p_best=0.75
    ),
}

cohorts = st.lists(
    st.tuples(st.sampled_from(["Ede", "Tiel", "Zeist"]), st.sampled_from([1, 2.0, "3"])),
    min_size=1,
    max_size=40,
).map(lambda rows: pd.DataFrame(rows, columns=["site", "age"]))


@pytest.mark.parametrize("name", sorted(PROCEDURES))
@settings(max_examples=25, deadline=None)
@given(units=cohorts, seed=st.integers(0, 2**63), cut=st.floats(0, 1))
def test_replay_after_a_restart_gives_the_same_draws(
    name: str, units: pd.DataFrame, seed: int, cut: float
) -> None:
    """Two batches in one sequencer == the first, a restart from history, then the second."""
    procedure = PROCEDURES[name]
    assert procedure.draw(units, rng=np.random.default_rng(seed)).equals(
        procedure.draw(units, rng=np.random.default_rng(seed))
    )
    k = int(cut * len(units))
    first, second = units.iloc[:k], units.iloc[k:]
    one = procedure.sequencer(rng=np.random.default_rng(seed))
    straight = one.next_batch(first) + one.next_batch(second)
    early = procedure.sequencer(rng=np.random.default_rng(seed)).next_batch(first)
    history = first.assign(
        arm=[d.arm for d in early],
        stratum=[d.stratum for d in early],
        position=[d.position for d in early],
        batch=[d.batch for d in early],
    )
    later = procedure.sequencer(rng=np.random.default_rng(seed), history=history).next_batch(second)
    assert early + later == straight
    for draw in straight:
        assert abs(sum(draw.probabilities.values()) - 1) < 1e-12
        assert draw.probability == draw.probabilities[draw.arm] > 0
    keys = [(d.stratum, d.position) for d in straight]
    assert len(set(keys)) == len(keys), "(stratum, position) is unique"


def _block_marginals(ratios: tuple[int, ...], sizes: tuple[int, ...], n: int) -> np.ndarray:
    """Exact marginal of every position by enumerating block-size sequences and permutations."""
    k, total = len(ratios), sum(ratios)
    marginal = np.zeros((n, k))

    def walk(start: int, weight: float) -> None:
        if start >= n:
            return
        for size in sizes:
            template = [a for a in range(k) for _ in range(size * ratios[a] // total)]
            arrangements = set(itertools.permutations(template))
            for arrangement in arrangements:
                w = weight / len(sizes) / len(arrangements)
                for offset, arm in enumerate(arrangement):
                    if start + offset < n:
                        marginal[start + offset, arm] += w
            walk(start + size, weight / len(sizes))

    walk(0, 1.0)
    return marginal


@pytest.mark.parametrize(("ratios", "sizes"), [((1, 2), (3, 6)), ((1, 1, 1), (3, 6))])
def test_block_probabilities_equal_full_enumeration(
    ratios: tuple[int, ...], sizes: tuple[int, ...]
) -> None:
    n = 8
    procedure = PermutedBlocks(arms=tuple("abc"[: len(ratios)]), ratios=ratios, block_sizes=sizes)
    stated = procedure.probabilities(pd.DataFrame(index=range(n))).to_numpy()
    np.testing.assert_allclose(stated, _block_marginals(ratios, sizes, n), atol=1e-12)


def _minimization_marginals(procedure: Minimization, units: pd.DataFrame) -> np.ndarray:
    """Exact marginal of every arrival by enumerating every path of arms with its probability."""
    k = len(procedure.arms)
    rows = [
        tuple(str(v) for v in row) for row in units[list(procedure.factors)].itertuples(index=False)
    ]
    marginal = np.zeros((len(rows), k))

    def walk(i: int, counts: dict[tuple[int, str], list[int]], weight: float) -> None:
        if i == len(rows):
            return
        level_counts = [counts.get((f, level), [0] * k) for f, level in enumerate(rows[i])]
        probs = procedure.conditional_probabilities(level_counts)
        for arm, p in enumerate(probs):
            if p == 0:
                continue
            marginal[i, arm] += weight * p
            after = {key: list(v) for key, v in counts.items()}
            for f, level in enumerate(rows[i]):
                after.setdefault((f, level), [0] * k)[arm] += 1
            walk(i + 1, after, weight * p)

    walk(0, {}, 1.0)
    return marginal


def test_minimization_frequencies_match_enumerated_marginals() -> None:
    """The draws' empirical marginals over 3,000 seeds match the exact marginals (chi-square)."""
    procedure = Minimization(
        arms=("a", "b", "c"), ratios=(1, 2, 1), factors=("site", "age"), p_best=0.7
    )
    units = pd.DataFrame(
        {"site": ["x", "y", "x", "x", "y", "x"], "age": ["o", "o", "y", "o", "y", "y"]}
    )
    exact = _minimization_marginals(procedure, units)
    np.testing.assert_allclose(exact.sum(axis=1), 1.0)
    seeds = 3000
    index = pd.Index(procedure.arms)
    codes = np.array(
        [
            index.get_indexer(procedure.draw(units, rng=np.random.default_rng(s)))
            for s in range(seeds)
        ]
    )
    pvalues = [
        stats.chisquare(np.bincount(codes[:, i], minlength=3), seeds * exact[i]).pvalue
        for i in range(len(units))
    ]
    assert min(pvalues) > ALPHA / len(units)
    # the marginal is not the share (the first arrival goes to b with p_best): the draw-time
    # probabilities, not the shares, are what weighting must use
    assert exact[0, 1] == pytest.approx(0.7)


def test_simulated_probabilities_estimate_the_enumerated_marginals() -> None:
    procedure = Minimization(
        arms=("a", "b", "c"), ratios=(1, 2, 1), factors=("site", "age"), p_best=0.7
    )
    units = pd.DataFrame({"site": ["x", "y", "x", "x"], "age": ["o", "o", "y", "o"]})
    exact = _minimization_marginals(procedure, units)
    estimated = procedure.simulated_probabilities(units, rng=np.random.default_rng(3), n_draws=2000)
    assert estimated.attrs["n_draws"] == 2000
    np.testing.assert_allclose(estimated.sum(axis=1), 1.0)
    # 4.5 Monte Carlo standard errors at most: sqrt(0.25 / 2000) is about 0.011
    np.testing.assert_allclose(estimated.to_numpy(), exact, atol=4.5 * np.sqrt(0.25 / 2000))
    again = procedure.simulated_probabilities(units, rng=np.random.default_rng(3), n_draws=2000)
    assert again.equals(estimated)
