"""Re-draws of permuted blocks: every stratum's block sequence, all strata and draws at once.

Each stratum has its own sequence of blocks: sizes uniform over the declared sizes, a block
of size ``b`` holding arm ``a`` exactly ``b r_a / R`` times in a uniformly random order. The
sequence is laid over the stratum's arrivals in order, whatever the batches; the last block
is cut where the arrivals end.

A chunk of draws is one array (draws, blocks, width): the blocks of all strata side by side,
as many per stratum as its arrivals could need (``ceil(m / smallest size)``), each padded to
the largest size. A block's content is looked up in a table of every arrangement of every
block size when that table is small (``8!/(2!)^4 = 2,520`` rows for blocks of 8 and four
arms), one random row number per block; larger blocks are arranged by sorted random keys
(:mod:`.key_shuffle`). A mask then keeps, per stratum, the first ``m`` arms of its blocks in
order, and a fixed index returns every unit its arm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from participatie_rct.assignment.keys import stratum_codes
from participatie_rct.estimate.key_shuffle import (
    KeyLayout,
    arrange,
    arrival_positions,
    key_layout,
    keyed,
)

if TYPE_CHECKING:
    import pandas as pd

    from participatie_rct.assignment.blocks import PermutedBlocks

#: largest table of arrangements (rows x width, bytes) looked up instead of sorting keys
TABLE_BYTES = 1 << 22


@dataclass(frozen=True)
class BlockPlan:
    """What every chunk of block re-draws shares."""

    sizes: np.ndarray  # (S,) the declared block sizes
    width: int  # the largest block
    stratum_start: np.ndarray  # (B,) first block slot of the slot's stratum (strata in order)
    arrivals: np.ndarray  # (B,) arrivals of the slot's stratum
    n_units: int
    position: np.ndarray | None  # each unit's position among the units grouped by stratum
    table: np.ndarray | None  # every arrangement as items (:func:`as_items`), row u of size u // L
    table_sizes: np.ndarray | None  # (rows,) size of each table row
    prefixes: np.ndarray  # items: row j keeps the first j slots of a block
    templates: np.ndarray  # (S, width) packed labels of each size (padding sorts last)
    layout: KeyLayout

    def draw(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """(draws, units) int8 arm codes, units in arrival order."""
        shape = (n_draws, self.stratum_start.size)
        if self.table is not None and self.table_sizes is not None:
            row = rng.integers(0, len(self.table), size=shape, dtype=_index_type(len(self.table)))
            row = row.astype(np.intp)  # converted once for the two look-ups
            blocks = rows_of(self.table, row)
            sizes = np.take(self.table_sizes, row)
        else:
            which = rng.integers(0, self.sizes.size, size=shape)
            sizes = np.take(self.sizes, which)
            labels = self.templates[which]
            blocks = arrange(keyed(labels, labels.shape, self.layout, rng), self.layout, rng)
        keep = _kept(sizes, self)
        grouped = blocks[keep].reshape(n_draws, self.n_units)
        return grouped if self.position is None else np.take(grouped, self.position, axis=1)


def _index_type(rows: int) -> type[np.unsignedinteger]:
    """The narrowest unsigned type for row numbers below ``rows`` (cheaper random draws)."""
    return np.uint16 if rows <= 1 << 16 else np.uint32


def as_items(rows: np.ndarray) -> np.ndarray:
    """A 2-D int8 table as one opaque item per row, so that ``items[i]`` copies whole rows
    in one step (cheaper than indexing the rows of a 2-D array)."""
    return np.ascontiguousarray(rows).view(np.dtype((np.void, rows.shape[1]))).ravel()


def rows_of(items: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``table[index]`` as (..., width) int8 from the table's :func:`as_items`."""
    return np.asarray(items[index].view(np.int8)).reshape(*index.shape, items.itemsize)


