"""Randomization inference replays the design: waves, strata, blocks, and its statistics.

Independent checks: the null distribution of a wave-assigned trial against a plain numpy
permutation within waves; stratified against complete re-draws; the vectorized re-draws
against the procedure's own sequencer; the observed statistics against ``itt`` and
``logrank``; the interval against the p-value of the shifted outcomes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from participatie_rct.assignment import (
    CompleteRandomization,
    Minimization,
    PermutedBlocks,
    StratifiedRandomization,
)
from participatie_rct.estimate.inference import randomization_inference
from participatie_rct.estimate.itt import itt
from participatie_rct.estimate.logrank import logrank
from participatie_rct.estimate.redraw import redraws

DRAWS = 2000


def _sd_tolerance(draws: int) -> float:
    """Relative Monte Carlo error of a standard deviation from ``draws`` draws, times 5."""
    return 5 / np.sqrt(2 * draws)


def _waves(seed: int = 1) -> tuple[pd.DataFrame, CompleteRandomization]:
    """Three intake waves (Deventer, Nijmegen, Apeldoorn style) with very different outcomes,
    each of an odd size so that the arms' counts differ between waves."""
    rng = np.random.default_rng(seed)
    sizes = (41, 60, 23)
    wave = np.repeat(np.arange(3), sizes)
    procedure = CompleteRandomization(arms=("control", "treatment"))
    arms = np.concatenate(
        [
            procedure.draw(pd.DataFrame(index=range(s)), rng=np.random.default_rng(10 + w))
            for w, s in enumerate(sizes)
        ]
    )
    y = np.array([0.0, 3.0, 8.0])[wave] + rng.normal(0, 0.3, wave.size)
    return pd.DataFrame({"wave": wave, "arm": arms, "y": y}), procedure


def _independent_within(y: np.ndarray, groups: np.ndarray, treated: np.ndarray, draws: int):
    """Difference in means under an independent re-draw of the design within each group:
    half of the group treated, the odd unit (if any) treated with probability 1/2, the
    treated set uniformly at random (plain numpy, not the package's code)."""
    rng = np.random.default_rng(77)
    out = np.empty(draws)
    idx = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    for d in range(draws):
        t = np.zeros(y.size, dtype=bool)
        for rows in idx:
            k = rows.size // 2 + (rows.size % 2) * int(rng.random() < 0.5)
            t[rng.choice(rows, k, replace=False)] = True
        out[d] = y[t].mean() - y[~t].mean()
    return out


def test_wave_assigned_trial_matches_an_independent_within_wave_permutation():
    data, procedure = _waves()
    result = randomization_inference(
        data,
        outcome="y",
        treatment="arm",
        procedure=procedure,
        n_draws=DRAWS,
        rng=np.random.default_rng(3),
        batch="wave",
    )
    mine = np.asarray(result.draws["treatment"])
    treated = (data.arm == "treatment").to_numpy()
    ref = _independent_within(data.y.to_numpy(), data.wave.to_numpy(), treated, DRAWS)
    assert mine.std() == pytest.approx(ref.std(), rel=_sd_tolerance(DRAWS))
    assert mine.mean() == pytest.approx(ref.mean(), abs=5 * ref.std() / np.sqrt(DRAWS))
    assert result.settings["n_batches"] == 3
    # ignoring the waves permutes across them: a far wider null distribution
    one_batch = randomization_inference(
        data,
        outcome="y",
        treatment="arm",
        procedure=procedure,
        n_draws=DRAWS,
        rng=np.random.default_rng(3),
    )
    assert np.std(one_batch.draws["treatment"]) > 2 * mine.std()


