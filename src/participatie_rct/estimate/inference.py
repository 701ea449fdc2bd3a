"""Randomization inference that replays the trial's own assignment, batch by batch.

Under the sharp null hypothesis that no arm changes anyone's outcome, the outcomes are fixed
and only the assignment is random; its distribution is the one the trial used: the
registered procedure applied to the intake batches in their order (Fisher 1935; Gerber and
Green 2012, ch. 3.4; Young 2019; Heß 2017). :mod:`.redraw` produces the re-drawn
assignments as arrays (a sequential replay for minimization), :mod:`.ri_stats` computes the
statistic of every draw by matrix products, and this module turns them into:

* a two-sided p-value per arm, ``(1 + #{|T*| >= |T_obs|}) / (1 + draws)``, valid for any
  number of draws (Phipson and Smyth 2010), with its Monte Carlo standard error
  ``sqrt(p (1 - p) / draws)``;
* an omnibus p-value over all arms: the sum over arms of ``(T_a / sd_a)^2``, ``sd_a`` the
  standard deviation of the arm's re-drawn statistic;
* for the statistics linear in the outcome (``dim``, ``lin``), an interval by test
  inversion under a constant additive effect: the set of effects ``tau`` for which the
  sharp hypothesis "arm a adds tau to everyone's outcome" is not rejected at
  ``1 - conf_level`` (``docs/inference.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.arms import resolve_arms
from participatie_rct.estimate.design_matrix import covariate_matrix
from participatie_rct.estimate.redraw import redraw_kind, redraws
from participatie_rct.estimate.ri_stats import FUNCTIONS, STATISTICS, Columns, logrank_scores
from participatie_rct.seeds import entropy_of
from participatie_rct.tidy import (
    ESTIMATE_COLUMNS,
    TidyResult,
    json_ready,
    resolve_level,
    settings_glance,
)

if TYPE_CHECKING:
    from participatie_rct.assignment.base import AssignmentProcedure

#: numerical slack when comparing re-drawn statistics with the observed one (ties count)
TIE_TOL = 1e-12
#: statistics with an interval by test inversion
INVERTIBLE = ("dim", "lin")


@dataclass(frozen=True, repr=False)
class RandomizationResult(TidyResult):
    """Observed statistic, randomization p-value, interval and null distribution per arm."""

    rows: tuple[dict[str, Any], ...]
    draws: dict[str, tuple[float, ...]]
    settings: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    omnibus: dict[str, Any] = field(default_factory=dict)
    _title = "Randomization inference"

    def to_frame(self) -> pd.DataFrame:
        """One row per arm: ``arm, term, estimate, std_error, statistic, p_value, ci_low,
        ci_high, mc_se, n_draws, null_mean, null_sd``. ``estimate`` and ``statistic`` are the
        observed statistic, ``std_error`` its spread over the re-draws, the interval the
        inverted test (NaN where the statistic cannot be inverted); the omnibus test of all
        arms is in ``omnibus`` and ``glance()``."""
        frame = pd.DataFrame.from_records(list(self.rows))
        if frame.empty:
            return pd.DataFrame(columns=["arm", *ESTIMATE_COLUMNS])
        frame["estimate"] = frame["statistic"]
        frame["std_error"] = frame["null_sd"]
        for column in ("ci_low", "ci_high"):
            if column not in frame.columns:
                frame[column] = np.nan
        first = ["arm", *ESTIMATE_COLUMNS]
        return frame[first + [c for c in frame.columns if c not in first]]

    def to_dict(self) -> dict[str, Any]:
        """``{"estimates": [...], "glance": {...}, "omnibus": {...}}``."""
        return {**super().to_dict(), "omnibus": json_ready(dict(self.omnibus))}

    def glance(self) -> dict[str, Any]:
        """n (rows with an outcome), the control, the procedure, draws, seed, the omnibus
        test, warnings."""
        return settings_glance(
            self.settings,
            self.warnings,
            omnibus_statistic=self.omnibus.get("statistic"),
            omnibus_p_value=self.omnibus.get("p_value"),
        )

    def summary(self) -> str:
        frame = pd.DataFrame.from_records([*self.rows, self.omnibus])
        draws, seed = self.settings.get("n_draws"), self.settings.get("seed")
        head = (
            f"Randomization inference, statistic {self.settings.get('statistic')} "
            f"({draws} re-draws, seed {seed}, {self.settings.get('redraw')})"
        )
        body = frame.to_string(index=False, float_format=lambda v: f"{v:.4g}")
        notes = "".join(f"\nWarning: {w}" for w in self.warnings)
        return f"{head}\n\n{body}{notes}"


def _check(data: pd.DataFrame, columns: Sequence[str | None], units: pd.DataFrame) -> None:
    for col in columns:
        if col is not None and col not in data.columns:
            raise EstimationError(
                f"column '{col}' not in the data; it has {', '.join(map(repr, data.columns))}."
            )
    if not data.index.isin(units.index).all():
        raise EstimationError(
            "data and units must share their index: every row of the data is one of the units the "
            "procedure assigned. Pass the same table (or its subset) for both."
        )


def arm_codes(
    data: pd.DataFrame,
    units: pd.DataFrame,
    *,
    treatment: str,
    declared: Sequence[str],
    control: object,
) -> tuple[tuple[str, ...], int, list[int], np.ndarray]:
    """Declared arms, the control's index, the treated indices, and each unit's observed arm
    index (``-1`` for units without a row in ``data``). A label outside the declared arms is
    refused; a declared arm absent from the data keeps its index (and its NaN row)."""
    found = resolve_arms(data[treatment], treatment=treatment, control=control)
    arms = tuple(
        dict.fromkeys([*([] if found.control in declared else [found.control]), *declared])
    )
    stray = sorted(set(found.labels.tolist()) - set(arms))
    if stray:
        raise EstimationError(
            f"column '{treatment}' holds {stray[0]!r}, which is not one of the declared arms "
            f"({', '.join(arms)}). Use the procedure the trial was assigned with."
        )
    c = arms.index(found.control)
    treated = [i for i in range(len(arms)) if i != c]
    z_obs = np.full(len(units), -1, dtype=np.int8)
    z_obs[units.index.get_indexer(data.index)] = [arms.index(a) for a in found.labels]
    return arms, c, treated, z_obs


def unit_columns(
    data: pd.DataFrame,
    units: pd.DataFrame,
    *,
    statistic: str = "dim",
    outcome: str | None = None,
    time: str | None = None,
    event: str | None = None,
    covariates: Sequence[str] = (),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit (units order): the outcome (or log-rank score), usable rows, covariates."""
    pos = units.index.get_indexer(data.index)
    n = len(units)
    y = np.full(n, np.nan)
    if statistic == "logrank":
        t = pd.to_numeric(data[time], errors="coerce").to_numpy(dtype=float)
        e = pd.to_numeric(data[event], errors="coerce").to_numpy(dtype=float)
        good = ~(np.isnan(t) | np.isnan(e))
        scores = np.full(len(data), np.nan)
        scores[good] = logrank_scores(t[good], e[good])
        y[pos] = scores
    else:
        y[pos] = pd.to_numeric(data[outcome], errors="coerce").to_numpy(dtype=float)
    x = np.zeros((n, 0))
    if covariates:
        cx, _ = covariate_matrix(data, covariates)
        x = np.full((n, cx.shape[1]), np.nan)
        x[pos] = cx
    ok = ~np.isnan(y) & ~np.isnan(x).any(axis=1)
    return y, ok, x


