"""Re-draws of complete and stratified randomization: every cell at once, by sorted keys.

Each intake batch is randomized separately, within each stratum of the batch, so the cells
are the (batch, stratum) combinations. A cell of ``m`` units gets the arm counts of the
procedure's floor/ceiling rule: every arm its floor ``floor(m r_a / R)``, and the few leftover
units go to distinct arms drawn from the rule's exact distribution
(:func:`~participatie_rct.assignment.allocation.exact_count_distribution`, which depends on
``m`` only through ``m mod R``). The arms are then placed over the cell's units in a uniformly
random order.

All cells of all draws in a chunk are done together: one row per draw holds every unit,
grouped by cell, each element packed with its cell and arm, and one sort per row puts every
cell in a random order (:mod:`.key_shuffle`). A fixed index then takes each unit's arm from
its cell's segment, so no per-cell loop and no scatter remain.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from participatie_rct.assignment.allocation import exact_count_distribution, floor_counts
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

    from participatie_rct.assignment.base import AssignmentProcedure


@dataclass(frozen=True)
class Leftovers:
    """Cells that share one leftover distribution: where their leftover units sit in the row,
    and the possible leftover arms with their probabilities."""

    slots: np.ndarray  # (cells, k) positions in the row
    arms: np.ndarray  # (choices, k) arm codes, in the layout's type
    probabilities: np.ndarray  # (choices,)


@dataclass(frozen=True)
class CellPlan:
    """What every chunk of re-draws shares: the packed row, the leftovers, the unit order."""

    labels: np.ndarray  # (n,) cell and floor arms per position (leftover slots: arm 0)
    leftovers: tuple[Leftovers, ...]
    position: np.ndarray | None  # each unit's position in the row (None: the identity)
    layout: KeyLayout

    def draw(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """(draws, units) int8 arm codes, units in arrival order."""
        values = keyed(self.labels, (n_draws, self.labels.size), self.layout, rng)
        for group in self.leftovers:
            chosen = rng.choice(
                len(group.arms), size=(n_draws, group.slots.shape[0]), p=group.probabilities
            )
            values[:, group.slots] |= group.arms[chosen]
        arms = arrange(values, self.layout, rng)
        return arms if self.position is None else np.take(arms, self.position, axis=1)


def cells_of(
    procedure: AssignmentProcedure, units: pd.DataFrame, batches: np.ndarray
) -> np.ndarray:
    """Cell of each unit: (batch, stratum) combinations numbered 0..C-1."""
    codes, _ = stratum_codes(units, tuple(getattr(procedure, "strata", ())))
    _, batch_codes = np.unique(batches, return_inverse=True)
    combined = batch_codes.ravel().astype(np.int64) * (int(codes.max(initial=0)) + 1) + codes
    return np.unique(combined, return_inverse=True)[1].ravel()


@lru_cache(maxsize=4096)
def leftover_choices(size: int, ratios: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The arms that get the leftover units of a cell of ``size`` (or of any size with the same
    residue modulo the ratio sum), one row per possible choice, and the choices'
    probabilities under the procedure's rule."""
    table = exact_count_distribution(size, ratios)
    floor, _ = floor_counts(size, ratios)
    arms = [np.repeat(np.arange(len(ratios)), np.asarray(v) - floor) for v in table]
    weights = np.array(list(table.values()))
    return np.stack(arms).reshape(len(arms), -1), weights / weights.sum()


def cell_plan(procedure: AssignmentProcedure, units: pd.DataFrame, batches: np.ndarray) -> CellPlan:
    """The row layout for ``units`` (arrival order) in their ``batches``."""
    ratios = tuple(int(r) for r in procedure.ratios)
    cells = cells_of(procedure, units, batches)
    order = np.argsort(cells, kind="stable")
    sizes = np.bincount(cells, minlength=int(cells.max(initial=-1)) + 1)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    floors = sizes[:, None] * np.asarray(ratios)[None, :] // sum(ratios)
    layout = key_layout(sizes.size, len(ratios), sizes)
    # position p of cell c holds the arm whose floor block covers p - start; beyond the
    # floors come the leftover slots (arm 0 until a draw fills them in)
    cell_at = np.repeat(np.arange(sizes.size), sizes)
    rank = np.arange(cells.size) - starts[cell_at]
    arm_at = (rank[:, None] >= np.cumsum(floors, axis=1)[cell_at]).sum(axis=1)
    arm_at[arm_at >= len(ratios)] = 0
    labels = arm_at.astype(layout.dtype)
    if sizes.size > 1:
        labels |= cell_at.astype(layout.dtype) << layout.dtype(layout.group_shift)
    return CellPlan(
        labels,
        _leftovers(sizes, starts, floors, ratios, layout),
        arrival_positions(order),
        layout,
    )


def _leftovers(
    sizes: np.ndarray,
    starts: np.ndarray,
    floors: np.ndarray,
    ratios: tuple[int, ...],
    layout: KeyLayout,
) -> tuple[Leftovers, ...]:
    """One :class:`Leftovers` per residue ``m mod R`` that leaves a choice."""
    total = sum(ratios)
    groups = []
    for residue in np.unique(sizes % total).tolist():
        which = np.flatnonzero(sizes % total == residue)
        arms, probabilities = leftover_choices(residue, ratios)
        k = arms.shape[1]
        if k == 0:
            continue  # no leftover units: the floors are the counts
        first = starts[which] + floors[which].sum(axis=1)
        slots = first[:, None] + np.arange(k)[None, :]
        groups.append(Leftovers(slots, arms.astype(layout.dtype), probabilities))
    return tuple(groups)
