"""Kaplan-Meier survival curves per arm, with Greenwood standard errors and intervals.

The curve is built from sorted unique times and counts (no per-subject loop), so it scales to
hundreds of thousands of participants. Conventions follow R's ``survival::survfit`` and
``summary.survfit``: ``std_error`` is the standard error of S(t) (Greenwood), intervals are
``log`` (default) or ``log-log`` on the cumulative-hazard scale, and a curve read at a time
``t`` takes the value of the last step at or before ``t`` with ``n_risk`` = number still
followed at ``t``.

This module also holds the input checks every survival estimator shares
(:func:`prepare_survival`), so that each of them names a bad column, value and rows the
same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from participatie_rct.errors import EstimationError, line_list
from participatie_rct.estimate.arms import arm_codes
from participatie_rct.estimate.design_matrix import refuse_stray_text
from participatie_rct.estimate.survival_results import KaplanMeierResult
from participatie_rct.tidy import resolve_level

if TYPE_CHECKING:
    from numpy.typing import NDArray

CONF_TYPES = ("log", "log-log", "plain")


@dataclass(frozen=True)
class SurvivalData:
    """Checked arrays of one survival analysis (rows with a missing value refused, not dropped)."""

    time: NDArray[np.float64]
    event: NDArray[np.int64]
    arm: NDArray[np.int64]  # 0 = control, 1.. = the other arms in ``levels`` order
    levels: tuple[str, ...]  # arm labels as text; levels[0] is the control arm
    stratum: NDArray[np.int64]
    stratum_levels: tuple[str, ...]
    covariates: NDArray[np.float64]  # (n, p) numeric design of the covariates (may be p = 0)
    covariate_names: tuple[str, ...]
    cluster: NDArray[np.int64] | None


def time_grid(times: Sequence[float] | None) -> np.ndarray | None:
    """The times a curve is read at, sorted; each must be a number >= 0 (time since assignment).

    >>> time_grid([12, 6]).tolist()
    [6.0, 12.0]
    """
    if times is None:
        return None
    grid = []
    for value in times:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not 0 <= number < float("inf"):
            raise EstimationError(
                f"times=: {value!r} is not a time since assignment (a number >= 0). Give times "
                "such as times=[6, 12, 24]."
            )
        grid.append(number)
    return np.asarray(sorted(grid))


def _column(data: pd.DataFrame, name: str, role: str) -> pd.Series:
    if name not in data.columns:
        shown = ", ".join(map(str, list(data.columns)[:12]))
        raise EstimationError(
            f"The {role} column {name!r} is not in the data (columns: {shown}). "
            f"Name an existing column with the {role} option."
        )
    column = data[name]
    missing = np.flatnonzero(column.isna().to_numpy())
    if missing.size:
        raise EstimationError(
            f"column {name!r}: {_rows(missing.size)} no value ({line_list(missing + 2)} "
            "of the file, counting the header as line 1). Survival estimators refuse missing "
            "values rather than drop "
            "them silently: fill them in or remove these rows."
        )
    return column


def _levels_text(values: pd.Series) -> pd.Series:
    """Arm or stratum labels as text; integral floats (1.0) read as ``"1"``."""
    if pd.api.types.is_float_dtype(values) and np.all(np.mod(values.to_numpy(), 1) == 0):
        values = values.astype(np.int64)
    return values.astype(str)


def _covariate_matrix(
    data: pd.DataFrame, covariates: Sequence[str]
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Numeric covariates as they are; text covariates as dummies (first level dropped)."""
    blocks: list[np.ndarray] = []
    names: list[str] = []
    for name in covariates:
        column = _column(data, name, "covariate")
        refuse_stray_text(column, name)
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            blocks.append(column.to_numpy(dtype=float)[:, None])
            names.append(name)
        else:
            text = column.astype(str)
            levels = sorted(text.unique())
            for level in levels[1:]:
                blocks.append((text == level).to_numpy(dtype=float)[:, None])
                names.append(f"{name}[{level}]")
    if not blocks:
        return np.zeros((len(data), 0)), ()
    return np.hstack(blocks), tuple(names)


def _rows(count: int) -> str:
    """``"1 row has"`` / ``"3 rows have"``."""
    return "1 row has" if count == 1 else f"{count} rows have"


