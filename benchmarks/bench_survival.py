"""Outflow over time at the scale of the national caseload: 400,000 participants, 36 months.

Kaplan-Meier, Cox (Efron ties, arm dummies + one covariate, robust standard errors) and the
cumulative incidence of exits to work (with competing exits), ours beside lifelines and
statsmodels on the same data; plus our log-rank, Gray and Fine-Gray. Each line reports time
and peak Python memory, and the largest disagreement with the peer where both estimate the
same quantity.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from benchmarks.harness import measure

N = 400_000
MONTHS = 36
ARMS = ("control", "earn_more", "intensive_support", "no_application_duty")
TIMES = (6.0, 12.0, 24.0, 36.0)


def cohort(seed: int = 20170901) -> pd.DataFrame:
    """Monthly exits at about 1.8-2.2% a month (docs/domain.md), half to work, some censored."""
    rng = np.random.default_rng(seed)
    arm = rng.choice(ARMS, size=N)
    rate = np.where(arm == "control", 0.018, np.where(arm == "earn_more", 0.019, 0.022))
    exit_month = np.ceil(rng.exponential(1 / rate))
    censor_month = rng.integers(6, MONTHS + 1, size=N)
    time = np.minimum(exit_month, censor_month).astype(float)
    cause = rng.choice([1, 2, 3], p=[0.5, 0.2, 0.3], size=N)  # work, part-time work, other
    event = np.where(exit_month <= censor_month, cause, 0)
    age = rng.normal(42, 11, size=N).round()
    return pd.DataFrame({"time": time, "event": event, "arm": arm, "age": age})


def main() -> None:
    from participatie_rct.estimate.competing import cumulative_incidence, fine_gray, gray_test
    from participatie_rct.estimate.cox import cox
    from participatie_rct.estimate.km import kaplan_meier
    from participatie_rct.estimate.logrank import logrank

    data = cohort()
    exited = (data["event"] > 0).astype(int)
    print(f"{N:,} participants, {MONTHS} months, {int(exited.sum()):,} exits", flush=True)

    # Kaplan-Meier -------------------------------------------------------------------------
    ours_km: dict[str, pd.DataFrame] = {}
    measure(
        "kaplan_meier (ours, 4 arms)",
        lambda: ours_km.setdefault(
            "r",
            kaplan_meier(data, time="time", event="event", treatment="arm", times=TIMES).to_frame(),
        ),
    )
    from lifelines import KaplanMeierFitter

    def lifelines_km() -> list[float]:
        out = []
        for arm in ARMS:
            keep = data["arm"] == arm
            fitter = KaplanMeierFitter().fit(data.loc[keep, "time"], exited[keep])
            out.extend(fitter.survival_function_at_times(list(TIMES)).to_list())
        return out

    peer: dict[str, list[float]] = {}
    m = measure(
        "kaplan_meier (lifelines KaplanMeierFitter)", lambda: peer.setdefault("km", lifelines_km())
    )
    gap = np.max(np.abs(np.asarray(peer["km"]) - ours_km["r"]["estimate"].to_numpy()))
    print(f"{'':<60} max |S_ours - S_lifelines| = {gap:.2e}", flush=True)
    del m

    from statsmodels.duration.survfunc import SurvfuncRight

    def statsmodels_km() -> None:
        for arm in ARMS:
            keep = (data["arm"] == arm).to_numpy()
            SurvfuncRight(data["time"].to_numpy()[keep], exited.to_numpy()[keep])

    measure("kaplan_meier (statsmodels SurvfuncRight)", statsmodels_km)
    measure("logrank (ours)", lambda: logrank(data, time="time", event="event", treatment="arm"))

    # Cox ----------------------------------------------------------------------------------
    ours_cox: dict[str, pd.DataFrame] = {}
    measure(
        "cox efron + robust SE + cox.zph (ours)",
        lambda: ours_cox.setdefault(
            "r",
            cox(data, time="time", event="event", treatment="arm", covariates=("age",)).to_frame(),
        ),
    )
    design = pd.get_dummies(data["arm"], drop_first=True).astype(float)
    design["age"] = data["age"]
    from statsmodels.duration.hazard_regression import PHReg

    sm_fit: dict[str, np.ndarray] = {}

    def statsmodels_cox() -> None:
        fit = PHReg(
            data["time"].to_numpy(), design.to_numpy(), status=exited.to_numpy(), ties="efron"
        ).fit()
        sm_fit["params"] = fit.params

    measure("cox efron (statsmodels PHReg)", statsmodels_cox)
    gap = np.max(np.abs(sm_fit["params"] - ours_cox["r"]["estimate"].to_numpy()))
    print(f"{'':<60} max |coef_ours - coef_statsmodels| = {gap:.2e}", flush=True)

    from lifelines import CoxPHFitter

    ll_fit: dict[str, np.ndarray] = {}

    def lifelines_cox() -> None:
        frame = design.assign(time=data["time"], exited=exited)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # robust=True (lifelines' sandwich) did not finish within 10 minutes here
            fit = CoxPHFitter().fit(frame, duration_col="time", event_col="exited")
        ll_fit["params"] = fit.params_.to_numpy()

    measure("cox efron, model SE (lifelines CoxPHFitter)", lifelines_cox)
    gap = np.max(np.abs(ll_fit["params"] - ours_cox["r"]["estimate"].to_numpy()))
    print(f"{'':<60} max |coef_ours - coef_lifelines| = {gap:.2e}", flush=True)

    # competing exits ----------------------------------------------------------------------
    ours_cif: dict[str, pd.DataFrame] = {}
    measure(
        "cumulative_incidence of work, 4 arms (ours)",
        lambda: ours_cif.setdefault(
            "r",
            cumulative_incidence(
                data, time="time", event="event", treatment="arm", event_of_interest=1, times=TIMES
            ).to_frame(),
        ),
    )
    from lifelines import AalenJohansenFitter

    aj: dict[str, list[float]] = {}

    def lifelines_cif() -> None:
        out = []
        for arm in ARMS:
            keep = data["arm"] == arm
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # lifelines jitters tied times (seeded here); monthly data are all ties
                fitter = AalenJohansenFitter(seed=1, calculate_variance=True).fit(
                    data.loc[keep, "time"], data.loc[keep, "event"], event_of_interest=1
                )
            cif = fitter.cumulative_density_
            out.extend(
                cif.iloc[
                    np.searchsorted(cif.index.to_numpy(), TIMES, side="right") - 1, 0
                ].to_list()
            )
        aj["cif"] = out

    measure("cumulative_incidence (lifelines AalenJohansenFitter)", lifelines_cif)
    gap = np.max(np.abs(np.asarray(aj["cif"]) - ours_cif["r"]["estimate"].to_numpy()))
    print(f"{'':<60} max |F_ours - F_lifelines| = {gap:.2e}", flush=True)
    measure(
        "gray_test of work (ours)",
        lambda: gray_test(data, time="time", event="event", treatment="arm", event_of_interest=1),
    )
    measure(
        "fine_gray of work, arm dummies (ours)",
        lambda: fine_gray(data, time="time", event="event", treatment="arm", event_of_interest=1),
    )


if __name__ == "__main__":
    main()
