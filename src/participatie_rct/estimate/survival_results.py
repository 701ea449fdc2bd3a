"""Frozen result objects of the survival, competing-exits and monthly-panel estimators.

Every result follows the contract of :mod:`participatie_rct.tidy`: ``to_frame()`` (the tidy
table: ``term, estimate, std_error, statistic, p_value, ci_low, ci_high``; curves ``arm, time,
estimate, std_error, ci_low, ci_high, n_risk``; ratio models on the log scale with
``exp_estimate, exp_ci_low, exp_ci_high``), ``glance()`` (a dict: n, rows dropped per arm,
the control, settings, warnings), ``to_dict()``, ``summary()`` and a short ``repr``. The
objects also keep the tables the estimators built (``curve``, ``table``), in the estimators'
own names (``survival``, ``coef``, ``hazard_ratio``). Results are never changed after they
are made; a different variance estimator or another set of times gives a new object.

Survival estimators refuse missing values instead of dropping rows, so ``n_dropped_by_arm``
is 0 for every arm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from participatie_rct.estimate.intervals import log_log_interval
from participatie_rct.tidy import (
    CURVE_COLUMNS,
    ESTIMATE_COLUMNS,
    TidyResult,
    base_glance,
    with_ratio_columns,
)


def hazard_ratio_table(
    names: Any,
    arms: Any,
    beta: np.ndarray,
    std_error: np.ndarray,
    *,
    conf_level: float,
    robust_std_error: np.ndarray | None = None,
    robust: bool = False,
) -> pd.DataFrame:
    """The coefficient table of a proportional hazards fit (Cox, Fine-Gray).

    Wald z tests and intervals on the log scale, exponentiated: ``exp(b +- z_q * se)``, with
    the robust standard error when ``robust`` (as ``summary.coxph``), else the model one.
    """
    from scipy import stats

    used = robust_std_error if robust and robust_std_error is not None else std_error
    z = beta / used
    q = float(stats.norm.ppf(0.5 + conf_level / 2))
    columns: dict[str, Any] = {
        "term": names,
        "arm": arms,
        "coef": beta,
        "hazard_ratio": np.exp(beta),
        "std_error": std_error,
    }
    if robust_std_error is not None:
        columns["robust_std_error"] = robust_std_error
    columns |= {
        "statistic": z,
        "p_value": 2 * stats.norm.sf(np.abs(z)),
        "ci_low": np.exp(beta - q * used),
        "ci_high": np.exp(beta + q * used),
        "conf_level": conf_level,
    }
    return pd.DataFrame(columns)


def _ordered(frame: pd.DataFrame, first: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` with the columns ``first`` in front (those it has), the rest after."""
    front = [c for c in first if c in frame.columns]
    return frame[front + [c for c in frame.columns if c not in front]].reset_index(drop=True)


