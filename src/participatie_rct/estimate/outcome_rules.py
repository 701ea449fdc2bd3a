"""The rules of :func:`~participatie_rct.estimate.outcomes.build_outcomes` as group operations.

Person-months are aligned to their participant (:func:`align`) and sorted by person and
follow-up month once; each outcome is then a grouped reduction over that sorted panel
(``np.bincount`` sums and counts, ``np.minimum.at`` firsts), one small function per rule,
with no loop over people. The rules themselves are documented on ``build_outcomes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: event codes of ``event_code`` (0 is censored), shared with the survival estimators
EVENT_CODES: dict[str, int] = {"work": 1, "part_time_work": 2, "other": 3}

#: the outcome columns :func:`build_outcomes` adds, in order
OUTCOME_COLUMNS: tuple[str, ...] = (
    "assigned_month",
    "followup_months",
    "matured",
    "months_observed",
    "months_missing",
    "outflow_work",
    "outflow_any",
    "months_to_outflow",
    "time",
    "event",
    "event_code",
    "exit_type",
    "exit_reason_missing",
    "months_off_benefit",
    "earnings_followup",
    "reentry",
)


@dataclass(frozen=True)
class PersonMonths:
    """Benefit-month rows as arrays: ``person`` indexes ``ids``; ``m`` is the month index
    (``year * 12 + month - 1``); ``reason`` an event code; ``row`` the input row, when rows
    were dropped (``None``: row ``i`` is input row ``i``). Narrow integer types keep a
    national panel's 24 million rows small."""

    person: np.ndarray
    ids: np.ndarray
    m: np.ndarray
    on: np.ndarray
    reason: np.ndarray
    earn: np.ndarray
    row: np.ndarray | None = None

    def input_row(self, i: int) -> int:
        """The input row (from 0) of row ``i``."""
        return int(self.row[i]) if self.row is not None else i

    def take(self, keep: np.ndarray) -> PersonMonths:
        """The rows where ``keep`` holds (a mask or an index array)."""
        return PersonMonths(
            person=self.person[keep],
            ids=self.ids,
            m=self.m[keep],
            on=self.on[keep],
            reason=self.reason[keep],
            earn=self.earn[keep],
            row=self.row[keep] if self.row is not None else np.flatnonzero(keep),
        )


@dataclass(frozen=True)
class Panel:
    """Rows from month 0 on, sorted by participant ``pos`` and follow-up month ``k``.

    ``n`` participants; ``available[i]``: months 1..available lie before the data's end;
    ``month0[i]``: the month index of assignment.
    """

    n: int
    pos: np.ndarray
    k: np.ndarray
    on: np.ndarray
    reason: np.ndarray
    earn: np.ndarray
    available: np.ndarray
    month0: np.ndarray

    @property
    def follow(self) -> np.ndarray:
        """Mask of follow-up rows (month 1 on)."""
        return self.k >= 1


def align(participants: pd.Series, month0: np.ndarray, rows: PersonMonths, end: int) -> Panel:
    """Rows of assigned participants at or after their month 0, sorted by person and month."""
    where = pd.Index(participants.to_numpy()).get_indexer(rows.ids).astype(np.int32)
    pos = where[rows.person]
    known = pos >= 0
    k = rows.m[known] - month0.astype(np.int32)[pos[known]]
    keep = np.flatnonzero(known)[k >= 0]
    pos, k = pos[keep], k[k >= 0]
    span = int(k.max()) + 1 if k.size else 1
    key = pos.astype(np.int64) * span + k
    del known
    # exports come sorted by person and month: then the sort is a check
    order = np.argsort(key, kind="stable") if np.any(key[1:] < key[:-1]) else slice(None)
    del key
    return Panel(
        n=len(participants),
        pos=pos[order],
        k=k[order],
        on=rows.on[keep][order],
        reason=rows.reason[keep][order],
        earn=rows.earn[keep][order],
        available=np.minimum(end - month0, 10**9),
        month0=month0,
    )


def outcome_columns(panel: Panel, horizon: int) -> dict[str, Any]:
    """Every column of :data:`OUTCOME_COLUMNS`, one value per participant."""
    exits = first_exit(panel)
    types = exit_types(panel, exits)
    window = in_window(panel, horizon, exits, types["event_code"])
    return {
        "assigned_month": pd.PeriodIndex.from_ordinals(  # type: ignore[attr-defined]
            panel.month0 - (1970 * 12), freq="M"
        ),
        **window,
        "months_to_outflow": np.where(exits["event"], exits["first_exit"], np.nan),
        "time": exits["time"].astype(float),
        "event": exits["event"].astype(np.int64),
        **types,
        "reentry": reentry(panel, exits),
    }


