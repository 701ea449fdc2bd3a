"""The ``benefit_months`` table of a simulated trial, built in chunks of people.

From the simulated states, exits and hours of :mod:`.panel` it makes one row per person and
calendar month with ``on_benefit``, ``exit_reason``, ``earnings``, ``hours_band`` and
``benefit_amount``: the benefit norm minus the earnings that are not disregarded. The
disregard is the regular rule (25% of earnings, up to the cap, for the first six months with
earnings) or, for those who receive the earn-more measure, the trial's rule (by default 50%
up to about EUR 199 a month for 24 months; docs/domain.md, "Setting").

The table is made ``CHUNK_PEOPLE`` people at a time, each chunk from its own random stream,
so that a national panel (400,000 people, 60 months: 24 million rows) is written within a
small, fixed amount of memory, and the bytes do not depend on how it is read or written.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from participatie_rct.simulate.panel import (
    _B,
    _FULL_HOURS,
    _P,
    _PART_HOURS,
    _SMALL,
    _W,
    HOURS_BANDS,
)

if TYPE_CHECKING:
    import pandas as pd

#: People per chunk of the monthly table (fixed: the random streams are per chunk).
CHUNK_PEOPLE = 2_000
#: Monthly benefit norm by household (index as ``population._HOUSEHOLD``): assumed, of the
#: order of the 2018 norms for a single adult and for a couple (docs/simulation.md).
BENEFIT_NORM = np.array([1000.0, 1000.0, 1430.0, 1430.0])
#: The regular disregard: 25% of earnings for six months (docs/domain.md); its cap is assumed to
#: be the same as the trial's.
REGULAR_SHARE, REGULAR_MONTHS = 0.25, 6
#: Median monthly net earnings by kind of work (assumed): full-time off benefit, part-time
#: off benefit, part-time beside benefit (12-27 h), a small job (< 12 h).
PAY = {"full": 1900.0, "part_off": 1300.0, "part": 650.0, "small": 200.0}
_REASONS = np.array(["", "work", "part_time_work", "other"], dtype=object)


@dataclass(frozen=True, eq=False)
class MonthsPanel:
    """Everything the table needs, per person followed (participants and, as a
    non-participant reference group, those who declined), in id order."""

    ids: np.ndarray
    month0: np.ndarray  # months since 1970-01 of the month of intake (or invitation)
    follow_up: np.ndarray  # months followed after month 0
    states: np.ndarray  # (months + 1, n) int8
    events: np.ndarray
    hours: np.ndarray
    household: np.ndarray  # index into BENEFIT_NORM
    earn_more: np.ndarray  # bool: receives the earn-more measure
    earn_more_rule: tuple[float, float, int]
    streams: tuple[np.random.SeedSequence, ...]

    @property
    def n_rows(self) -> int:
        return int((self.follow_up + 1).sum())

    def chunks(self) -> Iterator[pd.DataFrame]:
        """The table in id and month order, ``CHUNK_PEOPLE`` people at a time."""
        for k, seq in enumerate(self.streams):
            people = slice(k * CHUNK_PEOPLE, min((k + 1) * CHUNK_PEOPLE, self.ids.size))
            yield self._chunk(people, np.random.default_rng(seq))

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        parts = list(self.chunks())
        if not parts:
            return pd.DataFrame(columns=list(_COLUMNS))
        return pd.concat(parts, ignore_index=True)

    def _chunk(self, people: slice, rng: np.random.Generator) -> pd.DataFrame:
        import pandas as pd

        states = self.states[:, people].T  # (n, months + 1): rows in id, month order
        events = self.events[:, people].T
        hours = self.hours[:, people].T
        n, width = states.shape
        pay = {k: np.exp(rng.normal(math.log(v), 0.25, size=n))[:, None] for k, v in PAY.items()}
        wobble = 1.0 + 0.05 * rng.standard_normal((n, width))
        earnings = np.select(
            [hours == _FULL_HOURS, (hours == _PART_HOURS) & (states == _W), hours == _PART_HOURS,
             hours == _SMALL],
            [pay["full"], pay["part_off"], pay["part"], pay["small"]],
            0.0,
        ) * wobble  # fmt: skip
        earnings = np.round(np.maximum(earnings, 0.0), 2)
        on_benefit = (states == _B) | (states == _P)
        amount = self._benefit_amount(people, earnings, on_benefit)
        t = np.arange(width)[None, :]
        keep = t <= self.follow_up[people][:, None]
        month = (self.month0[people][:, None] + t)[keep]
        first = int(month.min())
        labels = np.array(
            [f"{1970 + m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, int(month.max()) + 1)],
            dtype=object,
        )
        return pd.DataFrame(
            {
                "id": np.broadcast_to(self.ids[people][:, None], (n, width))[keep],
                "month": labels[month - first],
                "on_benefit": on_benefit[keep],
                "exit_reason": _REASONS[events[keep]],
                "earnings": earnings[keep],
                "hours_band": np.asarray(HOURS_BANDS, dtype=object)[hours[keep]],
                "benefit_amount": amount[keep],
            }
        )

    def _benefit_amount(
        self, people: slice, earnings: np.ndarray, on_benefit: np.ndarray
    ) -> np.ndarray:
        """Norm minus the earnings that are not disregarded, on benefit only (euros)."""
        share, cap, months = self.earn_more_rule
        earning = on_benefit & (earnings > 0)
        regular_left = np.cumsum(earning, axis=1) <= REGULAR_MONTHS
        kept = np.where(earning & regular_left, np.minimum(REGULAR_SHARE * earnings, cap), 0.0)
        t = np.arange(earnings.shape[1])[None, :]
        trial_rule = self.earn_more[people][:, None] & (t >= 1) & (t <= months)
        kept = np.where(trial_rule & earning, np.minimum(share * earnings, cap), kept)
        norm = BENEFIT_NORM[self.household[people]][:, None]
        amount = np.maximum(norm - np.maximum(earnings - kept, 0.0), 0.0)
        return np.round(np.where(on_benefit, amount, 0.0), 2)


_COLUMNS = (
    "id",
    "month",
    "on_benefit",
    "exit_reason",
    "earnings",
    "hours_band",
    "benefit_amount",
)


def chunk_streams(n: int, rng: np.random.Generator) -> tuple[np.random.SeedSequence, ...]:
    """One independent seed per chunk of :data:`CHUNK_PEOPLE` people."""
    chunks = max(1, math.ceil(n / CHUNK_PEOPLE))
    return tuple(
        np.random.SeedSequence(int(child.integers(0, 2**63))) for child in rng.spawn(chunks)
    )