def _test_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A table of tests (no estimate): the estimate, standard error and interval are NaN."""
    out = frame.copy()
    for column in ("estimate", "std_error", "ci_low", "ci_high"):
        if column not in out.columns:
            out[column] = np.nan
    return _ordered(out, ("arm", *ESTIMATE_COLUMNS, "df"))


def ratio_frame(table: pd.DataFrame, robust: bool = False) -> pd.DataFrame:
    """The contract frame of a proportional hazards fit from its coefficient table.

    ``estimate`` is the log hazard ratio, ``std_error`` the standard error its test and
    interval use (the robust one when ``robust``), ``ci_low``/``ci_high`` on the log scale;
    ``exp_estimate``, ``exp_ci_low``, ``exp_ci_high`` the hazard ratio and its interval.
    ``model_std_error`` is the model-based standard error, beside ``robust_std_error``.
    """
    out = table.rename(columns={"coef": "estimate", "std_error": "model_std_error"})
    used = "robust_std_error" if robust and "robust_std_error" in out.columns else None
    out["std_error"] = out[used] if used else out["model_std_error"]
    with np.errstate(divide="ignore"):
        out["ci_low"] = np.log(table["ci_low"].to_numpy(dtype=float))
        out["ci_high"] = np.log(table["ci_high"].to_numpy(dtype=float))
    out = with_ratio_columns(out.drop(columns=["hazard_ratio"]))
    # the exponentiated interval exactly as computed (not exp(log(.)) of it)
    out["exp_ci_low"], out["exp_ci_high"] = table["ci_low"], table["ci_high"]
    return _ordered(out, ("arm", *ESTIMATE_COLUMNS, "exp_estimate", "exp_ci_low", "exp_ci_high"))


#: the columns a ratio model's repr shows: hazard ratios and their intervals
RATIO_SHOWN = ("term", "arm", "exp_estimate", "std_error", "p_value", "exp_ci_low", "exp_ci_high")


def _none_dropped(arms: tuple[str, ...] | list[str]) -> dict[str, int]:
    return {str(a): 0 for a in arms}


@dataclass(frozen=True, repr=False)
class KaplanMeierResult(TidyResult):
    """Kaplan-Meier curves per arm: the full curve and, when asked, rows at given times."""

    curve: pd.DataFrame
    at_times: pd.DataFrame | None
    conf_type: str
    conf_level: float
    arms: tuple[str, ...]
    strata: str | None
    n: int
    n_events: int
    warnings: tuple[str, ...] = ()
    _title = "Kaplan-Meier survival (time on benefit) per arm"

    def to_frame(self) -> pd.DataFrame:
        """Rows at the requested times, else the whole curve; ``estimate`` is S(t)."""
        frame = self.at_times if self.at_times is not None else self.curve
        return _ordered(frame.rename(columns={"survival": "estimate"}), CURVE_COLUMNS)

    def glance(self) -> dict[str, Any]:
        return base_glance(
            n=self.n,
            control=self.arms[0],
            n_dropped_by_arm=_none_dropped(self.arms),
            warnings=self.warnings,
            estimator="kaplan_meier",
            conf_type=self.conf_type,
            conf_level=self.conf_level,
            arms=list(self.arms),
            strata=self.strata,
            n_events=self.n_events,
        )


@dataclass(frozen=True, repr=False)
class LogrankResult(TidyResult):
    """(Stratified) log-rank test of equal hazards across arms, as R's ``survdiff``."""

    statistic: float
    df: int
    p_value: float
    table: pd.DataFrame  # arm, n, observed, expected, variance
    strata: str | None
    warnings: tuple[str, ...] = ()
    _title = "Log-rank test"

    def to_frame(self) -> pd.DataFrame:
        """One row per arm: ``estimate`` observed minus expected exits, with its standard
        error; ``statistic``, ``df`` and ``p_value`` are the test across all arms."""
        out = self.table.copy()
        out["term"] = "logrank"
        out["estimate"] = out["observed"] - out["expected"]
        if "variance" in out.columns:
            out["std_error"] = np.sqrt(out["variance"].to_numpy(dtype=float))
        out["statistic"], out["df"], out["p_value"] = self.statistic, self.df, self.p_value
        return _test_frame(out)

    def glance(self) -> dict[str, Any]:
        arms = [str(a) for a in self.table["arm"]]
        return base_glance(
            n=int(self.table["n"].sum()),
            control=arms[0] if arms else None,
            n_dropped_by_arm=_none_dropped(arms),
            warnings=self.warnings,
            test="logrank",
            statistic=self.statistic,
            df=self.df,
            p_value=self.p_value,
            strata=self.strata,
        )


@dataclass(frozen=True, repr=False)
class RMSTResult(TidyResult):
    """Restricted mean time on benefit up to ``tau`` per arm and each arm minus control."""

    table: pd.DataFrame  # arm, term (rmst | difference), estimate, std_error, statistic, ...
    tau: float
    conf_level: float
    control: str
    n: int
    warnings: tuple[str, ...] = ()
    _title = "Restricted mean time on benefit"

    def to_frame(self) -> pd.DataFrame:
        return _ordered(self.table, ("arm", *ESTIMATE_COLUMNS))

    def glance(self) -> dict[str, Any]:
        return base_glance(
            n=self.n,
            control=self.control,
            n_dropped_by_arm=_none_dropped(list(dict.fromkeys(self.table["arm"]))),
            warnings=self.warnings,
            estimator="rmst",
            tau=self.tau,
            conf_level=self.conf_level,
        )