def _shown(value: object) -> str:
    """A cell value for a message: numpy scalars as plain Python values."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def prepare_survival(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    control: str | None = None,
    strata: str | None = None,
    covariates: Sequence[str] = (),
    cluster: str | None = None,
) -> SurvivalData:
    """Check and code the columns of a survival analysis; raise naming column, rows and fix."""
    if not isinstance(data, pd.DataFrame):
        raise EstimationError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    if len(data) == 0:
        raise EstimationError("The data have no rows; survival estimators need participants.")
    roles = {"time": time, "event": event, "treatment": treatment}
    for role, name in roles.items():
        other = next((r for r, n in roles.items() if n == name and r != role), None)
        if other is not None:
            raise EstimationError(
                f"column {name!r} is named as both {role} and {other}. Each role needs its own "
                "column: check time=, event= and treatment=."
            )
    for name in covariates:
        covariate_role = {time: "time", event: "event", treatment: "treatment"}.get(name)
        if covariate_role is not None:
            raise EstimationError(
                f"column {name!r} is the {covariate_role} column and also a covariate. "
                "Covariates are "
                f"baseline characteristics: leave {name!r} out of covariates=."
            )
    t_col = _column(data, time, "time")
    t = pd.to_numeric(t_col, errors="coerce").to_numpy(dtype=float)
    text = np.flatnonzero(np.isnan(t))
    if text.size:
        raise EstimationError(
            f"column {time!r}: {_rows(text.size)} text where a time belongs "
            f"({line_list(text + 2)}, e.g. {_shown(t_col.iloc[text[0]])}). Times are numbers "
            "(months or days since assignment): correct those cells."
        )
    bad = np.flatnonzero(~np.isfinite(t) | (t < 0))
    if bad.size:
        raise EstimationError(
            f"column {time!r}: {_rows(bad.size)} a negative or infinite time "
            f"({line_list(bad + 2)}, e.g. {_shown(t[bad[0]])}). Times count from assignment "
            "and cannot be negative."
        )
    e_col = _column(data, event, "event")
    if pd.api.types.is_bool_dtype(e_col):
        e = e_col.to_numpy().astype(np.int64)
    else:
        raw = pd.to_numeric(e_col, errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(raw) | (raw < 0) | (np.mod(raw, 1) != 0))
        if bad.size:
            raise EstimationError(
                f"column {event!r}: {_rows(bad.size)} no valid event code "
                f"({line_list(bad + 2)}, e.g. {_shown(e_col.iloc[bad[0]])}). Use 0 for "
                "censored and 1, 2, ... for the kind of exit."
            )
        e = raw.astype(np.int64)
    arm, levels = arm_codes(_column(data, treatment, "treatment"), control, treatment)
    if strata is None:
        stratum = np.zeros(len(data), dtype=np.int64)
        stratum_levels: tuple[str, ...] = ("all",)
    else:
        s_text = _levels_text(_column(data, strata, "strata"))
        cat = pd.Categorical(s_text)
        stratum = cat.codes.astype(np.int64)
        stratum_levels = tuple(map(str, cat.categories))
    x, names = _covariate_matrix(data, covariates)
    clus = None
    if cluster is not None:
        clus = pd.factorize(_column(data, cluster, "cluster"))[0].astype(np.int64)
    return SurvivalData(t, e, arm, levels, stratum, stratum_levels, x, names, clus)


def _z(conf_level: float) -> float:
    return float(stats.norm.ppf(0.5 + conf_level / 2))


def km_table(time: np.ndarray, event: np.ndarray) -> dict[str, np.ndarray]:
    """One Kaplan-Meier curve at every unique time (event or censoring), as survfit keeps it.

    S(t) = prod_{t_j <= t} (1 - d_j / n_j); Greenwood: var(log S) = sum d_j / (n_j (n_j - d_j))
    (Kalbfleisch and Prentice 2002, eq. 1.13).
    """
    times, inverse = np.unique(time, return_inverse=True)
    total = np.bincount(inverse, minlength=times.size)
    deaths = np.bincount(inverse, weights=(event > 0).astype(float), minlength=times.size)
    n_risk = np.cumsum(total[::-1])[::-1].astype(float)
    surv = np.cumprod(1.0 - deaths / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        inc = np.where(deaths > 0, deaths / (n_risk * (n_risk - deaths)), 0.0)
    greenwood = np.cumsum(inc)  # inf once everyone left has the event (S = 0)
    return {
        "time": times,
        "n_risk": n_risk,
        "n_event": deaths,
        "n_censor": total - deaths,
        "survival": surv,
        "se_cumhaz": np.sqrt(greenwood),
    }


def confidence_interval(
    surv: np.ndarray, se_cumhaz: np.ndarray, conf_type: str, conf_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise interval for S(t), as ``survfit``'s ``conf.type`` (log, log-log, plain)."""
    z = _z(conf_level)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "log":
            low = surv * np.exp(-z * se_cumhaz)
            high = np.minimum(surv * np.exp(z * se_cumhaz), 1.0)
        elif conf_type == "log-log":
            # exp(-exp(log(-log S) -/+ z se / log S)), undefined at S = 0 or 1
            inner = np.where((surv > 0) & (surv < 1), surv, np.nan)
            log_s = np.log(inner)
            low = np.exp(-np.exp(np.log(-log_s) - z * se_cumhaz / log_s))
            high = np.exp(-np.exp(np.log(-log_s) + z * se_cumhaz / log_s))
        else:
            se = surv * se_cumhaz
            low = np.maximum(surv - z * se, 0.0)
            high = np.minimum(surv + z * se, 1.0)
    if conf_type == "log":
        # R: at S = 0 the log interval is undefined; where se = 0 it collapses onto S
        low = np.where(surv > 0, low, np.nan)
        high = np.where(surv > 0, high, np.nan)
    return low, high


