"""The vectorized re-draws have exactly the procedure's distribution, order by order.

Small cells and strata, so that every possible sequence of arms can be listed with its exact
probability (worked out here from the procedure's definition, not from the package's
re-draw code); many re-draws are then compared with it by a chi-square statistic. The sorted
random keys are checked with keys so short that ties are common, so that their re-draw
(which keeps the orders uniform) is exercised on most rows.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from participatie_rct.assignment import PermutedBlocks, StratifiedRandomization
from participatie_rct.assignment.allocation import exact_count_distribution
from participatie_rct.estimate import redraw_blocks
from participatie_rct.estimate.key_shuffle import KeyLayout, arrange, key_layout, keyed
from participatie_rct.estimate.redraw import redraws

DRAWS = 20_000


def _chi_square_fits(seen: Counter[tuple[int, ...]], exact: dict[tuple[int, ...], float]) -> bool:
    """Every sequence seen is possible, and the chi-square statistic over the possible ones
    stays below its degrees of freedom plus six standard deviations."""
    assert set(seen) <= set(exact), set(seen) - set(exact)
    total = sum(seen.values())
    stat = sum((seen.get(k, 0) - total * p) ** 2 / (total * p) for k, p in exact.items())
    dof = len(exact) - 1
    return stat < dof + 6 * math.sqrt(2 * dof)


def test_sorted_keys_give_every_order_equally_often_even_when_keys_tie():
    # three key bits: four elements share a key in most rows, and such rows are re-keyed
    layout = KeyLayout(np.uint32, arm_bits=2, group_shift=5)
    labels = np.array([0, 1, 2, 3, 32 | 0, 32 | 0, 32 | 1], dtype=np.uint32)
    values = keyed(labels, (DRAWS, labels.size), layout, np.random.default_rng(1))
    arms = arrange(values, layout, np.random.default_rng(2))
    first = Counter(map(tuple, arms[:, :4].tolist()))
    second = Counter(map(tuple, arms[:, 4:].tolist()))
    orders = {p: 1 / 24 for p in itertools.permutations(range(4))}
    assert _chi_square_fits(first, orders)
    assert _chi_square_fits(second, {(0, 0, 1): 1 / 3, (0, 1, 0): 1 / 3, (1, 0, 0): 1 / 3})


def test_key_layout_widens_to_64_bits_when_ties_would_be_common():
    assert key_layout(20, 4, np.full(20, 500)).dtype is np.uint32
    wide = key_layout(1, 2, np.array([200_000]))
    assert wide.dtype is np.uint64
    labels = np.array([0, 1, 1], dtype=np.uint64)
    rng = np.random.default_rng(3)
    arms = arrange(keyed(labels, (6000, 3), wide, rng), wide, rng)
    assert _chi_square_fits(
        Counter(map(tuple, arms.tolist())), {(0, 1, 1): 1 / 3, (1, 0, 1): 1 / 3, (1, 1, 0): 1 / 3}
    )


def _cell_orders(size: int, ratios: tuple[int, ...]) -> dict[tuple[int, ...], float]:
    """Exact probability of every sequence of arms over a cell: the count vector's
    probability under the floor/ceiling rule, spread evenly over its orders."""
    out = {}
    for counts, p in exact_count_distribution(size, ratios).items():
        template = np.repeat(np.arange(len(ratios)), counts).tolist()
        orders = set(itertools.permutations(template))
        for order in orders:
            out[order] = p / len(orders)
    return out


def test_stratified_cells_in_batches_have_the_exact_distribution_of_orders():
    ratios = (2, 1, 1)
    procedure = StratifiedRandomization(arms=("control", "a", "b"), ratios=ratios, strata=("site",))
    # two batches; sites interleaved so that cells are not contiguous in arrival order
    site = ["x", "y", "x", "x", "y", "x", "x", "y", "y", "x", "y", "x"]
    batch = [0] * 7 + [1] * 5
    units = pd.DataFrame({"site": site})
    fast = np.concatenate(
        list(redraws(procedure, units, np.asarray(batch), DRAWS, np.random.default_rng(4)))
    )
    for b, s in itertools.product((0, 1), ("x", "y")):
        rows = [i for i in range(len(site)) if site[i] == s and batch[i] == b]
        seen = Counter(map(tuple, fast[:, rows].tolist()))
        assert _chi_square_fits(seen, _cell_orders(len(rows), ratios)), (b, s)


def _block_prefixes(length: int, sizes: tuple[int, ...], ratios: tuple[int, ...]):
    """Exact probability of every sequence of a stratum's first ``length`` arms: block sizes
    uniform over ``sizes``, each block a uniformly random order of its arms."""
    out: dict[tuple[int, ...], float] = {}

    def extend(prefix: tuple[int, ...], p: float) -> None:
        if len(prefix) >= length:
            out[prefix[:length]] = out.get(prefix[:length], 0.0) + p
            return
        for b in sizes:
            template = np.repeat(np.arange(len(ratios)), [b * r // sum(ratios) for r in ratios])
            orders = set(itertools.permutations(template.tolist()))
            for order in orders:
                extend(prefix + order, p / len(sizes) / len(orders))

    extend((), 1.0)
    return out


@pytest.mark.parametrize("table", [True, False], ids=["table", "sorted-keys"])
def test_permuted_blocks_have_the_exact_distribution_of_each_stratum_sequence(table, monkeypatch):
    if not table:  # blocks arranged by sorted keys, as for blocks too large for the table
        monkeypatch.setattr(redraw_blocks, "TABLE_BYTES", 0)
    procedure = PermutedBlocks(arms=("control", "a", "b"), strata=("site",), block_sizes=(3, 6))
    site = ["x", "y", "x", "x", "y", "x", "y", "x", "y"]
    units = pd.DataFrame({"site": site})
    plan = redraw_blocks.block_plan(procedure, units)
    assert (plan.table is not None) is table
    fast = np.concatenate(
        list(redraws(procedure, units, np.zeros(len(site)), DRAWS, np.random.default_rng(5)))
    )
    for s in ("x", "y"):
        rows = [i for i in range(len(site)) if site[i] == s]
        seen = Counter(map(tuple, fast[:, rows].tolist()))
        assert _chi_square_fits(seen, _block_prefixes(len(rows), (3, 6), (1, 1, 1))), s


def test_permuted_blocks_without_strata_run_in_arrival_order():
    procedure = PermutedBlocks(arms=("control", "t"), block_sizes=(2, 4))
    units = pd.DataFrame(index=range(5))
    fast = np.concatenate(
        list(redraws(procedure, units, np.zeros(5), DRAWS, np.random.default_rng(6)))
    )
    seen = Counter(map(tuple, fast.tolist()))
    assert _chi_square_fits(seen, _block_prefixes(5, (2, 4), (1, 1)))
