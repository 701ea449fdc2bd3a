"""The state a sequencer continues from, kept between calls instead of the whole history.

A sequencer's next draw depends on a few counts, not on the history itself: the number of
earlier arrivals per stratum (complete, stratified and block methods), the next batch number
(batch methods), and for minimization the number of arrivals and the arm counts at each factor
level. A :class:`Tally` holds those counts, or the part of them one call needs
(:class:`TallyKeys` names that part), so a register can keep them and resume a sequencer in
time that does not grow with the register (``procedure.resume(rng=..., tally=...)``).
``sequencer.tally()`` gives back what a sequencer holds, so a sequencer rebuilt from the full
history (or a replay) says what the kept state must be.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Tally:
    """Counts a sequencer continues from; ``None`` marks a count the method does not keep.

    ``arrivals`` is the number of earlier arrivals (minimization: the next position),
    ``batches`` the next batch number (complete and stratified randomization), ``strata`` the
    number of earlier arrivals per stratum key, and ``levels`` the arm counts (in arm order)
    of earlier participants at each ``(factor, level)``. ``chunks`` (permuted blocks) names,
    per stratum, the chunk of its arm sequence that holds its next position and the position
    where that chunk starts, so resuming makes no chunk before it.
    """

    arrivals: int | None = None
    batches: int | None = None
    strata: Mapping[str, int] = field(default_factory=dict)
    levels: Mapping[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    chunks: Mapping[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class TallyKeys:
    """The part of a :class:`Tally` the draws of one call read: strata and factor levels.

    The scalar counts (``arrivals``, ``batches``) are always read when the method keeps them.
    """

    strata: frozenset[str] = frozenset()
    levels: frozenset[tuple[str, str]] = frozenset()
