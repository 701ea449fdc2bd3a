"""Declared multiplicity families, singleton strata and strata without outcome variation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from participatie_rct.estimate.itt import itt
from participatie_rct.estimate.logit import logit_ame
from participatie_rct.estimate.multiplicity import bonferroni, holm


def _three_arms(seed: int = 5, n: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = np.tile(["control", "a", "b", "c"], n // 4)
    y = rng.normal(0, 1, n) + 0.4 * (arm == "a") + 0.3 * (arm == "b")
    return pd.DataFrame({"arm": arm, "y": y, "site": np.repeat(np.arange(12), n // 12)})


def test_an_arm_without_outcomes_keeps_its_row_and_its_place_in_the_holm_family():
    data = _three_arms()
    data.loc[data.arm == "c", "y"] = np.nan  # every outcome of arm c missing
    result = itt(data, outcome="y", treatment="arm", control="control")
    frame = result.to_frame().set_index("arm")
    assert list(frame.index) == ["a", "b", "c"]
    assert np.isnan(frame.loc["c", "estimate"]) and np.isnan(frame.loc["c", "p_holm"])
    p = frame.loc[["a", "b"], "p_value"].to_numpy()
    # the family has three members: the smallest p is multiplied by 3, not by 2
    assert frame.loc[["a", "b"], "p_holm"].min() == pytest.approx(min(1.0, 3 * p.min()))
    assert frame.loc[["a", "b"], "p_holm"].min() != pytest.approx(min(1.0, 2 * p.min()))
    assert any("'c'" in w for w in result.warnings)
    assert result.to_dict()["glance"]["warnings"] == list(result.warnings)


def test_declared_arms_from_the_protocol_fix_the_family():
    data = _three_arms()
    data = data[data.arm != "c"]  # arm c never reached the data at all
    result = itt(data, outcome="y", treatment="arm", arms=["control", "a", "b", "c"])
    assert list(result.to_frame()["arm"]) == ["a", "b", "c"]
    assert result.settings["arms_without_data"] == ["c"]


def test_holm_and_bonferroni_with_a_family_size():
    assert holm([0.01, np.nan, 0.03], n=3)[[0, 2]].tolist() == pytest.approx([0.03, 0.06])
    assert holm([0.01, np.nan, 0.03])[[0, 2]].tolist() == pytest.approx([0.02, 0.03])
    assert bonferroni([0.01, np.nan], n=2)[0] == pytest.approx(0.02)
    with pytest.raises(ValueError):
        holm([0.01, 0.02], n=1)


def test_singleton_strata_are_dropped_with_a_note_under_hc2():
    data = _three_arms()
    data.loc[0, "site"] = 99  # a stratum of one row
    result = itt(data, outcome="y", treatment="arm", strata="site")
    assert result.settings["n_singletons_dropped"] == 1
    assert result.glance()["n_singletons_dropped"] == 1
    assert any("singleton" in w for w in result.warnings)
    # the same as leaving the row out by hand (it adds nothing after demeaning)
    by_hand = itt(data.drop(index=0), outcome="y", treatment="arm", strata="site")
    assert result.to_frame()["estimate"].to_numpy() == pytest.approx(
        by_hand.to_frame()["estimate"].to_numpy(), rel=1e-12
    )
    assert result.to_frame()["std_error"].to_numpy() == pytest.approx(
        by_hand.to_frame()["std_error"].to_numpy(), rel=1e-12
    )


def test_logit_with_a_stratum_without_variation_drops_it_with_a_note():
    rng = np.random.default_rng(2)
    n = 400
    data = pd.DataFrame(
        {
            "arm": np.tile(["control", "t"], n // 2),
            "site": np.repeat(np.arange(8), n // 8),
        }
    )
    data["work"] = (rng.random(n) < 0.3 + 0.1 * (data.arm == "t")).astype(int)
    data.loc[data.site == 3, "work"] = 0  # nobody in site 3 finds work
    result = logit_ame(data, outcome="work", treatment="arm", strata="site")
    assert np.isfinite(result.to_frame()["estimate"]).all()
    assert result.settings["n_dropped_constant_strata"] == 50
    assert any("'site'" in w and "3" in w for w in result.warnings)
    by_hand = logit_ame(data[data.site != 3], outcome="work", treatment="arm", strata="site")
    assert result.to_frame()["estimate"].iloc[0] == pytest.approx(
        by_hand.to_frame()["estimate"].iloc[0], rel=1e-9
    )


def test_logit_keeps_an_arm_without_outcomes_in_its_family():
    rng = np.random.default_rng(3)
    n = 300
    data = pd.DataFrame({"arm": np.tile(["control", "a", "b"], n // 3)})
    data["work"] = (rng.random(n) < 0.3).astype(float)
    data.loc[data.arm == "b", "work"] = np.nan
    result = logit_ame(data, outcome="work", treatment="arm")
    frame = result.to_frame().set_index("arm")
    assert list(frame.index) == ["a", "b"] and np.isnan(frame.loc["b", "p_holm"])
    assert frame.loc["a", "p_holm"] == pytest.approx(min(1.0, 2 * frame.loc["a", "p_value"]))


def test_logit_refuses_when_no_stratum_varies():
    data = pd.DataFrame({"arm": np.tile(["control", "t"], 20), "site": np.repeat(["a", "b"], 20)})
    data["work"] = (data.site == "a").astype(int)
    with pytest.raises(Exception, match=r"within every stratum of 'site' the outcome never varies"):
        logit_ame(data, outcome="work", treatment="arm", strata="site")
