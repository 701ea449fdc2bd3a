"""Permuted blocks for rolling intake: within each stratum the arms come in shuffled blocks.

Every stratum has its own fixed, infinite sequence of arms, cut into blocks. A block of size
``b`` (drawn uniformly from ``block_sizes``, each a multiple of the ratio sum ``R``) holds
arm ``a`` exactly ``b r_a / R`` times in a uniformly random order. The ``k``-th arrival in a
stratum gets the ``k``-th arm of that stratum's sequence, so the arm is a function of the
seed, the stratum key and ``k`` only: the only state a register must keep is the number of
arrivals per stratum.

The sequence is made in chunks of :data:`CHUNK_BLOCKS` blocks; chunk ``c`` of a stratum comes
from the stream ``(seed, TAG_BLOCKS, c, SHA-256 of the stratum key)``, which draws the
chunk's block sizes (uniform over ``block_sizes``) and then a matrix of random 64-bit sort
keys; the stable sort of a block's keys gives its permutation (uniform; see
:class:`~participatie_rct.assignment.streams.Stream`).

Probabilities. The probability recorded with each draw is conditional on the state at that
moment: the current block's size and the arms already used in it, namely
``(b r_a / R - used_a) / (b - used)``. Over the random permutation each position of a block
has marginal probability ``r_a / R`` of arm ``a`` whatever the block size, so
:meth:`PermutedBlocks.probabilities` returns the shares, exactly.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from participatie_rct.assignment import common
from participatie_rct.assignment.base import Draw, Sequencer
from participatie_rct.assignment.keys import stratum_codes
from participatie_rct.assignment.streams import TAG_BLOCKS, key_words, root_sequence, stream
from participatie_rct.assignment.tally import Tally
from participatie_rct.errors import AssignmentError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: Largest block: a block is shuffled whole, and blocks beyond this would make the sequence
#: predictable late in a block while costing time and memory for no design reason.
BLOCK_SIZE_MAX = 1000
#: Blocks per chunk of a stratum's sequence (fixed forever: part of the procedure's version 1).
CHUNK_BLOCKS = 64


@dataclass(frozen=True)
class PermutedBlocks(common.StrataProcedure):
    """Permuted blocks of random size within strata (``strata`` may be empty: one stratum)."""

    method: ClassVar[str] = "permuted_blocks"
    version: ClassVar[int] = 1

    arms: tuple[str, ...]
    block_sizes: tuple[int, ...]
    ratios: tuple[int, ...] = ()
    strata: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._check_fields()
        ratios = self.ratios
        total = sum(ratios)
        if total > BLOCK_SIZE_MAX:
            raise AssignmentError(
                f"the ratios {list(ratios)} sum to {total}, but a block (a multiple of that sum) "
                f"holds at most {BLOCK_SIZE_MAX} participants; use smaller ratios with the same "
                "proportions (e.g. 3:1 instead of 300:100)."
            )
        fits = ", ".join(str(k * total) for k in (1, 2, 3) if k * total <= BLOCK_SIZE_MAX)
        odd = [
            b
            for b in self.block_sizes
            if isinstance(b, bool)
            or not isinstance(b, numbers.Real)
            or not math.isfinite(b)
            or int(b) != b
            or not 1 <= b <= BLOCK_SIZE_MAX
        ]
        if odd:
            raise AssignmentError(
                f"block size {odd[0]!r} is not a whole number from 1 to {BLOCK_SIZE_MAX}; "
                f"use multiples of the sum of the ratios ({total}), such as {fits}."
            )
        sizes = tuple(int(b) for b in self.block_sizes)
        if not sizes:
            raise AssignmentError(f"permuted blocks need block_sizes, e.g. [{total}, {2 * total}].")
        bad = [b for b in sizes if b < 1 or b % total]
        if bad:
            raise AssignmentError(
                f"block size {bad[0]} is not a positive multiple of the sum of the ratios "
                f"({total}); "
                f"use multiples such as {total}, {2 * total}, {3 * total}."
            )
        if len(set(sizes)) != len(sizes):
            raise AssignmentError(
                f"block_sizes lists a size twice ({list(sizes)}); list each size once."
            )
        object.__setattr__(self, "block_sizes", sizes)

    def draw(self, units: pd.DataFrame, *, rng: np.random.Generator) -> pd.Series:
        """Arms for ``units`` arriving in row order into an empty trial."""
        units = common.check_units(units)
        codes, keys = stratum_codes(units, self.strata)
        root = root_sequence(rng)
        arm_codes, _, _ = BlockSequencer(self, root, {})._take(codes, keys)
        return common.arm_series(arm_codes, self.arms, units.index, procedure=self, root=root)

    def sequencer(
        self, *, rng: np.random.Generator, history: pd.DataFrame | None = None
    ) -> BlockSequencer:
        """A sequencer that continues every stratum after its count in ``history``."""
        if history is not None and len(history) > 0:
            common.history_arm_codes(history, self.arms)
        counts = common.stratum_counts(history, self.strata, role="strata")
        return BlockSequencer(self, root_sequence(rng), counts)

    def resume(self, *, rng: np.random.Generator, tally: Tally) -> BlockSequencer:
        """A sequencer that continues every stratum after its count in ``tally``, making its
        stream from the chunk ``tally.chunks`` names (else from the first)."""
        return BlockSequencer(self, root_sequence(rng), dict(tally.strata), tally.chunks)

    def stratum_sequence(
        self, key: str, length: int, *, rng: np.random.Generator
    ) -> tuple[list[str], np.ndarray]:
        """The first ``length`` arms of stratum ``key``'s sequence and their probabilities.

        For auditors and tests: the sequence a register replays, independent of arrivals.
        """
        stream_ = _StratumStream(self, root_sequence(rng), key)
        stream_.ensure(length)
        return [self.arms[c] for c in stream_.arms[:length]], stream_.probs[:length].copy()

    def to_dict(self) -> dict[str, Any]:
        """The declaration as plain data (what an auditor needs besides the seed)."""
        return {
            "method": self.method,
            "version": self.version,
            "arms": list(self.arms),
            "ratios": list(self.ratios),
            "strata": list(self.strata),
            "block_sizes": list(self.block_sizes),
        }


def block_chunk(
    root: np.random.SeedSequence,
    words: Sequence[int],
    chunk: int,
    ratios: Sequence[int],
    block_sizes: Sequence[int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chunk ``chunk`` of a stratum's sequence: ``(arms, probabilities, block sizes)``.

    ``arms`` are arm indices in order, ``probabilities`` (one row per position, one column per
    arm) the conditional probabilities given the block's size and the arms used before in it.
    """
    import numpy as np

    k = len(ratios)
    r = np.asarray(ratios, dtype=np.int64)
    total = int(r.sum())
    sizes_all = np.asarray(block_sizes, dtype=np.int64)
    width = int(sizes_all.max())
    g = stream(root, TAG_BLOCKS, chunk, *words)
    sizes = sizes_all[g.integers(len(sizes_all), CHUNK_BLOCKS)]
    keys = g.sort_keys(CHUNK_BLOCKS * width).reshape(CHUNK_BLOCKS, width)
    column = np.arange(width)
    inside = column[None, :] < sizes[:, None]
    keys[~inside] = np.iinfo(np.uint64).max  # padding sorts last (stable: after any tie)
    order = np.argsort(keys, axis=1, kind="stable")
    # template of a block of size b: arm a repeated b r_a / R times, in arm order
    per_arm = sizes[:, None] * r[None, :] // total  # (blocks, k)
    bounds = np.cumsum(per_arm, axis=1)
    template = (column[None, :, None] >= bounds[:, None, :]).sum(axis=2)  # arm index at each slot
    template = np.minimum(template, k - 1)
    arms = np.take_along_axis(template, order, axis=1)
    onehot = arms[:, :, None] == np.arange(k)[None, None, :]
    used_before = np.cumsum(onehot, axis=1) - onehot
    remaining = per_arm[:, None, :] - used_before
    left = (sizes[:, None] - column[None, :]).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        probs = remaining / left[:, :, None]
    return arms[inside], probs[inside], sizes


