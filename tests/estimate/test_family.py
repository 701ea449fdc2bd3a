"""Westfall-Young and Romano-Wolf over arms x outcomes: algorithms, FWER, and pyfixest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from participatie_rct.assignment import CompleteRandomization
from participatie_rct.errors import EstimationError
from participatie_rct.estimate.family import (
    family_p_values,
    resampled_p_values,
    romano_wolf,
    westfall_young,
)
from participatie_rct.estimate.redraw import redraws
from participatie_rct.estimate.ri_stats import Columns, difference_in_means

REF = Path(__file__).resolve().parents[1] / "reference"


def _loop_romano_wolf(t: np.ndarray, null: np.ndarray) -> np.ndarray:
    """Romano and Wolf (2005), step by step: max over the hypotheses not yet rejected."""
    order = np.argsort(-np.abs(t))
    out = np.empty(t.size)
    running = 0.0
    for step, k in enumerate(order):
        rest = order[step:]
        maxima = np.abs(null[:, rest]).max(axis=1)
        p = (1 + np.sum(maxima >= abs(t[k]))) / (1 + null.shape[0])
        running = max(running, p)
        out[k] = min(1.0, running)
    return out


def _loop_westfall_young(t: np.ndarray, null: np.ndarray) -> np.ndarray:
    """Westfall and Young (1993, algorithm 2.8) with resampled marginal p-values, by loops."""
    n, k = null.shape
    p = np.array([(1 + np.sum(np.abs(null[:, j]) >= abs(t[j]))) / (1 + n) for j in range(k)])
    p_star = np.array(
        [
            [(1 + np.sum(np.abs(null[:, j]) >= abs(null[b, j]))) / (1 + n) for j in range(k)]
            for b in range(n)
        ]
    )
    order = np.argsort(p, kind="stable")
    out = np.empty(k)
    running = 0.0
    for step, j in enumerate(order):
        q = p_star[:, order[step:]].min(axis=1)
        running = max(running, (1 + np.sum(q <= p[j])) / (1 + n))
        out[j] = min(1.0, running)
    return out


def test_step_down_algorithms_match_their_textbook_loops():
    rng = np.random.default_rng(3)
    null = rng.standard_t(5, size=(300, 5)) * [1, 1.5, 1, 0.8, 2]
    t = np.array([0.3, 4.0, 2.2, -2.5, 1.0])
    assert romano_wolf(t, null) == pytest.approx(_loop_romano_wolf(t, null))
    assert westfall_young(t, null) == pytest.approx(_loop_westfall_young(t, null))
    raw = resampled_p_values(t, null)
    assert (westfall_young(t, null) >= raw - 1e-12).all()
    assert (romano_wolf(t, null) >= raw - 1e-12).all()


def test_family_wise_error_rate_holds_under_the_global_null():
    """300 trials under the global null (3 arms x 3 correlated outcomes = 6 hypotheses),
    vectorized: the outcome columns of all trials are tested against one set of re-draws."""
    rng = np.random.default_rng(11)
    n, trials, draws = 120, 300, 400
    procedure = CompleteRandomization(arms=("control", "a", "b"))
    units = pd.DataFrame(index=range(n))
    z_obs = (
        procedure.draw(units, rng=np.random.default_rng(1))
        .map({"control": 0, "a": 1, "b": 2})
        .to_numpy()
    )
    common = rng.normal(size=(n, trials, 1))
    y = (0.7 * common + 0.7 * rng.normal(size=(n, trials, 3))).reshape(n, -1)
    cols = Columns(y, np.ones(n, dtype=bool), np.zeros((n, 0)))
    observed = difference_in_means(z_obs[None].astype(np.int8), cols, 0, [1, 2])[0]
    null = np.concatenate(
        [
            difference_in_means(z, cols, 0, [1, 2])
            for z in redraws(procedure, units, np.zeros(n), draws, np.random.default_rng(2))
        ]
    )
    hits = {"raw": 0, "wy": 0, "rw": 0}
    for r in range(trials):
        t = observed[:, 3 * r : 3 * r + 3].ravel()
        tn = null[:, :, 3 * r : 3 * r + 3].reshape(draws, -1)
        hits["raw"] += bool((resampled_p_values(t, tn) <= 0.05).any())
        hits["wy"] += bool((westfall_young(t, tn) <= 0.05).any())
        hits["rw"] += bool((romano_wolf(t, tn) <= 0.05).any())
    bound = 0.05 + 3 * np.sqrt(0.05 * 0.95 / trials)
    assert hits["wy"] / trials <= bound and hits["rw"] / trials <= bound
    assert hits["raw"] / trials > 0.12  # without adjustment the error rate is far above 5%
    assert hits["wy"] / trials > 0.01  # and the adjustment is not vacuous


def _trial(effect: float = 0.0, seed: int = 4) -> tuple[pd.DataFrame, CompleteRandomization]:
    rng = np.random.default_rng(seed)
    n = 150
    procedure = CompleteRandomization(arms=("control", "a", "b"))
    arms = procedure.draw(pd.DataFrame(index=range(n)), rng=np.random.default_rng(seed))
    frame = pd.DataFrame({"arm": arms, "x": rng.normal(size=n)})
    for k in range(3):
        frame[f"y{k}"] = frame.x + rng.normal(size=n) + effect * (arms == "a") * k
    return frame, procedure


def test_family_rows_and_an_arm_without_data():
    data, _ = _trial(effect=0.8)
    procedure = CompleteRandomization(arms=("control", "a", "b", "c"))
    result = family_p_values(
        data,
        outcomes=["y0", "y1", "y2"],
        treatment="arm",
        procedure=procedure,
        n_draws=300,
        rng=np.random.default_rng(5),
        covariates=["x"],
    )
    frame = result.to_frame()
    assert len(frame) == 9 and result.settings["family_size"] == 9
    assert frame.loc[frame.arm == "c", "p_romano_wolf"].isna().all()
    strong = frame[(frame.arm == "a") & (frame.outcome == "y2")].iloc[0]
    assert strong["p_westfall_young"] < 0.01 and strong["p_romano_wolf"] < 0.01
    assert (frame["p_holm"].dropna() >= frame["p_value"].dropna() - 1e-12).all()
    assert any("'c'" in w for w in result.warnings)


def test_bootstrap_family_where_the_design_cannot_be_replayed():
    data, _ = _trial(effect=0.8)
    result = family_p_values(
        data,
        outcomes=["y0", "y1", "y2"],
        treatment="arm",
        resampling="bootstrap",
        n_draws=400,
        rng=np.random.default_rng(6),
    )
    frame = result.to_frame().set_index(["arm", "outcome"])
    assert frame.loc[("a", "y2"), "p_romano_wolf"] < 0.05
    assert frame.loc[("b", "y0"), "p_romano_wolf"] > 0.05
    assert result.settings["method"] == "bootstrap"
    with pytest.raises(EstimationError, match="procedure"):
        family_p_values(
            data, outcomes=["y0"], treatment="arm", n_draws=10, rng=np.random.default_rng(1)
        )


def test_against_pyfixest_wyoung_and_rwolf_within_monte_carlo_error():
    ref = json.loads((REF / "pyfixest_wyoung.json").read_text())
    data = pd.read_csv(REF / "pyfixest_wyoung.csv")
    draws = 4000
    result = family_p_values(
        data,
        outcomes=ref["outcomes"],
        treatment="treat",
        control=0,
        procedure=CompleteRandomization(arms=("0", "1")),
        n_draws=draws,
        rng=np.random.default_rng(8),
    )
    frame = result.to_frame()
    assert frame["statistic"].to_numpy() == pytest.approx(ref["t_value"], rel=0.02)
    for mine, theirs in (
        (frame["p_westfall_young"], ref["wyoung"]),
        (frame["p_romano_wolf"], ref["rwolf"]),
    ):
        for a, b in zip(mine, theirs, strict=True):
            p = max(min(b, 0.99), 0.01)
            tol = 4 * np.sqrt(2 * p * (1 - p) / min(draws, ref["reps"])) + 0.01
            assert a == pytest.approx(b, abs=tol)