def test_stratified_and_complete_redraws_differ_as_they_must():
    rng = np.random.default_rng(4)
    n = 300
    site = np.repeat(["a", "b", "c"], n // 3)
    units = pd.DataFrame({"site": site})
    stratified = StratifiedRandomization(arms=("control", "t"), strata=("site",))
    complete = CompleteRandomization(arms=("control", "t"))
    arms = stratified.draw(units, rng=np.random.default_rng(1))
    y = pd.Series(site).map({"a": 0.0, "b": 5.0, "c": 10.0}).to_numpy() + rng.normal(size=n)
    data = units.assign(arm=arms, y=y)
    kw = {"outcome": "y", "treatment": "arm", "n_draws": DRAWS, "rng": np.random.default_rng(5)}
    s = np.asarray(randomization_inference(data, procedure=stratified, **kw).draws["t"])
    kw["rng"] = np.random.default_rng(5)
    c = np.asarray(randomization_inference(data, procedure=complete, **kw).draws["t"])
    treated = (arms == "t").to_numpy()
    ref_s = _independent_within(y, site, treated, DRAWS)
    ref_c = _independent_within(y, np.zeros(n), treated, DRAWS)
    assert s.std() == pytest.approx(ref_s.std(), rel=_sd_tolerance(DRAWS))
    assert c.std() == pytest.approx(ref_c.std(), rel=_sd_tolerance(DRAWS))
    assert c.std() > 3 * s.std()


class _Sequential(PermutedBlocks):
    """The same procedure under another method name: forces the sequential replay."""

    method = "permuted_blocks_replayed"


@pytest.mark.parametrize(
    "procedure",
    [
        PermutedBlocks(arms=("control", "a", "b"), strata=("site",), block_sizes=(3, 6)),
        StratifiedRandomization(arms=("control", "a", "b"), ratios=(2, 1, 1), strata=("site",)),
    ],
)
def test_vectorized_redraws_have_the_procedures_distribution(procedure):
    rng = np.random.default_rng(6)
    n = 61
    units = pd.DataFrame({"site": rng.choice(["x", "y"], n)})
    batches = np.repeat([0, 1], [30, 31])
    fast = np.concatenate(list(redraws(procedure, units, batches, 3000, rng)))
    if procedure.method == "permuted_blocks":
        slow_proc = _Sequential(
            **{k: getattr(procedure, k) for k in ("arms", "strata", "block_sizes")}
        )
    else:
        slow_proc = procedure
    slow = (
        np.concatenate(
            [
                next(redraws(slow_proc, units, batches, 1, np.random.default_rng(s)))
                for s in range(600)
            ]
        )
        if slow_proc is not procedure
        else None
    )
    shares = np.asarray(procedure.ratios) / sum(procedure.ratios)
    for a, share in enumerate(shares):
        freq = (fast == a).mean(axis=0)
        assert np.abs(freq - share).max() < 5 * np.sqrt(share * (1 - share) / 3000)
    if slow is not None:
        # counts per stratum in the first 6 arrivals of each stratum: same distribution
        for code in ("x", "y"):
            first = np.flatnonzero(units.site.to_numpy() == code)[:6]
            f = np.array([(fast[:, first] == a).sum(axis=1).mean() for a in range(3)])
            s = np.array([(slow[:, first] == a).sum(axis=1).mean() for a in range(3)])
            assert f == pytest.approx(s, abs=0.25)
    else:  # stratified within batches: every (batch, site) cell has floor/ceil counts
        for b in (0, 1):
            for code in ("x", "y"):
                cell = np.flatnonzero((batches == b) & (units.site.to_numpy() == code))
                counts = (fast[:, cell][:, :, None] == np.arange(3)).sum(axis=1)
                expected = cell.size * shares
                assert (np.abs(counts - expected) < 1).all()


def test_minimization_is_replayed_sequentially():
    rng = np.random.default_rng(8)
    units = pd.DataFrame({"sex": rng.choice(["m", "v"], 40), "age": rng.choice(["y", "o"], 40)})
    procedure = Minimization(arms=("control", "t"), factors=("sex", "age"))
    arms = procedure.draw(units, rng=np.random.default_rng(1))
    data = units.assign(arm=arms, y=rng.normal(size=40))
    result = randomization_inference(
        data,
        outcome="y",
        treatment="arm",
        procedure=procedure,
        n_draws=50,
        rng=np.random.default_rng(2),
    )
    assert result.settings["redraw"] == "sequential"
    assert 0 < result.to_frame().loc[0, "p_value"] <= 1


def _two_arm(
    seed: int = 9, n: int = 200, effect: float = 0.0
) -> tuple[pd.DataFrame, CompleteRandomization]:
    rng = np.random.default_rng(seed)
    procedure = CompleteRandomization(arms=("control", "t"))
    units = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    arms = procedure.draw(units, rng=np.random.default_rng(seed + 1))
    y = 0.8 * units.x + rng.normal(size=n) * (1 + (arms == "t")) + effect * (arms == "t")
    return units.assign(arm=arms, y=y), procedure


def test_observed_statistics_match_itt():
    data, procedure = _two_arm()
    kw = {"outcome": "y", "treatment": "arm", "procedure": procedure, "n_draws": 20}
    lin = randomization_inference(
        data, statistic="lin", covariates=["x", "z"], rng=np.random.default_rng(1), **kw
    )
    stud = randomization_inference(
        data, statistic="studentized", covariates=["x", "z"], rng=np.random.default_rng(1), **kw
    )
    welch = randomization_inference(
        data, statistic="studentized", rng=np.random.default_rng(1), **kw
    )
    ref = itt(data, outcome="y", treatment="arm", covariates=["x", "z"]).effect("t")
    assert lin.to_frame().loc[0, "statistic"] == pytest.approx(ref.estimate, rel=1e-10)
    assert stud.to_frame().loc[0, "statistic"] == pytest.approx(ref.statistic, rel=1e-8)
    plain = itt(data, outcome="y", treatment="arm", estimator="dim").effect("t")
    assert welch.to_frame().loc[0, "statistic"] == pytest.approx(plain.statistic, rel=1e-8)


def test_logrank_scores_give_observed_minus_expected():
    rng = np.random.default_rng(12)
    n = 120
    procedure = CompleteRandomization(arms=("control", "t"))
    data = pd.DataFrame({"arm": procedure.draw(pd.DataFrame(index=range(n)), rng=rng)})
    data["months"] = np.ceil(rng.exponential(10, n))
    data["exit"] = (rng.random(n) < 0.7).astype(int)
    result = randomization_inference(
        data,
        treatment="arm",
        procedure=procedure,
        n_draws=400,
        rng=np.random.default_rng(1),
        statistic="logrank",
        time="months",
        event="exit",
    )
    table = logrank(data, time="months", event="exit", treatment="arm").to_frame().set_index("arm")
    o_minus_e = table.loc["t", "observed"] - table.loc["t", "expected"]
    n_t = int((data.arm == "t").sum())
    # difference in mean scores = (O - E)_t / n_t - (O - E)_c / n_c, and (O - E)_c = -(O - E)_t
    expected = o_minus_e / n_t + o_minus_e / (n - n_t)
    assert result.to_frame().loc[0, "statistic"] == pytest.approx(expected, rel=1e-10)
    asymptotic = logrank(data, time="months", event="exit", treatment="arm").p_value
    assert result.to_frame().loc[0, "p_value"] == pytest.approx(asymptotic, abs=0.08)


def test_interval_by_inversion_agrees_with_the_p_value_of_shifted_outcomes():
    data, procedure = _two_arm(effect=0.7)
    kw = {
        "treatment": "arm",
        "procedure": procedure,
        "n_draws": 500,
        "statistic": "lin",
        "covariates": ["x"],
    }
    result = randomization_inference(data, outcome="y", rng=np.random.default_rng(4), **kw)
    row = result.to_frame().iloc[0]
    assert row["ci_low"] < 0.7 < row["ci_high"] and row["ci_low"] > 0
    t = (data.arm == "t").to_numpy()
    for end, inside in ((row["ci_low"], +1), (row["ci_high"], -1)):
        for eps, accept in ((1e-8, True), (-1e-8, False)):
            shifted = data.assign(y=data.y - (end + inside * eps) * t)
            p = randomization_inference(shifted, outcome="y", rng=np.random.default_rng(4), **kw)
            assert bool(p.to_frame().loc[0, "p_value"] > 0.05) is accept
    assert row["mc_se"] == pytest.approx(np.sqrt(row["p_value"] * (1 - row["p_value"]) / 500))
    assert 0 < result.omnibus["p_value"] <= 1


def test_an_arm_of_the_protocol_without_data_keeps_its_row():
    data, _ = _two_arm()
    procedure = CompleteRandomization(arms=("control", "t", "u"))
    result = randomization_inference(
        data,
        outcome="y",
        treatment="arm",
        procedure=procedure,
        n_draws=30,
        rng=np.random.default_rng(1),
    )
    frame = result.to_frame().set_index("arm")
    assert list(frame.index) == ["t", "u"] and np.isnan(frame.loc["u", "p_value"])
    assert any("'u'" in w for w in result.warnings)


def test_row_order_of_the_data_does_not_matter_and_swapping_arms_flips_the_sign():
    data, procedure = _two_arm(effect=0.3)
    kw = {"outcome": "y", "treatment": "arm", "procedure": procedure, "n_draws": 200}
    base = randomization_inference(data, units=data, rng=np.random.default_rng(1), **kw)
    shuffled = data.sample(frac=1.0, random_state=4)
    again = randomization_inference(shuffled, units=data, rng=np.random.default_rng(1), **kw)
    assert again.to_frame().equals(base.to_frame())
    flipped = randomization_inference(
        data, units=data, rng=np.random.default_rng(1), control="t", **kw
    )
    assert flipped.to_frame().loc[0, "statistic"] == pytest.approx(
        -base.to_frame().loc[0, "statistic"]
    )
    assert flipped.to_frame().loc[0, "p_value"] == pytest.approx(base.to_frame().loc[0, "p_value"])


def test_studentized_without_covariates_survives_a_large_offset():
    data, procedure = _two_arm()
    kw = {"outcome": "y", "treatment": "arm", "procedure": procedure, "n_draws": 50}
    kw |= {"statistic": "studentized"}
    plain = randomization_inference(data, rng=np.random.default_rng(1), **kw)
    shifted = randomization_inference(
        data.assign(y=data.y + 1e7), rng=np.random.default_rng(1), **kw
    )
    assert shifted.to_frame().loc[0, "statistic"] == pytest.approx(
        plain.to_frame().loc[0, "statistic"], rel=1e-6
    )


def test_arm_sums_over_tiles_match_plain_sums(monkeypatch):
    from participatie_rct.estimate import ri_stats

    monkeypatch.setattr(ri_stats, "TILE", (3, 7))  # ragged tiles in both directions
    rng = np.random.default_rng(13)
    z = rng.integers(0, 3, size=(10, 23)).astype(np.int8)
    y = rng.normal(size=(23, 2))
    sums, counts = ri_stats.arm_sums(z, y, [2, 0])
    for got, n, a in zip(sums, counts, [2, 0], strict=True):
        assert got == pytest.approx((z == a).astype(float) @ y, abs=1e-12)
        assert n.tolist() == (z == a).sum(axis=1).tolist()
