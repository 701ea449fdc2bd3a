"""Calendar-month arithmetic, defined once: benefit months are Dutch calendar months.

A month is counted as an integer, ``year * 12 + month - 1`` (months since year 0), so that
"months since assignment" is a subtraction. Time-zone-aware timestamps (the register keeps
UTC) are read in Dutch local time: an assignment at 23:30 UTC on 31 January counts in
February, as the municipality's own month does. The outcome table, the person-month panel, the
simulator and the demonstration all count months here.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pandas as pd

from participatie_rct.errors import EstimationError

#: benefit months are Dutch calendar months: time-zone-aware stamps are read in this zone
TIME_ZONE = "Europe/Amsterdam"


def month_index(values: pd.Series, *, table: str, column: str) -> pd.Series:
    """Months since year 0 (``year * 12 + month - 1``) of Periods, Timestamps or YYYY-MM text.

    Text and time-zone-aware timestamps are read as Dutch local time; naive timestamps as
    given. Raises :class:`EstimationError` naming ``table``, ``column``, the row and the value
    of a cell that is not a month, or the rows that are empty.

    >>> month_index(pd.Series(["2018-01", "2019-03"]), table="t", column="month").tolist()
    [24216, 24230]
    >>> month_index(pd.Series([pd.Timestamp("2018-01-31 23:30", tz="UTC")]),
    ...             table="t", column="at").tolist()  # 00:30 on 1 February in Amsterdam
    [24217]
    """
    if isinstance(values.dtype, pd.PeriodDtype):
        periods: pd.Series = (values.dt.year * 12 + values.dt.month - 1).astype("int64")
        return periods
    naive = values.dtype.kind == "M" and getattr(values.dtype, "tz", None) is None
    if naive and not values.isna().any():  # naive datetime64: no time zone to convert
        months = values.to_numpy().astype("datetime64[M]").view("int64") + 1970 * 12
        return pd.Series(months, index=values.index, copy=False)
    try:
        stamps = (
            pd.to_datetime(values, utc=True, format="ISO8601")
            if not pd.api.types.is_datetime64_any_dtype(values)
            else values
        )
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_convert(TIME_ZONE)
    except (ValueError, TypeError):
        readable = pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")
        bad = np.flatnonzero((readable.isna() & values.notna()).to_numpy())
        at = int(bad[0]) if bad.size else 0
        raise EstimationError(
            f"{table}, column '{column}': {max(bad.size, 1)} value(s) cannot be read as a month "
            f"(row {at + 1}: {values.iloc[at]!r}). Give a pandas Period[M], a timestamp or text "
            "YYYY-MM."
        ) from None
    if stamps.isna().any():
        rows = (np.flatnonzero(stamps.isna().to_numpy())[:5] + 1).tolist()
        raise EstimationError(
            f"{table}, column '{column}': {int(stamps.isna().sum())} value(s) are empty "
            f"(rows {', '.join(map(str, rows))}). "
            "Every row needs a month; remove or complete these rows."
        )
    counted: pd.Series = (stamps.dt.year * 12 + stamps.dt.month - 1).astype("int64")
    return counted


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole calendar ``months``; a day past the month's end becomes its last.

    >>> add_months(dt.date(2018, 1, 31), 1), add_months(dt.date(2018, 11, 15), 14)
    (datetime.date(2018, 2, 28), datetime.date(2020, 1, 15))
    """
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_of_month(day: dt.date) -> dt.date:
    """The last day of ``day``'s month.

    >>> end_of_month(dt.date(2020, 2, 3))
    datetime.date(2020, 2, 29)
    """
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])
