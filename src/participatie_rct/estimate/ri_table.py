"""The table randomization inference re-draws: checked, with numbers, in arrival order.

:func:`~participatie_rct.estimate.inference.randomization_inference` re-runs the trial's own
assignment procedure, so it needs the rows as the procedure saw them: in arrival order (block
and minimization procedures depend on it), with the columns the procedure assigns by, every
row with one of the procedure's arms, and the outcome as numbers. :func:`randomization_table`
checks all of that and names the column, row and value of whatever is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.arms import arm_label

#: the arrival-order column of the ``outcomes`` table, used when ``order`` is not given
DEFAULT_ORDER = "sequence"


def arrival_order(data: pd.DataFrame, order: str | None) -> tuple[pd.DataFrame, str | None]:
    """``data`` sorted into arrival order (stable), with a fresh 0..n-1 index, and the column.

    Without ``order`` the ``sequence`` column of the ``outcomes`` table is used when present,
    else the row order as given.
    """
    column = order if order is not None else (DEFAULT_ORDER if DEFAULT_ORDER in data else None)
    if column is None:
        return data.reset_index(drop=True), None
    if column not in data.columns:
        raise EstimationError(
            f"order= column '{column}' is not in the data; it has "
            f"{', '.join(map(repr, data.columns))}. Name the column that holds the arrival order."
        )
    missing = data[column].isna().to_numpy()
    if missing.any():
        first = int(missing.argmax())
        raise EstimationError(
            f"column '{column}' (arrival order) is empty in {int(missing.sum())} row(s), "
            f"first at data row {first + 1}. Fill in every participant's arrival order."
        )
    ordered = data.sort_values(column, kind="mergesort")
    return ordered.reset_index(drop=True), column


def outcome_numbers(data: pd.DataFrame, outcome: str) -> np.ndarray:
    """The outcome column as floats (true/false as 1/0, empty cells as NaN); text is refused."""
    if outcome not in data.columns:
        raise EstimationError(
            f"outcome= column '{outcome}' is not in the data; it has "
            f"{', '.join(map(repr, data.columns))}. Check the spelling."
        )
    series = data[outcome]
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    mapped = series.map(lambda v: float(v) if isinstance(v, bool | np.bool_) else v)
    numbers = pd.to_numeric(mapped, errors="coerce")
    stray = (series.notna() & numbers.isna()).to_numpy()
    if stray.any():
        at = int(stray.argmax())
        raise EstimationError(
            f"column '{outcome}': data row {at + 1} holds {series.iloc[at]!r}, not a "
            "number or true/false. Correct or empty that cell (an empty outcome is left out)."
        )
    return numbers.to_numpy(dtype=float)


def check_procedure_arms(data: pd.DataFrame, treatment: str, arms: Sequence[str]) -> None:
    """Every row has an arm, and every arm is one the procedure can draw."""
    if treatment not in data.columns:
        raise EstimationError(
            f"treatment= column '{treatment}' is not in the data; it has "
            f"{', '.join(map(repr, data.columns))}. Name the column with each row's assigned arm."
        )
    column = data[treatment]
    empty = column.isna().to_numpy()
    if empty.any():
        raise EstimationError(
            f"column '{treatment}' is empty in {int(empty.sum())} row(s), first at data "
            f"row {int(empty.argmax()) + 1}. Every assigned participant has an arm: fill it in "
            "from the register (participatie-rct outcomes writes it)."
        )
    labels = {arm_label(v) for v in column.unique()}
    unknown = sorted(labels - set(arms))
    if unknown:
        raise EstimationError(
            f"column '{treatment}' holds {unknown[0]!r}, which is not an arm of the "
            f"protocol ({', '.join(arms)}). Use the protocol the trial was assigned with, or "
            "the column with the arm keys."
        )


def randomization_table(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    arms: Sequence[str],
    unit_columns: Sequence[str] = (),
    method: str = "",
    order: str | None = None,
) -> tuple[pd.DataFrame, str | None]:
    """``data`` ready for randomization inference, and the arrival-order column used.

    ``arms`` are the procedure's arms and ``unit_columns`` the columns it assigns by (strata,
    minimization factors; ``method`` names the procedure in the message when one is absent).
    The rows come back in arrival order, the outcome as floats.
    """
    table, column = arrival_order(data, order)
    missing_units = [c for c in unit_columns if c not in table.columns]
    if missing_units:
        raise EstimationError(
            f"column(s) {', '.join(map(repr, missing_units))} not in the data, but the "
            f"protocol assigns by them ({method or 'its procedure'}). Use the table "
            "written by participatie-rct outcomes, which keeps the baseline columns."
        )
    check_procedure_arms(table, treatment, arms)
    return table.assign(**{outcome: outcome_numbers(table, outcome)}), column
