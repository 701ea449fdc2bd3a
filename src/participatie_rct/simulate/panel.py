"""The simulated monthly panel: states, exits and hours of every person followed, month by
month, with the same transition probabilities as the exact chain of :mod:`.chain`.

States: on benefit (B, possibly with a small job under 12 hours), part-time work of 12-27
hours combined with benefit (P), working off benefit (W: a fragile or a lasting job, of
12-27 or more than 27 hours, both fixed for the spell), off benefit without work (O).
"""

from __future__ import annotations

import numpy as np

from participatie_rct.simulate.model import (
    MODEL,
    Model,
    _intensities,
    _month_probabilities,
    _People,
)

#: Event codes (exits from benefit) and state codes.
_NONE, _WORK, _PART, _OTHER = 0, 1, 2, 3
_B, _P, _W, _O = 0, 1, 2, 3
#: Hours bands of a month: none, under 12, 12-27, over 27 hours a week (the evaluations'
#: thresholds: part-time work >= 12 h, full-time > 27 h; docs/domain.md).
HOURS_BANDS: tuple[str, ...] = ("none", "under_12", "12_to_27", "over_27")
_NO_HOURS, _SMALL, _PART_HOURS, _FULL_HOURS = 0, 1, 2, 3


def simulate_months(
    base_work: float,
    people: _People,
    months: int,
    rng: np.random.Generator,
    model: Model = MODEL,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """States, events and hours bands, shape (months + 1, n); month 0 is the month of intake
    (on benefit, no event).

    Per person and month one uniform ``u`` decides the transition out of the current state
    (cut points as in :func:`participatie_rct.simulate.chain.exact_states`), a second ``v``
    whether a new job is fragile or whether a month on benefit has a small job, a third ``h``
    whether a new job is full-time.
    """
    n = people.older.size
    states = np.zeros((months + 1, n), dtype=np.int8)
    events = np.zeros((months + 1, n), dtype=np.int8)
    hours = np.zeros((months + 1, n), dtype=np.int8)
    state = np.zeros(n, dtype=np.int8)
    fragile = np.zeros(n, dtype=bool)
    full = np.zeros(n, dtype=bool)
    stop = np.full(n, model.part_time_stop_rate)
    a, q, r = model.job_share_fragile, model.job_loss, model.loss_to_benefit
    small = rng.random(n) < model.small_job_share
    hours[0] = np.where(small, _SMALL, _NO_HOURS)
    for t in range(1, months + 1):
        lw, lpt, lo = _intensities(base_work, people, t, model)
        pw, pp, po = _month_probabilities(lw, lpt, lo)
        qw, qs, qo = _month_probabilities(lw * model.part_time_work_factor, stop, lo)
        u, v, h = rng.random(n), rng.random(n), rng.random(n)
        on_b, on_p, on_w, on_o = state == _B, state == _P, state == _W, state == _O
        to_w = on_b & (u < pw)
        to_p = on_b & ~to_w & (u < pw + pp)
        to_o = on_b & ~to_w & ~to_p & (u < pw + pp + po)
        p_w = on_p & (u < qw)
        p_b = on_p & ~p_w & (u < qw + qs)
        p_o = on_p & ~p_w & ~p_b & (u < qw + qs + qo)
        lost = on_w & fragile & (u < q)
        w_b = lost & (u < q * r)
        back = w_b | (on_o & (u < model.reentry_after_other))
        new = state.copy()
        starts = to_w | p_w
        new[starts] = _W
        new[to_p] = _P
        new[to_o | p_o | (lost & ~w_b)] = _O
        new[p_b | back] = _B
        fragile = np.where(starts, v < a, fragile & ~lost)
        full = np.where(starts, h < model.full_time_share, full & ~lost)
        event = np.zeros(n, dtype=np.int8)
        event[starts] = _WORK
        event[to_p] = _PART
        event[to_o | p_o] = _OTHER
        band = np.where(new == _P, _PART_HOURS, _NO_HOURS)
        band = np.where(new == _W, np.where(full, _FULL_HOURS, _PART_HOURS), band)
        band = np.where((new == _B) & (v < model.small_job_share), _SMALL, band)
        states[t], events[t], hours[t] = new, event, band
        state = new
    return states, events, hours


def first_exit(events: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Month (1-based; 0 if none) and kind (work, part-time work, other; 0 if none) of each
    first outflow."""
    leaving = events > _NONE
    any_exit = leaving.any(axis=0)
    month = np.where(any_exit, leaving.argmax(axis=0), 0)
    cause = np.where(any_exit, events[month, np.arange(events.shape[1])], 0)
    return month, cause
