"""Survival and competing-exit estimators against R's survival 3.x and cmprsk (reference JSON).

The values come from ``tests/reference/survival_reference.R`` run on two randomized trials that
ship with R's survival package (veteran, pbc); the data sets are exported beside the script.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from participatie_rct.estimate.competing import cumulative_incidence, fine_gray, gray_test
from participatie_rct.estimate.cox import cause_specific_cox, cox
from participatie_rct.estimate.km import kaplan_meier
from participatie_rct.estimate.logrank import logrank
from participatie_rct.estimate.rmst import rmst

pytestmark = pytest.mark.reference

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "survival_reference.json").read_text())

#: closed-form estimators (KM, Greenwood, log-rank, cuminc, Gray): R and we do the same arithmetic
EXACT = 1e-9
#: iterative fits (coxph, crr): R stops at a relative log-likelihood change of 1e-9 (coxph) or a
#: gradient below gtol = 1e-6 (crr); we iterate to full convergence, so the last digits may differ
ITERATIVE = 1e-6
#: our result frames' columns (the result contract) beside the R names they are checked against
COLUMNS_KM = (("estimate", "survival"), ("std_error", "std_error"), ("ci_low", "ci_low"))
COLUMNS_KM += (("ci_high", "ci_high"),)
COLUMNS_COX = (("estimate", "coef"), ("model_std_error", "std_error"))
COLUMNS_COX += (("robust_std_error", "robust_std_error"), ("p_value", "p_value"))
COLUMNS_FINE_GRAY = (("estimate", "coef"), ("std_error", "std_error"), ("p_value", "p_value"))
#: cuminc reports its p-value as 1 - pchisq(...), which loses digits below about 1e-12
P_ABS = 1e-12


def _as_factors(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Arm columns as R reads them: factors whose first (sorted) level is the reference."""
    out = frame.copy()
    for column in columns:
        out[column] = pd.Categorical(out[column], categories=sorted(out[column].unique()))
    return out


@pytest.fixture(scope="module")
def veteran() -> pd.DataFrame:
    return _as_factors(pd.read_csv(REF_DIR / "survival_veteran.csv"), ("trt", "celltype"))


@pytest.fixture(scope="module")
def pbc() -> pd.DataFrame:
    return _as_factors(pd.read_csv(REF_DIR / "survival_pbc.csv"), ("trt", "edema"))


def _close(ours, theirs, rtol: float) -> None:
    np.testing.assert_allclose(
        np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float), rtol=rtol, atol=0
    )


@pytest.mark.parametrize(("conf_type", "key"), [("log", "km_log"), ("log-log", "km_loglog")])
def test_km_at_times_matches_summary_survfit(veteran, conf_type, key):
    result = kaplan_meier(
        veteran,
        time="time",
        event="status",
        treatment="trt",
        conf_type=conf_type,
        times=REF["times"],
    )
    ours = result.to_frame()
    theirs = pd.DataFrame(REF[key])
    assert ours["arm"].tolist() == theirs["arm"].tolist()
    assert ours["n_risk"].tolist() == theirs["n_risk"].tolist()
    for column, r_column in COLUMNS_KM:
        _close(ours[column], theirs[r_column], EXACT)


def test_km_full_curve_matches_at_every_event_time(veteran):
    curve = kaplan_meier(veteran, time="time", event="status", treatment="trt").curve
    ours = curve[curve["n_event"] > 0].reset_index(drop=True)
    theirs = pd.DataFrame(REF["km_full"])
    assert ours["n_risk"].tolist() == theirs["n_risk"].tolist()
    _close(ours["time"], theirs["time"], EXACT)
    for column in ("survival", "std_error", "ci_low", "ci_high"):
        keep = theirs[column].notna()
        _close(ours.loc[keep, column], theirs.loc[keep, column], EXACT)


@pytest.mark.parametrize(
    ("key", "treatment", "strata"),
    [
        ("logrank", "trt", None),
        ("logrank_strata", "trt", "celltype"),
        ("logrank_celltype", "celltype", None),
    ],
)
def test_logrank_matches_survdiff(veteran, key, treatment, strata):
    result = logrank(veteran, time="time", event="status", treatment=treatment, strata=strata)
    _close(result.statistic, REF[key]["statistic"], EXACT)
    _close(result.p_value, REF[key]["p_value"], EXACT)
    assert result.df == REF[key]["df"]


def test_logrank_observed_and_expected(veteran):
    table = logrank(veteran, time="time", event="status", treatment="trt").to_frame()
    _close(table["observed"], REF["logrank"]["observed"], EXACT)
    _close(table["expected"], REF["logrank"]["expected"], EXACT)


