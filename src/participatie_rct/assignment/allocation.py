"""How many units each arm gets under complete randomization: floor or ceiling of ``n x share``.

With integer ratios ``r`` (sum ``R``) arm ``a``'s expected count is ``n r_a / R``. Every arm
gets ``m_a = floor(n r_a / R)`` units; the ``k = n - sum(m)`` leftover units go to ``k``
distinct arms chosen so that arm ``a`` receives one with probability equal to its fractional
part ``f_a = (n r_a mod R) / R``. Then ``E[count_a] = n r_a / R`` exactly, and after a
uniformly random ordering of the units every unit has marginal probability ``r_a / R`` of
arm ``a`` (the rule of randomizr's ``complete_ra``: Coppock 2017).

The leftover arms are chosen by systematic sampling (Madow 1949) in integer arithmetic: the
fractional parts are ``c_a / R`` with integer ``c_a < R`` and ``sum(c) = k R``; with ``u``
uniform on ``{0, ..., R-1}`` the points ``u, u + R, ..., u + (k-1) R`` fall in the
cumulated intervals ``[C_{a-1}, C_a)``, one point in each chosen arm's interval. Because
``c_a < R`` no arm is chosen twice, and arm ``a`` is chosen for exactly ``c_a`` of the ``R``
values of ``u``: inclusion probability ``c_a / R``, with no floating point anywhere. The
arms are first put in a uniformly random order (systematic sampling over a fixed order would
always pair the same arms); for every order the inclusion probabilities are ``c_a / R``, so
they are for the mixture too.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def floor_counts(n: int, ratios: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """``(m, c)``: the guaranteed count ``floor(n r_a / R)`` and the remainder ``n r_a mod R``."""
    r = np.asarray(ratios, dtype=np.int64)
    total = int(r.sum())
    scaled = n * r
    return scaled // total, scaled % total


def leftover_arms(
    n: int, ratios: Sequence[int], u: int, order: Sequence[int] | None = None
) -> np.ndarray:
    """Indices of the arms that get one of the leftover units.

    ``u`` is the systematic start in ``[0, R)``; ``order`` the order in which the arms'
    intervals are laid out (default: protocol order).
    """
    _, c = floor_counts(n, ratios)
    total = int(np.sum(ratios))
    k = int(c.sum()) // total
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    arms = np.arange(len(c)) if order is None else np.asarray(order, dtype=np.int64)
    points = u + total * np.arange(k, dtype=np.int64)
    return arms[np.searchsorted(np.cumsum(c[arms]), points, side="right")]


def arm_counts(
    n: int, ratios: Sequence[int], u: int, order: Sequence[int] | None = None
) -> np.ndarray:
    """Number of units per arm for ``n`` units, systematic start ``u`` and arm ``order``.

    >>> arm_counts(10, [1, 1, 1, 1], 0).tolist()   # 2.5 each: two arms get 3, two get 2
    [3, 2, 3, 2]
    >>> arm_counts(10, [1, 1, 1, 1], 0, order=[3, 1, 0, 2]).tolist()
    [3, 2, 2, 3]
    """
    m, _ = floor_counts(n, ratios)
    counts = m.copy()
    np.add.at(counts, leftover_arms(n, ratios, u, order), 1)
    return counts


def exact_count_distribution(n: int, ratios: Sequence[int]) -> dict[tuple[int, ...], float]:
    """Every possible count vector and its exact probability, by full enumeration of the
    arm orders and systematic starts (for checking; grows as ``K! R``)."""
    from itertools import permutations

    total = int(np.sum(ratios))
    orders = list(permutations(range(len(ratios))))
    weight = 1.0 / (total * len(orders))
    result: dict[tuple[int, ...], float] = {}
    for order in orders:
        for u in range(total):
            counts = tuple(int(x) for x in arm_counts(n, ratios, u, order))
            result[counts] = result.get(counts, 0.0) + weight
    return result
