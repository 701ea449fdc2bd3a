"""Every estimator of the estimation core against estimatr (tests/reference/estimatr_itt.R).

The R script ran estimatr on public experiments (AER's STAR, clubSandwich's achievement
awards RCT) and stored, per case, how the Python side is called and what R found.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

import participatie_rct.estimate as est

pytestmark = pytest.mark.reference

REFERENCE = Path(__file__).resolve().parents[1] / "reference"

#: relative tolerance for estimates, standard errors, degrees of freedom and p-values: both
#: sides compute in double precision with different (QR vs Cholesky/eigen) factorizations, so
#: agreement to ~1e-10 is typical; 1e-6 is the issue's bar and leaves room for BLAS differences.
REL_TOL = 1e-6
#: absolute floor for values near zero (p-values of 1e-300, estimates of exactly 0)
ABS_TOL = 1e-12


@cache
def reference() -> dict:
    return json.loads((REFERENCE / "estimatr_itt.json").read_text())


@cache
def frame(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / name)


def cases(function: str) -> list[dict]:
    return [c for c in reference()["cases"] if c["python"]["function_"] == function]


def close(got: float, want: float | None) -> bool:
    if want is None:  # R reports none (e.g. normal inference has no degrees of freedom)
        return True
    return math.isclose(got, want, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def data_for(spec: dict) -> pd.DataFrame:
    data = frame(spec["data"])
    subset = spec.get("subset")
    if subset:
        data = data[data[subset["column"]].isin(subset["levels"])].reset_index(drop=True)
    return data


KWARGS = (
    "control",
    "covariates",
    "strata",
    "cluster",
    "estimator",
    "adjust",
    "se_type",
    "correction",
)


def call_kwargs(spec: dict) -> dict:
    out = {k: spec[k] for k in KWARGS if k in spec}
    if "covariates" in out and isinstance(out["covariates"], str):
        out["covariates"] = [out["covariates"]]
    return out


def check_rows(frame_: pd.DataFrame, rows: list[dict], *, key: str = "arm") -> None:
    assert len(frame_) == len(rows)
    for want in rows:
        got = frame_[frame_[key] == str(want[key])]
        assert len(got) == 1, (want[key], frame_[key].tolist())
        got = got.iloc[0]
        for col in (
            "estimate",
            "std_error",
            "df",
            "p_value",
            "ci_low",
            "ci_high",
            "p_holm",
            "p_bonferroni",
        ):
            if col in want:
                assert close(float(got[col]), want[col]), (col, float(got[col]), want[col])


@pytest.mark.parametrize("case", cases("itt"), ids=lambda c: c["name"])
def test_itt_matches_estimatr(case: dict) -> None:
    spec = case["python"]
    result = est.itt(
        data_for(spec), outcome=spec["outcome"], treatment=spec["treatment"], **call_kwargs(spec)
    )
    check_rows(result.to_frame(), case["estimates"])
    if "design" in case:
        assert result.settings["design"] == case["design"].lower()


@pytest.mark.parametrize("case", cases("logit_ame"), ids=lambda c: c["name"])
def test_logit_ame_matches_r(case: dict) -> None:
    spec = case["python"]
    result = est.logit_ame(
        data_for(spec), outcome=spec["outcome"], treatment=spec["treatment"], **call_kwargs(spec)
    )
    check_rows(result.to_frame(), case["estimates"])


@pytest.mark.parametrize("case", cases("cace"), ids=lambda c: c["name"])
def test_cace_matches_iv_robust(case: dict) -> None:
    spec = case["python"]
    result = est.cace(
        data_for(spec),
        outcome=spec["outcome"],
        treatment=spec["treatment"],
        received=spec["received"],
        **call_kwargs(spec),
    )
    check_rows(result.to_frame(), case["estimates"])
    if "first_stage" in case:
        fs = case["first_stage"]
        got = result.settings["first_stage"]["1"]
        assert close(got["statistic"], fs["statistic"])
        assert got["df"] == fs["df"] and got["df_residual"] == fs["df_residual"]


@pytest.mark.parametrize("case", cases("subgroup_effects"), ids=lambda c: c["name"])
def test_subgroups_match_estimatr(case: dict) -> None:
    spec = case["python"]
    result = est.subgroup_effects(
        data_for(spec),
        outcome=spec["outcome"],
        treatment=spec["treatment"],
        subgroup=spec["subgroup"],
        **call_kwargs(spec),
    )
    check_rows(result.to_frame(), case["estimates"], key="level")
    test = result.interaction_tests()[0]
    want = case["interaction"]
    assert close(test["statistic"], want["statistic"]) and close(test["p_value"], want["p_value"])
    assert test["df"] == want["df"] and test["df_residual"] == want["df_residual"]


@pytest.mark.parametrize("case", cases("balance"), ids=lambda c: c["name"])
def test_balance_tests_match_estimatr(case: dict) -> None:
    spec = case["python"]
    result = est.balance(
        data_for(spec),
        treatment=spec["treatment"],
        covariates=spec["covariates"],
        control=spec["control"],
    )
    rows = result.to_frame()
    for cov, want in case["per_covariate"].items():
        got = rows[rows["term"] == cov].iloc[0]
        assert close(float(got["f_statistic"]), want["statistic"])
        assert got["f_df"] == want["df"] and got["f_df_residual"] == want["df_residual"]
    joint = result.joint_frame()
    for arm, want in case["joint"].items():
        got = joint[joint["arm"] == arm].iloc[0]
        assert close(float(got["statistic"]), want["statistic"])
        assert got["df"] == want["df"] and got["df_residual"] == want["df_residual"]


def test_reference_records_versions() -> None:
    ref = reference()
    assert ref["r_version"].startswith("R version") and ref["packages"]["estimatr"]


@pytest.mark.parametrize("case", cases("lee_bounds"), ids=lambda c: c["name"])
def test_lee_bounds_match_the_r_script(case: dict) -> None:
    spec = case["python"]
    result = est.lee_bounds(
        data_for(spec),
        outcome=spec["outcome"],
        treatment=spec["treatment"],
        control=spec["control"],
    )
    frame = result.bounds_frame().set_index("arm")
    for want in case["estimates"]:
        got = frame.loc[want["arm"]]
        for col in ("lower", "upper", "trim_share", "response_arm", "response_control"):
            assert close(float(got[col]), want[col]), (col, float(got[col]), want[col])