def centred(x: np.ndarray) -> np.ndarray:
    """Covariates (rows used) centred at their means, as Lin's statistic wants them."""
    return x - x.mean(axis=0) if x.shape[1] else x


def batch_numbers(units: pd.DataFrame, batch: str | None) -> np.ndarray:
    """Each unit's intake batch number; without a ``batch`` column all units form one."""
    return units[batch].to_numpy() if batch is not None else np.zeros(len(units), dtype=np.int64)


def randomization_inference(
    data: pd.DataFrame,
    *,
    outcome: str | None = None,
    treatment: str,
    procedure: AssignmentProcedure,
    n_draws: int,
    rng: np.random.Generator,
    units: pd.DataFrame | None = None,
    statistic: str = "dim",
    covariates: Sequence[str] = (),
    time: str | None = None,
    event: str | None = None,
    batch: str | None = None,
    control: object = None,
    conf_level: float = 0.95,
) -> RandomizationResult:
    """Randomization p-values (and intervals) of every arm against control.

    Keyword arguments only, so that callers (a register-backed trial, the CLI) name what
    they pass. ``units`` is the table the procedure assigned, rows in arrival order with its
    strata or factor columns (default: ``data`` itself); ``data`` holds the outcome and the
    arm drawn, indexed as ``units``. ``batch`` names the column that numbers each unit's
    intake batch (each batch was randomized on its own, in increasing order); without it all
    units form one batch. ``statistic`` is ``dim``, ``lin`` (with ``covariates``),
    ``studentized`` or ``logrank`` (with ``time`` and ``event`` instead of ``outcome``).
    Rows with a missing outcome are left out of every statistic but take part in every
    re-draw, as they did in the trial. ``conf_level`` (strictly between 0 and 1, as for every
    estimator) is the level of the intervals found by inverting ``dim`` and ``lin``.
    """
    conf_level = resolve_level(conf_level)
    units = data if units is None else units
    _validate(data, units, statistic, n_draws, outcome, time, event, covariates, treatment, batch)
    arms, c, treated, z_obs = arm_codes(
        data, units, treatment=treatment, declared=procedure.arms, control=control
    )
    y, ok, x = unit_columns(
        data,
        units,
        statistic=statistic,
        outcome=outcome,
        time=time,
        event=event,
        covariates=covariates if statistic in ("lin", "studentized") else (),
    )
    xs = centred(x[ok])
    invert = statistic in INVERTIBLE
    extra = [(z_obs == a).astype(float)[ok] for a in treated] if invert else []
    cols = Columns(np.column_stack([y[ok], *extra]), ok, xs)
    fn = FUNCTIONS[statistic]
    observed = fn(z_obs[None, :], cols, c, treated)[0]  # (arms, r)
    batches = batch_numbers(units, batch)
    chunks = [fn(z, cols, c, treated) for z in redraws(procedure, units, batches, n_draws, rng)]
    null = np.concatenate(chunks, axis=0)  # (draws, arms, r)
    rows, warnings = _rows(arms, treated, observed, null, invert, conf_level)
    omnibus = rows.pop()
    settings = {
        "outcome": outcome,
        "treatment": treatment,
        "control": arms[c],
        "arms": [arms[a] for a in treated],
        "method": getattr(procedure, "method", type(procedure).__name__),
        "statistic": statistic,
        "covariates": list(covariates),
        "batch": batch,
        "n_batches": int(np.unique(batches).size),
        "redraw": redraw_kind(procedure),
        "n_draws": int(n_draws),
        "n": int(ok.sum()),
        "n_missing_outcome": int(len(data) - ok.sum()),
        "conf_level": conf_level,
        "seed": entropy_of(rng),
    }
    draws = {arms[a]: tuple(null[:, j, 0].tolist()) for j, a in enumerate(treated)}
    return RandomizationResult(tuple(rows), draws, settings, tuple(warnings), omnibus)