def se_of_survival(surv: np.ndarray, se_cumhaz: np.ndarray) -> np.ndarray:
    """Greenwood standard error of S: S * sd(cumulative hazard); undefined (NaN) once S = 0."""
    with np.errstate(invalid="ignore"):
        return np.where(surv > 0, surv * se_cumhaz, np.nan)


def read_at(
    curve_time: np.ndarray, values: np.ndarray, times: np.ndarray, before: float
) -> np.ndarray:
    """Step function read at ``times``: the value of the last step at or before each time."""
    index = np.searchsorted(curve_time, times, side="right") - 1
    padded = np.concatenate([[before], values])
    return padded[index + 1]


def kaplan_meier(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    conf_type: str = "log",
    times: Sequence[float] | None = None,
    strata: str | None = None,
    control: str | None = None,
    conf_level: float = 0.95,
) -> KaplanMeierResult:
    """Kaplan-Meier curve of time on benefit per arm (and per stratum when ``strata`` is given).

    Any non-zero ``event`` code counts as an exit (competing exits pooled). ``times`` selects
    the rows of ``to_frame()``; the full curve stays in ``.curve``.

    Notes
    -----
    Greenwood standard error of S: S(t) * sqrt(sum d_j / (n_j (n_j - d_j))), as
    ``summary(survfit(...))$std.err``. Log interval: S exp(+/- z se_H); log-log:
    exp(-exp(log(-log S) -/+ z se_H / log S)) with se_H the Greenwood sd of the cumulative hazard.
    """
    if conf_type not in CONF_TYPES:
        raise EstimationError(
            f"conf_type must be one of {', '.join(CONF_TYPES)}; got {conf_type!r}."
        )
    conf_level = resolve_level(conf_level)
    sd = prepare_survival(
        data, time=time, event=event, treatment=treatment, control=control, strata=strata
    )
    frames: list[pd.DataFrame] = []
    at: list[pd.DataFrame] = []
    grid = time_grid(times)
    for s_code, s_label in enumerate(sd.stratum_levels):
        for a_code, a_label in enumerate(sd.levels):
            keep = (sd.arm == a_code) & (sd.stratum == s_code)
            if not keep.any():
                continue
            tab = km_table(sd.time[keep], sd.event[keep])
            low, high = confidence_interval(
                tab["survival"], tab["se_cumhaz"], conf_type, conf_level
            )
            curve = pd.DataFrame(
                {
                    "arm": a_label,
                    "stratum": s_label if strata is not None else None,
                    "time": tab["time"],
                    "n_risk": tab["n_risk"].astype(np.int64),
                    "n_event": tab["n_event"].astype(np.int64),
                    "n_censor": tab["n_censor"].astype(np.int64),
                    "survival": tab["survival"],
                    "std_error": se_of_survival(tab["survival"], tab["se_cumhaz"]),
                    "ci_low": low,
                    "ci_high": high,
                }
            )
            frames.append(curve)
            if grid is not None:
                at.append(_rows_at(curve, sd.time[keep], grid, tab, conf_type, conf_level))
    curve_all = pd.concat(frames, ignore_index=True)
    at_times = pd.concat(at, ignore_index=True) if at else None
    return KaplanMeierResult(
        curve=curve_all,
        at_times=at_times,
        conf_type=conf_type,
        conf_level=conf_level,
        arms=sd.levels,
        strata=strata,
        n=int(sd.time.size),
        n_events=int((sd.event > 0).sum()),
    )


def _rows_at(
    curve: pd.DataFrame,
    subject_time: np.ndarray,
    grid: np.ndarray,
    tab: dict[str, Any],
    conf_type: str,
    conf_level: float,
) -> pd.DataFrame:
    """``summary(survfit, times = grid, extend = TRUE)``: the step at or before each time."""
    ct = tab["time"]
    surv = read_at(ct, tab["survival"], grid, 1.0)
    se_h = read_at(ct, tab["se_cumhaz"], grid, 0.0)
    low, high = confidence_interval(surv, se_h, conf_type, conf_level)
    sorted_times = np.sort(subject_time)
    n_risk = subject_time.size - np.searchsorted(sorted_times, grid, side="left")
    return pd.DataFrame(
        {
            "arm": curve["arm"].iloc[0],
            "stratum": curve["stratum"].iloc[0],
            "time": grid,
            "n_risk": n_risk.astype(np.int64),
            "survival": surv,
            "std_error": se_of_survival(surv, se_h),
            "ci_low": low,
            "ci_high": high,
        }
    )
