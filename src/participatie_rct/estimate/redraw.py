"""Re-draws of a registered assignment, many at once, as the trial drew them.

Randomization inference needs the assignment's distribution, which is the procedure the
trial registered applied to the arrivals in their batches and order. This module produces
``n_draws`` re-drawn assignments as one integer matrix (draws x units, arm index in protocol
order), in chunks so that memory stays bounded:

* complete and stratified randomization (:mod:`.redraw_cells`): each intake batch
  (``batch``) is randomized separately, within each stratum of the batch: the arm counts
  follow the procedure's floor/ceiling rule and the arms are placed by a uniform
  permutation, every cell of every draw in one sort of random keys per draw;
* permuted blocks (:mod:`.redraw_blocks`): every stratum's sequence of blocks (sizes
  uniform over the declared sizes, each block a uniform permutation of its arms) is laid
  over the stratum's arrivals in order, whatever the batches; all strata at once;
* any other procedure (minimization, whose every draw depends on the ones before):
  replayed sequentially with the procedure's own sequencer, batch by batch, one draw at a
  time. Slower, but exactly the registered procedure.

The vectorized paths give the same distribution as the procedure's own ``draw`` (tested
against it), not the same arms for a seed: the register's streams are not re-used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from participatie_rct.estimate.redraw_blocks import block_plan
from participatie_rct.estimate.redraw_cells import cell_plan

if TYPE_CHECKING:
    from participatie_rct.assignment.base import AssignmentProcedure
    from participatie_rct.assignment.blocks import PermutedBlocks

#: re-draws generated per chunk (memory: a few arrays of chunk x units x 8 bytes)
CHUNK = 250

Drawer = Callable[[int, np.random.Generator], np.ndarray]


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
    draw = _drawer(procedure, units, batches)
    done = 0
    while done < n_draws:
        size = min(chunk, n_draws - done)
        yield draw(size, rng)
        done += size


def _drawer(procedure: AssignmentProcedure, units: pd.DataFrame, batches: np.ndarray) -> Drawer:
    """The chunk maker for ``procedure``, with what every chunk shares worked out once."""
    if len(units) == 0:
        return lambda n_draws, rng: np.empty((n_draws, 0), dtype=np.int8)
    if redraw_kind(procedure) == "sequential":
        return lambda n_draws, rng: _sequential(procedure, units, batches, n_draws, rng)
    if procedure.method == "permuted_blocks":
        return block_plan(cast("PermutedBlocks", procedure), units).draw
    return cell_plan(procedure, units, batches).draw


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
