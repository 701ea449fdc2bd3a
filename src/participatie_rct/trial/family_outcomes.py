"""Outcomes of the evaluations that the outcome table lacks: part-time work, months on benefit,
sustained outflow.

:func:`~participatie_rct.estimate.outcomes.build_outcomes` gives the first exit, months off
benefit, earnings and re-entry. The evaluations of the experiments also asked how much people
worked part-time *while on benefit* and whether an exit *lasted*; these functions add those
outcomes per participant from the validated benefit months, with the same rules for what is
unknown: a month without a row (or after the data's end) is missing, and an outcome that
depends on it is NaN.

Months are counted as in ``build_outcomes``: month 0 is the month of assignment, the window of
an outcome at horizon H is months 1..H.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from participatie_rct.errors import EstimationError
from participatie_rct.months import month_index

#: Consecutive months off benefit that make an exit a sustained one (the evaluations' rule).
SUSTAINED_MONTHS = 6


def month_grid(
    participants: pd.Series,
    month0: np.ndarray,
    benefit_months: pd.DataFrame,
    *,
    end: int,
    width: int,
    column: str = "on_benefit",
) -> np.ndarray:
    """(people, ``width``) values of ``column`` in months 1..``width`` after assignment.

    ``participants`` are the ids in the order of the result's rows, ``month0`` their month of
    assignment (months since year 0), ``end`` the data's last month. A month without a row,
    or after ``end``, is NaN; ``on_benefit`` is 1.0 on benefit and 0.0 off.
    """
    grid = np.full((len(participants), width), np.nan)
    if benefit_months.empty:
        return grid
    ids = pd.Index(benefit_months["participant"].astype(str))
    pos = pd.Index(participants.astype(str)).get_indexer(ids)
    m = month_index(
        pd.Series(benefit_months["month"]).reset_index(drop=True),
        table="benefit_months",
        column="month",
    ).to_numpy(dtype=np.int64)
    values = _numbers(benefit_months[column], column)
    keep = (pos >= 0) & (m <= end)
    k = m[keep] - np.asarray(month0, dtype=np.int64)[pos[keep]]
    inside = (k >= 1) & (k <= width)
    grid[pos[keep][inside], k[inside] - 1] = values[keep][inside]
    return grid


def _numbers(values: pd.Series, column: str) -> np.ndarray:
    """``on_benefit`` (validated: true/false) or an amount as floats; NaN where empty."""
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=float)
    numbers = pd.to_numeric(values, errors="coerce")
    stray = (values.notna() & numbers.isna()).to_numpy()
    if stray.any():
        at = int(stray.argmax())
        raise EstimationError(
            f"benefit_months, column '{column}': row {at + 1} holds {values.iloc[at]!r}, not a "
            "number or true/false; validate the table first."
        )
    return numbers.to_numpy(dtype=float)


def part_time_share(on: np.ndarray, earnings: np.ndarray, horizon: int) -> np.ndarray:
    """Per person the share of months 1..H on benefit *with earnings*: part-time work while
    on benefit.

    ``on`` and ``earnings`` are :func:`month_grid` grids (at least H wide). The denominator is
    all H months, not the months on benefit: dividing by months on benefit would condition on
    an outcome of the arm (who stays on benefit), and the share would no longer compare like
    with like. NaN unless all H months are observed and every month on benefit has an amount.

    >>> on = np.array([[1, 1, 1, 0], [1, np.nan, 1, 1]], dtype=float)
    >>> earn = np.array([[0, 120, 80, 900], [50, 0, 0, 0]], dtype=float)
    >>> part_time_share(on, earn, 4).tolist()
    [0.5, nan]
    """
    on, earnings = on[:, :horizon], earnings[:, :horizon]
    working = (on == 1) & (earnings > 0)
    unknown = np.isnan(on).any(axis=1) | ((on == 1) & np.isnan(earnings)).any(axis=1)
    return np.where(unknown, np.nan, working.sum(axis=1) / horizon)


def months_receiving_benefit(on: np.ndarray, horizon: int) -> np.ndarray:
    """Months 1..H on benefit per person; NaN unless all H months are observed.

    >>> months_receiving_benefit(np.array([[1, 0, 1], [1, np.nan, 1]]), 3).tolist()
    [2.0, nan]
    """
    window = on[:, :horizon]
    return np.where(np.isnan(window).any(axis=1), np.nan, np.nansum(window, axis=1))


def sustained_outflow(
    on: np.ndarray, horizon: int, *, months: int = SUSTAINED_MONTHS
) -> np.ndarray:
    """1.0 when the person was off benefit for ``months`` consecutive months, the run starting
    in months 1..H; 0.0 when months 1..H + ``months`` - 1 are all observed without such a run.

    A run seen in full is a fact even when other months are missing, so it counts as 1.0;
    a 0.0 needs every month in which a run could have lain. ``on`` is a :func:`month_grid`
    grid at least H + ``months`` - 1 wide.

    >>> on = np.array([[1, 0, 0, 0, 1], [0, 0, 0, 1, 1], [1, 1, np.nan, 1, 1]], dtype=float)
    >>> sustained_outflow(on, 2, months=3).tolist()
    [1.0, 1.0, nan]
    """
    if horizon < 1 or months < 1:
        raise EstimationError("sustained_outflow needs horizon >= 1 and months >= 1.")
    width = horizon + months - 1
    if on.shape[1] < width:
        raise EstimationError(
            f"sustained_outflow needs {width} months per person (horizon {horizon} plus "
            f"{months - 1}); the grid has {on.shape[1]}."
        )
    off = (on[:, :width] == 0).astype(np.int64)
    # off-months in each window of ``months`` consecutive months, the window starting at 1..H
    runs = np.cumsum(np.pad(off, ((0, 0), (1, 0))), axis=1)
    full = (runs[:, months : months + horizon] - runs[:, :horizon]) == months
    seen = full.any(axis=1)
    complete = ~np.isnan(on[:, :width]).any(axis=1)
    return np.where(seen, 1.0, np.where(complete, 0.0, np.nan))
