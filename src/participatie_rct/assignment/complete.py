"""Complete and stratified randomization: a batch of units is randomized together.

Within a batch (and, for stratified designs, within each stratum of the batch) each arm
gets ``floor`` or ``ceil`` of ``n x share`` units (see :mod:`.allocation`), and the arms are
placed by a uniformly random permutation, so every unit's marginal probability of arm ``a``
is exactly ``r_a / R``. :meth:`probabilities` therefore returns the arms' shares.

The random numbers of a stratum in a batch come from the stream
``(seed, TAG_BATCH, batch number, SHA-256 of the stratum key)``: the ``b``-th batch of a
register (a participants file, or one participant assigned at intake, which is a batch of
one and so a draw with the arms' shares) is replayable from the seed, its number and its
rows in arrival order, and adding a stratum changes no other stratum's arms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from participatie_rct.assignment import common
from participatie_rct.assignment.allocation import arm_counts
from participatie_rct.assignment.base import Draw, Sequencer
from participatie_rct.assignment.keys import stratum_codes
from participatie_rct.assignment.streams import TAG_BATCH, key_words, root_sequence, stream
from participatie_rct.assignment.tally import Tally
from participatie_rct.errors import AssignmentError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def assign_batch(
    root: np.random.SeedSequence,
    batch: int,
    codes: np.ndarray,
    keys: Sequence[str],
    ratios: Sequence[int],
) -> np.ndarray:
    """Arm index of every row: complete randomization within each stratum of one batch.

    Rows are in arrival order; ``keys[codes[i]]`` is row ``i``'s stratum. For each stratum
    its stream draws, in this order: a random order of the arms, the systematic start
    ``u`` for the leftover units, and the permutation that places the arms on the rows.
    """
    import numpy as np

    n = len(codes)
    k = len(ratios)
    total = int(sum(ratios))
    out = np.empty(n, dtype=np.int64)
    if n == 0:
        return out
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes, minlength=len(keys))
    start = 0
    arm_index = np.arange(k)
    for j, key in enumerate(keys):
        size = int(sizes[j])
        if size == 0:
            continue
        rows = order[start : start + size]
        start += size
        g = stream(root, TAG_BATCH, batch, *key_words(key))
        arm_order = g.permutation(k).tolist()
        u = int(g.integers(total, 1)[0])
        counts = arm_counts(size, ratios, u, arm_order)
        out[rows] = np.repeat(arm_index, counts)[g.permutation(size)]
    return out


@dataclass(frozen=True)
class _BatchProcedure(common.StrataProcedure):
    """Shared code of complete and stratified randomization (``strata`` may be empty)."""

    arms: tuple[str, ...]
    ratios: tuple[int, ...] = ()
    strata: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._check_fields()

    def draw(self, units: pd.DataFrame, *, rng: np.random.Generator) -> pd.Series:
        """Arms for ``units``, randomized together as one batch (number 0)."""
        units = common.check_units(units)
        codes, keys = stratum_codes(units, self.strata)
        root = root_sequence(rng)
        arm_codes = assign_batch(root, 0, codes, keys, self.ratios)
        return common.arm_series(arm_codes, self.arms, units.index, procedure=self, root=root)

    def sequencer(
        self, *, rng: np.random.Generator, history: pd.DataFrame | None = None
    ) -> BatchSequencer:
        """A sequencer whose next batch follows the highest batch number in ``history``."""
        next_number = 0
        if history is not None and len(history) > 0:
            if "batch" not in history.columns:
                raise AssignmentError(
                    f"the assignment history has no 'batch' column; method {self.method!r} "
                    "randomizes batches "
                    "together, so each earlier assignment needs the number of its batch."
                )
            common.history_arm_codes(history, self.arms)
            next_number = int(history["batch"].max()) + 1
        counts = common.stratum_counts(history, self.strata, role="strata")
        return BatchSequencer(self, root_sequence(rng), counts, next_number)

    def resume(self, *, rng: np.random.Generator, tally: Tally) -> BatchSequencer:
        """A sequencer whose next batch is ``tally.batches``, each stratum after its count."""
        return BatchSequencer(self, root_sequence(rng), dict(tally.strata), tally.batches or 0)

    def to_dict(self) -> dict[str, Any]:
        """The declaration as plain data (what an auditor needs besides the seed)."""
        return {
            "method": self.method,
            "version": self.version,
            "arms": list(self.arms),
            "ratios": list(self.ratios),
            "strata": list(self.strata),
        }


@dataclass(frozen=True)
class CompleteRandomization(_BatchProcedure):
    """Complete randomization: exactly ``floor`` or ``ceil`` of ``n x share`` units per arm.

    >>> import numpy as np, pandas as pd
    >>> procedure = CompleteRandomization(arms=("control", "treatment"))
    >>> arms = procedure.draw(pd.DataFrame(index=range(6)), rng=np.random.default_rng(1))
    >>> arms.value_counts().tolist()
    [3, 3]
    """

    method: ClassVar[str] = "complete"
    version: ClassVar[int] = 1
    strata: tuple[str, ...] = field(default=(), init=False)


@dataclass(frozen=True)
class StratifiedRandomization(_BatchProcedure):
    """Complete randomization within every stratum (combination of the ``strata`` columns)."""

    method: ClassVar[str] = "stratified"
    version: ClassVar[int] = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.strata:
            raise AssignmentError(
                "stratified randomization needs strata: one or more participant columns."
            )


class BatchSequencer(Sequencer):
    """Assigns batches in order; each batch is randomized together (complete within strata)."""

    def __init__(
        self,
        procedure: _BatchProcedure,
        root: np.random.SeedSequence,
        counts: dict[str, int],
        batch: int,
    ):
        self.procedure = procedure
        self.root = root
        self.counts = dict(counts)
        self.batch = batch

    def next(self, unit: Mapping[str, Any]) -> Draw:
        """One participant: a batch of one, so the arm is drawn with the arms' shares."""
        import numpy as np

        key = self.procedure.stratum_key(unit)
        return self._assign(np.zeros(1, dtype=np.int64), [key])[0]

    def next_batch(self, units: pd.DataFrame) -> list[Draw]:
        """A file of arrivals, randomized together as the next batch."""
        units = common.check_units(units)
        if len(units) == 0:
            return []
        codes, keys = stratum_codes(units, self.procedure.strata)
        return self._assign(codes, keys)

    def _assign(self, codes: np.ndarray, keys: Sequence[str]) -> list[Draw]:
        import numpy as np

        procedure = self.procedure
        arm_codes = assign_batch(self.root, self.batch, codes, keys, procedure.ratios)
        positions = common.positions_in_strata(codes, keys, self.counts)
        matrix = np.tile(common.shares(procedure.ratios), (len(codes), 1))
        draws = common.make_draws(
            procedure.arms, arm_codes, matrix, codes, keys, positions, self.batch
        )
        for key, n in zip(keys, np.bincount(codes, minlength=len(keys)), strict=True):
            self.counts[key] = self.counts.get(key, 0) + int(n)
        self.batch += 1
        return draws

    def tally(self) -> Tally:
        """The next batch number and the count of every stratum this sequencer knows."""
        return Tally(batches=self.batch, strata=dict(self.counts))
