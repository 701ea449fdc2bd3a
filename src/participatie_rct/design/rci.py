"""Repeated confidence intervals: intervals on the effect that stay valid however often one looks.

Jennison and Turnbull (1989, "Interim analyses: the repeated confidence interval approach",
JRSS B 51; 2000, "Group Sequential Methods", ch. 9) define at look ``k`` of a two-sided
group-sequential design with critical values ``c_1, ..., c_K``

    RCI_k = estimate_k -/+ c_k * SE_k                                   (JT 2000, eq. 9.1)

Because ``P(|Z_k| < c_k for every k) = 1 - alpha`` under any true effect, the intervals of
all looks cover the effect together with probability ``1 - alpha``: a reader may look at the
interval of any look, also one at which the trial did not stop, without the coverage falling
below the design's. With a single look ``c_1`` is the usual normal quantile and the RCI is the
ordinary interval. The critical values are the ones the trial's boundary uses
(:mod:`.boundaries`, the Lan-DeMets boundary at the observed information), so an RCI that
excludes zero is exactly a crossed boundary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from participatie_rct.design.boundaries import BoundaryResult
from participatie_rct.errors import DesignError


def repeated_confidence_interval(
    estimate: float, std_error: float, critical: float
) -> tuple[float, float]:
    """The repeated confidence interval ``estimate -/+ critical * std_error`` of one look.

    ``critical`` is the look's critical value of ``|Z|`` (``BoundaryResult.looks[k].z``). A
    missing estimate or standard error gives ``(nan, nan)``; an infinite critical value (a
    look that spends no alpha) gives the whole line.

    >>> repeated_confidence_interval(0.5, 0.25, 2.0)
    (0.0, 1.0)
    """
    for name, value in (("estimate", estimate), ("std_error", std_error)):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise DesignError(f"{name} must be a number; got {value!r}.")
    if not isinstance(critical, int | float) or isinstance(critical, bool) or not critical > 0:
        raise DesignError(
            f"critical must be a positive critical value of |Z| (e.g. 2.96 at the first of two "
            f"O'Brien-Fleming looks); got {critical!r}."
        )
    if math.isnan(estimate) or math.isnan(std_error):
        return (math.nan, math.nan)
    if std_error < 0:
        raise DesignError(f"std_error must be >= 0; got {std_error!r}.")
    if math.isinf(critical):
        return (-math.inf, math.inf)
    half = critical * std_error  # Jennison and Turnbull (2000), eq. 9.1
    return (estimate - half, estimate + half)


def repeated_confidence_intervals(
    estimates: Sequence[float], std_errors: Sequence[float], boundary: BoundaryResult
) -> tuple[tuple[float, float], ...]:
    """One repeated confidence interval per look of ``boundary``, in order.

    ``estimates`` and ``std_errors`` hold the effect and its standard error at each look (as
    many as the boundary has looks).
    """
    looks = boundary.looks
    if not (len(estimates) == len(std_errors) == len(looks)):
        raise DesignError(
            f"give one estimate and one std_error per look: the boundary has {len(looks)} "
            f"looks, got {len(estimates)} estimates and {len(std_errors)} standard errors."
        )
    return tuple(
        repeated_confidence_interval(float(e), float(s), look.z)
        for e, s, look in zip(estimates, std_errors, looks, strict=True)
    )
