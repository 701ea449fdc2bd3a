"""Which arms a proportional hazards model can estimate: monotone likelihood by arm.

An arm without a single event of the kind modelled has a partial likelihood that keeps
rising as its coefficient goes to minus infinity (hazard ratio 0); when the control arm has
none, every arm's coefficient goes to plus infinity. No finite estimate exists, and Wald
tests on the last Newton iterate are meaningless (Heinze and Schemper 2001; see
``docs/inference.md``). Such arms are reported as not estimable (NaN) with a warning that
names the arm; the other arms are estimated from the limit of the likelihood, in which the
arm without events drops out of every risk set (Cox: its rows are left out; Fine-Gray: its
weights are zero, while it still counts in the censoring distribution).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from participatie_rct.estimate.km import SurvivalData


@dataclass(frozen=True)
class EstimableArms:
    """The arms that enter the fit and the arms whose estimate is reported."""

    silenced: np.ndarray  # bool per row: the row's arm has no events (drops from risk sets)
    reference: int  # arm index that the fitted dummies are measured against
    fitted: tuple[int, ...]  # arm indices with a dummy column in the fit
    reported: tuple[int, ...]  # arm indices whose coefficient against control is reported
    warnings: tuple[str, ...]


def estimable_arms(
    arm: np.ndarray, levels: Sequence[str], events: np.ndarray, *, model: str, what: str
) -> EstimableArms:
    """Detect arms without events (``events`` > 0 per row); ``levels[0]`` is the control.

    ``what`` names the events in the warning ("exits", "exits of interest").
    """
    k = len(levels)
    counts = np.bincount(arm, weights=(events > 0).astype(float), minlength=k)
    empty = [a for a in range(k) if counts[a] == 0]
    warnings: list[str] = []
    control = levels[0]
    if 0 in empty:
        kept = [a for a in range(1, k) if a not in empty]
        reference = kept[0] if kept else 0
        for a in range(1, k):
            warnings.append(
                f"{model}: arm '{levels[a]}' not estimable: the control arm '{control}' has no "
                f"{what}, so the hazard ratio against it is infinite (monotone likelihood)."
            )
        fitted = tuple(a for a in kept if a != reference)
        reported: tuple[int, ...] = ()
    else:
        for a in empty:
            warnings.append(
                f"{model}: arm '{levels[a]}' not estimable: it has no {what}, so its hazard "
                "ratio against control is 0 and has no finite estimate (monotone likelihood)."
            )
        reference = 0
        fitted = tuple(a for a in range(1, k) if a not in empty)
        reported = fitted
    silenced = np.isin(arm, np.asarray(empty, dtype=arm.dtype))
    return EstimableArms(silenced, reference, fitted, reported, tuple(warnings))


def arm_design(sd: SurvivalData) -> tuple[np.ndarray, list[str], list[str | None]]:
    """Arm dummies (control left out: arm ``a`` is column ``a - 1``) followed by the
    covariates, with each column's term name and arm (``None`` for a covariate)."""
    k = len(sd.levels)
    dummies = (sd.arm[:, None] == np.arange(1, k)[None, :]).astype(float)
    names = ["arm"] * (k - 1) + list(sd.covariate_names)
    arms: list[str | None] = [*sd.levels[1:], *[None] * len(sd.covariate_names)]
    return np.hstack([dummies, sd.covariates]), names, arms


def fitted_columns(est: EstimableArms, k: int, p: int) -> list[int]:
    """The design columns (of :func:`arm_design`, ``k`` arms, ``p`` columns) in the fit."""
    return [a - 1 for a in est.fitted] + list(range(k - 1, p))


def shown_columns(
    est: EstimableArms, cols: Sequence[int], k: int, p: int, bad: Sequence[int]
) -> tuple[list[int], list[int]]:
    """The design columns reported (fitted, not running off to infinity: ``bad`` are fit
    positions) and their positions in the fit of ``cols``."""
    position = {c: i for i, c in enumerate(cols)}
    report = [a - 1 for a in est.reported] + list(range(k - 1, p))
    dropped = set(bad)
    shown = [c for c in report if position[c] not in dropped]
    return shown, [position[c] for c in shown]


def term_label(name: str, arm: str | None) -> str:
    """How a warning names a design column: ``arm <label>`` or the covariate's name."""
    return f"arm {arm}" if arm is not None else name


def spread(values: np.ndarray, columns: Sequence[int], size: int) -> np.ndarray:
    """``values`` of the fitted ``columns`` placed in a NaN vector (or matrix) of ``size``."""
    cols = np.asarray(columns, dtype=np.int64)
    if values.ndim == 1:
        out = np.full(size, np.nan)
        out[cols] = values
        return out
    out = np.full((size, size), np.nan)
    out[np.ix_(cols, cols)] = values
    return out


def diverging_warnings(model: str, names: Sequence[str]) -> tuple[str, ...]:
    """Warnings for coefficients that run off to infinity after the fit."""
    return tuple(
        f"{model}: term '{name}' not estimable: its coefficient runs off to infinity "
        "(monotone likelihood: a covariate level or pattern without events)."
        for name in names
    )