def test_rmst_matches_print_survfit_rmean(veteran):
    table = rmst(
        veteran, time="time", event="status", treatment="trt", tau=REF["rmst"]["tau"]
    ).to_frame()
    per_arm = table[table["term"] == "rmst"]
    _close(per_arm["estimate"], REF["rmst"]["rmean"], EXACT)
    _close(per_arm["std_error"], REF["rmst"]["se"], EXACT)
    diff = table[table["term"] == "difference"].iloc[0]
    _close(diff["estimate"], REF["rmst"]["rmean"][1] - REF["rmst"]["rmean"][0], EXACT)
    _close(diff["std_error"], np.hypot(*REF["rmst"]["se"]), EXACT)


@pytest.mark.parametrize(
    ("key", "covariates", "strata", "ties"),
    [
        ("cox_arm", (), None, "efron"),
        ("cox_cov", ("karno", "age"), None, "efron"),
        ("cox_strata", ("karno",), "celltype", "efron"),
        ("cox_breslow", ("karno",), None, "breslow"),
    ],
)
def test_cox_matches_coxph(veteran, key, covariates, strata, ties):
    result = cox(
        veteran,
        time="time",
        event="status",
        treatment="trt",
        covariates=covariates,
        strata=strata,
        ties=ties,
    )
    ours = result.to_frame()
    theirs = pd.DataFrame(REF[key])
    for column, r_column in COLUMNS_COX:
        _close(ours[column], theirs[r_column], ITERATIVE)
    assert ours["arm"].iloc[0] == "2"


def test_cox_loglik_matches(veteran):
    result = cox(veteran, time="time", event="status", treatment="trt", covariates=("karno", "age"))
    _close(result.loglik, REF["cox_cov_loglik"], ITERATIVE)


@pytest.mark.parametrize(
    ("key", "covariates", "strata"),
    [("zph_cov", ("karno", "age"), None), ("zph_strata", ("karno",), "celltype")],
)
def test_proportional_hazards_matches_cox_zph(veteran, key, covariates, strata):
    result = cox(
        veteran, time="time", event="status", treatment="trt", covariates=covariates, strata=strata
    )
    ours = result.proportional_hazards().to_frame()
    theirs = pd.DataFrame(REF[key])
    assert ours["term"].tolist()[1:] == theirs["term"].tolist()[1:]
    _close(ours["statistic"], theirs["chisq"], ITERATIVE)
    _close(ours["p_value"], theirs["p"], ITERATIVE)
    assert ours["df"].tolist() == theirs["df"].tolist()


def test_cause_specific_cox_matches_coxph_with_other_exits_censored(pbc):
    result = cause_specific_cox(
        pbc, time="time", event="status", treatment="trt", event_of_interest=2, covariates=("age",)
    )
    ours = result.to_frame()
    theirs = pd.DataFrame(REF["cause_specific_death"])
    for column, r_column in COLUMNS_COX:
        _close(ours[column], theirs[r_column], ITERATIVE)
    assert result.n_events == int((pbc["status"] == 2).sum())


def test_cumulative_incidence_matches_cuminc_timepoints(pbc):
    theirs = pd.DataFrame(REF["cif"]).astype({"arm": str, "cause": int})
    times = sorted(theirs["time"].unique())
    ours = cumulative_incidence(
        pbc, time="time", event="status", treatment="trt", times=times
    ).to_frame()
    merged = ours.merge(
        theirs, on=["arm", "cause", "time"], suffixes=("", "_r"), validate="one_to_one"
    )
    assert len(merged) == len(theirs) == 16
    _close(merged["estimate"], merged["cumulative_incidence"], EXACT)
    _close(merged["variance"], merged["variance_r"], EXACT)


@pytest.mark.parametrize(
    ("key", "treatment", "strata"),
    [("gray", "trt", None), ("gray_strata", "trt", "sex"), ("gray_edema", "edema", None)],
)
def test_gray_test_matches_cuminc(pbc, key, treatment, strata):
    for row in REF[key]:
        result = gray_test(
            pbc,
            time="time",
            event="status",
            treatment=treatment,
            event_of_interest=int(row["cause"]),
            strata=strata,
        )
        _close(result.statistic, row["statistic"], EXACT)
        assert result.df == row["df"]
        assert abs(result.p_value - row["p_value"]) < P_ABS + EXACT * row["p_value"]


@pytest.mark.parametrize(
    ("key", "covariates", "cause"),
    [
        ("fine_gray_arm", (), 2),
        ("fine_gray_cov", ("age", "bili"), 2),
        ("fine_gray_cause1", ("age",), 1),
    ],
)
def test_fine_gray_matches_crr(pbc, key, covariates, cause):
    result = fine_gray(
        pbc,
        time="time",
        event="status",
        treatment="trt",
        event_of_interest=cause,
        covariates=covariates,
    )
    ours = result.to_frame()
    theirs = pd.DataFrame(REF[key])
    for column, r_column in COLUMNS_FINE_GRAY:
        _close(ours[column], theirs[r_column], ITERATIVE)
    assert result.converged
