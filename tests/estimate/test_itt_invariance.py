"""Invariants of itt that hold for any data (Hypothesis), and its refusals."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from participatie_rct.errors import ChoiceError, EstimationError
from participatie_rct.estimate import itt

#: invariants hold up to floating-point error of the QR solve on data of this size
TOL = 1e-8

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def trial(
    seed: int, n: int = 120, arms: tuple[str, ...] = ("control", "earn_more", "intensive_support")
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "arm": np.resize(np.array(arms), n)[rng.permutation(n)],
            "age": rng.normal(45, 10, n),
            "site": rng.choice(["Tilburg", "Utrecht", "Wageningen"], n),
            "team": rng.integers(0, 12, n),
        }
    )
    data["y"] = (
        0.05 * data["age"] + (data["arm"] == "earn_more") * 0.4 + rng.normal(0, 1 + rng.random(), n)
    )
    data["outflow"] = rng.random(n) < 0.2
    return data


OPTIONS = [
    {},
    {"se_type": "hc0"},
    {"se_type": "hc3"},
    {"se_type": "classical"},
    {"covariates": ["age", "site"]},
    {"covariates": ["age"], "adjust": "linear"},
    {"strata": "site"},
    {"strata": "site", "covariates": ["age"]},
    {"cluster": "team"},
    {"cluster": "team", "se_type": "stata"},
    {"estimator": "dim"},
    {"estimator": "dim", "strata": "site"},
]


@FAST
@given(seed=st.integers(0, 10_000), option=st.sampled_from(OPTIONS))
def test_relabelling_arms_flips_the_sign(seed: int, option: dict) -> None:
    data = trial(seed, arms=("control", "earn_more"))
    if option.get("cluster"):
        data["team"] = data["arm"].map({"control": 0, "earn_more": 1}) * 100 + data.index % 6
    forward = itt(data, outcome="y", treatment="arm", control="control", **option).effect(
        "earn_more"
    )
    backward = itt(data, outcome="y", treatment="arm", control="earn_more", **option).effect(
        "control"
    )
    assert math.isclose(forward.estimate, -backward.estimate, rel_tol=TOL, abs_tol=TOL)
    assert math.isclose(forward.std_error, backward.std_error, rel_tol=TOL)
    assert math.isclose(forward.p_value, backward.p_value, rel_tol=1e-6, abs_tol=1e-12)


@FAST
@given(seed=st.integers(0, 10_000), shift=st.floats(-1e3, 1e3), option=st.sampled_from(OPTIONS))
def test_adding_a_constant_to_the_outcome_changes_nothing(
    seed: int, shift: float, option: dict
) -> None:
    data = trial(seed)
    if option.get("cluster"):
        data["team"] = data["arm"].astype("category").cat.codes * 100 + data.index % 6
    base = itt(data, outcome="y", treatment="arm", **option).to_frame()
    moved = itt(data.assign(y=data["y"] + shift), outcome="y", treatment="arm", **option).to_frame()
    for col in ("estimate", "std_error", "df", "p_value"):
        np.testing.assert_allclose(moved[col], base[col], rtol=1e-6, atol=1e-8 * (1 + abs(shift)))


@FAST
@given(seed=st.integers(0, 10_000), n=st.integers(12, 200))
def test_hc2_without_covariates_is_welch(seed: int, n: int) -> None:
    data = trial(seed, n=n)
    result = itt(data, outcome="y", treatment="arm")
    for arm in ("earn_more", "intensive_support"):
        y1 = data.loc[data["arm"] == arm, "y"]
        y0 = data.loc[data["arm"] == "control", "y"]
        welch_se = math.sqrt(y1.var() / len(y1) + y0.var() / len(y0))
        e = result.effect(arm)
        assert math.isclose(e.estimate, y1.mean() - y0.mean(), rel_tol=TOL, abs_tol=TOL)
        assert math.isclose(e.std_error, welch_se, rel_tol=TOL)
        assert e.df == n - 3  # lm_robust keeps n - k degrees of freedom


@FAST
@given(seed=st.integers(0, 10_000))
def test_shuffling_rows_changes_nothing(seed: int) -> None:
    data = trial(seed)
    shuffled = data.sample(frac=1, random_state=seed).reset_index(drop=True)
    for option in ({"covariates": ["age", "site"], "strata": "site"}, {"cluster": "team"}):
        a = itt(data, outcome="y", treatment="arm", **option).to_frame()
        b = itt(shuffled, outcome="y", treatment="arm", **option).to_frame()
        np.testing.assert_allclose(
            a[["estimate", "std_error", "df"]], b[["estimate", "std_error", "df"]], rtol=1e-8
        )


def test_holm_beside_raw_and_bonferroni_when_asked() -> None:
    data = trial(3, n=300)
    frame = itt(data, outcome="y", treatment="arm", correction="bonferroni").to_frame()
    p = frame["p_value"].to_numpy()
    order = np.argsort(p)
    expected = np.minimum(1, np.maximum.accumulate(np.array([2, 1]) * p[order]))
    np.testing.assert_allclose(frame["p_holm"].to_numpy()[order], expected)
    np.testing.assert_allclose(frame["p_bonferroni"], np.minimum(1, 2 * p))
    assert "p_bonferroni" not in itt(data, outcome="y", treatment="arm").to_frame().columns


def test_frame_columns_confidence_interval_and_defaults() -> None:
    data = trial(5)
    result = itt(data, outcome="y", treatment="arm", covariates=["age"], conf_level=0.9)
    frame = result.to_frame()
    assert list(frame.columns[:12]) == [
        "arm",
        "term",
        "estimate",
        "std_error",
        "df",
        "statistic",
        "p_value",
        "ci_low",
        "ci_high",
        "p_holm",
        "n",
        "conf_level",
    ]
    assert frame["arm"].tolist() == ["earn_more", "intensive_support"]
    assert result.settings["adjust"] == "lin" and result.settings["se_type"] == "hc2"
    row = frame.iloc[0]
    q = stats.t.ppf(0.95, row["df"])
    assert math.isclose(row["ci_high"] - row["estimate"], q * row["std_error"], rel_tol=1e-10)
    assert row["conf_level"] == pytest.approx(0.9)
    clustered = itt(data, outcome="y", treatment="arm", cluster="team")
    assert clustered.settings["se_type"] == "cr2" and clustered.settings["n_clusters"] == 12


def test_binary_outcome_is_a_linear_probability_model() -> None:
    data = trial(8, n=200)
    e = itt(data, outcome="outflow", treatment="arm").effect("earn_more")
    shares = data.groupby("arm")["outflow"].mean()
    assert math.isclose(e.estimate, shares["earn_more"] - shares["control"], rel_tol=1e-10)


def test_control_default_is_control_else_refused() -> None:
    data = trial(1)
    assert itt(data, outcome="y", treatment="arm").settings["control"] == "control"
    renamed = data.replace({"arm": {"control": "a_control"}})
    with pytest.raises(EstimationError, match=r"column 'arm': which arm is the control\?"):
        itt(renamed, outcome="y", treatment="arm")
    assert itt(renamed, outcome="y", treatment="arm", control="a_control").settings["control"] == (
        "a_control"
    )
    data["arm"] = data["arm"].map({"control": 0, "earn_more": 1, "intensive_support": 2})
    result = itt(data, outcome="y", treatment="arm", control=0)
    assert result.settings["control"] == "0" and result.to_frame()["arm"].tolist() == ["1", "2"]


def test_missing_values_are_counted_per_arm() -> None:
    data = trial(2)
    data.loc[[0, 1, 2], "y"] = np.nan
    data.loc[5, "age"] = np.nan
    arms_lost = data.loc[[0, 1, 2, 5], "arm"].value_counts().to_dict()
    result = itt(data, outcome="y", treatment="arm", covariates=["age"])
    assert result.settings["n_dropped"] == 4 and result.settings["n"] == len(data) - 4
    assert {k: v for k, v in result.settings["n_dropped_by_arm"].items() if v} == arms_lost
    with pytest.raises(
        EstimationError, match=r"column 'y': 3 rows are empty \(data rows 1, 2, 3\)"
    ):
        itt(data, outcome="y", treatment="arm", missing="error")


def test_results_are_immutable_picklable_and_json_ready() -> None:
    import json

    result = itt(trial(4), outcome="y", treatment="arm", strata="site")
    with pytest.raises(AttributeError):
        result.effects = ()  # type: ignore[misc]
    again = pickle.loads(pickle.dumps(result))
    assert again.to_frame().equals(result.to_frame())
    payload = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert set(payload) == {"estimates", "glance"}
    assert payload["glance"]["strata"] == "site" and payload["glance"]["n_strata"] == 3
    assert "intensive_support" in result.summary() and result.glance()["n"] == len(trial(4))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"se_type": "hc2", "cluster": "team"}, "ignores the clusters in 'team'"),
        ({"se_type": "cr2"}, "needs clusters"),
        ({"se_type": "hc5"}, "se_type must be one of"),
        ({"estimator": "dim", "covariates": ["age"]}, "does not adjust for covariates"),
        ({"estimator": "dim", "se_type": "hc2"}, "se_type does not apply"),
        ({"adjust": "lin"}, "needs covariates"),
        ({"control": "nobody"}, "control level 'nobody' does not occur"),
        ({"covariates": ["agee"]}, "'agee' not in the data"),
    ],
)
def test_refusals_name_the_problem(kwargs: dict, message: str) -> None:
    with pytest.raises((EstimationError, ChoiceError), match=message):
        itt(trial(1), outcome="y", treatment="arm", **kwargs)


def test_text_outcome_is_refused() -> None:
    with pytest.raises(
        EstimationError, match=r"column 'site': \d+ value\(s\) are not numbers \(data row 1: "
    ):
        itt(trial(1), outcome="site", treatment="arm")


def test_dim_refuses_mixed_clusters() -> None:
    with pytest.raises(EstimationError, match="clusters hold units of both arms"):
        itt(trial(1), outcome="y", treatment="arm", estimator="dim", cluster="team")


def test_leverage_one_is_refused_for_hc2_but_not_hc1() -> None:
    data = trial(6)
    data["level"] = "common"
    data.loc[0, "level"] = "rare"  # a covariate level of one participant
    kwargs = {"covariates": ["level"], "adjust": "linear"}
    with pytest.raises(EstimationError, match=r"1 row has leverage 1 \(row 1 of the rows used\)"):
        itt(data, outcome="y", treatment="arm", **kwargs)
    assert itt(data, outcome="y", treatment="arm", se_type="hc1", **kwargs).effects


def test_singleton_stratum_is_dropped_under_hc2_not_refused() -> None:
    data = trial(6)
    data.loc[0, "site"] = "Deventer"  # a stratum of one participant
    result = itt(data, outcome="y", treatment="arm", strata="site")
    assert result.settings["n_singletons_dropped"] == 1
    assert itt(data, outcome="y", treatment="arm", strata="site", se_type="hc1").effects


def test_covariate_collinear_with_strata_is_dropped_and_reported() -> None:
    data = trial(9)
    data["site_code"] = data["site"].map({"Tilburg": 1.0, "Utrecht": 2.0, "Wageningen": 7.5})
    plain = itt(data, outcome="y", treatment="arm", strata="site")
    for se in ("hc2", "hc1"):
        both = itt(
            data,
            outcome="y",
            treatment="arm",
            strata="site",
            covariates=["site_code"],
            adjust="linear",
            se_type=se,
        )
        assert both.settings["terms_dropped_collinear"] == ["site_code"]
        if se == "hc2":
            np.testing.assert_allclose(
                both.to_frame()["std_error"], plain.to_frame()["std_error"], rtol=1e-8
            )


def test_alpha_still_works_with_a_deprecation_warning() -> None:
    data = trial(5)
    with pytest.warns(DeprecationWarning, match="alpha= is deprecated; pass conf_level"):
        old = itt(data, outcome="y", treatment="arm", alpha=0.1)
    new = itt(data, outcome="y", treatment="arm", conf_level=0.9)
    pd.testing.assert_frame_equal(old.to_frame(), new.to_frame())
    with pytest.raises(ChoiceError, match="give the level once"):
        itt(data, outcome="y", treatment="arm", alpha=0.1, conf_level=0.8)
    with pytest.raises(ChoiceError, match="conf_level must lie strictly between 0 and 1; got 95"):
        itt(data, outcome="y", treatment="arm", conf_level=95)
