"""Frozen result objects of the survival, competing-exits and monthly-panel estimators.

Every result has the same four views: ``to_frame()`` (the tidy table, fixed snake_case
columns, one row per arm/term/time), ``summary()`` (text a person reads), ``to_dict()``
(JSON-ready: the rows plus ``glance()``) and ``glance()`` (model-level facts: n, events, ties,
standard-error type, strata). Results are never changed after they are made; a different
variance estimator or another set of times gives a new object.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


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


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as plain Python dicts (NaN -> None), for JSON."""
    out: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if hasattr(value, "item") and callable(value.item):
                value = value.item()
            if isinstance(value, float) and not math.isfinite(value):
                value = None
            clean[str(key)] = value
        out.append(clean)
    return out


def _text_table(title: str, frame: pd.DataFrame, facts: dict[str, Any]) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in facts.items() if v is not None and k != "warnings")
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        body = frame.to_string(index=False, float_format=lambda v: f"{v:.4g}")
    notes = "".join(f"\nWarning: {w}" for w in facts.get("warnings") or ())
    return f"{title}\n{shown}\n{body}{notes}"


class _Views:
    """Shared ``to_dict`` and ``summary`` built on ``to_frame`` and ``glance``."""

    _title = "result"

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def glance(self) -> dict[str, Any]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return {"rows": _records(self.to_frame()), **self.glance()}

    def summary(self) -> str:
        return _text_table(self._title, self.to_frame(), self.glance())


@dataclass(frozen=True)
class KaplanMeierResult(_Views):
    """Kaplan-Meier curves per arm: the full curve and, when asked, rows at given times."""

    curve: pd.DataFrame
    at_times: pd.DataFrame | None
    conf_type: str
    conf_level: float
    arms: tuple[str, ...]
    strata: str | None
    n: int
    n_events: int
    _title = "Kaplan-Meier survival (time on benefit) per arm"

    def to_frame(self) -> pd.DataFrame:
        """Rows at the requested times, else the whole curve."""
        frame = self.at_times if self.at_times is not None else self.curve
        return frame.copy()

    def glance(self) -> dict[str, Any]:
        return {
            "estimator": "kaplan_meier",
            "conf_type": self.conf_type,
            "conf_level": self.conf_level,
            "arms": list(self.arms),
            "strata": self.strata,
            "n": self.n,
            "n_events": self.n_events,
        }


@dataclass(frozen=True)
class LogrankResult(_Views):
    """(Stratified) log-rank test of equal hazards across arms, as R's ``survdiff``."""

    statistic: float
    df: int
    p_value: float
    table: pd.DataFrame  # arm, n, observed, expected
    strata: str | None
    _title = "Log-rank test"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def glance(self) -> dict[str, Any]:
        return {
            "test": "logrank",
            "statistic": self.statistic,
            "df": self.df,
            "p_value": self.p_value,
            "strata": self.strata,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistic": self.statistic,
            "df": self.df,
            "p_value": self.p_value,
            "rows": _records(self.table),
        }


@dataclass(frozen=True)
class RMSTResult(_Views):
    """Restricted mean time on benefit up to ``tau`` per arm and each arm minus control."""

    table: (
        pd.DataFrame
    )  # arm, term (rmst | difference), estimate, std_error, statistic, p_value, ci
    tau: float
    conf_level: float
    control: str
    n: int
    _title = "Restricted mean time on benefit"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def glance(self) -> dict[str, Any]:
        return {
            "estimator": "rmst",
            "tau": self.tau,
            "conf_level": self.conf_level,
            "control": self.control,
            "n": self.n,
        }


@dataclass(frozen=True)
class ProportionalHazardsResult(_Views):
    """Score tests of proportional hazards per term and globally, as R's ``cox.zph``."""

    table: pd.DataFrame  # term, statistic, df, p_value
    transform: str
    _title = "Test of proportional hazards (scaled Schoenfeld residuals)"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def glance(self) -> dict[str, Any]:
        return {"test": "cox.zph", "transform": self.transform}


