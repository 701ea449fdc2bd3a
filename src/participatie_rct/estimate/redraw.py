"""Re-draws of a registered assignment, many at once, as the trial drew them.

Randomization inference needs the assignment's distribution, which is the procedure the
trial registered applied to the arrivals in their batches and order. This module produces
``n_draws`` re-drawn assignments as one integer matrix (draws x units, arm index in protocol
order), in chunks so that memory stays bounded:

* complete and stratified randomization: each intake batch (``batch``) is randomized
  separately, within each stratum of the batch: the arm counts follow the procedure's
  floor/ceiling rule (:func:`~participatie_rct.assignment.allocation.exact_count_distribution`,
  sampled per cell) and the arms are placed by a uniform permutation, done for all draws
  at once by ``Generator.permuted`` (Fisher-Yates per row, in C);
* permuted blocks: every stratum's sequence of blocks (sizes uniform over the declared
  sizes, each block a uniform permutation of its arms) is laid over the stratum's arrivals
  in order, whatever the batches; the blocks of all draws are shuffled together;
* any other procedure (minimization, whose every draw depends on the ones before):
  replayed sequentially with the procedure's own sequencer, batch by batch, one draw at a
  time. Slower, but exactly the registered procedure.

The vectorized paths give the same distribution as the procedure's own ``draw`` (tested
against it), not the same arms for a seed: the register's streams are not re-used.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from participatie_rct.assignment.allocation import exact_count_distribution
from participatie_rct.assignment.keys import stratum_codes

if TYPE_CHECKING:
    from participatie_rct.assignment.base import AssignmentProcedure
    from participatie_rct.assignment.blocks import PermutedBlocks

#: re-draws generated per chunk (memory: chunk x units bytes per array)
CHUNK = 250


def redraw_kind(procedure: AssignmentProcedure) -> str:
    """``vectorized`` when the procedure has a fast path here, else ``sequential``."""
    method = getattr(procedure, "method", "")
    return "vectorized" if method in ("complete", "stratified", "permuted_blocks") else "sequential"


def redraws(
    procedure: AssignmentProcedure,
    units: pd.DataFrame,
    batches: np.ndarray,
    n_draws: int,
    rng: np.random.Generator,
    *,
    chunk: int = CHUNK,
) -> Iterator[np.ndarray]:
    """Chunks of re-drawn assignments: int8 arrays (draws in chunk, units), arm indices.

    ``units`` are in arrival order; ``batches`` numbers each unit's intake batch (batches
    are assigned in increasing number; one batch when all are equal).
    """
    kind = redraw_kind(procedure)
    done = 0
    while done < n_draws:
        size = min(chunk, n_draws - done)
        if kind == "sequential":
            yield _sequential(procedure, units, batches, size, rng)
        elif procedure.method == "permuted_blocks":
            yield _blocks(cast("PermutedBlocks", procedure), units, size, rng)
        else:
            yield _batches(procedure, units, batches, size, rng)
        done += size


def _cells(procedure: AssignmentProcedure, units: pd.DataFrame, batches: np.ndarray) -> np.ndarray:
    """Cell of each unit: (batch, stratum) combinations numbered 0..C-1."""
    codes, _ = stratum_codes(units, tuple(getattr(procedure, "strata", ())))
    _, batch_codes = np.unique(batches, return_inverse=True)
    combined = batch_codes.ravel().astype(np.int64) * (int(codes.max(initial=0)) + 1) + codes
    return np.unique(combined, return_inverse=True)[1].ravel()


@lru_cache(maxsize=4096)
def _count_distribution(size: int, ratios: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The procedure's arm-count vectors for a cell of ``size`` and their probabilities."""
    table = exact_count_distribution(size, ratios)
    return np.array(list(table), dtype=np.int64), np.array(list(table.values()))


def _fill(vectors: np.ndarray, size: int) -> np.ndarray:
    """One template per count vector: arm indices in arm order, arm a ``vector[a]`` times."""
    return np.stack([np.repeat(np.arange(v.size, dtype=np.int8), v) for v in vectors]).reshape(
        len(vectors), size
    )


def _batches(
    procedure: AssignmentProcedure,
    units: pd.DataFrame,
    batches: np.ndarray,
    n_draws: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Cells of equal size are drawn together: (draws, cells, size) arrays, permuted per cell."""
    cells = _cells(procedure, units, batches)
    out = np.empty((n_draws, len(units)), dtype=np.int8)
    order = np.argsort(cells, kind="stable")
    sizes = np.bincount(cells)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    for size in np.unique(sizes).tolist():
        which = np.flatnonzero(sizes == size)
        rows = order[starts[which][:, None] + np.arange(size)[None, :]]  # (cells, size)
        vectors, weights = _count_distribution(size, tuple(procedure.ratios))
        if len(vectors) == 1:  # the counts are fixed: one template for every draw and cell
            template = np.repeat(np.arange(vectors.shape[1], dtype=np.int8), vectors[0])
            filled = np.broadcast_to(template, (n_draws, which.size, size)).copy()
        else:
            chosen = rng.choice(len(vectors), size=(n_draws, which.size), p=weights / weights.sum())
            filled = _fill(vectors, size)[chosen]  # (draws, cells, size)
        rng.permuted(filled, axis=2, out=filled)
        if rows.shape == (1, len(units)) and (np.diff(rows[0]) == 1).all():
            out[:] = filled[:, 0, :]  # one cell in arrival order: no scatter needed
        else:
            out[:, rows] = filled
    return out


def _blocks(
    procedure: PermutedBlocks, units: pd.DataFrame, n_draws: int, rng: np.random.Generator
) -> np.ndarray:
    codes, _ = stratum_codes(units, tuple(getattr(procedure, "strata", ())))
    sizes_allowed = np.asarray(procedure.block_sizes, dtype=np.int64)
    ratios = np.asarray(procedure.ratios, dtype=np.int64)
    total = int(ratios.sum())
    width = int(sizes_allowed.max())
    out = np.empty((n_draws, len(units)), dtype=np.int8)
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)  # arrival order within the stratum
        m = rows.size
        n_blocks = -(-m // int(sizes_allowed.min()))
        sizes = sizes_allowed[rng.integers(len(sizes_allowed), size=(n_draws, n_blocks))]
        padded = np.full((n_draws, n_blocks, width), -1, dtype=np.int8)
        for b in np.unique(sizes).tolist():
            chosen = sizes == b
            template = np.repeat(np.arange(len(ratios), dtype=np.int8), b * ratios // total)
            shuffled = rng.permuted(np.tile(template, (int(chosen.sum()), 1)), axis=1)
            padded[chosen, :b] = shuffled
        flat = padded.reshape(n_draws, -1)
        valid = flat >= 0
        rank = np.cumsum(valid, axis=1, dtype=np.int32)
        keep = valid & (rank <= m)
        out[:, rows] = flat[keep].reshape(n_draws, m)
    return out


def _sequential(
    procedure: AssignmentProcedure,
    units: pd.DataFrame,
    batches: np.ndarray,
    n_draws: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """The procedure's own sequencer, batch by batch in order, once per draw."""
    index = {arm: i for i, arm in enumerate(procedure.arms)}
    numbers = np.unique(batches)
    groups = [np.flatnonzero(batches == b) for b in numbers]
    out = np.empty((n_draws, len(units)), dtype=np.int8)
    for d, child in enumerate(rng.spawn(n_draws)):
        sequencer = procedure.sequencer(rng=child)
        for rows in groups:
            draws = sequencer.next_batch(units.iloc[rows])
            out[d, rows] = [index[x.arm] for x in draws]
    return out
