"""Awkward survival data: no estimate is reported where none exists, and the rest still is.

The figures come from the issue "Inference that fails loudly": with no exits in one arm the
old Cox fit reported coef -44.96 with p = 0.000; Fine-Gray coef -50.4 with p = 0; a single
distinct exit time crashed the proportional-hazards test and took the fit with it.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from participatie_rct.cli import main
from participatie_rct.estimate.competing import fine_gray
from participatie_rct.estimate.cox import cause_specific_cox, cox


def _trial(seed: int = 3, n: int = 90) -> pd.DataFrame:
    """Three arms; arm 'b' has no exits at all (every row censored)."""
    rng = np.random.default_rng(seed)
    arm = np.repeat(["control", "a", "b"], n // 3)
    time = rng.exponential(12.0, n).round(1) + 0.1
    event = rng.choice([1, 2], n)
    event[rng.random(n) < 0.25] = 0
    event[arm == "b"] = 0
    return pd.DataFrame({"arm": arm, "months": time, "exit": event, "age": rng.normal(40, 9, n)})


def test_cox_arm_without_exits_is_nan_with_a_warning_not_a_finding():
    data = _trial()
    fit = cox(data, time="months", event="exit", treatment="arm", control="control")
    row = fit.to_frame().set_index("arm").loc["b"]
    assert np.isnan(row["estimate"]) and np.isnan(row["p_value"]) and np.isnan(row["ci_low"])
    assert any("'b'" in w and "no exits" in w for w in fit.warnings)
    assert fit.glance()["warnings"] == list(fit.warnings)
    # the other arm: the limit fit, in which arm b's rows leave every risk set
    alone = cox(data[data.arm != "b"], time="months", event="exit", treatment="arm")
    a = fit.to_frame().set_index("arm").loc["a"]
    b = alone.to_frame().set_index("arm").loc["a"]
    assert a["estimate"] == pytest.approx(b["estimate"], rel=1e-10)
    assert a["robust_std_error"] == pytest.approx(b["robust_std_error"], rel=1e-10)
    assert np.isfinite(a["p_value"])


def test_cox_control_without_exits_leaves_every_arm_not_estimable():
    data = _trial()
    data.loc[data.arm == "control", "exit"] = 0
    data.loc[data.arm == "b", "exit"] = 1
    fit = cox(data, time="months", event="exit", treatment="arm", control="control")
    assert fit.to_frame()["estimate"].isna().all()
    assert len([w for w in fit.warnings if "control arm 'control'" in w]) == 2


def test_cause_specific_cox_arm_without_that_exit():
    data = _trial()
    data.loc[(data.arm == "a") & (data.exit == 2), "exit"] = 1
    fit = cause_specific_cox(
        data, time="months", event="exit", treatment="arm", event_of_interest=2
    )
    frame = fit.to_frame().set_index("arm")
    assert frame["estimate"].isna().all()  # a and b both lack exits of type 2
    assert any("exits of type 2" in w and "'a'" in w for w in fit.warnings)


def test_covariate_pattern_without_exits_is_flagged():
    data = _trial()
    data["flag"] = (data.index % 7 == 0).astype(float)
    data.loc[data.flag == 1, "exit"] = 0
    fit = cox(data, time="months", event="exit", treatment="arm", covariates=["flag"])
    row = fit.to_frame().set_index("term").loc["flag"]
    assert np.isnan(row["estimate"]) and np.isnan(row["p_value"])
    assert any("'flag'" in w and "infinity" in w for w in fit.warnings)


def test_fine_gray_covariate_pattern_without_exits_is_flagged():
    data = _trial()
    data["flag"] = (data.index % 7 == 0).astype(float)
    data.loc[data.flag == 1, "exit"] = 0
    fit = fine_gray(
        data, time="months", event="exit", treatment="arm", event_of_interest=1, covariates=["flag"]
    )
    row = fit.to_frame().set_index("term").loc["flag"]
    assert np.isnan(row["estimate"]) and np.isnan(row["p_value"])
    assert any("Fine-Gray: term 'flag'" in w and "infinity" in w for w in fit.warnings)


def test_fine_gray_arm_without_exits_of_interest():
    data = _trial()
    fit = fine_gray(data, time="months", event="exit", treatment="arm", event_of_interest=1)
    frame = fit.to_frame().set_index("arm")
    assert np.isnan(frame.loc["b", "estimate"]) and np.isnan(frame.loc["b", "p_value"])
    assert np.isfinite(frame.loc["a", "estimate"]) and np.isfinite(frame.loc["a", "p_value"])
    assert any("Fine-Gray" in w and "'b'" in w for w in fit.warnings)
    assert fit.glance()["warnings"] == list(fit.warnings)


def test_fine_gray_limit_matches_zero_weights_by_a_large_negative_offset():
    """Independent check of the limit: arm b's coefficient pinned at -40 by its own fit."""
    data = _trial()
    data.loc[data.arm == "b", "exit"] = np.where(np.arange((data.arm == "b").sum()) == 0, 1, 0)
    # one exit of interest in b: estimable, finite and strongly negative but defined
    fit = fine_gray(data, time="months", event="exit", treatment="arm", event_of_interest=1)
    assert np.isfinite(fit.to_frame()["estimate"]).all()
    assert fit.warnings == ()


def test_cox_single_distinct_exit_time_keeps_the_fit():
    rng = np.random.default_rng(1)
    n = 40
    data = pd.DataFrame(
        {
            "arm": np.repeat(["control", "t"], n // 2),
            "months": np.where(rng.random(n) < 0.4, 5.0, 9.0),
        }
    )
    data["exit"] = (data.months == 5.0).astype(int)
    fit = cox(data, time="months", event="exit", treatment="arm")
    assert np.isfinite(fit.to_frame()["estimate"]).all()
    zph = fit.proportional_hazards().to_frame()
    assert zph["p_value"].isna().all()
    assert any("cox.zph" in w and "unaffected" in w for w in fit.warnings)


def _run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_survival_gives_what_is_defined_and_says_what_is_not(tmp_path, capsys):
    path = tmp_path / "trial.csv"
    _trial().to_csv(path, index=False)
    args = ["estimate", "survival", str(path), "--time", "months", "--event", "exit"]
    args += ["--treatment", "arm", "--control", "control", "--event-of-interest", "1"]
    code, out, err = _run(capsys, *args, "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["km"] and payload["cif"] and payload["logrank"]["p_value"] is not None
    assert payload["gray"]["p_value"] is not None
    cox_b = next(r for r in payload["cox"] if r["arm"] == "b")
    assert cox_b["coef"] is None and cox_b["p_value"] is None
    assert any("'b'" in w for w in payload["warnings"])
    code, out, err = _run(capsys, *args)
    assert code == 0, err
    assert "Warning: Cox: arm 'b' not estimable" in out


def test_non_convergence_is_reported_the_same_way_for_every_model():
    from participatie_rct.estimate.newton import MAX_ITER, newton_raphson, not_converged_warning

    def objective(beta: np.ndarray):
        # -exp(-b): concave, rising for ever; each Newton step is +1 and never ends
        value = -np.exp(-beta[0])
        return float(value), np.exp(-beta), np.exp(-beta)[:, None], None

    fit = newton_raphson(objective, 1, model="Test")
    assert not fit.converged and fit.iterations == MAX_ITER
    assert "did not converge in 50 iterations" in not_converged_warning("Cox", fit.iterations)