def first_by_person(n: int, pos: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Smallest value per person (``inf`` for a person without one)."""
    out = np.full(n, np.inf)
    np.minimum.at(out, pos, values.astype(float))
    return out


def first_exit(panel: Panel) -> dict[str, np.ndarray]:
    """First exit seen before the first missing month: ``event``, ``time``, ``first_exit``."""
    f = panel.follow
    fpos, fk = panel.pos[f], panel.k[f]
    rank = rank_within(fpos)  # the first gap: the first k whose rank differs from k
    gap = fk != rank
    first_gap = first_by_person(panel.n, fpos[gap], rank[gap])
    count = np.bincount(fpos, minlength=panel.n).astype(float)
    first_gap = np.where(np.isfinite(first_gap), first_gap, count + 1)
    contiguous = np.minimum(first_gap - 1, panel.available)
    is_exit = (~panel.on[f]) | (panel.reason[f] != 0)
    exit_month = first_by_person(panel.n, fpos[is_exit], fk[is_exit])
    event = np.isfinite(exit_month) & (exit_month <= contiguous)
    time = np.where(event, exit_month, np.maximum(contiguous, 0))
    return {"event": event, "time": time, "first_exit": exit_month}


def exit_types(panel: Panel, exits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The exit row's reason, else the previous month's, else ``other`` (flagged missing)."""
    span = int(panel.k.max()) + 2 if panel.k.size else 2
    keys = panel.pos.astype(np.int64) * span + panel.k

    def reason_at(people: np.ndarray, months: np.ndarray) -> np.ndarray:
        if keys.size == 0:
            return np.zeros(people.size, dtype=np.int64)
        wanted = people.astype(np.int64) * span + months
        at = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
        return np.where((months >= 0) & (keys[at] == wanted), panel.reason[at], 0)

    who = np.flatnonzero(exits["event"])
    month = exits["first_exit"][who].astype(np.int64)
    here, before = reason_at(who, month), reason_at(who, month - 1)
    chosen = np.where(here != 0, here, before)
    missing = chosen == 0
    event_code = np.zeros(panel.n, dtype=np.int64)
    event_code[who] = np.where(missing, EVENT_CODES["other"], chosen)
    reason_missing = np.zeros(panel.n, dtype=bool)
    reason_missing[who] = missing
    names = np.array(["", *EVENT_CODES], dtype=object)
    return {
        "event_code": event_code,
        "exit_type": names[event_code],
        "exit_reason_missing": reason_missing,
    }


def in_window(
    panel: Panel, horizon: int, exits: dict[str, np.ndarray], event_code: np.ndarray
) -> dict[str, np.ndarray]:
    """Outcomes over months 1..H: maturity, observed and missing months, outflow, sums."""
    n = panel.n
    matured = panel.available >= horizon
    followup = np.clip(panel.available, 0, horizon)
    w = panel.follow & (panel.k <= horizon)
    wpos = panel.pos[w]
    observed = np.bincount(wpos, minlength=n)
    missing = followup - observed
    complete = matured & (missing == 0)
    event, time = exits["event"], exits["time"]
    exit_by_h = event & (time <= horizon)
    known = matured & (exit_by_h | (time >= horizon))
    off = np.bincount(wpos, weights=(~panel.on[w]).astype(float), minlength=n)
    earn = panel.earn[w]
    earn_sum = np.bincount(wpos, weights=np.nan_to_num(earn), minlength=n)
    earn_nan = np.bincount(wpos, weights=np.isnan(earn).astype(float), minlength=n)
    return {
        "followup_months": followup.astype(np.int64),
        "matured": matured,
        "months_observed": observed.astype(np.int64),
        "months_missing": missing.astype(np.int64),
        "outflow_work": np.where(known, (exit_by_h & (event_code == 1)).astype(float), np.nan),
        "outflow_any": np.where(known, exit_by_h.astype(float), np.nan),
        "months_off_benefit": np.where(complete, off, np.nan),
        "earnings_followup": np.where(complete & (earn_nan == 0), earn_sum, np.nan),
    }


def reentry(panel: Panel, exits: dict[str, np.ndarray]) -> np.ndarray:
    """1.0 when a month on benefit follows the first month off benefit after the exit."""
    f = panel.follow
    fpos, fk, fon = panel.pos[f], panel.k[f], panel.on[f]
    after_exit = fk >= np.where(exits["event"], exits["first_exit"], np.inf)[fpos]
    sel = after_exit & ~fon
    first_off = first_by_person(panel.n, fpos[sel], fk[sel])
    later = fk > first_off[fpos]
    seen_later = np.bincount(fpos[later], minlength=panel.n) > 0
    back_on = np.bincount(fpos[later & fon], minlength=panel.n) > 0
    return np.where(np.isfinite(first_off) & seen_later, back_on.astype(float), np.nan)


def rank_within(groups: np.ndarray) -> np.ndarray:
    """1, 2, 3, ... within runs of equal values of a sorted array."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1].astype(np.int32)
    counts = np.diff(np.r_[starts, len(groups)])
    rank = np.arange(1, len(groups) + 1, dtype=np.int32)
    rank -= np.repeat(starts, counts)
    return rank