@dataclass(frozen=True, repr=False)
class ProportionalHazardsResult(TidyResult):
    """Score tests of proportional hazards per term and globally, as R's ``cox.zph``."""

    table: pd.DataFrame  # term, statistic, df, p_value
    transform: str
    n: int = 0
    control: str | None = None
    warnings: tuple[str, ...] = ()
    _title = "Test of proportional hazards (scaled Schoenfeld residuals)"

    def to_frame(self) -> pd.DataFrame:
        """One row per term and ``GLOBAL``: a test, so ``estimate`` and its interval are NaN."""
        return _test_frame(self.table)

    def glance(self) -> dict[str, Any]:
        return base_glance(
            n=self.n,
            control=self.control,
            warnings=self.warnings,
            test="cox.zph",
            transform=self.transform,
        )


@dataclass(frozen=True, repr=False)
class CoxResult(TidyResult):
    """Cox proportional hazards fit: one row per arm (against control) and covariate."""

    table: pd.DataFrame  # term, arm, coef, hazard_ratio, std_error, robust_std_error, ...
    vcov: np.ndarray
    robust_vcov: np.ndarray | None
    loglik: tuple[float, float]  # (at beta = 0, at the estimate)
    ties: str
    robust: bool
    strata: str | None
    cluster: str | None
    control: str
    n: int
    n_events: int
    iterations: int
    zph: pd.DataFrame = field(repr=False)
    event_of_interest: int | None = None
    arms: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    _title = "Cox proportional hazards"

    def to_frame(self) -> pd.DataFrame:
        """Log hazard ratios (``estimate``) and hazard ratios (``exp_estimate``), see
        :func:`ratio_frame`."""
        return ratio_frame(self.table, self.robust)

    def glance(self) -> dict[str, Any]:
        return base_glance(
            n=self.n,
            control=self.control,
            n_dropped_by_arm=_none_dropped(self.arms or (self.control,)),
            warnings=self.warnings,
            estimator="cox",
            ties=self.ties,
            se_type="robust" if self.robust else "model",
            strata=self.strata,
            cluster=self.cluster,
            n_events=self.n_events,
            loglik_null=self.loglik[0],
            loglik=self.loglik[1],
            iterations=self.iterations,
            event_of_interest=self.event_of_interest,
            conf_level=_level_of(self.table),
        )

    def _shown_frame(self) -> pd.DataFrame:
        return self.to_frame()[list(RATIO_SHOWN)]

    def proportional_hazards(self) -> ProportionalHazardsResult:
        """Score test of a constant coefficient against g(t) = 1 - KM(t-) (``cox.zph``, km)."""
        return ProportionalHazardsResult(self.zph.copy(), "km", self.n, self.control)


def _level_of(table: pd.DataFrame) -> float | None:
    """The ``conf_level`` a coefficient table was made with (None when it has no rows)."""
    if "conf_level" not in table.columns or table.empty:
        return None
    return float(table["conf_level"].iloc[0])


@dataclass(frozen=True, repr=False)
class CumulativeIncidenceResult(TidyResult):
    """Cumulative incidence of each exit per arm (Aalen-Johansen), variance as ``cuminc``."""

    curve: pd.DataFrame  # arm, cause, time, cumulative_incidence, variance, std_error, n_risk
    at_times: pd.DataFrame | None
    arms: tuple[str, ...]
    causes: tuple[int, ...]
    event_of_interest: int | None
    n: int
    conf_level: float = 0.95
    warnings: tuple[str, ...] = ()
    _title = "Cumulative incidence per arm"

    def to_frame(self) -> pd.DataFrame:
        """Rows at the requested times, else at every jump; ``estimate`` is F(t), with the
        interval of :func:`participatie_rct.estimate.intervals.log_log_interval`."""
        frame = self.at_times if self.at_times is not None else self.curve
        out = frame.rename(columns={"cumulative_incidence": "estimate"})
        out["ci_low"], out["ci_high"] = log_log_interval(
            out["estimate"].to_numpy(dtype=float),
            out["std_error"].to_numpy(dtype=float),
            conf_level=self.conf_level,
        )
        return _ordered(out, CURVE_COLUMNS)

    def glance(self) -> dict[str, Any]:
        return base_glance(
            n=self.n,
            control=self.arms[0],
            n_dropped_by_arm=_none_dropped(self.arms),
            warnings=self.warnings,
            estimator="aalen_johansen",
            variance="cmprsk::cuminc",
            conf_level=self.conf_level,
            arms=list(self.arms),
            causes=list(self.causes),
            event_of_interest=self.event_of_interest,
        )


