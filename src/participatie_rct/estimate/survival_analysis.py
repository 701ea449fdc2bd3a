"""All views of outflow over time in one call: what ``estimate survival`` and reports show.

:func:`survival_analysis` runs Kaplan-Meier per arm, the (stratified) log-rank test and the
Cox model on all exits; with ``event_of_interest`` also the cumulative incidence of that exit,
Gray's test, the Fine-Gray model and the cause-specific Cox model; with ``tau`` the restricted
mean time on benefit. Its ``to_dict()`` has the keys of the CLI contract (``km``, ``logrank``,
``cox``, ``cif``, ``gray``, ``fine_gray``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from participatie_rct.estimate.competing import cumulative_incidence, fine_gray, gray_test
from participatie_rct.estimate.cox import cox
from participatie_rct.estimate.km import kaplan_meier
from participatie_rct.estimate.logrank import logrank
from participatie_rct.estimate.rmst import rmst
from participatie_rct.estimate.survival_results import (
    CoxResult,
    CumulativeIncidenceResult,
    FineGrayResult,
    GrayTestResult,
    KaplanMeierResult,
    LogrankResult,
    RMSTResult,
    _records,
)

_KM_KEYS = ["arm", "time", "survival", "std_error", "ci_low", "ci_high", "n_risk"]
_COX_KEYS = [
    "term",
    "arm",
    "coef",
    "hazard_ratio",
    "std_error",
    "robust_std_error",
    "p_value",
    "ci_low",
    "ci_high",
]
_CIF_KEYS = ["arm", "time", "cumulative_incidence", "std_error", "variance", "cause"]
_FG_KEYS = ["term", "arm", "coef", "hazard_ratio", "std_error", "p_value", "ci_low", "ci_high"]


@dataclass(frozen=True)
class SurvivalAnalysis:
    """The bundle of survival results; each part keeps its own ``to_frame``/``summary``."""

    km: KaplanMeierResult
    logrank: LogrankResult
    cox: CoxResult
    cif: CumulativeIncidenceResult | None = None
    gray: GrayTestResult | None = None
    fine_gray: FineGrayResult | None = None
    cause_specific_cox: CoxResult | None = None
    rmst: RMSTResult | None = None

    def to_frame(self) -> pd.DataFrame:
        """The Cox rows (the headline hazard ratios)."""
        return self.cox.to_frame()

    @property
    def warnings(self) -> tuple[str, ...]:
        """What could not be estimated and why, from every part (each said once)."""
        parts = (self.cox, self.fine_gray, self.cause_specific_cox)
        found = [w for p in parts if p is not None for w in p.warnings]
        return tuple(dict.fromkeys(found))

    def glance(self) -> dict[str, Any]:
        return {
            "km": self.km.glance(),
            "cox": self.cox.glance(),
            "warnings": list(self.warnings),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``estimate survival --format json`` (CONTRACT.md)."""
        km = self.km.to_frame()
        out: dict[str, Any] = {
            "km": _records(km[[c for c in _KM_KEYS if c in km.columns]]),
            "logrank": {
                "statistic": self.logrank.statistic,
                "df": self.logrank.df,
                "p_value": self.logrank.p_value,
            },
            "cox": _records(self.cox.to_frame()[_COX_KEYS]),
        }
        if self.cif is not None:
            out["cif"] = _records(self.cif.to_frame()[_CIF_KEYS])
        if self.gray is not None:
            out["gray"] = {
                "statistic": self.gray.statistic,
                "df": self.gray.df,
                "p_value": self.gray.p_value,
            }
        if self.fine_gray is not None:
            out["fine_gray"] = _records(self.fine_gray.to_frame()[_FG_KEYS])
        if self.cause_specific_cox is not None:
            out["cause_specific_cox"] = _records(self.cause_specific_cox.to_frame()[_COX_KEYS])
        if self.rmst is not None:
            out["rmst"] = _records(self.rmst.to_frame())
        out["warnings"] = list(self.warnings)
        out["settings"] = {
            "ties": self.cox.ties,
            "strata": self.cox.strata,
            "control": self.cox.control,
            "n": self.cox.n,
            "n_events": self.cox.n_events,
            "conf_type": self.km.conf_type,
            "event_of_interest": self.gray.event_of_interest if self.gray is not None else None,
        }
        return out

    def summary(self) -> str:
        parts = [self.km.summary(), self.logrank.summary(), self.cox.summary()]
        parts += [
            p.summary()
            for p in (self.rmst, self.cif, self.gray, self.fine_gray, self.cause_specific_cox)
            if p is not None
        ]
        return "\n\n".join(parts)

    def warning_lines(self) -> str:
        """One line per warning, for the end of the text output ('' when there are none)."""
        return "\n".join(f"Warning: {w}" for w in self.warnings)


def survival_analysis(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    control: str | None = None,
    covariates: Sequence[str] = (),
    strata: str | None = None,
    event_of_interest: int | None = None,
    times: Sequence[float] | None = None,
    tau: float | None = None,
    conf_type: str = "log",
) -> SurvivalAnalysis:
    """Kaplan-Meier, log-rank and Cox on all exits; competing exits for ``event_of_interest``."""
    # the columns every estimator reads, named once
    cols: dict[str, Any] = {
        "time": time,
        "event": event,
        "treatment": treatment,
        "control": control,
    }
    km = kaplan_meier(data, **cols, times=times, conf_type=conf_type)
    lr = logrank(data, **cols, strata=strata)
    fit = cox(data, **cols, covariates=covariates, strata=strata)
    extra: dict[str, Any] = {}
    if event_of_interest is not None:
        code = int(event_of_interest)
        extra["cif"] = cumulative_incidence(data, **cols, event_of_interest=code, times=times)
        extra["gray"] = gray_test(data, **cols, event_of_interest=code, strata=strata)
        extra["fine_gray"] = fine_gray(data, **cols, event_of_interest=code, covariates=covariates)
        extra["cause_specific_cox"] = cox(
            data, **cols, covariates=covariates, strata=strata, event_of_interest=code
        )
    if tau is not None:
        extra["rmst"] = rmst(data, **cols, tau=tau)
    return SurvivalAnalysis(km=km, logrank=lr, cox=fit, **extra)
