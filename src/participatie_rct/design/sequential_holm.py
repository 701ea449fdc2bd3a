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
    """``comparisons`` (frozen dataclasses with ``statistic`` and ``crossed``), each marked
    crossed or not by Holm's step-down at this look; one comparison is left as it is."""
    if len(comparisons) < 2:
        return comparisons
    crossed = holm_crossings(
        [c.statistic for c in comparisons],
        fractions,
        alpha=alpha,
        spending=spending,
        gamma=gamma,
        final=final,
    )
    return tuple(replace(c, crossed=x) for c, x in zip(comparisons, crossed, strict=True))


def holm_crossings(
    statistics: Sequence[float],
    fractions: np.ndarray,
    *,
    alpha: float,
    spending: Spending,
    gamma: float | None,
    final: bool,
) -> list[bool]:
    """Which of the ``statistics`` (one Z per arm, this look last in ``fractions``) cross.

    ``final`` spends all of each level's alpha at this look (the final analysis). A statistic
    that is not finite never crosses and stops the procedure.
    """
    k = len(statistics)
    order = sorted(
        range(k), key=lambda i: -abs(statistics[i]) if math.isfinite(statistics[i]) else math.inf
    )
    crossed = [False] * k
    for step, i in enumerate(order):
        if not (
            math.isfinite(statistics[i])
            and abs(statistics[i])
            >= _critical(fractions, alpha / (k - step), spending, gamma, final)
        ):
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
