"""Holm's step-down across treatment arms at one look of a group-sequential trial.

Holm's procedure is the graphical test that passes a rejected hypothesis's alpha on equally to
the rest; Maurer and Bretz (2013, Statistics in Biopharmaceutical Research 5(4), section 3)
show that it carries over to group-sequential designs: every hypothesis keeps its own
alpha-spending boundary, recomputed at the same information fractions for the level it holds
now, and the familywise error stays at ``alpha``. At one look this is: in order of ``|Z|``,
largest first, step ``j`` (from 0) tests at ``alpha / (K - j)``; the first comparison that
does not cross stops the procedure. Step 0 is the Bonferroni boundary ``alpha / K``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from participatie_rct.choices import Spending
from participatie_rct.design.boundaries import critical_values
from participatie_rct.design.spending import spent_alpha


def holm_step_down(
    comparisons: tuple[Any, ...],
    fractions: np.ndarray,
    alpha: float,
    spending: Spending,
    gamma: float | None,
    final: bool,
) -> tuple[Any, ...]:
    """``comparisons`` (frozen dataclasses with ``statistic``, ``crossed`` and ``critical``),
    each given the critical value of its step and marked crossed or not by Holm's step-down
    at this look; one comparison is left as it is (its step is Bonferroni's)."""
    if len(comparisons) < 2:
        return comparisons
    statistics = [c.statistic for c in comparisons]
    critical = holm_critical_values(
        statistics, fractions, alpha=alpha, spending=spending, gamma=gamma, final=final
    )
    crossed = holm_crossings(statistics, critical)
    return tuple(
        replace(c, crossed=x, critical=z)
        for c, x, z in zip(comparisons, crossed, critical, strict=True)
    )


def _step_order(statistics: Sequence[float]) -> list[int]:
    """Indices by ``|Z|``, largest first; a statistic that is not finite comes last."""
    return sorted(
        range(len(statistics)),
        key=lambda i: -abs(statistics[i]) if math.isfinite(statistics[i]) else math.inf,
    )


def holm_critical_values(
    statistics: Sequence[float],
    fractions: np.ndarray,
    *,
    alpha: float,
    spending: Spending,
    gamma: float | None,
    final: bool,
) -> list[float]:
    """Per statistic (one Z per arm, this look last in ``fractions``) the critical ``|Z|`` of
    its step: the arm with the ``j``-th largest ``|Z|`` is tested at ``alpha / (K - j)``.

    ``final`` spends all of each level's alpha at this look (the final analysis). An arm
    after the step where the procedure stops keeps the value of its step: the bar it would
    have had to clear.
    """
    k = len(statistics)
    critical = [math.nan] * k
    for step, i in enumerate(_step_order(statistics)):
        critical[i] = _critical(fractions, alpha / (k - step), spending, gamma, final)
    return critical


def holm_crossings(statistics: Sequence[float], critical: Sequence[float]) -> list[bool]:
    """Which statistics cross: in order of ``|Z|``, each while every larger one crossed and
    its ``|Z|`` reaches its step's critical value. A statistic that is not finite never
    crosses and stops the procedure."""
    crossed = [False] * len(statistics)
    for i in _step_order(statistics):
        if not (math.isfinite(statistics[i]) and abs(statistics[i]) >= critical[i]):
            break
        crossed[i] = True
    return crossed


def _critical(
    fractions: np.ndarray, level: float, spending: Spending, gamma: float | None, final: bool
) -> float:
    """The critical ``|Z|`` of this look for a hypothesis holding ``level``."""
    cumulative = spent_alpha(fractions, alpha=level, spending=spending, gamma=gamma)
    if final:
        cumulative[-1] = level  # the final analysis spends whatever is left
    return float(critical_values(fractions, cumulative)[-1])