def _kept(sizes: np.ndarray, plan: BlockPlan) -> np.ndarray:
    """(draws, blocks, width) bool: the slots that hold one of the stratum's first arrivals."""
    starts = np.cumsum(sizes, axis=1, dtype=np.int32)
    starts -= sizes
    room = np.take(starts, plan.stratum_start, axis=1)  # where the slot's stratum starts
    room -= starts
    room += plan.arrivals
    np.clip(room, 0, plan.width, out=room)
    np.minimum(room, sizes, out=room)
    return rows_of(plan.prefixes, room).view(bool)


@lru_cache(maxsize=64)
def arrangements(counts: tuple[int, ...]) -> np.ndarray:
    """Every distinct order of a multiset with ``counts[a]`` copies of arm ``a`` (int8 rows,
    in lexicographic order)."""
    if sum(counts) == 0:
        return np.zeros((1, 0), dtype=np.int8)
    parts = []
    for arm, count in enumerate(counts):
        if count:
            rest = arrangements((*counts[:arm], count - 1, *counts[arm + 1 :]))
            parts.append(np.hstack([np.full((len(rest), 1), arm, dtype=np.int8), rest]))
    return np.vstack(parts)


def _table(
    sizes: np.ndarray, ratios: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Every arrangement of every size, padded to ``width``, repeated so that a uniform row
    number ``u`` picks the size ``u // L`` uniformly and, given it, each of its arrangements
    equally often (``L`` is a common multiple of the arrangement counts); ``None`` when
    the table would exceed :data:`TABLE_BYTES`."""
    total = int(ratios.sum())
    counts = [tuple(int(c) for c in b * ratios // total) for b in sizes.tolist()]
    numbers = [math.factorial(sum(c)) // math.prod(math.factorial(x) for x in c) for c in counts]
    common = math.lcm(*numbers)
    if sizes.size * common * width > TABLE_BYTES:
        return None
    table = np.zeros((sizes.size, common, width), dtype=np.int8)
    for s, c in enumerate(counts):
        rows = arrangements(c)
        table[s, :, : rows.shape[1]] = np.tile(rows, (common // len(rows), 1))
    return table.reshape(-1, width), np.repeat(sizes, common).astype(np.int32)


def _templates(sizes: np.ndarray, ratios: np.ndarray, width: int, layout: KeyLayout) -> np.ndarray:
    """(sizes, width): each size's arms in arm order, then padding (group 1) that sorts last."""
    total = int(ratios.sum())
    out = np.full((sizes.size, width), 1 << layout.group_shift, dtype=layout.dtype)
    for s, b in enumerate(sizes.tolist()):
        out[s, :b] = np.repeat(np.arange(ratios.size), b * ratios // total)
    return out


def block_plan(procedure: PermutedBlocks, units: pd.DataFrame) -> BlockPlan:
    """The block layout for ``units`` (arrival order)."""
    codes, _ = stratum_codes(units, tuple(getattr(procedure, "strata", ())))
    sizes = np.asarray(procedure.block_sizes, dtype=np.int32)
    ratios = np.asarray(procedure.ratios, dtype=np.int64)
    width = int(sizes.max())
    _, codes = np.unique(codes, return_inverse=True)
    codes = codes.ravel()
    per_stratum = np.bincount(codes)
    needed = -(-per_stratum // int(sizes.min()))  # blocks that always cover the arrivals
    block_stratum = np.repeat(np.arange(per_stratum.size), needed)
    order = np.argsort(codes, kind="stable")
    first_block = np.concatenate([[0], np.cumsum(needed)[:-1]]).astype(np.int64)
    layout = key_layout(2, ratios.size, np.full(1, width))
    table = _table(sizes, ratios, width)
    return BlockPlan(
        sizes=sizes,
        width=width,
        stratum_start=first_block[block_stratum],
        arrivals=per_stratum[block_stratum].astype(np.int32),
        n_units=codes.size,
        position=arrival_positions(order),
        table=None if table is None else as_items(table[0]),
        table_sizes=None if table is None else table[1],
        prefixes=as_items(
            (np.arange(width)[None, :] < np.arange(width + 1)[:, None]).view(np.int8)
        ),
        templates=_templates(sizes, ratios, width, layout),
        layout=layout,
    )
