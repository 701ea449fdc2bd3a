"""Work spells and the exact state shares of the monthly chain at a point in time.

The first-exit shares of :mod:`.model` describe how people *leave* benefit; the evaluations
measured something else: whether a person *works* 12 hours or more (or more than 27) in a
given month, two years after the lottery (Sanders et al. 2020; CPB 2022). That needs the
whole chain, including jobs that end. This module holds

* the job-survival model: a share ``fragile_share`` of jobs ends at a constant monthly rate,
  the rest lasts, fitted in closed form to the published survival of work spells (82% still
  working 6 months after leaving benefit for work, 72% after 18; docs/domain.md), and the share
  of job losses that return to benefit, solved so that 9% of those who left for work are back
  on benefit within 18 months (docs/domain.md);
* :func:`exact_states`, a forward pass of the five-state chain per covariate cell that gives
  the exact expected share in each state, working >= 12 h, > 27 h, or ever working >= 12 h
  by month t.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

#: Published survival of work spells after leaving benefit for work (docs/domain.md, "staying in
#: work"): share still working 6 and 18 months later, and share back on benefit within 18.
SURVIVE_6, SURVIVE_18, BACK_ON_BENEFIT_18 = 0.82, 0.72, 0.09


def job_survival_parameters(
    survive_6: float = SURVIVE_6, survive_18: float = SURVIVE_18
) -> tuple[float, float]:
    """(fragile share a, monthly loss probability q) with ``1 - a + a (1-q)^k`` equal to the
    survival at k = 6 and k = 18.

    With ``x = (1-q)^6``: ``a (1 - x) = 1 - S6`` and ``a (1 - x^3) = 1 - S18``, so
    ``1 + x + x^2 = (1 - S18) / (1 - S6)``, a quadratic in x.
    """
    ratio = (1.0 - survive_18) / (1.0 - survive_6)
    x = (-1.0 + math.sqrt(1.0 + 4.0 * (ratio - 1.0))) / 2.0
    share = (1.0 - survive_6) / (1.0 - x)
    return share, 1.0 - x ** (1.0 / 6.0)


def back_on_benefit(to_benefit: float, share: float, loss: float, reentry: float, k: int) -> float:
    """Probability of a month on benefit within ``k`` months of entering work: the job ends
    in month j (fragile jobs, probability ``(1-q)^(j-1) q``) and goes straight back to benefit
    (``to_benefit``) or off benefit without work, from where people return at ``reentry``."""
    j = np.arange(1, k + 1)
    ends = share * (1.0 - loss) ** (j - 1) * loss
    later = 1.0 - (1.0 - reentry) ** (k - j)
    return float(np.sum(ends * (to_benefit + (1.0 - to_benefit) * later)))


@lru_cache(maxsize=8)
def loss_to_benefit(reentry: float) -> float:
    """Share of job losses that return straight to benefit, solved for
    :data:`BACK_ON_BENEFIT_18`."""
    from scipy.optimize import brentq

    share, loss = job_survival_parameters()
    return float(
        brentq(
            lambda r: back_on_benefit(r, share, loss, reentry, 18) - BACK_ON_BENEFIT_18,
            0.0,
            1.0,
            xtol=1e-14,
        )
    )


def onset_multiplier(t: int, start: np.ndarray, full: np.ndarray) -> np.ndarray:
    """Share of an arm's log effect in month ``t`` after intake: 0 up to month ``start``,
    rising linearly to 1 at month ``full`` (an effect profile by month since assignment);
    ``start = full = 0`` is a constant effect from month 1."""
    span = np.maximum(full - start, 1)
    ramp: np.ndarray = np.clip((t - start) / span, 0.0, 1.0)
    return ramp


#: Point-in-time outcomes of :func:`exact_states` (shares of everyone followed).
STATE_OUTCOMES: tuple[str, ...] = (
    "on_benefit",
    "working_12h",
    "working_27h",
    "ever_working_12h",
)


def exact_states(
    months: Sequence[int],
    step: object,
    n: int,
) -> dict[int, dict[str, np.ndarray]]:
    """Exact expected shares per cell in each month of ``months`` (1-based after intake).

    ``step(t)`` returns the month-t transition probabilities per cell as a dict with ``b``
    (from benefit: ``work``, ``part``, ``other``), ``p`` (from part-time work with benefit:
    ``work``, ``stop``, ``other``) and the scalars ``share``, ``loss``, ``to_benefit``,
    ``reentry`` and ``full_time`` of the job model; see :func:`participatie_rct.simulate.
    model._chain_step`. The states are benefit (b), part-time work with benefit (p),
    fragile and stable work off benefit (wf, ws) and off benefit without work (o); ``nb`` and
    ``no`` hold the mass that never worked 12 hours or more.
    """
    b, p, wf, ws, o = np.ones(n), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    nb, no = np.ones(n), np.zeros(n)
    out: dict[int, dict[str, np.ndarray]] = {}
    for t in range(1, max(months) + 1):
        s = step(t)  # type: ignore[operator]
        bw, bp, bo = s["b"]
        pw, ps, po = s["p"]
        a, q, r, rho = s["share"], s["loss"], s["to_benefit"], s["reentry"]
        into_w = b * bw + p * pw
        lost = wf * q
        b, p, wf, ws, o = (
            b * (1.0 - bw - bp - bo) + p * ps + lost * r + o * rho,
            b * bp + p * (1.0 - pw - ps - po),
            wf - lost + a * into_w,
            ws + (1.0 - a) * into_w,
            b * bo + p * po + lost * (1.0 - r) + o * (1.0 - rho),
        )
        nb, no = nb * (1.0 - bw - bp - bo) + no * rho, no * (1.0 - rho) + nb * bo
        if t in months:
            out[t] = {
                "on_benefit": b + p,
                "working_12h": p + wf + ws,
                "working_27h": s["full_time"] * (wf + ws),
                "ever_working_12h": 1.0 - nb - no,
            }
    return out
