"""Minimization: the biased-coin probabilities, balance against complete randomization, replay."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from participatie_rct.assignment import CompleteRandomization, Minimization
from participatie_rct.errors import AssignmentError

ARMS4 = ("control", "earn_more", "intensive_support", "no_application_duty")
#: Significance level of the distribution tests (fixed seeds: deterministic; see complete tests).
ALPHA = 1e-3


def _cohort(n: int, seed: int) -> pd.DataFrame:
    rs = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "site": rs.choice(["Wageningen", "Apeldoorn", "Tilburg", "Utrecht"], n),
            "age_group": rs.choice(["<30", "30-44", "45+"], n, p=[0.2, 0.3, 0.5]),
            "months_group": rs.choice(["<12", "12-60", "60+"], n),
        }
    )


def test_conditional_probabilities_single_best_arm() -> None:
    procedure = Minimization(arms=ARMS4, factors=("site", "age_group"), p_best=0.8)
    # site level: one in control; age level: one in control and one in earn_more
    probs = procedure.conditional_probabilities([[1, 0, 0, 0], [1, 1, 0, 0]])
    # putting the arrival in intensive_support or no_application_duty ties as best
    np.testing.assert_allclose(probs, [0.1, 0.1, 0.4, 0.4])
    probs = procedure.conditional_probabilities([[1, 1, 1, 0], [0, 0, 0, 0]])
    np.testing.assert_allclose(probs, [0.2 / 3, 0.2 / 3, 0.2 / 3, 0.8])


def test_all_tied_gives_the_ratio_shares() -> None:
    procedure = Minimization(arms=("a", "b", "c"), ratios=(1, 2, 1), factors=("site",), p_best=0.9)
    # counts 1, 3, 1 (ratio-weighted 1, 1.5, 1): any arm leaves a range of 1/2 in weighted units
    np.testing.assert_allclose(procedure.conditional_probabilities([[1, 3, 1]]), [0.25, 0.5, 0.25])
    # from balance (ratio-weighted 1, 1, 1) one more in b moves the weighted counts least: b is best
    np.testing.assert_allclose(procedure.conditional_probabilities([[1, 2, 1]]), [0.05, 0.9, 0.05])
    np.testing.assert_allclose(procedure.conditional_probabilities([[0, 0, 0]]), [0.05, 0.9, 0.05])
    # counts 2, 2, 1 (weighted 2, 1, 1): b and c tie as best and share p_best 2:1 by their ratios
    np.testing.assert_allclose(procedure.conditional_probabilities([[2, 2, 1]]), [0.1, 0.6, 0.3])


def test_variance_measure_and_weights() -> None:
    procedure = Minimization(
        arms=("a", "b", "c"), factors=("f", "g"), measure="variance", weights=(3.0, 1.0), p_best=0.6
    )
    # factor f prefers c; factor g prefers a; f weighs more
    probs = procedure.conditional_probabilities([[1, 1, 0], [0, 2, 2]])
    np.testing.assert_allclose(probs, [0.2, 0.2, 0.6])


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(st.lists(st.integers(0, 6), min_size=3, max_size=3), min_size=1, max_size=3),
    p_best=st.floats(0.34, 0.99),
    measure=st.sampled_from(["range", "variance"]),
)
def test_probabilities_sum_to_one_and_none_is_certain(
    counts: list[list[int]], p_best: float, measure: str
) -> None:
    procedure = Minimization(
        arms=("a", "b", "c"),
        factors=tuple(f"f{i}" for i in range(len(counts))),
        p_best=p_best,
        measure=measure,
    )
    probs = procedure.conditional_probabilities(counts)
    assert abs(sum(probs) - 1) < 1e-12
    assert all(0 < p < 1 for p in probs)


def test_p_best_one_is_deterministic_for_a_unique_best_arm() -> None:
    procedure = Minimization(arms=("a", "b"), factors=("site",), p_best=1.0)
    assert procedure.conditional_probabilities([[2, 1]]) == [0.0, 1.0]


def test_minimization_balances_far_better_than_complete_randomization() -> None:
    """Mean over seeds of the largest arm difference within any factor level."""
    units = _cohort(200, seed=1)
    minimization = Minimization(
        arms=ARMS4, factors=("site", "age_group", "months_group"), p_best=0.8
    )
    complete = CompleteRandomization(arms=ARMS4)

    def imbalance(arms: pd.Series) -> int:
        worst = 0
        for factor in ("site", "age_group", "months_group"):
            table = pd.crosstab(units[factor], arms).reindex(columns=list(ARMS4), fill_value=0)
            worst = max(worst, int((table.max(axis=1) - table.min(axis=1)).max()))
        return worst

    by_min = [imbalance(minimization.draw(units, rng=np.random.default_rng(s))) for s in range(40)]
    by_complete = [imbalance(complete.draw(units, rng=np.random.default_rng(s))) for s in range(40)]
    assert np.mean(by_min) < 0.5 * np.mean(by_complete)
    assert max(by_min) < max(by_complete)


def test_unequal_ratios_are_kept_over_a_long_intake() -> None:
    """Balancing ratio-weighted counts keeps the overall allocation at the ratios."""
    procedure = Minimization(arms=("a", "b", "c"), ratios=(1, 2, 1), factors=("site", "age_group"))
    arms = procedure.draw(_cohort(2000, seed=6), rng=np.random.default_rng(6))
    shares = arms.value_counts(normalize=True).reindex(["a", "b", "c"]).to_numpy()
    np.testing.assert_allclose(shares, [0.25, 0.5, 0.25], atol=0.01)


def test_assignments_stay_unpredictable() -> None:
    procedure = Minimization(arms=ARMS4, factors=("site", "age_group", "months_group"), p_best=0.8)
    draws = procedure.sequencer(rng=np.random.default_rng(5)).next_batch(_cohort(300, seed=2))
    probabilities = np.array([[d.probabilities[a] for a in ARMS4] for d in draws])
    assert probabilities.max() <= 0.8 + 1e-12
    assert probabilities.min() > 0
    assert len({d.arm for d in draws}) == 4


@pytest.mark.parametrize(
    ("ratios", "measure"), [((1, 1, 1, 1), "range"), ((1, 2, 1, 1), "variance")]
)
def test_recorded_probabilities_are_calibrated(ratios: tuple[int, ...], measure: str) -> None:
    """Over thousands of draws, each arm comes up as often as its recorded probabilities say.

    A chi-square per distinct probability vector (grouped, so each cell has a fixed law), and a
    z-test of sum(1[arm] - p) per arm over all draws.
    """
    procedure = Minimization(
        arms=ARMS4, ratios=ratios, factors=("site", "age_group"), p_best=0.75, measure=measure
    )
    units = _cohort(12, seed=3)
    groups: dict[tuple[float, ...], np.ndarray] = {}
    hits = np.zeros(4)
    expected = np.zeros(4)
    variance = np.zeros(4)
    for seed in range(1500):
        for draw in procedure.sequencer(rng=np.random.default_rng(seed)).next_batch(units):
            p = tuple(round(draw.probabilities[a], 12) for a in ARMS4)
            hit = np.array([draw.arm == a for a in ARMS4], dtype=float)
            groups.setdefault(p, np.zeros(4))
            groups[p] += hit
            hits += hit
            expected += p
            variance += np.array(p) * (1 - np.array(p))
    z = (hits - expected) / np.sqrt(variance)
    assert np.abs(z).max() < stats.norm.isf(ALPHA / 8)
    pvalues = []
    for p, observed in groups.items():
        n = observed.sum()
        if n >= 200:
            pvalues.append(stats.chisquare(observed, n * np.array(p) / sum(p)).pvalue)
    assert len(pvalues) >= 3
    assert min(pvalues) > ALPHA / len(pvalues)


def test_rebuild_from_history_matches_one_long_run() -> None:
    procedure = Minimization(
        arms=ARMS4, ratios=(2, 1, 1, 1), factors=("site", "age_group", "months_group")
    )
    units = _cohort(2500, seed=4)  # crosses the 1,024-draw chunk boundary
    straight = procedure.sequencer(rng=np.random.default_rng(8)).next_batch(units)
    history = units.iloc[:1500].assign(arm=[d.arm for d in straight[:1500]])
    rebuilt = procedure.sequencer(rng=np.random.default_rng(8), history=history)
    rest = [rebuilt.next(units.iloc[i].to_dict()) for i in range(1500, 1510)] + rebuilt.next_batch(
        units.iloc[1510:]
    )
    assert rest == straight[1500:]
    assert straight[1200].position == 1200
    assert straight[0].stratum == "site={}|age_group={}|months_group={}".format(*units.iloc[0])
    whole = procedure.draw(units, rng=np.random.default_rng(8))
    assert whole.tolist() == [d.arm for d in straight]


def test_marginal_probabilities_are_refused() -> None:
    procedure = Minimization(arms=ARMS4, factors=("site",))
    with pytest.raises(AssignmentError, match="minimization has no exact marginal probabilities"):
        procedure.probabilities(_cohort(5, seed=1))


def test_declaration_is_checked() -> None:
    with pytest.raises(AssignmentError, match="p_best is 0"):
        Minimization(arms=ARMS4, factors=("site",), p_best=0)
    with pytest.raises(AssignmentError, match="weights has 1 values for 2 factors"):
        Minimization(arms=ARMS4, factors=("site", "age_group"), weights=(1.0,))
    with pytest.raises(AssignmentError, match="needs factors"):
        Minimization(arms=ARMS4, factors=())
    with pytest.raises(AssignmentError, match="history has no column 'age_group'"):
        Minimization(arms=ARMS4, factors=("site", "age_group")).sequencer(
            rng=np.random.default_rng(1), history=pd.DataFrame({"site": ["a"], "arm": ["control"]})
        )