def _validate(
    data: pd.DataFrame,
    units: pd.DataFrame,
    statistic: str,
    n_draws: int,
    outcome: str | None,
    time: str | None,
    event: str | None,
    covariates: Sequence[str],
    treatment: str,
    batch: str | None,
) -> None:
    """Refuse a call that cannot be answered, naming the argument or column."""
    if n_draws < 1:
        raise EstimationError(f"n_draws must be at least 1; got {n_draws!r}.")
    if statistic not in STATISTICS:
        raise EstimationError(
            f"statistic must be one of {', '.join(STATISTICS)}; got {statistic!r}."
        )
    needed = (time, event) if statistic == "logrank" else (outcome,)
    if any(c is None for c in needed):
        what = "time and event" if statistic == "logrank" else "outcome"
        raise EstimationError(f"statistic {statistic!r} needs the {what} column(s).")
    _check(data, [treatment, *needed, *covariates], units)
    if batch is not None and batch not in units.columns:
        raise EstimationError(
            f"batch column '{batch}' not in the units; it has "
            f"{', '.join(map(repr, units.columns))}. Name the column with each intake batch."
        )
    if batch is not None and units[batch].isna().any():
        empty = units[batch].isna().to_numpy()
        raise EstimationError(
            f"batch column '{batch}' is empty in {int(empty.sum())} row(s), first at row "
            f"{int(empty.argmax()) + 1}. Fill in every participant's intake batch."
        )


def p_value(null: np.ndarray, observed: float) -> tuple[float, int]:
    """Two-sided randomization p-value over the finite draws, and their number."""
    finite = null[np.isfinite(null)]
    extreme = int(np.sum(np.abs(finite) >= abs(observed) - TIE_TOL))
    return (1 + extreme) / (1 + finite.size), int(finite.size)


