"""Family-wise error control over arms x outcomes by resampling: Westfall-Young, Romano-Wolf.

A family is declared before the data (the protocol's arms and its ``[analysis] family``
outcomes), never inferred from what turned out estimable. Every (arm, outcome) pair is one
hypothesis "no effect of this arm on this outcome". The joint null distribution of the
statistics comes from resampling that keeps their dependence:

* ``randomization``: the registered design re-drawn (:mod:`.redraw`), under the sharp null
  the outcomes are fixed, so the re-drawn statistics are the null distribution itself;
* ``bootstrap`` (where the design cannot be replayed): units resampled with replacement
  (within strata when given), the statistics centred at their estimate and scaled by their
  bootstrap standard deviation (Romano and Wolf 2005, section 4).

:func:`westfall_young` is the free step-down min-P procedure of Westfall and Young (1993,
algorithm 2.8), on p-values from the resampled distribution of each hypothesis;
:func:`romano_wolf` the step-down max-|t| procedure of Romano and Wolf (2005). Both control
the family-wise error rate strongly under subset pivotality; see ``docs/inference.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.arms import arm_label
from participatie_rct.estimate.inference import (
    TIE_TOL,
    arm_codes,
    batch_numbers,
    centred,
    unit_columns,
)
from participatie_rct.estimate.multiplicity import holm
from participatie_rct.estimate.redraw import redraw_kind, redraws
from participatie_rct.estimate.results import json_ready
from participatie_rct.estimate.ri_stats import FUNCTIONS, Columns, StatFn
from participatie_rct.seeds import entropy_of

if TYPE_CHECKING:
    from participatie_rct.assignment.base import AssignmentProcedure

RESAMPLING = ("randomization", "bootstrap")


def resampled_p_values(t_obs: np.ndarray, t_null: np.ndarray) -> np.ndarray:
    """Marginal two-sided p-value of each hypothesis: ``(1 + #{|t*| >= |t|}) / (1 + N)``."""
    extreme = (np.abs(t_null) >= np.abs(t_obs)[None, :] - TIE_TOL).sum(axis=0)
    p: np.ndarray = (1 + extreme) / (1 + t_null.shape[0])
    return p


def _null_p_values(t_null: np.ndarray) -> np.ndarray:
    """p-value of every resampled statistic within its own column's distribution (N, K)."""
    a = np.abs(t_null)
    n = a.shape[0]
    order = np.sort(a, axis=0)
    out = np.empty_like(a, dtype=float)
    for k in range(a.shape[1]):  # a loop over hypotheses, not draws
        below = np.searchsorted(order[:, k], a[:, k] - TIE_TOL, side="left")
        out[:, k] = (1 + n - below) / (1 + n)
    return out


def westfall_young(t_obs: np.ndarray, t_null: np.ndarray) -> np.ndarray:
    """Westfall-Young free step-down min-P adjusted p-values (input order).

    With hypotheses ordered by their p-value ``p_(1) <= ... <= p_(K)``, each draw's
    successive minima ``q*_j = min_{i >= j} p*_(i)`` from the least significant up; the
    adjusted ``p_(j) = (1 + #{q*_j <= p_(j)}) / (1 + N)``, made monotone.
    """
    p = resampled_p_values(t_obs, t_null)
    p_null = _null_p_values(t_null)
    order = np.argsort(p, kind="stable")
    q = np.minimum.accumulate(p_null[:, order[::-1]], axis=1)[:, ::-1]
    raw = (1 + (q <= p[order][None, :] + TIE_TOL).sum(axis=0)) / (1 + t_null.shape[0])
    out = np.empty_like(p)
    out[order] = np.minimum(1.0, np.maximum.accumulate(raw))
    return out


def romano_wolf(t_obs: np.ndarray, t_null: np.ndarray) -> np.ndarray:
    """Romano-Wolf step-down adjusted p-values from max |t| over the hypotheses not yet
    rejected (input order): ``(1 + #{max_{i >= j} |t*_(i)| >= |t_(j)|}) / (1 + N)``."""
    a = np.abs(t_obs)
    order = np.argsort(-a, kind="stable")
    m = np.maximum.accumulate(np.abs(t_null)[:, order[::-1]], axis=1)[:, ::-1]
    raw = (1 + (m >= a[order][None, :] - TIE_TOL).sum(axis=0)) / (1 + t_null.shape[0])
    out = np.empty_like(a, dtype=float)
    out[order] = np.minimum(1.0, np.maximum.accumulate(raw))
    return out


@dataclass(frozen=True)
class FamilyResult:
    """Adjusted p-values of every (arm, outcome) hypothesis of a declared family."""

    rows: tuple[dict[str, Any], ...]
    settings: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """``arm, outcome, estimate, statistic, p_value, p_westfall_young, p_romano_wolf,
        p_holm``: one row per hypothesis, arms within outcomes in declared order."""
        return pd.DataFrame.from_records(list(self.rows))

    def glance(self) -> dict[str, Any]:
        return {**self.settings, "warnings": list(self.warnings)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": [json_ready(r) for r in self.rows],
            "settings": json_ready(dict(self.settings)),
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        body = self.to_frame().to_string(index=False, float_format=lambda v: f"{v:.4g}")
        head = (
            f"Family of {len(self.rows)} hypotheses (arms x outcomes), "
            f"{self.settings.get('resampling')} with {self.settings.get('n_draws')} draws"
        )
        notes = "".join(f"\nWarning: {w}" for w in self.warnings)
        return f"{head}\n\n{body}{notes}"


def _columns(
    data: pd.DataFrame, units: pd.DataFrame, outcome: str, covariates: Sequence[str]
) -> Columns:
    y, ok, x = unit_columns(data, units, outcome=outcome, covariates=covariates)
    return Columns(y[ok][:, None], ok, centred(x[ok]))


def _bootstrap_weights(groups: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """(draws, units) multinomial counts: each group resampled to its own size."""
    w = np.zeros((n_draws, groups.size))
    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        w[:, rows] = rng.multinomial(rows.size, np.full(rows.size, 1 / rows.size), n_draws)
    return w


def family_p_values(
    data: pd.DataFrame,
    *,
    outcomes: Sequence[str],
    treatment: str,
    n_draws: int,
    rng: np.random.Generator,
    resampling: str = "randomization",
    procedure: AssignmentProcedure | None = None,
    units: pd.DataFrame | None = None,
    batch: str | None = None,
    strata: str | None = None,
    statistic: str | None = None,
    covariates: Sequence[str] = (),
    arms: Sequence[object] | None = None,
    control: object = None,
) -> FamilyResult:
    """Westfall-Young and Romano-Wolf adjusted p-values over arms x ``outcomes``.

    ``randomization`` re-draws ``procedure`` on ``units`` (arrival order, ``batch`` numbers
    the intake batches) and uses ``statistic`` (default ``studentized``: Lin's t with HC2,
    Welch's without covariates); ``bootstrap`` resamples rows (within ``strata``) and uses
    ``dim`` or ``lin`` (default ``lin`` with covariates, else ``dim``), standardized by the
    bootstrap. ``arms`` declares the family's arms (default: the procedure's arms, or the
    treatment levels in the data); an arm without data keeps its rows with NaN and counts
    in Holm's family. The outcomes are the family as declared; each row also has Holm.
    """
    _check_family(data, outcomes, treatment, covariates, resampling, procedure)
    units = data if units is None else units
    if arms is not None:
        declared = [arm_label(a) for a in arms]
    elif procedure is not None:
        declared = list(procedure.arms)
    else:
        declared = sorted({arm_label(v) for v in data[treatment].dropna()})
    levels, c, treated, z_obs = arm_codes(
        data, units, treatment=treatment, declared=declared, control=control
    )
    if statistic is None:
        statistic = (
            "studentized" if resampling == "randomization" else ("lin" if covariates else "dim")
        )
    if resampling == "bootstrap" and statistic not in ("dim", "lin"):
        raise EstimationError("the bootstrap family uses statistic 'dim' or 'lin'.")
    fn = FUNCTIONS[statistic]
    cols = [_columns(data, units, o, covariates) for o in outcomes]
    effect = FUNCTIONS["lin" if covariates else "dim"]  # the estimate reported beside the test

    def observed_by(f: StatFn) -> np.ndarray:
        return np.stack([f(z_obs[None], k, c, treated)[0, :, 0] for k in cols], axis=1)

    est = observed_by(effect)
    observed = est if fn is effect else observed_by(fn)
    null, observed, method = _resample(
        fn,
        cols,
        z_obs,
        c,
        treated,
        observed,
        resampling=resampling,
        procedure=procedure,
        units=units,
        batch=batch,
        strata=strata,
        n_draws=n_draws,
        rng=rng,
    )
    return _assemble(
        levels,
        treated,
        outcomes,
        est,
        observed,
        null,
        settings={
            "treatment": treatment,
            "control": levels[c],
            "arms": [levels[a] for a in treated],
            "outcomes": list(outcomes),
            "resampling": resampling,
            "method": method,
            "statistic": statistic,
            "covariates": list(covariates),
            "n_draws": int(n_draws),
            "seed": entropy_of(rng),
        },
    )


def _check_family(
    data: pd.DataFrame,
    outcomes: Sequence[str],
    treatment: str,
    covariates: Sequence[str],
    resampling: str,
    procedure: AssignmentProcedure | None,
) -> None:
    """Refuse a family that cannot be resampled, naming what is missing."""
    if resampling not in RESAMPLING:
        raise EstimationError(f"resampling must be one of {', '.join(RESAMPLING)}.")
    if not outcomes:
        raise EstimationError("the family needs at least one outcome column.")
    missing = [c for c in [treatment, *outcomes, *covariates] if c not in data.columns]
    if missing:
        raise EstimationError(
            f"column '{missing[0]}' not in the data; it has {', '.join(map(repr, data.columns))}."
        )
    if resampling == "randomization" and procedure is None:
        raise EstimationError(
            "randomization needs the assignment procedure to re-draw; without it use "
            "resampling='bootstrap'."
        )


def _resample(
    fn: Any,
    cols: Sequence[Columns],
    z_obs: np.ndarray,
    c: int,
    treated: Sequence[int],
    observed: np.ndarray,
    *,
    resampling: str,
    procedure: AssignmentProcedure | None,
    units: pd.DataFrame,
    batch: str | None,
    strata: str | None,
    n_draws: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, str]:
    """The null statistics (draws, arms, outcomes), the observed ones on the same scale, and
    the name of the resampling."""
    if resampling == "randomization":
        assert procedure is not None
        chunks = [
            np.stack([fn(z, k, c, treated)[:, :, 0] for k in cols], axis=2)
            for z in redraws(procedure, units, batch_numbers(units, batch), n_draws, rng)
        ]
        null = np.concatenate(chunks, axis=0)
        return null, observed, redraw_kind(procedure)
    groups = units[strata].to_numpy() if strata else np.zeros(len(units))
    w = _bootstrap_weights(groups, n_draws, rng)
    boot = np.stack([fn(z_obs[None], k, c, treated, w)[:, :, 0] for k in cols], axis=2)
    sd = np.nanstd(boot, axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        null = (boot - observed[None]) / sd[None]
        observed = observed / sd
    return null, observed, "stratified bootstrap" if strata else "bootstrap"


def _assemble(
    levels: Sequence[str],
    treated: Sequence[int],
    outcomes: Sequence[str],
    est: np.ndarray,
    observed: np.ndarray,
    null: np.ndarray,
    *,
    settings: dict[str, Any],
) -> FamilyResult:
    """Rows in (outcome, arm) order; the adjustments over the hypotheses that have data."""
    t_obs = observed.T.ravel()  # outcome-major
    t_null = null.transpose(0, 2, 1).reshape(null.shape[0], -1)
    usable = np.isfinite(t_obs) & np.isfinite(t_null).all(axis=0)
    k = t_obs.size
    p = np.full(k, np.nan)
    wy = np.full(k, np.nan)
    rw = np.full(k, np.nan)
    if usable.any():
        p[usable] = resampled_p_values(t_obs[usable], t_null[:, usable])
        wy[usable] = westfall_young(t_obs[usable], t_null[:, usable])
        rw[usable] = romano_wolf(t_obs[usable], t_null[:, usable])
    ph = holm(p.tolist(), n=k)
    rows = []
    warnings = []
    for i in range(k):
        o, j = divmod(i, len(treated))
        arm = levels[treated[j]]
        if not usable[i]:
            warnings.append(
                f"arm '{arm}', outcome '{outcomes[o]}': no statistic (no data, or re-draws "
                "that leave the arm empty); NaN, and it stays in the family."
            )
        rows.append(
            {
                "arm": arm,
                "outcome": outcomes[o],
                "estimate": float(est[j, o]),
                "statistic": float(t_obs[i]),
                "p_value": float(p[i]),
                "p_westfall_young": float(wy[i]),
                "p_romano_wolf": float(rw[i]),
                "p_holm": float(ph[i]),
            }
        )
    settings = {**settings, "family_size": k, "n_hypotheses_without_data": int((~usable).sum())}
    return FamilyResult(tuple(rows), settings, tuple(warnings))
