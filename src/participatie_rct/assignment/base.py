"""What every assignment procedure promises: the interface the register, the simulator and
randomization inference rely on.

A procedure is declared once (docs/conventions.md, rule 2) as a frozen object built from the
protocol. It has two faces:

* **batch**: ``draw(units, *, rng)`` assigns a whole table at once and
  ``probabilities(units)`` gives the exact marginal probability of every arm for every unit
  (complete and stratified designs; rolling designs may refuse it);
* **rolling**: ``sequencer(rng=..., history=...)`` returns a :class:`Sequencer`, a small
  mutable object that assigns arrivals one at a time (``next(unit)``) or a batch of arrivals
  (``next_batch(units)``) and can be rebuilt from the register's history.

Replayability: the arm of the k-th arrival in a stratum is a function of the seed, the
stratum's key and k only. Random streams are derived from the seed of the Generator passed
in (its ``SeedSequence``) and a hash of the stratum key, never from list position, so a
restart, a new site or a concurrent assigner changes nobody's arm.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from participatie_rct.assignment.tally import Tally, TallyKeys


@dataclass(frozen=True)
class Draw:
    """One participant's assignment and the probabilities behind it.

    ``probabilities`` holds, for every arm, the probability this participant had of getting
    it at that moment (rolling methods: conditional on the state before the draw);
    ``probability`` is the one of the arm drawn. ``stratum`` is the canonical stratum key
    (for minimization: of the participant's factor levels). ``position`` is the 0-based rank
    of this arrival in its stream: within its stratum, counted over all batches, for
    complete, stratified and block methods (complete: one stratum ``""``), overall for
    minimization; so ``(stratum, position)`` is unique in a register. ``batch`` numbers the
    batch for batch methods, from 0 (else 0).
    """

    arm: str
    probability: float
    probabilities: Mapping[str, float]
    stratum: str
    position: int
    batch: int = 0


class Sequencer(ABC):
    """Assigns arrivals in order, keeping the state that the next draw depends on."""

    @abstractmethod
    def next(self, unit: Mapping[str, Any]) -> Draw:
        """Assign one arriving participant (a mapping of column -> value)."""

    @abstractmethod
    def next_batch(self, units: pd.DataFrame) -> list[Draw]:
        """Assign a batch of arrivals (rows in arrival order).

        Batch methods randomize them together; rolling methods assign them one by one.
        """

    @abstractmethod
    def tally(self) -> Tally:
        """The counts the next draw depends on, as this sequencer holds them now.

        A sequencer built from the full history holds every count; one resumed from part of
        a tally holds that part and what its own draws changed.
        """


class AssignmentProcedure(ABC):
    """A declared assignment procedure: frozen, no I/O, randomness only through ``rng``.

    Concrete procedures are frozen dataclasses; besides the methods below they have the
    attributes ``arms`` (arm keys in protocol order), ``ratios`` (integer allocation ratios)
    and ``unit_columns`` (participant columns the procedure reads: strata or minimization
    factors), and the class attributes ``method`` and ``version`` (the register stores the
    version; it changes whenever the same seed and arrivals could give other arms).
    """

    method: ClassVar[str]
    version: ClassVar[int]
    arms: tuple[str, ...]
    ratios: tuple[int, ...]

    @property
    @abstractmethod
    def unit_columns(self) -> tuple[str, ...]:
        """Participant columns the procedure reads (strata or minimization factors)."""

    @abstractmethod
    def stratum_key(self, unit: Mapping[str, Any]) -> str:
        """Canonical text key of the unit's stratum (``""`` when unstratified)."""

    @abstractmethod
    def draw(self, units: pd.DataFrame, *, rng: np.random.Generator) -> pd.Series:
        """Arms for ``units`` (rows are arrivals in order), index aligned with ``units``."""

    @abstractmethod
    def probabilities(self, units: pd.DataFrame) -> pd.DataFrame:
        """Exact marginal probabilities: one column per arm, rows sum to 1."""

    @abstractmethod
    def sequencer(
        self, *, rng: np.random.Generator, history: pd.DataFrame | None = None
    ) -> Sequencer:
        """A sequencer positioned after ``history``.

        ``history`` holds earlier assignments in arrival order with the ``unit_columns`` (or,
        for complete, stratified and block methods, a ``stratum`` column of keys), an ``arm``
        column and, for batch methods, a ``batch`` column. Rebuilding from history and
        then calling ``next`` gives the same arm as one sequencer that saw every arrival.
        """

    @abstractmethod
    def tally_keys(self, units: Sequence[Mapping[str, Any]]) -> TallyKeys:
        """The part of the tally that drawing ``units`` (values by unit column) reads."""

    @abstractmethod
    def resume(self, *, rng: np.random.Generator, tally: Tally) -> Sequencer:
        """A sequencer continued from kept counts instead of the history.

        Given the counts :meth:`tally_keys` names for the next units (absent counts are
        zero), it draws exactly what :meth:`sequencer` rebuilt from the history draws.
        """