@dataclass(frozen=True, repr=False)
class GrayTestResult(TidyResult):
    """Gray's (1988) K-sample test of equal cumulative incidence of one exit across arms."""

    statistic: float
    df: int
    p_value: float
    event_of_interest: int
    rho: float
    strata: str | None
    n: int = 0
    arms: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    _title = "Gray's test"

    def to_frame(self) -> pd.DataFrame:
        """One row, the test across all arms: ``estimate`` and its interval are NaN."""
        row = {
            "term": "gray",
            "statistic": self.statistic,
            "df": self.df,
            "p_value": self.p_value,
            "event_of_interest": self.event_of_interest,
        }
        return _test_frame(pd.DataFrame([row]))

    def glance(self) -> dict[str, Any]:
        return base_glance(
            n=self.n,
            control=self.arms[0] if self.arms else None,
            n_dropped_by_arm=_none_dropped(self.arms),
            warnings=self.warnings,
            test="gray",
            statistic=self.statistic,
            df=self.df,
            p_value=self.p_value,
            event_of_interest=self.event_of_interest,
            rho=self.rho,
            strata=self.strata,
        )


@dataclass(frozen=True, repr=False)
class FineGrayResult(TidyResult):
    """Fine-Gray subdistribution hazard regression, as ``cmprsk::crr``."""

    table: pd.DataFrame  # term, arm, coef, hazard_ratio, std_error, statistic, p_value, ci
    vcov: np.ndarray
    event_of_interest: int
    control: str
    n: int
    n_events: int
    iterations: int
    converged: bool
    loglik: float
    arms: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    _title = "Fine-Gray subdistribution hazards"

    def to_frame(self) -> pd.DataFrame:
        """Log subdistribution hazard ratios and their exponentials, see :func:`ratio_frame`."""
        return ratio_frame(self.table)

    def glance(self) -> dict[str, Any]:
        return base_glance(
            n=self.n,
            control=self.control,
            n_dropped_by_arm=_none_dropped(self.arms or (self.control,)),
            warnings=self.warnings,
            estimator="fine_gray",
            event_of_interest=self.event_of_interest,
            n_events=self.n_events,
            iterations=self.iterations,
            converged=self.converged,
            loglik=self.loglik,
            conf_level=_level_of(self.table),
        )

    def _shown_frame(self) -> pd.DataFrame:
        return self.to_frame()[list(RATIO_SHOWN)]


@dataclass(frozen=True, repr=False)
class PanelResult(TidyResult):
    """Person-month linear probability model: arm effects pooled or by month since assignment."""

    table: pd.DataFrame  # arm, term, month, estimate, std_error, statistic, p_value, ci
    coefficients: pd.DataFrame  # term, estimate, std_error (the raw regression)
    outcome: str
    by_month: bool
    se_type: str
    control: str
    n_obs: int
    n_clusters: int
    conf_level: float
    warnings: tuple[str, ...] = ()
    _title = "Person-month regression"

    def to_frame(self) -> pd.DataFrame:
        return _ordered(self.table, ("arm", *ESTIMATE_COLUMNS))

    def glance(self) -> dict[str, Any]:
        """``n`` counts people (the clusters); ``n_obs`` person-months."""
        return base_glance(
            n=self.n_clusters,
            control=self.control,
            warnings=self.warnings,
            estimator="ols_person_month",
            outcome=self.outcome,
            by_month=self.by_month,
            se_type=self.se_type,
            n_obs=self.n_obs,
            n_clusters=self.n_clusters,
            conf_level=self.conf_level,
        )
