"""Work outcomes as the evaluations defined them, from the hours band of each benefit month.

The experiments' evaluations did not ask whether a person's *first* exit from benefit was to
work; they asked whether the person worked 12 hours a week or more (part-time), or more than
27 (full-time), at a point in time, usually two years after the lottery (Sanders et al. 2020;
CPB 2022), or at any time within a window. Part-time work followed by full-time work counts
as work here, where the first-exit outcome of :func:`participatie_rct.estimate.build_outcomes`
sees only the part-time step. These columns are added when ``benefit_months`` has the optional
``hours_band`` column (and ``benefit_followup`` when it has ``benefit_amount``):

* ``working_12h`` / ``working_27h``: 1.0 or 0.0 in month H after the month of assignment
  (H is the horizon); NaN when that month has no row or lies after the data's end;
* ``ever_working_12h``: 1.0 when any observed month 1..H shows 12 hours or more; 0.0 only
  when all H months are observed and none does; NaN otherwise;
* ``months_working_12h``: months 1..H with 12 hours or more (NaN unless all H are observed);
* ``benefit_followup``: benefit paid over months 1..H in euros (NaN unless all H months are
  observed and have an amount).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from participatie_rct.errors import EstimationError
from participatie_rct.months import month_index

#: The hours bands of the ``benefit_months`` schema, in order; codes 2 and 3 are >= 12 hours.
HOURS_BANDS: tuple[str, ...] = ("none", "under_12", "12_to_27", "over_27")
#: The columns :func:`add_work_outcomes` adds (``benefit_followup`` only with amounts).
WORK_OUTCOME_COLUMNS: tuple[str, ...] = (
    "working_12h",
    "working_27h",
    "ever_working_12h",
    "months_working_12h",
    "benefit_followup",
)


def hours_codes(values: pd.Series) -> np.ndarray:
    """``hours_band`` as codes 0-3 (-1 for an empty cell); an unknown band is refused.

    Each distinct spelling is read once and the verdict spread to the rows by index: a
    national panel has 24 million rows but a handful of distinct bands.
    """
    found, distinct = pd.factorize(values, use_na_sentinel=True)
    text = pd.Series(distinct, dtype=object).astype("string").str.strip().str.lower()
    table = np.full(len(text) + 1, -1, dtype=np.int64)  # the last entry: a missing cell
    for code, band in enumerate(HOURS_BANDS):
        table[:-1][(text == band).fillna(False).to_numpy(dtype=bool)] = code
    unknown = (table[:-1] == -1) & text.notna().to_numpy() & (text != "").fillna(False).to_numpy()
    codes: np.ndarray = table[found]
    bad = np.flatnonzero(np.append(unknown, False)[found])
    if bad.size:
        raise EstimationError(
            f"benefit_months, column 'hours_band': {bad.size} value(s) are not an hours band "
            f"(row {int(bad[0]) + 1}: {values.iloc[int(bad[0])]!r}). Allowed: "
            f"{', '.join(HOURS_BANDS)}; validate the table first."
        )
    return codes


def month_numbers(values: pd.Series) -> np.ndarray:
    """Months since year 0 of the benefit months (:func:`participatie_rct.months.month_index`)."""
    return month_index(values, table="benefit_months", column="month").to_numpy(dtype=np.int64)


def _person_month(
    months: pd.DataFrame, people: np.ndarray, month0: np.ndarray, end: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(person position, month k after assignment, row index) of the rows that belong to a
    participant and lie in months 1..end.

    The ids are looked up once per distinct id, not once per row (a person has many months).
    """
    codes, ids = pd.factorize(months["participant"], use_na_sentinel=True)
    where = pd.Index(people).get_indexer(np.asarray(pd.Index(ids).astype(str), dtype=object))
    pos = np.append(where, -1)[codes]
    m = month_numbers(pd.Series(months["month"]).reset_index(drop=True))
    rows = np.flatnonzero((pos >= 0) & (m <= end))
    k = m[rows] - month0[pos[rows]]
    keep = k >= 1
    return pos[rows][keep], k[keep], rows[keep]


def _at_month(n: int, pos: np.ndarray, k: np.ndarray, value: np.ndarray, month: int) -> np.ndarray:
    """Per person the value in month ``month`` (NaN when there is no row)."""
    out = np.full(n, np.nan)
    here = k == month
    out[pos[here]] = value[here]
    return out


def work_outcome_columns(
    people: np.ndarray,
    month0: np.ndarray,
    months: pd.DataFrame,
    *,
    end: int,
    horizon: int,
) -> pd.DataFrame:
    """The columns of :data:`WORK_OUTCOME_COLUMNS`, one row per entry of ``people``.

    ``people`` are participant ids (text), ``month0`` their month of assignment (months since
    year 0), ``months`` the benefit months with ``participant``, ``month``, ``hours_band`` and
    optionally ``benefit_amount``; ``end`` the data's last month; ``horizon`` is H.
    """
    n = people.size
    pos, k, rows = _person_month(months, people, month0, end)
    window = k <= horizon
    observed = np.bincount(pos[window], minlength=n)
    complete = (end - month0 >= horizon) & (observed == horizon)
    out: dict[str, np.ndarray] = {}
    if "hours_band" in months.columns:
        codes = hours_codes(pd.Series(months["hours_band"]).reset_index(drop=True))[rows]
        at_h = _at_month(n, pos, k, codes.astype(float), horizon)
        known = ~np.isnan(at_h) & (at_h >= 0)
        out["working_12h"] = np.where(known, (at_h >= 2).astype(float), np.nan)
        out["working_27h"] = np.where(known, (at_h == 3).astype(float), np.nan)
        worked = np.bincount(pos[window], weights=(codes[window] >= 2), minlength=n)
        out["ever_working_12h"] = np.where(worked > 0, 1.0, np.where(complete, 0.0, np.nan))
        out["months_working_12h"] = np.where(complete, worked, np.nan)
    if "benefit_amount" in months.columns:
        amount = pd.to_numeric(
            pd.Series(months["benefit_amount"]).reset_index(drop=True), errors="coerce"
        ).to_numpy(dtype=float)[rows]
        total = np.bincount(pos[window], weights=np.nan_to_num(amount[window]), minlength=n)
        gaps = np.bincount(pos[window], weights=np.isnan(amount[window]), minlength=n)
        out["benefit_followup"] = np.where(complete & (gaps == 0), total, np.nan)
    return pd.DataFrame(out)


def add_work_outcomes(
    outcomes: pd.DataFrame,
    months: pd.DataFrame,
    month0: np.ndarray,
    *,
    end: int,
    horizon: int,
) -> pd.DataFrame:
    """``outcomes`` (one row per participant, column ``participant``) with the work outcomes
    of :func:`work_outcome_columns` added after its own columns."""
    extra = work_outcome_columns(
        outcomes["participant"].astype(str).to_numpy(),
        np.asarray(month0, dtype=np.int64),
        months,
        end=end,
        horizon=horizon,
    )
    return pd.concat([outcomes.reset_index(drop=True), extra], axis=1)
