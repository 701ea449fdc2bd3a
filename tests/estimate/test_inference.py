"""Randomization inference re-draws the trial's own assignment procedure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from participatie_rct.errors import EstimationError
from participatie_rct.estimate import randomization_inference

assignment = pytest.importorskip("participatie_rct.assignment")


def units(n: int = 60) -> pd.DataFrame:
    return pd.DataFrame(
        {"site": np.repeat(["Tilburg", "Utrecht"], n // 2)}, index=pd.RangeIndex(n) + 100
    )


def test_null_effect_gives_a_uniform_like_p_value_and_a_strong_effect_a_small_one() -> None:
    procedure = assignment.StratifiedRandomization(arms=("control", "earn_more"), strata=("site",))
    table = units()
    arms = procedure.draw(table, rng=np.random.default_rng(1))
    rng = np.random.default_rng(99)
    y_null = rng.normal(size=len(table))
    data = pd.DataFrame({"arm": arms, "y": y_null}, index=table.index)
    null = randomization_inference(
        data,
        outcome="y",
        treatment="arm",
        procedure=procedure,
        units=table,
        n_draws=200,
        rng=np.random.default_rng(7),
    )
    data_effect = data.assign(y=y_null + 2.0 * (arms == "earn_more"))
    strong = randomization_inference(
        data_effect,
        outcome="y",
        treatment="arm",
        procedure=procedure,
        units=table,
        n_draws=200,
        rng=np.random.default_rng(7),
    )
    assert strong.to_frame().loc[0, "p_value"] == pytest.approx(1 / 201)
    assert null.to_frame().loc[0, "p_value"] > 0.01
    # the re-draws come from the procedure: every draw keeps the strata's balance, so the
    # null distribution is centred at zero
    assert abs(null.to_frame().loc[0, "null_mean"]) < 0.1
    assert null.settings["seed"] == 7 and null.settings["method"] == "stratified"
    assert len(set(null.draws["earn_more"])) > 50  # the draws differ


def test_same_seed_same_result() -> None:
    procedure = assignment.CompleteRandomization(arms=("control", "earn_more", "intensive_support"))
    table = units(30)
    arms = procedure.draw(table, rng=np.random.default_rng(3))
    data = pd.DataFrame({"arm": arms, "y": np.arange(30.0)}, index=table.index)
    kwargs = {
        "outcome": "y",
        "treatment": "arm",
        "procedure": procedure,
        "units": table,
        "n_draws": 30,
    }
    a = randomization_inference(data, rng=np.random.default_rng(5), **kwargs)
    b = randomization_inference(data, rng=np.random.default_rng(5), **kwargs)
    assert a.to_frame().equals(b.to_frame()) and a.to_frame()["arm"].tolist() == [
        "earn_more",
        "intensive_support",
    ]
    assert set(a.to_dict()) == {"estimates", "glance", "omnibus"}


def test_data_must_match_units() -> None:
    procedure = assignment.CompleteRandomization(arms=("control", "earn_more"))
    data = pd.DataFrame({"arm": ["control", "earn_more"], "y": [1.0, 2.0]}, index=[0, 1])
    with pytest.raises(EstimationError, match="share their index"):
        randomization_inference(
            data,
            outcome="y",
            treatment="arm",
            procedure=procedure,
            units=units(4),
            n_draws=5,
            rng=np.random.default_rng(1),
        )