@dataclass(frozen=True)
class CoxResult(_Views):
    """Cox proportional hazards fit: one row per arm (against control) and covariate."""

    table: (
        pd.DataFrame
    )  # term, arm, coef, hazard_ratio, std_error, robust_std_error, statistic, p_value, ci
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
    warnings: tuple[str, ...] = ()
    _title = "Cox proportional hazards"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def glance(self) -> dict[str, Any]:
        return {
            "estimator": "cox",
            "ties": self.ties,
            "se_type": "robust" if self.robust else "model",
            "strata": self.strata,
            "cluster": self.cluster,
            "control": self.control,
            "n": self.n,
            "n_events": self.n_events,
            "loglik_null": self.loglik[0],
            "loglik": self.loglik[1],
            "iterations": self.iterations,
            "event_of_interest": self.event_of_interest,
            "warnings": list(self.warnings),
        }

    def proportional_hazards(self) -> ProportionalHazardsResult:
        """Score test of a constant coefficient against g(t) = 1 - KM(t-) (``cox.zph``, km)."""
        return ProportionalHazardsResult(self.zph.copy(), "km")


@dataclass(frozen=True)
class CumulativeIncidenceResult(_Views):
    """Cumulative incidence of each exit per arm (Aalen-Johansen), variance as ``cuminc``."""

    curve: (
        pd.DataFrame
    )  # arm, cause, time, cumulative_incidence, variance, std_error (at each jump)
    at_times: pd.DataFrame | None
    arms: tuple[str, ...]
    causes: tuple[int, ...]
    event_of_interest: int | None
    n: int
    _title = "Cumulative incidence per arm"

    def to_frame(self) -> pd.DataFrame:
        frame = self.at_times if self.at_times is not None else self.curve
        return frame.copy()

    def glance(self) -> dict[str, Any]:
        return {
            "estimator": "aalen_johansen",
            "variance": "cmprsk::cuminc",
            "arms": list(self.arms),
            "causes": list(self.causes),
            "event_of_interest": self.event_of_interest,
            "n": self.n,
        }


@dataclass(frozen=True)
class GrayTestResult(_Views):
    """Gray's (1988) K-sample test of equal cumulative incidence of one exit across arms."""

    statistic: float
    df: int
    p_value: float
    event_of_interest: int
    rho: float
    strata: str | None
    _title = "Gray's test"

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "event_of_interest": self.event_of_interest,
                    "statistic": self.statistic,
                    "df": self.df,
                    "p_value": self.p_value,
                }
            ]
        )

    def glance(self) -> dict[str, Any]:
        return {
            "test": "gray",
            "statistic": self.statistic,
            "df": self.df,
            "p_value": self.p_value,
            "event_of_interest": self.event_of_interest,
            "rho": self.rho,
            "strata": self.strata,
        }

    def to_dict(self) -> dict[str, Any]:
        return self.glance()


@dataclass(frozen=True)
class FineGrayResult(_Views):
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
    warnings: tuple[str, ...] = ()
    _title = "Fine-Gray subdistribution hazards"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def glance(self) -> dict[str, Any]:
        return {
            "estimator": "fine_gray",
            "event_of_interest": self.event_of_interest,
            "control": self.control,
            "n": self.n,
            "n_events": self.n_events,
            "iterations": self.iterations,
            "converged": self.converged,
            "loglik": self.loglik,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class PanelResult(_Views):
    """Person-month linear probability model: arm effects pooled or by month since assignment."""

    table: (
        pd.DataFrame
    )  # arm, term, month, estimate, std_error, statistic, p_value, ci_low, ci_high
    coefficients: pd.DataFrame  # term, estimate, std_error (the raw regression)
    outcome: str
    by_month: bool
    se_type: str
    control: str
    n_obs: int
    n_clusters: int
    conf_level: float
    _title = "Person-month regression"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def glance(self) -> dict[str, Any]:
        return {
            "estimator": "ols_person_month",
            "outcome": self.outcome,
            "by_month": self.by_month,
            "se_type": self.se_type,
            "control": self.control,
            "n_obs": self.n_obs,
            "n_clusters": self.n_clusters,
            "conf_level": self.conf_level,
        }
