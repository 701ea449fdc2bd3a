"""Checks of what an interim look is given: the outcome table and the look's settings.

Each refusal names the parameter or column, the offending value and what to give instead
(docs/conventions.md, rule 8); :func:`participatie_rct.design.monitor.monitor_status` calls
them before computing anything.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from participatie_rct.errors import DesignError

if TYPE_CHECKING:
    import pandas as pd

#: columns monitor_status needs in its outcomes frame
REQUIRED_COLUMNS: tuple[str, ...] = ("arm", "outflow_work", "matured")


def check_settings(
    target_n: int,
    planned_looks: int | None,
    planned_effect: float | None,
    previous: Sequence[float],
) -> None:
    """Refuse a target, a number of looks, a planned effect or earlier fractions out of range."""
    if not isinstance(target_n, int) or isinstance(target_n, bool) or target_n < 2:
        raise DesignError(
            f"target_n (planned participants, all arms) must be a whole number >= 2; "
            f"got {target_n!r}."
        )
    if planned_looks is not None and (
        not isinstance(planned_looks, int) or isinstance(planned_looks, bool) or planned_looks < 1
    ):
        raise DesignError(
            f"planned_looks must be a whole number >= 1 (interim looks + the final one); "
            f"got {planned_looks!r}."
        )
    if planned_effect is not None and not (
        isinstance(planned_effect, int | float) and 0 < abs(planned_effect) < 1
    ):
        raise DesignError(
            f"planned_effect must be a difference in outflow proportions, non-zero and between "
            f"-1 and 1 (e.g. 0.055); got {planned_effect!r}."
        )
    if any(not (0 < v <= 1) for v in previous) or any(
        b <= x for x, b in itertools.pairwise(previous)
    ):
        raise DesignError(
            f"previous_information must increase strictly within (0, 1]; got {list(previous)}."
        )


def check_look(
    information: float,
    n_observed: int,
    target_n: int,
    previous: Sequence[float],
    planned_looks: int | None,
) -> int:
    """The number of this look; refused when nothing matured, nothing is new, or all is done."""
    if n_observed == 0:
        raise DesignError(
            "no participant has a matured outcome yet (column 'matured' is false or "
            "'outflow_work' is empty everywhere): there is no information to look at. "
            "Wait until the first participants complete their follow-up."
        )
    if previous and information <= previous[-1]:
        raise DesignError(
            f"information now ({information:.4f}: {n_observed} of {target_n}) is not above the "
            f"previous look's ({previous[-1]:.4f}): nothing new to look at."
        )
    look = len(previous) + 1
    if planned_looks is not None and look > planned_looks:
        raise DesignError(
            f"this would be look {look} but only {planned_looks} looks are planned; the final "
            "analysis has been done."
        )
    return look


def fractions_of(values: Sequence[float]) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise DesignError(
            f"previous_information must be numbers (the information fractions of the earlier "
            f"looks, e.g. 0.3, 0.6); got {list(values)!r}."
        ) from None


def arm_order(arms: pd.Series) -> list[str]:
    seen: dict[str, None] = {}
    for value in arms:
        seen.setdefault(str(value), None)
    return sorted(seen)


def check_outcomes(outcomes: pd.DataFrame, control: str) -> pd.DataFrame:
    import pandas as pd

    if not isinstance(outcomes, pd.DataFrame):
        raise DesignError(f"outcomes must be a pandas DataFrame; got {type(outcomes).__name__}.")
    missing = [c for c in REQUIRED_COLUMNS if c not in outcomes.columns]
    if missing:
        raise DesignError(
            f"outcomes lacks column(s) {', '.join(repr(c) for c in missing)}: monitoring needs one "
            "row per participant with 'arm', 'matured' and 'outflow_work', as "
            "participatie_rct.estimate.build_outcomes returns."
        )
    frame = outcomes.loc[:, list(REQUIRED_COLUMNS)].copy()
    frame["arm"] = frame["arm"].astype(str)
    if control not in set(frame["arm"]):
        found = ", ".join(repr(a) for a in arm_order(frame["arm"]))
        raise DesignError(
            f"column 'arm' has no row of the control arm {control!r} (arms found: {found}). "
            "Give the control arm's key as the protocol names it."
        )
    if frame["arm"].nunique() < 2:
        raise DesignError("column 'arm' holds only the control arm: there is nothing to compare.")
    outflow = pd.to_numeric(frame["outflow_work"], errors="coerce")
    not_numeric = outflow.isna() & frame["outflow_work"].notna()
    bad = frame.index[not_numeric | (outflow.notna() & ~outflow.isin([0.0, 1.0]))]
    if len(bad):
        raise DesignError(
            f"column 'outflow_work' must be 0, 1 or empty; {len(bad)} rows are not "
            f"(first value {frame.loc[bad[0], 'outflow_work']!r} in row {bad[0]})."
        )
    frame["outflow_work"] = outflow
    matured = frame["matured"].astype(object).where(frame["matured"].notna(), False)
    odd = ~matured.isin([True, False])  # 0/1 and numpy booleans compare equal to these
    if odd.any():
        first = matured[odd].index[0]
        raise DesignError(
            f"column 'matured' must be true or false; {int(odd.sum())} rows are not "
            f"(first value {matured[first]!r} in row {first})."
        )
    matured = matured.astype(bool)
    frame["_observed"] = matured & outflow.notna()
    return frame
