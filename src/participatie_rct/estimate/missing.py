"""The explicit missing-value policy of every estimator: drop and report, or refuse.

Missing values are never silently dropped: estimators record how many rows each arm lost,
and ``missing="error"`` refuses the data, naming the column and the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.arms import arm_label


class MissingPolicy(str, Enum):
    """What an estimator does with rows that miss a value it needs."""

    DROP = "drop"
    ERROR = "error"


@dataclass(frozen=True)
class Cleaned:
    """The complete rows and what was dropped (``n_dropped_by_arm``: arm -> rows dropped)."""

    data: pd.DataFrame
    n_dropped: int
    n_dropped_by_arm: dict[str, int]


MISSING_ARM = "(missing)"


def complete_rows(
    data: pd.DataFrame, columns: Sequence[str], *, treatment: str, policy: MissingPolicy | str
) -> Cleaned:
    """Keep the rows with a value in every one of ``columns``; count the rest per arm.

    Raises :class:`EstimationError` when a column is absent, or when ``policy`` is ``error``
    and a value is missing (the message names the column, the count and the first rows, by
    position counted from 1 after the header, i.e. the data line).
    """
    from participatie_rct.choices import parse_choice

    policy = parse_choice(MissingPolicy, policy, parameter="missing")
    absent = [c for c in dict.fromkeys(columns) if c not in data.columns]
    if absent:
        raise EstimationError(
            f"column(s) {', '.join(map(repr, absent))} not in the data; it has "
            f"{', '.join(map(repr, data.columns))}. Check the spelling of the option."
        )
    cols = list(dict.fromkeys(columns))
    na = data[cols].isna()
    bad = na.any(axis=1).to_numpy()
    if policy is MissingPolicy.ERROR and bad.any():
        parts = []
        for col in cols:
            rows = [i + 1 for i in na[col].to_numpy().nonzero()[0]]
            if rows:
                shown = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
                rows_word = "row is" if len(rows) == 1 else "rows are"
                where = "data row" if len(rows) == 1 else "data rows"
                parts.append(f"column '{col}': {len(rows)} {rows_word} empty ({where} {shown})")
        raise EstimationError(
            "; ".join(parts) + ". Fill in the values, or pass missing='drop' "
            "to drop these rows and report how many each arm lost."
        )
    codes, uniques = pd.factorize(data[treatment].to_numpy())  # missing -> code -1
    names = np.array([*(arm_label(u) for u in uniques), MISSING_ARM], dtype=object)
    arms = pd.Series(names[codes], index=data.index)  # labels as the estimates name the arms
    levels = sorted(arms.unique(), key=str)
    dropped = arms[bad].value_counts()
    by_arm = {str(level): int(dropped.get(level, 0)) for level in levels}
    return Cleaned(data.loc[~bad], int(bad.sum()), by_arm)