def _rows(
    arms: Sequence[str],
    treated: Sequence[int],
    observed: np.ndarray,
    null: np.ndarray,
    invert: bool,
    conf_level: float,
) -> tuple[list[dict[str, Any]], list[str]]:
    rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    sds = []
    for j, a in enumerate(treated):
        t_obs = float(observed[j, 0])
        draws = null[:, j, 0]
        p, used = p_value(draws, t_obs) if np.isfinite(t_obs) else (np.nan, 0)
        sd = float(np.nanstd(draws, ddof=1)) if used > 1 else np.nan
        sds.append(sd)
        lo = hi = np.nan
        if invert and np.isfinite(t_obs):
            lo, hi = invert_interval(t_obs, draws, null[:, j, 1 + j], 1 - conf_level)
        if not np.isfinite(t_obs):
            warnings.append(f"arm '{arms[a]}': no rows with an outcome; no statistic (NaN).")
        elif used < null.shape[0]:
            warnings.append(
                f"arm '{arms[a]}': {null.shape[0] - used} re-draw(s) left the arm or control "
                "empty; the p-value uses the others."
            )
        rows.append(
            {
                "arm": arms[a],
                "term": "randomization",
                "statistic": t_obs,
                "p_value": p,
                "mc_se": float(np.sqrt(p * (1 - p) / used)) if used else np.nan,
                "ci_low": lo,
                "ci_high": hi,
                "n_draws": used,
                "null_mean": float(np.nanmean(draws)) if used else np.nan,
                "null_sd": sd,
            }
        )
    rows.append(_omnibus(observed[:, 0], null[:, :, 0], np.asarray(sds)))
    return rows, warnings


def _omnibus(observed: np.ndarray, null: np.ndarray, sds: np.ndarray) -> dict[str, Any]:
    """All arms at once: sum of squared standardized statistics, one-sided."""
    use = np.isfinite(observed) & np.isfinite(sds) & (sds > 0)
    t_obs = float(np.sum((observed[use] / sds[use]) ** 2)) if use.any() else np.nan
    stat = np.sum((null[:, use] / sds[use]) ** 2, axis=1)
    stat = stat[np.isfinite(stat)]
    p = (1 + int(np.sum(stat >= t_obs - TIE_TOL))) / (1 + stat.size) if use.any() else np.nan
    return {
        "arm": "all",
        "term": "omnibus",
        "statistic": t_obs,
        "p_value": p,
        "mc_se": float(np.sqrt(p * (1 - p) / stat.size)) if stat.size else np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "n_draws": int(stat.size),
        "null_mean": float(stat.mean()) if stat.size else np.nan,
        "null_sd": float(stat.std(ddof=1)) if stat.size > 1 else np.nan,
    }


def invert_interval(
    t_obs: float, a: np.ndarray, b: np.ndarray, alpha: float
) -> tuple[float, float]:
    """Interval ``{tau : p(tau) > alpha}`` under a constant additive effect ``tau``.

    For a statistic linear in the outcome, re-drawing with the outcomes adjusted for ``tau``
    gives ``T*(tau) = a - tau b`` (``a``: the statistic of the outcome, ``b``: of the observed
    arm indicator, per draw); the hypothesis is rejected when ``|a - tau b| < |T_obs - tau|``
    for too few draws. Each end is found by bisection to 1e-10 of the null SD.
    """
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    if a.size == 0:
        return np.nan, np.nan

    def p_at(tau: float) -> float:
        extreme = np.sum(np.abs(a - tau * b) >= abs(t_obs - tau) - TIE_TOL)
        return (1 + int(extreme)) / (1 + a.size)

    scale = float(np.std(a)) or 1.0
    if (1 + 0) / (1 + a.size) > alpha:  # too few draws to reject anything
        return -np.inf, np.inf
    ends = []
    for direction in (-1.0, 1.0):
        inside, step = t_obs, scale
        outside = t_obs + direction * step
        while p_at(outside) > alpha:
            inside, step = outside, step * 2
            outside = t_obs + direction * step
            if step > 1e12 * scale:
                return -np.inf, np.inf
        for _ in range(200):
            mid = (inside + outside) / 2
            if p_at(mid) > alpha:
                inside = mid
            else:
                outside = mid
            if abs(outside - inside) < 1e-10 * scale:
                break
        ends.append(inside)
    return float(ends[0]), float(ends[1])
