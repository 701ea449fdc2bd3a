"""The disclosure rules for estimates and curves, beside the count rules of ``disclosure``.

``docs/disclosure-policy.md`` states the policy and its sources. This module holds the rules
that decide whether a *derived* number may be printed: a share, a mean or an effect computed
from counts, a regression coefficient, a per-site or subgroup estimate, a step of an outflow
curve. Each rule answers with a :class:`Verdict`: shown or not, and the sentence that says
why not, so that a report never leaves an empty cell without a reason.

The rules (threshold ``THRESHOLD`` = 10 people, as CBS Remote Access applies it):

* **Shares and effects** (:func:`share_verdict`, :func:`effect_verdict`): a share rests on two
  cells, those with and those without the outcome; it is printed only when both reach the
  threshold. An effect (a difference of shares) is printed only when every share it is
  computed from may be printed, because the effect plus one share gives the other share back.
* **Models** (:func:`model_verdict`): a regression is reported only when it is not saturated
  (more units than parameters by at least the threshold) and every arm and every stratum
  used has at least the threshold of units.
* **Subgroups and sites** (:func:`group_verdict`): an estimate within a group only with at
  least the threshold of people in every arm of the group.
* **Curves** (:func:`pool_steps`): a Kaplan-Meier or cumulative-incidence curve is drawn with
  its steps pooled so that every visible step rests on at least the threshold of events,
  and cut where fewer than the threshold remain at risk. Between two printed points a reader
  can then only learn that at least ten people left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from participatie_rct.report.disclosure import THRESHOLD, SuppressedTable, suppress_table


@dataclass(frozen=True)
class Verdict:
    """Whether a number may be printed and, when not, why (a sentence for the report)."""

    shown: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.shown


SHOWN = Verdict(True)


def share_verdict(count: int, n: int, *, threshold: int = THRESHOLD) -> Verdict:
    """A share ``count / n`` may be printed when both ``count`` and ``n - count`` are 0 or >= 10.

    A zero reveals nobody (it is printed as 0 in count tables too), but a share of 0% or 100%
    with ``n`` below the threshold still describes fewer than ten people, so ``n`` itself must
    reach the threshold.
    """
    count, n = int(count), int(n)
    if n < threshold:
        return Verdict(False, f"fewer than {threshold} people")
    small = [c for c in (count, n - count) if 0 < c < threshold]
    if small:
        return Verdict(False, f"rests on a group of fewer than {threshold} people")
    return SHOWN


def effect_verdict(cells: Sequence[tuple[int, int]], *, threshold: int = THRESHOLD) -> Verdict:
    """An effect computed from shares ``(count, n)`` may be printed only if every share may.

    ``cells`` are the shares the effect is computed from (the arm and the control). The effect
    and one share give the other share back, so one hidden share hides the effect too.
    """
    for count, n in cells:
        if not share_verdict(count, n, threshold=threshold):
            return Verdict(False, f"it compares a group of fewer than {threshold} people")
    return SHOWN


@dataclass(frozen=True)
class OutcomeShares:
    """Which arms' outcome shares (and the pooled share) a report may print.

    Built from the two-row table of counts (with the outcome, without it) per arm, suppressed
    with its margins by :func:`~participatie_rct.report.disclosure.suppress_table`: a share is
    printed exactly when both its cells are printed, so the shares tell a reader no more than
    the suppressed count table does, and the table's secondary suppression protects both.
    """

    table: SuppressedTable
    shown: tuple[bool, ...]
    pooled_shown: bool

    def effect_shown(self, arm: int, control: int) -> Verdict:
        """An effect of ``arm`` against ``control`` only when both shares are printed."""
        if self.shown[arm] and self.shown[control]:
            return SHOWN
        return Verdict(False, f"it compares a group of fewer than {THRESHOLD} people")


def outcome_shares(
    counts: Sequence[int], n: Sequence[int], *, threshold: int = THRESHOLD
) -> OutcomeShares:
    """The printable shares of an outcome per arm (``counts[j]`` of ``n[j]`` people)."""
    with_outcome = [int(c) for c in counts]
    without = [int(m) - int(c) for c, m in zip(counts, n, strict=True)]
    if any(w < 0 for w in without):
        raise ValueError("outcome_shares: a count is larger than its group.")
    table = suppress_table([with_outcome, without], threshold=threshold, public_column_totals=True)
    shown = tuple(
        not table.withheld
        and not table.hidden[0][j]
        and not table.hidden[1][j]
        and not table.column_totals_hidden[j]
        for j in range(len(with_outcome))
    )
    pooled = not (
        table.withheld
        or table.row_totals_hidden[0]
        or table.row_totals_hidden[1]
        or table.total_hidden
    )
    return OutcomeShares(table=table, shown=shown, pooled_shown=pooled)


def model_verdict(
    *,
    n: int,
    n_parameters: int,
    n_by_arm: Mapping[str, int],
    n_by_stratum: Mapping[str, int] | None = None,
    threshold: int = THRESHOLD,
) -> Verdict:
    """A regression may be reported when it is not saturated and every arm and stratum is >= 10.

    A saturated model (as many parameters as units, or nearly) reproduces its data; its
    coefficients are cell means in disguise. With every arm and stratum at the threshold, a
    coefficient describes at least ten people.
    """
    if int(n) - int(n_parameters) < threshold:
        return Verdict(
            False,
            f"the model has {n_parameters} parameters for {n} people: it is (nearly) saturated",
        )
    small_arms = sorted(arm for arm, k in n_by_arm.items() if int(k) < threshold)
    if small_arms:
        return Verdict(False, f"arm {', '.join(small_arms)} has fewer than {threshold} people")
    small_strata = sorted(s for s, k in (n_by_stratum or {}).items() if int(k) < threshold)
    if small_strata:
        return Verdict(False, f"{len(small_strata)} strata have fewer than {threshold} people")
    return SHOWN


def group_verdict(n_by_arm: Mapping[str, int], *, threshold: int = THRESHOLD) -> Verdict:
    """An estimate within a site or subgroup only with at least 10 people in every arm."""
    small = sorted(arm for arm, k in n_by_arm.items() if int(k) < threshold)
    if small:
        return Verdict(False, f"fewer than {threshold} people in arm {', '.join(small)}")
    return SHOWN


@dataclass(frozen=True)
class PooledCurve:
    """The printable points of a step curve: times, values and the events each step rests on.

    ``time[0]`` is the start (value of the curve before any event). ``events[i]`` counts the
    events pooled into the step that ends at ``time[i]`` (0 for the start). ``cut_at`` is the
    time after which the curve is not drawn (fewer than the threshold at risk), or None.
    """

    time: np.ndarray
    value: np.ndarray
    events: np.ndarray
    n_risk: np.ndarray
    cut_at: float | None


def pool_steps(
    time: Sequence[float],
    value: Sequence[float],
    n_events: Sequence[int],
    n_risk: Sequence[int],
    *,
    start_value: float = 1.0,
    threshold: int = THRESHOLD,
) -> PooledCurve:
    """Pool a step curve's steps so that each printed step rests on >= ``threshold`` events.

    ``time``, ``value``, ``n_events`` and ``n_risk`` describe the curve at each distinct event
    time in increasing order (the curve's value just after the time, the events at it, the
    number at risk just before it). Consecutive event times are merged until their events add
    up to the threshold; the printed point is the curve's exact value at the last merged time,
    so no value is changed, only intermediate values are left out. Events at the end that
    never reach the threshold are not drawn (the curve stays flat at the last printed value).
    The curve is cut before the first time at which fewer than ``threshold`` are at risk.
    """
    t = np.asarray(time, dtype=float)
    v = np.asarray(value, dtype=float)
    d = np.asarray(n_events, dtype=np.int64)
    r = np.asarray(n_risk, dtype=np.int64)
    if not (len(t) == len(v) == len(d) == len(r)):
        raise ValueError("pool_steps needs time, value, n_events and n_risk of equal length.")
    if len(t) > 1 and np.any(np.diff(t) <= 0):
        raise ValueError("pool_steps needs event times in increasing order, each once.")
    cut_at: float | None = None
    low = np.flatnonzero(r < threshold)
    if low.size:
        cut_at = float(t[low[0]])
        t, v, d, r = t[: low[0]], v[: low[0]], d[: low[0]], r[: low[0]]
    out_t, out_v, out_d, out_r = [0.0], [float(start_value)], [0], [int(r[0]) if len(r) else 0]
    pending = 0
    for i in range(len(t)):
        pending += int(d[i])
        if pending >= threshold:
            out_t.append(float(t[i]))
            out_v.append(float(v[i]))
            out_d.append(pending)
            out_r.append(int(r[i]))
            pending = 0
    return PooledCurve(
        time=np.asarray(out_t),
        value=np.asarray(out_v),
        events=np.asarray(out_d, dtype=np.int64),
        n_risk=np.asarray(out_r, dtype=np.int64),
        cut_at=cut_at,
    )