class _StratumStream:
    """The lazily extended arm sequence of one stratum, from chunk ``chunk`` on.

    ``base`` is the position of the first arm held (where chunk ``chunk`` starts), so a
    stratum resumed deep into its sequence makes only the chunks from there, not all before.
    """

    def __init__(
        self,
        procedure: PermutedBlocks,
        root: np.random.SeedSequence,
        key: str,
        start: tuple[int, int] = (0, 0),
    ):
        import numpy as np

        self.procedure = procedure
        self.root = root
        self.words = key_words(key)
        self.chunks, self.base = start
        #: position where each chunk made so far starts, by chunk number
        self.starts: dict[int, int] = {}
        self.arms = np.zeros(0, dtype=np.int64)
        self.probs = np.zeros((0, len(procedure.arms)))

    def ensure(self, length: int) -> None:
        """Make chunks until the positions below ``length`` are held."""
        import numpy as np

        have = self.base + len(self.arms)
        if have >= length:
            return
        new_arms, new_probs = [self.arms], [self.probs]
        while have < length:
            arms, probs, _ = block_chunk(
                self.root,
                self.words,
                self.chunks,
                self.procedure.ratios,
                self.procedure.block_sizes,
            )
            self.starts[self.chunks] = have
            self.chunks += 1
            new_arms.append(arms)
            new_probs.append(probs)
            have += len(arms)
        self.arms = np.concatenate(new_arms)
        self.probs = np.concatenate(new_probs)

    def chunk_of(self, position: int) -> tuple[int, int]:
        """The chunk that holds ``position`` and where it starts (the next chunk when
        ``position`` is the first after those made)."""
        self.ensure(position)
        inside = [(c, s) for c, s in self.starts.items() if s <= position]
        if position >= self.base + len(self.arms) or not inside:
            return self.chunks, self.base + len(self.arms)
        return max(inside)


