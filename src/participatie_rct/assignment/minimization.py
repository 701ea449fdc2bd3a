"""Minimization (Pocock and Simon 1975): each arrival tips the balance of the factors it has.

For an arriving participant with level ``l_f`` of every factor ``f``, let ``n_{f,a}`` be the
number of earlier participants with that level assigned to arm ``a``. For every candidate arm
``k`` the procedure imagines the participant in ``k`` and measures the imbalance of each
factor over the *ratio-weighted* counts ``x_a = (n_{f,a} + [a = k]) / r_a`` (the
generalisation of Pocock and Simon to unequal allocation: balance means counts proportional
to the ratios; Han, Enas and McEntegart 2009, Kuznetsova and Tymofyeyev 2012):

* ``range``: ``max_a x_a - min_a x_a`` (Pocock and Simon's range);
* ``variance``: ``sum_a (x_a - mean x)^2 / K`` (their "variance" measure);

and sums them with the factors' weights: ``G_k = sum_f w_f imbalance_f(k)``. Equal weights
and integer counts make ``G`` exact (computed on counts scaled by the least common multiple
of the ratios); with other weights two values within ``1e-9`` (relative) count as tied.

Probabilities (the biased coin; Pocock and Simon's ``p``). Let ``B`` be the arms with the
smallest ``G`` (the best arms) and ``O`` the others.

* If every arm is best (as for the first arrival when the ratios are equal) the arm is
  drawn with the arms' shares ``r_a / R``.
* Otherwise the best arms together get ``p_best`` and the others ``1 - p_best``; within each
  group the probability is split in proportion to the ratios (equally when ratios are
  equal). So with one best arm it gets ``p_best``; with ties the tied best arms share
  ``p_best``: ties are broken at random, in proportion to the ratios. ``p_best`` should
  exceed the share the best arms would get anyway (typically 0.7 to 0.9); a smaller value
  is accepted but pushes arrivals away from balance.

With unequal ratios "balance" is on the ratio-weighted counts, so from a balanced state the
arm with the largest ratio moves them least and is the best arm (for the very first arrival
too, unless all ratios are equal); over an intake this keeps the allocation at the ratios
(tested), but the probability of an individual draw is not the arm's share. The unconditional
per-arrival probabilities of such designs drift from the ratios (the allocation-ratio
preserving problem of Kuznetsova and Tymofyeyev 2012). The probabilities recorded here are
the exact conditional ones (what the register stores); marginal probabilities, for weighting,
come from re-running :meth:`Minimization.draw` with many generators, as randomization
inference does.

These are the exact conditional probabilities given the state; the arm is drawn by
comparing a uniform number with their cumulative sums in protocol order. With
``p_best < 1`` every arm keeps a positive probability, so no assignment is predictable
with certainty. The marginal probabilities of minimization have no closed form:
:meth:`Minimization.probabilities` refuses; use the probability recorded with each draw.

Replay: the uniform number of the ``k``-th arrival overall is number ``k mod 1024`` of the
stream ``(seed, TAG_MINIMIZATION, k // 1024)``. The arm of an arrival is a function of the
seed, ``k`` and the counts before it, so a register rebuilds the state from its history
(counts per factor level and arm, and the number of arrivals).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from participatie_rct.assignment import common
from participatie_rct.assignment.base import AssignmentProcedure, Draw, Sequencer
from participatie_rct.assignment.keys import column_texts, join_key, unit_key, value_text
from participatie_rct.assignment.streams import (
    TAG_MINIMIZATION,
    TAG_SIMULATION,
    root_sequence,
    stream,
)
from participatie_rct.assignment.tally import Tally, TallyKeys
from participatie_rct.choices import ImbalanceMeasure, parse_choice
from participatie_rct.errors import AssignmentError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: Uniform numbers per chunk of the minimization stream (fixed: part of version 1).
CHUNK_DRAWS = 1024
#: Relative tolerance under which two weighted imbalances count as tied.
TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Minimization(AssignmentProcedure):
    """Pocock-Simon minimization over ``factors`` with a biased coin ``p_best``."""

    method: ClassVar[str] = "minimization"
    version: ClassVar[int] = 1

    arms: tuple[str, ...]
    factors: tuple[str, ...]
    ratios: tuple[int, ...] = ()
    p_best: float = 0.8
    measure: ImbalanceMeasure = ImbalanceMeasure.RANGE
    weights: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        arms, ratios = common.check_arms(self.arms, self.ratios)
        object.__setattr__(self, "arms", arms)
        object.__setattr__(self, "ratios", ratios)
        factors = common.check_columns(self.factors, role="factors")
        if not factors:
            raise AssignmentError(
                "minimization needs factors: one or more participant columns to balance."
            )
        object.__setattr__(self, "factors", factors)
        p_best = float(self.p_best)
        if not 0.0 < p_best <= 1.0:
            raise AssignmentError(
                f"p_best is {self.p_best!r}; it must be greater than 0 and at most 1 (e.g. 0.8)."
            )
        object.__setattr__(self, "p_best", p_best)
        object.__setattr__(
            self, "measure", parse_choice(ImbalanceMeasure, self.measure, parameter="measure")
        )
        try:
            weights = (
                tuple(float(w) for w in self.weights) if self.weights else (1.0,) * len(factors)
            )
        except (TypeError, ValueError):
            raise AssignmentError(
                f"weights are {list(self.weights)!r}; give one positive number per factor, "
                "e.g. [2, 1, 1]."
            ) from None
        if len(weights) != len(factors):
            raise AssignmentError(
                f"weights has {len(weights)} values for {len(factors)} factors; give one per "
                "factor."
            )
        if any(not (w > 0 and math.isfinite(w)) for w in weights):
            raise AssignmentError(
                f"weights are {list(weights)}; every weight must be a positive number."
            )
        object.__setattr__(self, "weights", weights)

    @property
    def unit_columns(self) -> tuple[str, ...]:
        return self.factors

    def stratum_key(self, unit: Mapping[str, Any]) -> str:
        """The key of the participant's combination of factor levels."""
        return unit_key(self.factors, unit, role="factors")

    def draw(self, units: pd.DataFrame, *, rng: np.random.Generator) -> pd.Series:
        """Arms for ``units`` arriving in row order into an empty trial."""
        import numpy as np

        units = common.check_units(units)
        root = root_sequence(rng)
        sequencer = MinimizationSequencer(self, root, None)
        codes = np.fromiter(
            (code for code, _ in sequencer._run(_level_rows(units, self.factors))),
            dtype=np.int64,
            count=len(units),
        )
        return common.arm_series(codes, self.arms, units.index, procedure=self, root=root)

    def probabilities(self, units: pd.DataFrame) -> pd.DataFrame:
        """Refused: minimization's marginal probabilities have no closed form."""
        raise AssignmentError(
            "minimization has no exact marginal probabilities: each arm's probability depends on "
            "every "
            "earlier arrival. Use the probability recorded with each draw (Draw.probabilities), or "
            "estimate marginals with simulated_probabilities(units, rng=..., n_draws=...)."
        )

    def simulated_probabilities(
        self, units: pd.DataFrame, *, rng: np.random.Generator, n_draws: int = 1000
    ) -> pd.DataFrame:
        """Marginal probabilities estimated by re-running :meth:`draw` ``n_draws`` times.

        Re-draw ``i`` uses a fresh Generator seeded from the root of ``rng`` and ``i``; the
        frame's ``attrs`` record ``n_draws`` and the root seed. The Monte Carlo standard
        error of a probability ``p`` is ``sqrt(p (1 - p) / n_draws)``.
        """
        import numpy as np
        import pandas as pd

        from participatie_rct.assignment.streams import root_description

        units = common.check_units(units)
        if n_draws < 1:
            raise AssignmentError(f"n_draws is {n_draws}; it must be at least 1.")
        root = root_sequence(rng)
        index = pd.Index(self.arms)
        totals = np.zeros((len(units), len(self.arms)))
        rows = np.arange(len(units))
        for i in range(n_draws):
            child = np.random.SeedSequence(
                root.entropy,
                spawn_key=(*root.spawn_key, TAG_SIMULATION, i),
                pool_size=root.pool_size,
            )
            drawn = self.draw(units, rng=np.random.Generator(np.random.PCG64(child)))
            totals[rows, index.get_indexer(pd.Index(drawn.to_numpy()))] += 1
        frame = common.probability_frame(totals / n_draws, self.arms, units.index)
        frame.attrs.update(n_draws=n_draws, seed=root_description(root))
        return frame

    def sequencer(
        self, *, rng: np.random.Generator, history: pd.DataFrame | None = None
    ) -> MinimizationSequencer:
        """A sequencer holding the counts per factor level and arm of ``history``."""
        return MinimizationSequencer(self, root_sequence(rng), history)

    def tally_keys(self, units: Sequence[Mapping[str, Any]]) -> TallyKeys:
        """The ``(factor, level)`` pairs of ``units``: the arm counts their draws compare."""
        return TallyKeys(
            levels=frozenset(
                (f, value_text(u[f]) or "") for u in units for f in self.factors if f in u
            )
        )

    def resume(self, *, rng: np.random.Generator, tally: Tally) -> MinimizationSequencer:
        """A sequencer at arrival ``tally.arrivals`` holding the arm counts of ``tally.levels``."""
        sequencer = MinimizationSequencer(self, root_sequence(rng), None)
        k = len(self.arms)
        index = {f: i for i, f in enumerate(self.factors)}
        for (factor, level), counts in tally.levels.items():
            if factor not in index or len(counts) != k:
                raise AssignmentError(
                    f"the kept counts of {factor!r} = {level!r} do not fit this procedure "
                    f"(factors {list(self.factors)}, {k} arms)."
                )
            sequencer.counts[index[factor]][level] = [int(c) for c in counts]
        sequencer.n = tally.arrivals or 0
        return sequencer

    def conditional_probabilities(self, counts: Sequence[Sequence[int]]) -> list[float]:
        """Probability of each arm given the arm counts at the arrival's level of each factor.

        ``counts[f][a]`` is the number of earlier participants with the arrival's level of
        factor ``f`` in arm ``a``.
        """
        return _conditional(self, _Constants.of(self), counts)

    def to_dict(self) -> dict[str, Any]:
        """The declaration as plain data (what an auditor needs besides the seed)."""
        return {
            "method": self.method,
            "version": self.version,
            "arms": list(self.arms),
            "ratios": list(self.ratios),
            "factors": list(self.factors),
            "p_best": self.p_best,
            "measure": self.measure.value,
            "weights": list(self.weights),
        }


