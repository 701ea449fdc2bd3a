"""Minimum detectable effects over a range of sizes: the curve a trial is planned with.

Built on :func:`~participatie_rct.design.power.minimum_detectable_effect` (proportions) and
:func:`~participatie_rct.design.power.power_means` (means); see that module for the formulas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from participatie_rct.choices import Correction
from participatie_rct.design.power import minimum_detectable_effect, power_means
from participatie_rct.errors import DesignError

if TYPE_CHECKING:
    import pandas as pd


def mde_curve(
    *,
    n_per_arm: Sequence[float],
    p_control: float | None = None,
    sd: float | None = None,
    power: float = 0.8,
    alpha: float = 0.05,
    arms: int = 1,
    correction: Correction | str = Correction.NONE,
    strict: bool = False,
) -> pd.DataFrame:
    """Minimum detectable effect as a function of the arm size: one row per ``n_per_arm``.

    Give ``p_control`` for a proportion (columns ``p_control``, ``p_treatment``) or ``sd``
    for a mean. Columns: ``n_per_arm``, ``n_total``, ``mde``, ``power``,
    ``alpha_per_comparison``, ``correction``, and the outcome's own columns.
    """
    import pandas as pd

    if (p_control is None) == (sd is None):
        raise DesignError(
            "Give p_control (a proportion outcome) or sd (a continuous outcome), not both."
        )
    design: dict[str, Any] = {
        "power": power,
        "alpha": alpha,
        "arms": arms,
        "correction": correction,
        "strict": strict,
    }
    rows = []
    for n in n_per_arm:
        if p_control is not None:
            r = minimum_detectable_effect(p_control=p_control, n_per_arm=n, **design)
            extra = {"p_control": r.p_control, "p_treatment": r.p_treatment}
        else:
            r = power_means(sd=float(sd), n_per_arm=n, **design)  # type: ignore[arg-type]
            extra = {"sd": r.sd}
        rows.append(
            {
                "n_per_arm": float(n),
                "n_total": r.n_total,
                "mde": r.effect,
                "power": r.power,
                "alpha_per_comparison": r.alpha_per_comparison,
                "correction": r.correction.value,
                **extra,
            }
        )
    return pd.DataFrame(rows)
