"""Randomization inference on a trial's own table: checks of the table, then the re-draws.

The checks that a table must pass before the protocol's procedure can be re-drawn on it live
here, in the library, so that a script and the command line refuse the same tables with the
same message (naming the table, the parameter, the row and the value):
the rows in arrival order (:func:`arrival_order`), a numeric outcome (:func:`numeric_outcome`)
and arms that the procedure can draw (:func:`check_arms`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from participatie_rct.errors import EstimationError

if TYPE_CHECKING:
    from participatie_rct.estimate import RandomizationResult
    from participatie_rct.protocol import Protocol

#: the arrival-order column of the outcome table, used when no other order is named
DEFAULT_ORDER = "sequence"
#: the register's intake-batch column: each batch was randomized on its own
DEFAULT_BATCH = "batch"


def arrival_order(
    data: pd.DataFrame, order: str | None, source: str
) -> tuple[pd.DataFrame, str | None]:
    """``data`` sorted into arrival order (stable), with a fresh 0..n-1 index.

    The re-draws must see the participants in the order the trial assigned them: block and
    minimization procedures depend on it. Without ``order`` the ``sequence`` column is used
    when present, else the row order.
    """
    column = order if order is not None else (DEFAULT_ORDER if DEFAULT_ORDER in data else None)
    if column is None:
        return data.reset_index(drop=True), None
    if column not in data.columns:
        raise EstimationError(
            f"{source}: order column '{column}' is not in the data; it has "
            f"{', '.join(map(repr, data.columns))}. Name the column that holds the arrival order."
        )
    missing = data[column].isna().to_numpy()
    if missing.any():
        first = int(missing.argmax())
        raise EstimationError(
            f"{source}: column '{column}' (arrival order) is empty in {int(missing.sum())} "
            f"row(s), first at data row {first + 1}. Fill in every participant's arrival order."
        )
    ordered = data.sort_values(column, kind="mergesort")
    return ordered.reset_index(drop=True), column


def numeric_outcome(data: pd.DataFrame, outcome: str, source: str) -> np.ndarray:
    """The outcome column as floats (true/false as 1/0, empty cells as NaN); text is refused."""
    if outcome not in data.columns:
        raise EstimationError(
            f"{source}: outcome column '{outcome}' is not in the data; it has "
            f"{', '.join(map(repr, data.columns))}. Check the spelling."
        )
    series = data[outcome]
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return np.asarray(series.astype("Float64").to_numpy(dtype=float, na_value=np.nan))
    mapped = series.map(lambda v: float(v) if isinstance(v, bool | np.bool_) else v)
    numbers = pd.to_numeric(mapped, errors="coerce")
    stray = (series.notna() & numbers.isna()).to_numpy()
    if stray.any():
        at = int(stray.argmax())
        raise EstimationError(
            f"{source}: column '{outcome}': data row {at + 1} holds {series.iloc[at]!r}, not a "
            "number or true/false. Correct or empty that cell (an empty outcome is left out)."
        )
    return np.asarray(numbers.to_numpy(dtype=float))


def check_arms(data: pd.DataFrame, treatment: str, arms: tuple[str, ...], source: str) -> None:
    """Every row has an arm, and every arm is one the protocol's procedure can draw."""
    from participatie_rct.estimate.arms import arm_label

    if treatment not in data.columns:
        raise EstimationError(
            f"{source}: treatment column '{treatment}' is not in the data; it has "
            f"{', '.join(map(repr, data.columns))}. Name the column with each row's assigned arm."
        )
    column = data[treatment]
    empty = column.isna().to_numpy()
    if empty.any():
        raise EstimationError(
            f"{source}: column '{treatment}' is empty in {int(empty.sum())} row(s), first at "
            f"data row {int(empty.argmax()) + 1}. Every assigned participant has an arm: fill "
            "it in from the register (participatie-rct outcomes writes it)."
        )
    labels = {arm_label(v) for v in column.unique()}
    unknown = sorted(labels - set(arms))
    if unknown:
        raise EstimationError(
            f"{source}: column '{treatment}' holds {unknown[0]!r}, which is not an arm of the "
            f"protocol ({', '.join(arms)}). Use the protocol the trial was assigned with, or "
            "the column with the arm keys."
        )


def check_units(data: pd.DataFrame, protocol: Protocol, source: str) -> None:
    """The table has every column the protocol assigns by (strata, minimization factors)."""
    missing = [c for c in protocol.unit_columns if c not in data.columns]
    if missing:
        raise EstimationError(
            f"{source}: column(s) {', '.join(map(repr, missing))} not in the data, but the "
            f"protocol assigns by them ({protocol.assignment.method.value}). Use the table "
            "written by participatie-rct outcomes, which keeps the baseline columns."
        )


def prepared_inference(
    table: pd.DataFrame,
    protocol: Protocol,
    *,
    outcome: str | None,
    treatment: str,
    n_draws: int,
    rng: np.random.Generator,
    order: str | None = None,
    control: str | None = None,
    source: str = "data",
    **options: Any,
) -> tuple[RandomizationResult, str | None]:
    """Check ``table``, put it in arrival order and re-draw the protocol's procedure on it.

    ``options`` go to :func:`~participatie_rct.estimate.inference.randomization_inference`
    (``statistic``, ``covariates``, ``time``, ``event``, ``batch``, ``conf_level``); the
    intake batches default to the ``batch`` column when the table has one (the register's).
    Returns the result and the arrival-order column used (None: the row order).
    """
    from participatie_rct.assignment import procedure_from_protocol
    from participatie_rct.estimate.inference import randomization_inference

    procedure = procedure_from_protocol(protocol)
    ordered, column = arrival_order(table, order, source)
    check_units(ordered, protocol, source)
    check_arms(ordered, treatment, tuple(procedure.arms), source)
    if outcome is not None:
        ordered = ordered.assign(**{outcome: numeric_outcome(ordered, outcome, source)})
    options.setdefault("batch", DEFAULT_BATCH if DEFAULT_BATCH in ordered.columns else None)
    result = randomization_inference(
        ordered,
        outcome=outcome,
        treatment=treatment,
        procedure=procedure,
        units=ordered,
        n_draws=n_draws,
        rng=rng,
        control=control if control is not None else protocol.control,
        **options,
    )
    return result, column


def registered_inference(
    outcomes: pd.DataFrame,
    protocol: Protocol,
    *,
    outcome: str | None,
    n_draws: int,
    rng: np.random.Generator,
    **options: Any,
) -> RandomizationResult:
    """Randomization inference on a trial's outcome table (rows in the register's sequence,
    re-drawn batch by batch); ``options`` as for :func:`prepared_inference`."""
    from dataclasses import replace

    result, column = prepared_inference(
        outcomes,
        protocol,
        outcome=outcome,
        treatment="arm",
        n_draws=n_draws,
        rng=rng,
        source="outcomes",
        **options,
    )
    return replace(
        result,
        settings={**result.settings, "order": column, "protocol_sha256": protocol.sha256},
    )