@dataclass(frozen=True)
class _Constants:
    """Numbers derived once per procedure: scale of each arm, shares, coin probabilities."""

    scale: tuple[int, ...]  # lcm(r) / r_a: a count times scale_a is x_a on an integer grid
    shares: tuple[float, ...]
    exact: bool  # all weights equal: compare G exactly

    @classmethod
    def of(cls, procedure: Minimization) -> _Constants:
        lcm = math.lcm(*procedure.ratios)
        total = sum(procedure.ratios)
        return cls(
            scale=tuple(lcm // r for r in procedure.ratios),
            shares=tuple(r / total for r in procedure.ratios),
            exact=len(set(procedure.weights)) == 1,
        )


def _imbalance(x: list[int], measure: ImbalanceMeasure) -> int:
    """Imbalance of scaled counts: the range, or ``K^2`` times the variance (an integer)."""
    if measure is ImbalanceMeasure.RANGE:
        return max(x) - min(x)
    k = len(x)
    s = sum(x)
    return k * sum(v * v for v in x) - s * s


def _conditional(
    procedure: Minimization, const: _Constants, counts: Sequence[Sequence[int]]
) -> list[float]:
    k = len(procedure.arms)
    scale = const.scale
    measure = procedure.measure
    weights = procedure.weights
    scaled = [[level_counts[a] * scale[a] for a in range(k)] for level_counts in counts]
    scores: list[float] = []
    for arm in range(k):
        step = scale[arm]
        total: float = 0
        for f, x in enumerate(scaled):
            x[arm] += step  # the arrival imagined in ``arm``
            value = _imbalance(x, measure)
            x[arm] -= step
            total += value if const.exact else weights[f] * value
        scores.append(total)
    best_score = min(scores)
    if const.exact:
        best = [s == best_score for s in scores]
    else:
        tolerance = TIE_TOLERANCE * max(1.0, abs(best_score))
        best = [s - best_score <= tolerance for s in scores]
    if all(best):
        return list(const.shares)
    ratios = procedure.ratios
    best_ratio = sum(r for r, b in zip(ratios, best, strict=True) if b)
    other_ratio = sum(r for r, b in zip(ratios, best, strict=True) if not b)
    p_best = procedure.p_best
    return [
        p_best * r / best_ratio if b else (1.0 - p_best) * r / other_ratio
        for r, b in zip(ratios, best, strict=True)
    ]


def _level_rows(units: pd.DataFrame, factors: Sequence[str]) -> list[tuple[str, ...]]:
    """Each row's canonical level texts, one per factor (vectorised per distinct value)."""
    per_factor = []
    for column in factors:
        codes, texts = column_texts(units, column, role="factors", columns=factors)
        per_factor.append([texts[c] for c in codes.tolist()])
    return list(zip(*per_factor, strict=True)) if per_factor else []


class MinimizationSequencer(Sequencer):
    """Keeps the arm counts per factor level and the number of arrivals; assigns one at a time."""

    def __init__(
        self, procedure: Minimization, root: np.random.SeedSequence, history: pd.DataFrame | None
    ):
        self.procedure = procedure
        self.root = root
        self._const = _Constants.of(procedure)
        k = len(procedure.arms)
        self.counts: list[dict[str, list[int]]] = [{} for _ in procedure.factors]
        self.n = 0
        self._chunk_index = -1
        self._chunk: list[float] = []
        if history is not None and len(history) > 0:
            self._load(history, k)

    def _load(self, history: pd.DataFrame, k: int) -> None:
        """Counts per (factor level, arm) from the history, vectorised with ``bincount``."""
        import numpy as np

        arms = common.history_arm_codes(history, self.procedure.arms)
        for f, column in enumerate(self.procedure.factors):
            if column not in history.columns:
                raise AssignmentError(
                    f"the assignment history has no column {column!r}; minimization balances it, "
                    "so the "
                    "sequencer needs every earlier participant's level of each factor."
                )
            codes, texts = column_texts(
                history, column, role="factors", columns=self.procedure.factors
            )
            table = np.bincount(codes * k + arms, minlength=len(texts) * k).reshape(len(texts), k)
            self.counts[f] = {
                text: [int(v) for v in row] for text, row in zip(texts, table.tolist(), strict=True)
            }
        self.n = len(history)

    def tally(self) -> Tally:
        """The number of arrivals and the arm counts at every factor level this sequencer knows."""
        return Tally(
            arrivals=self.n,
            levels={
                (factor, level): tuple(row)
                for factor, rows in zip(self.procedure.factors, self.counts, strict=True)
                for level, row in rows.items()
            },
        )

    def _uniform(self, position: int) -> float:
        chunk, offset = divmod(position, CHUNK_DRAWS)
        if chunk != self._chunk_index:
            self._chunk = stream(self.root, TAG_MINIMIZATION, chunk).uniforms(CHUNK_DRAWS).tolist()
            self._chunk_index = chunk
        return self._chunk[offset]

    def _run(self, rows: Sequence[tuple[str, ...]]) -> Iterator[tuple[int, list[float]]]:
        """Assign rows of level texts in order; yields ``(arm index, probabilities)``."""
        procedure = self.procedure
        k = len(procedure.arms)
        counts = self.counts
        for levels in rows:
            level_counts = []
            for f, level in enumerate(levels):
                row = counts[f].get(level)
                if row is None:
                    row = counts[f][level] = [0] * k
                level_counts.append(row)
            probs = _conditional(procedure, self._const, level_counts)
            u = self._uniform(self.n)
            arm = _pick(probs, u)
            for row in level_counts:
                row[arm] += 1
            self.n += 1
            yield arm, probs

    def next(self, unit: Mapping[str, Any]) -> Draw:
        key = self.procedure.stratum_key(unit)  # checks every factor has a value
        levels = tuple(value_text(unit[f]) or "" for f in self.procedure.factors)
        position = self.n
        arm, probs = next(iter(self._run([levels])))
        return _draw(self.procedure.arms, arm, probs, key, position)

    def next_batch(self, units: pd.DataFrame) -> list[Draw]:
        units = common.check_units(units)
        factors = self.procedure.factors
        rows = _level_rows(units, factors)
        draws = []
        arms = self.procedure.arms
        for levels, (arm, probs) in zip(rows, self._run(rows), strict=True):
            draws.append(_draw(arms, arm, probs, join_key(factors, levels), self.n - 1))
        return draws


def _pick(probs: Sequence[float], u: float) -> int:
    """The arm whose interval of the cumulative probabilities (protocol order) holds ``u``."""
    acc = 0.0
    last = 0
    for arm, p in enumerate(probs):
        if p > 0:
            acc += p
            last = arm
            if u < acc:
                return arm
    return last  # u beyond the rounded total: the last arm with positive probability


def _draw(arms: Sequence[str], arm: int, probs: Sequence[float], key: str, position: int) -> Draw:
    return Draw(
        arm=arms[arm],
        probability=probs[arm],
        probabilities=dict(zip(arms, probs, strict=True)),
        stratum=key,
        position=position,
        batch=0,
    )
