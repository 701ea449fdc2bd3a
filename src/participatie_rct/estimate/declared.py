"""The declared family of comparisons: arms that stay in the table when they have no data.

A multiplicity family is fixed before the data (``docs/inference.md``): the protocol's arms,
or the levels of the treatment column as given. An arm whose outcomes are all missing keeps
its row, with NaN, and its place in Holm's family, so the adjustment never shrinks with what
happened to be estimable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from participatie_rct.estimate.arms import Arms, arm_label
from participatie_rct.estimate.results import Effect


def declared_family(
    data: pd.DataFrame, treatment: str, arms: Arms, declared: Sequence[object] | None
) -> tuple[str, ...]:
    """Arms of the declared family that have no rows left in the analysis.

    The family is the ``declared`` arms (the protocol's) or else every level of the
    treatment column in the data as given, before rows with missing values are dropped: an
    arm whose outcomes are all missing keeps its row (NaN) and its place in the family.
    """
    if declared is not None:
        levels = [arm_label(a) for a in declared]
    else:
        levels = [arm_label(v) for v in pd.unique(data[treatment].dropna())]
    present = {arms.control, *arms.treated}
    return tuple(sorted(dict.fromkeys(a for a in levels if a not in present)))


def empty_effects(
    absent: Sequence[str], *, term: str, conf_level: float, n_control: int
) -> list[Effect]:
    """NaN rows for arms without data, so that they stay in the table and the family."""
    nan = float("nan")
    return [
        Effect(
            arm=a,
            term=term,
            estimate=nan,
            std_error=nan,
            df=nan,
            statistic=nan,
            p_value=nan,
            ci_low=nan,
            ci_high=nan,
            conf_level=conf_level,
            n=n_control,
            n_arm=0,
            n_control=n_control,
        )
        for a in absent
    ]


def with_absent_arms(
    effects: list[Effect],
    settings: dict[str, Any],
    absent: Sequence[str],
    *,
    term: str,
    conf_level: float,
) -> tuple[list[Effect], tuple[str, ...]]:
    """Effects with NaN rows for ``absent`` arms (sorted by arm) and a warning per arm."""
    if not absent:
        return effects, ()
    control = settings["control"]
    n_control = int(settings["n_by_arm"].get(control, 0))
    rows = effects + empty_effects(absent, term=term, conf_level=conf_level, n_control=n_control)
    rows.sort(key=lambda e: e.arm)
    settings["arms"] = sorted({*settings["arms"], *absent})
    settings["arms_without_data"] = list(absent)
    warnings = tuple(
        f"arm '{a}' has no rows with complete data: its effect is not estimable (NaN); it "
        f"stays in the multiplicity family of {len(rows)} comparisons."
        for a in absent
    )
    return rows, warnings
