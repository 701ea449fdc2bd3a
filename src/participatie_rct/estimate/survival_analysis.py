"""All views of outflow over time in one call: what ``estimate survival`` and reports show.

:func:`survival_analysis` runs Kaplan-Meier per arm, the (stratified) log-rank test and the
Cox model on all exits; with ``event_of_interest`` also the cumulative incidence of that exit,
Gray's test, the Fine-Gray model and the cause-specific Cox model; with ``tau`` the restricted
mean time on benefit. The command line's JSON (``km``, ``logrank``, ``cox``, ...) is made from
the parts by the CLI.
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
)
from participatie_rct.tidy import TidyResult, base_glance, resolve_level


@dataclass(frozen=True, repr=False)
class SurvivalAnalysis(TidyResult):
    """The bundle of survival results; each part keeps its own views.

    As one result: ``to_frame()`` is the Cox rows (the headline hazard ratios), ``glance()``
    the facts of the whole (n, control, the warnings of every part).
    """

    km: KaplanMeierResult
    logrank: LogrankResult
    cox: CoxResult
    cif: CumulativeIncidenceResult | None = None
    gray: GrayTestResult | None = None
    fine_gray: FineGrayResult | None = None
    cause_specific_cox: CoxResult | None = None
    rmst: RMSTResult | None = None
    warnings: tuple[str, ...] = ()
    _title = "Outflow over time"

    def parts(self) -> dict[str, TidyResult]:
        """The results that were computed, by name (``km``, ``logrank``, ``cox``, ...)."""
        named: dict[str, TidyResult | None] = {
            "km": self.km,
            "logrank": self.logrank,
            "cox": self.cox,
            "cif": self.cif,
            "gray": self.gray,
            "fine_gray": self.fine_gray,
            "cause_specific_cox": self.cause_specific_cox,
            "rmst": self.rmst,
        }
        return {name: part for name, part in named.items() if part is not None}

    def to_frame(self) -> pd.DataFrame:
        """The Cox rows (the headline hazard ratios)."""
        return self.cox.to_frame()

    def glance(self) -> dict[str, Any]:
        cox = self.cox.glance()
        parts = [w for part in self.parts().values() for w in part.glance()["warnings"]]
        warnings = tuple(dict.fromkeys([*self.warnings, *parts]))
        return base_glance(
            n=self.cox.n,
            control=self.cox.control,
            n_dropped_by_arm=cox["n_dropped_by_arm"],
            warnings=warnings,
            ties=self.cox.ties,
            strata=self.cox.strata,
            n_events=self.cox.n_events,
            conf_type=self.km.conf_type,
            event_of_interest=self.gray.event_of_interest if self.gray is not None else None,
            parts=list(self.parts()),
        )

    def summary(self) -> str:
        return "\n\n".join(part.summary() for part in self.parts().values())

    def warning_lines(self) -> str:
        """One line per warning, for the end of the text output ('' when there are none)."""
        return "\n".join(f"Warning: {w}" for w in self.glance()["warnings"])


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
    conf_level: float = 0.95,
) -> SurvivalAnalysis:
    """Kaplan-Meier, log-rank and Cox on all exits; competing exits for ``event_of_interest``.

    ``conf_level`` is the level of every interval (curves, hazard ratios, RMST).
    """
    conf_level = resolve_level(conf_level)
    # the columns every estimator reads, named once
    cols: dict[str, Any] = {
        "time": time,
        "event": event,
        "treatment": treatment,
        "control": control,
    }
    level: dict[str, Any] = {"conf_level": conf_level}
    km = kaplan_meier(data, **cols, times=times, conf_type=conf_type, **level)
    lr = logrank(data, **cols, strata=strata)
    fit = cox(data, **cols, covariates=covariates, strata=strata, **level)
    extra: dict[str, Any] = {}
    if event_of_interest is not None:
        code = int(event_of_interest)
        extra["cif"] = cumulative_incidence(
            data, **cols, event_of_interest=code, times=times, **level
        )
        extra["gray"] = gray_test(data, **cols, event_of_interest=code, strata=strata)
        extra["fine_gray"] = fine_gray(
            data, **cols, event_of_interest=code, covariates=covariates, **level
        )
        extra["cause_specific_cox"] = cox(
            data, **cols, covariates=covariates, strata=strata, event_of_interest=code, **level
        )
    if tau is not None:
        extra["rmst"] = rmst(data, **cols, tau=tau, **level)
    return SurvivalAnalysis(km=km, logrank=lr, cox=fit, **extra)
