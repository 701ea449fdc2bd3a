"""The interim look of a trial, computed once for ``monitor status`` and the interim report.

:func:`interim_look` turns the protocol's ``[analysis]`` plan, the outcome table and what is
known of the earlier looks into :func:`participatie_rct.design.monitor.monitor_status`'s
result: the information fraction, the Lan-DeMets boundary of this look and each arm's z.
Both the command and the report show this one result, so they cannot drift apart. The z is
the unadjusted difference in outflow shares over its Neyman standard error (the result says
so in ``adjusted``).

The looks held are kept in the register (``look`` events, :func:`record_look`): a later look
takes the information fractions of the looks recorded before its date from there
(:func:`recorded_looks`), so the alpha they spent is accounted for without anyone retyping
them. ``looks_done`` and ``previous_information`` still override the register, e.g. for looks
held before the register recorded them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from participatie_rct.choices import Correction
from participatie_rct.errors import DesignError

if TYPE_CHECKING:
    import pandas as pd

    from participatie_rct.design.boundaries import BoundaryResult
    from participatie_rct.design.looks import RecordedLook
    from participatie_rct.design.monitor import MonitorStatus
    from participatie_rct.protocol import AnalysisPlan, Protocol

#: Where the earlier looks of a look came from: none, the register, the user's fractions, or
#: the plan's fractions assumed from ``looks_done`` alone.
SOURCES = ("none", "register", "given", "assumed")


def recorded_looks(
    events: pd.DataFrame | None, *, before: dt.date | None = None
) -> tuple[RecordedLook, ...]:
    """The interim looks the register's event log holds, in order (those dated before
    ``before`` when it is given)."""
    from participatie_rct.design.looks import RecordedLook, check_looks

    if events is None or not len(events) or "kind" not in events.columns:
        return ()
    rows = events.loc[events["kind"] == "look", "details"]
    looks = tuple(RecordedLook.from_details(d) for d in rows)
    check_looks(looks)
    return tuple(look for look in looks if before is None or look.as_of < before)


def earlier_looks(
    looks_done: int | None,
    previous_information: Sequence[float],
    planned_looks: int,
    recorded: Sequence[RecordedLook] = (),
) -> tuple[tuple[float, ...], str]:
    """Information fractions of the looks taken before this one, and where they came from.

    The observed ``previous_information`` when given (one per earlier look, source
    ``given``); else, with only ``looks_done`` known, the plan's equally spaced fractions
    ``1/K, 2/K, ...`` (``K`` looks planned in all), which are then an assumption
    (``assumed``); else the looks ``recorded`` in the register (``register``). ``looks_done``
    0 overrides the register: no earlier look. Empty at the first look (``none``).
    """
    from participatie_rct.design.boundaries import planned_previous_information

    previous = tuple(float(v) for v in previous_information)
    if looks_done is not None and (
        isinstance(looks_done, bool) or not isinstance(looks_done, int) or looks_done < 0
    ):
        raise DesignError(
            f"looks_done: {looks_done!r} is not a whole number >= 0; give the number of "
            "interim looks taken before this one (0 at the first look)."
        )
    if previous and looks_done and len(previous) != looks_done:
        raise DesignError(
            f"looks_done {looks_done} but previous_information gives {len(previous)} "
            "fractions; give one fraction per earlier look (or only one of the two)."
        )
    source = "given" if previous else "none"
    if not previous and looks_done:
        previous = planned_previous_information(looks_done, planned_looks)
        source = "assumed"
    elif not previous and looks_done is None and recorded:
        previous = tuple(look.information for look in recorded)
        source = "register"
    if any(not (math.isfinite(v) and 0 < v <= 1) for v in previous) or any(
        b <= a for a, b in itertools.pairwise(previous)
    ):
        raise DesignError(
            f"previous_information: {', '.join(f'{v:g}' for v in previous)} must be fractions "
            "in (0, 1] that increase strictly from look to look, e.g. 0.25,0.5."
        )
    return previous, source


def interim_look(
    outcomes: pd.DataFrame,
    protocol: Protocol,
    *,
    n_assigned: int,
    previous_information: Sequence[float] = (),
    target_n: int | None = None,
    planned_effect: float | None = None,
    gamma: float | None = None,
    correction: Correction | str = Correction.HOLM,
) -> MonitorStatus:
    """The look now, from the outcome table at the protocol's horizon.

    ``target_n`` (the planned participants, all arms) defaults to the plan's ``target_n``,
    else ``n_assigned`` (everyone the register has assigned); ``planned_effect`` and ``gamma``
    default to the plan's. Alpha, the spending function and the looks planned
    (``interim_looks + 1``) come from the plan.
    """
    from participatie_rct.design.monitor import monitor_status

    plan = protocol.analysis
    return monitor_status(
        outcomes,
        control=protocol.control,
        target_n=target_n if target_n is not None else int(plan.target_n or n_assigned),
        alpha=plan.alpha,
        spending=plan.spending,
        gamma=gamma if gamma is not None else plan.gamma,
        previous_information=tuple(previous_information),
        planned_looks=int(plan.interim_looks) + 1,
        planned_effect=planned_effect if planned_effect is not None else plan.planned_effect,
        correction=correction,
        horizon_months=int(plan.horizon_months),
    )


def record_look(
    db_url: str, status: MonitorStatus, as_of: dt.date, *, secret: bytes | None = None
) -> int:
    """Append the look ``status`` (held on ``as_of``) to the register's event log.

    A sealed trial's log is keyed by its secret, so ``secret`` is needed there. Recording the
    same look twice appends nothing; returns the number of the event that holds it.
    """
    from participatie_rct.design.looks import look_record
    from participatie_rct.registry import Register

    with Register.open(db_url, secret=secret) as register:
        return register.record_look(look_record(status, as_of).to_details())


def final_boundary(
    plan: AnalysisPlan, comparisons: int, looks: Sequence[RecordedLook]
) -> BoundaryResult | None:
    """The boundary of the final analysis, per comparison at alpha / ``comparisons``.

    After the interim looks the register records: their observed fractions, then the final
    analysis spending all that is left (:func:`~participatie_rct.design.looks.
    boundary_after_looks`). Without recorded looks: the plan's looks at equally spaced
    information, as the protocol planned them (None when it plans no interim look).
    """
    from participatie_rct.design.boundaries import group_sequential_boundaries
    from participatie_rct.design.looks import boundary_after_looks

    if comparisons < 1:
        return None
    alpha = float(plan.alpha) / comparisons
    if looks:
        return boundary_after_looks(
            [look.information for look in looks if look.information < 1],
            alpha=alpha,
            spending=plan.spending,
            gamma=plan.gamma,
        )
    if int(plan.interim_looks) < 1:
        return None
    return group_sequential_boundaries(
        looks=int(plan.interim_looks) + 1, alpha=alpha, spending=plan.spending, gamma=plan.gamma
    )
