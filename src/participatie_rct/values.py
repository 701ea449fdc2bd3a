"""The canonical text of one stratum value (the rule in :mod:`participatie_rct.assignment.keys`).

A bottom module: the protocol (declared levels), the assignment engine (stratum keys) and the
register's intake all write a value the same way, and none of them has to import another
layer for it. It imports nothing of the package; numpy and pandas only when a value needs them.
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
from typing import Any


def value_text(value: Any) -> str | None:
    """Canonical text of one stratum value, or ``None`` when the value is missing.

    >>> [value_text(v) for v in (1, 1.0, True, " Ede ", 2.5, float("nan"), "")]
    ['1', '1', '1', 'Ede', '2.5', None, None]
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, bool) or _is_numpy_bool(value):  # numpy.bool_ is not Integral
        return "1" if value else "0"
    if isinstance(value, numbers.Integral):  # int, bool, numpy integers
        return str(int(value))
    if isinstance(value, numbers.Real):  # float, numpy floats
        number = float(value)
        if math.isnan(number):
            return None
        if number.is_integer():
            return str(int(number))
        return repr(number)
    if _is_missing_scalar(value):
        return None
    if isinstance(value, _dt.datetime):
        if (
            value.hour == value.minute == value.second == value.microsecond == 0
            and value.tzinfo is None
        ):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _is_numpy_bool(value: Any) -> bool:
    import numpy as np

    return isinstance(value, np.bool_)


def _is_missing_scalar(value: Any) -> bool:
    """``pd.NA``, ``pd.NaT`` and friends, without importing pandas for plain Python values."""
    try:
        import pandas as pd

        result = pd.isna(value)
    except (TypeError, ValueError):
        return False
    return (
        bool(result) if isinstance(result, bool) or getattr(result, "shape", None) == () else False
    )
