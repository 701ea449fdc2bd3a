"""The interim look of a trial, computed once for ``monitor status`` and the interim report.

:func:`interim_look` turns the protocol's ``[analysis]`` plan, the outcome table and what is
known of the earlier looks into :func:`participatie_rct.design.monitor.monitor_status`'s
result: the information fraction, the Lan-DeMets boundary of this look and each arm's z.
Both the command and the report show this one result, so they cannot drift apart. The z is
the unadjusted difference in outflow shares over its Neyman standard error (the result says
so in ``adjusted``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from participatie_rct.choices import Correction
from participatie_rct.errors import DesignError

if TYPE_CHECKING:
    import pandas as pd

    from participatie_rct.design.monitor import MonitorStatus
    from participatie_rct.protocol import Protocol


def earlier_looks(
    looks_done: int | None, previous_information: Sequence[float], planned_looks: int
) -> tuple[tuple[float, ...], bool]:
    """Information fractions of the looks taken before this one, and whether they are assumed.

    The observed ``previous_information`` when given (one per earlier look); else, with only
    ``looks_done`` known, the plan's equally spaced fractions ``1/K, 2/K, ...`` (``K`` looks
    planned in all), which are then an assumption. Empty at the first look.
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
    assumed = False
    if not previous and looks_done:
        previous = planned_previous_information(looks_done, planned_looks)
        assumed = True
    if any(not (math.isfinite(v) and 0 < v <= 1) for v in previous) or any(
        b <= a for a, b in itertools.pairwise(previous)
    ):
        raise DesignError(
            f"previous_information: {', '.join(f'{v:g}' for v in previous)} must be fractions "
            "in (0, 1] that increase strictly from look to look, e.g. 0.25,0.5."
        )
    return previous, assumed


def interim_look(
    outcomes: pd.DataFrame,
    protocol: Protocol,
    *,
    n_assigned: int,
    previous_information: Sequence[float] = (),
    target_n: int | None = None,
    planned_effect: float | None = None,
    gamma: float | None = None,
    correction: Correction | str = Correction.BONFERRONI,
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
