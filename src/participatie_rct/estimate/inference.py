"""Randomization inference that re-runs the trial's own assignment procedure.

Under the sharp null hypothesis that no arm changes anyone's outcome, the outcomes are fixed
and only the assignment is random; its distribution is the one the trial used. So the test
re-draws the arms with the registered :class:`~participatie_rct.assignment.AssignmentProcedure`
(``procedure.draw(units, rng=...)``, never a copy of its logic), recomputes the statistic each
time, and compares (Fisher 1935; Gerber and Green 2012, ch. 3.4). Each re-draw gets its own
child Generator spawned from ``rng``, so draws differ even for procedures that derive their
streams from the Generator's seed, and the whole run is reproducible from that seed.

The p-value of each arm is two-sided, ``(1 + #{|T*| >= |T_obs|}) / (1 + n_draws)``, which is a
valid p-value for any number of draws (Phipson and Smyth 2010).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.arms import arm_label, resolve_arms
from participatie_rct.seeds import entropy_of
from participatie_rct.tidy import ESTIMATE_COLUMNS, TidyResult, base_glance

if TYPE_CHECKING:
    from participatie_rct.assignment.base import AssignmentProcedure

#: a statistic: (outcomes, arm labels as text, control, treated arms) -> value per treated arm
Statistic = Callable[[np.ndarray, np.ndarray, str, tuple[str, ...]], dict[str, float]]

#: numerical slack when comparing re-drawn statistics with the observed one (ties count)
TIE_TOL = 1e-12


def difference_in_means_statistic(
    y: np.ndarray, labels: np.ndarray, control: str, treated: tuple[str, ...]
) -> dict[str, float]:
    """Mean outcome of each arm minus the control mean (NaN when an arm is empty)."""
    ctrl = y[labels == control]
    base = ctrl.mean() if ctrl.size else np.nan
    out = {}
    for arm in treated:
        ya = y[labels == arm]
        out[arm] = float(ya.mean() - base) if ya.size else np.nan
    return out


@dataclass(frozen=True, repr=False)
class RandomizationResult(TidyResult):
    """Observed statistic, randomization p-value and the re-drawn distribution per arm."""

    rows: tuple[dict[str, Any], ...]
    draws: dict[str, tuple[float, ...]]
    settings: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    _title = "Randomization inference"

    def to_frame(self) -> pd.DataFrame:
        """``arm, term, estimate, std_error, statistic, p_value, ci_low, ci_high, n_draws,
        null_mean, null_sd``: ``estimate`` and ``statistic`` are the observed statistic (the
        difference in means), ``std_error`` its spread over the re-draws; a randomization test
        gives no interval, so ``ci_low`` and ``ci_high`` are empty (NaN)."""
        frame = pd.DataFrame.from_records(list(self.rows))
        if frame.empty:
            return pd.DataFrame(columns=["arm", *ESTIMATE_COLUMNS])
        frame["estimate"] = frame["statistic"]
        frame["std_error"] = frame["null_sd"]
        frame["ci_low"] = frame["ci_high"] = np.nan
        first = ["arm", *ESTIMATE_COLUMNS]
        return frame[first + [c for c in frame.columns if c not in first]]

    def glance(self) -> dict[str, Any]:
        """n (rows with an outcome), the control, the procedure, draws and seed, warnings."""
        facts = {
            k: v for k, v in self.settings.items() if k not in ("n", "control", "n_dropped_by_arm")
        }
        return base_glance(
            n=int(self.settings.get("n", 0)),
            control=self.settings.get("control"),
            n_dropped_by_arm=self.settings.get("n_dropped_by_arm"),
            warnings=self.warnings,
            **facts,
        )

    def summary(self) -> str:
        frame = self.to_frame()
        draws, seed = self.settings.get("n_draws"), self.settings.get("seed")
        head = f"Randomization inference ({draws} re-draws, seed {seed})"
        return head + "\n\n" + frame.to_string(index=False, float_format=lambda v: f"{v:.4g}")


def randomization_inference(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    procedure: AssignmentProcedure,
    units: pd.DataFrame,
    n_draws: int,
    rng: np.random.Generator,
    statistic: Statistic = difference_in_means_statistic,
    control: object = None,
) -> RandomizationResult:
    """Randomization p-values of every arm against control under the sharp null.

    ``units`` is the table the procedure assigned (rows in arrival order, with its strata or
    factor columns); ``data`` holds the outcome and the arm actually drawn, with the same
    index as ``units``. Rows with a missing outcome are left out of every statistic (the
    count is recorded), but take part in every re-draw, as they did in the trial.
    """
    if n_draws < 1:
        raise EstimationError(f"n_draws must be at least 1; got {n_draws!r}.")
    for col in (outcome, treatment):
        if col not in data.columns:
            raise EstimationError(
                f"column '{col}' not in the data; it has {', '.join(map(repr, data.columns))}."
            )
    if not data.index.isin(units.index).all():
        raise EstimationError(
            "data and units must share their index: every row of the data is one of the units the "
            "procedure assigned. Pass the same table (or its subset) for both."
        )
    arms = resolve_arms(data[treatment], treatment=treatment, control=control)
    y_all = pd.to_numeric(data[outcome], errors="coerce").to_numpy(dtype=float)
    ok = ~np.isnan(y_all)
    y = y_all[ok]
    observed = statistic(y, arms.labels[ok], arms.control, arms.treated)
    draws = np.empty((n_draws, len(arms.treated)))
    for i, child in enumerate(rng.spawn(n_draws)):
        drawn = procedure.draw(units, rng=child).reindex(data.index)
        labels = np.array([arm_label(v) for v in drawn.to_numpy()], dtype=object)[ok]
        stat = statistic(y, labels, arms.control, arms.treated)
        draws[i] = [stat[a] for a in arms.treated]
    rows = []
    for j, arm in enumerate(arms.treated):
        t_obs = observed[arm]
        extreme = int(np.sum(np.abs(draws[:, j]) >= abs(t_obs) - TIE_TOL))
        rows.append(
            {
                "arm": arm,
                "term": "randomization",
                "statistic": float(t_obs),
                "p_value": (1 + extreme) / (1 + n_draws),
                "n_draws": int(n_draws),
                "null_mean": float(np.nanmean(draws[:, j])),
                "null_sd": float(np.nanstd(draws[:, j], ddof=1)) if n_draws > 1 else np.nan,
            }
        )
    settings = {
        "outcome": outcome,
        "treatment": treatment,
        "control": arms.control,
        "arms": list(arms.treated),
        "method": getattr(procedure, "method", type(procedure).__name__),
        "statistic": getattr(statistic, "__name__", "statistic"),
        "n_draws": int(n_draws),
        "n": int(ok.sum()),
        "n_missing_outcome": int((~ok).sum()),
        "n_dropped_by_arm": {a: int(np.sum((arms.labels == a) & ~ok)) for a in arms.levels},
        "seed": entropy_of(rng),
    }
    return RandomizationResult(
        tuple(rows), {a: tuple(draws[:, j]) for j, a in enumerate(arms.treated)}, settings
    )