class BlockSequencer(Sequencer):
    """Hands out each stratum's sequence in arrival order; state: the count per stratum."""

    def __init__(
        self,
        procedure: PermutedBlocks,
        root: np.random.SeedSequence,
        counts: dict[str, int],
        chunks: Mapping[str, tuple[int, int]] | None = None,
    ):
        self.procedure = procedure
        self.root = root
        self.counts = dict(counts)
        #: where each stratum's stream may start: the chunk holding its next position
        self._starts = dict(chunks or {})
        self._streams: dict[str, _StratumStream] = {}

    def tally(self) -> Tally:
        """The count of every stratum this sequencer knows, and, for each stratum whose
        sequence it made or was given a start for, the chunk holding its next position (so a
        resumed sequencer makes no chunk before it). A sequencer rebuilt from the history
        made no sequence, so it names no chunk: resuming without one starts at the first,
        which is always right, only slower."""
        chunks = {
            key: self._stream(key).chunk_of(n)
            for key, n in self.counts.items()
            if key in self._streams or key in self._starts
        }
        return Tally(strata=dict(self.counts), chunks=chunks)

    def _stream(self, key: str) -> _StratumStream:
        """The stream of stratum ``key``, started where the kept state says (else at 0)."""
        stream_ = self._streams.get(key)
        if stream_ is None:
            start = self._starts.get(key, (0, 0))
            stream_ = _StratumStream(self.procedure, self.root, key, start)
            self._streams[key] = stream_
        return stream_

    def next(self, unit: Mapping[str, Any]) -> Draw:
        import numpy as np

        key = self.procedure.stratum_key(unit)
        codes = np.zeros(1, dtype=np.int64)
        arm_codes, probs, positions = self._take(codes, [key])
        return common.make_draws(self.procedure.arms, arm_codes, probs, codes, [key], positions)[0]

    def next_batch(self, units: pd.DataFrame) -> list[Draw]:
        units = common.check_units(units)
        if len(units) == 0:
            return []
        codes, keys = stratum_codes(units, self.procedure.strata)
        arm_codes, probs, positions = self._take(codes, keys)
        return common.make_draws(self.procedure.arms, arm_codes, probs, codes, keys, positions)

    def _take(
        self, codes: np.ndarray, keys: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Arms, probabilities and positions for rows in arrival order; advances the counts."""
        import numpy as np

        n = len(codes)
        positions = common.positions_in_strata(codes, keys, self.counts)
        arm_codes = np.empty(n, dtype=np.int64)
        probs = np.empty((n, len(self.procedure.arms)))
        if n == 0:
            return arm_codes, probs, positions
        order = np.argsort(codes, kind="stable")
        sizes = np.bincount(codes, minlength=len(keys))
        start = 0
        for j, key in enumerate(keys):
            size = int(sizes[j])
            if size == 0:
                continue
            rows = order[start : start + size]
            start += size
            stream_ = self._stream(key)
            pos = positions[rows]
            stream_.ensure(int(pos[-1]) + 1)
            if int(pos[0]) < stream_.base:
                raise AssignmentError(
                    f"stratum {key!r} resumes at chunk {stream_.chunks} (position "
                    f"{stream_.base}), after its next position {int(pos[0])}: the kept "
                    "state does not fit the count."
                )
            arm_codes[rows] = stream_.arms[pos - stream_.base]
            probs[rows] = stream_.probs[pos - stream_.base]
            self.counts[key] = int(pos[-1]) + 1
        return arm_codes, probs, positions
