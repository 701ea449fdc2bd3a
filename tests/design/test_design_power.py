"""Power, sample size and MDE against R's power.prop.test and power.t.test.

Reference: tests/reference/power_prop_test.R and .json.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from participatie_rct.design import (
    holm_power,
    mde_curve,
    minimum_detectable_effect,
    power_means,
    power_two_proportions,
)
from participatie_rct.errors import DesignError

REFERENCE = json.loads(
    (Path(__file__).parents[1] / "reference" / "power_prop_test.json").read_text()
)

#: R solves with uniroot (run at tol = 1e-12 in the script); we use a closed form or brentq.
#: Relative 1e-6 is what the issue asks and far above either solver's error.
REL_TOL = 1e-6


def _prop_id(case: dict) -> str:
    solved = ({"n", "p2", "power"} - set(case["given"])).pop()
    return f"{solved}-p1{case['p1']}-strict{case['strict']}-a{case['sig.level']:.4g}"


@pytest.mark.reference
@pytest.mark.parametrize("case", REFERENCE["prop"], ids=_prop_id)
def test_proportions_match_power_prop_test(case: dict) -> None:
    given_ = set(case["given"])
    common = {"alpha": case["sig.level"], "strict": case["strict"]}
    if "n" not in given_:
        result = power_two_proportions(
            p_control=case["p1"], p_treatment=case["p2"], power=case["power"], **common
        )
        assert result.n_per_arm == pytest.approx(case["n"], rel=REL_TOL)
        assert result.n_per_arm_ceil == math.ceil(case["n"])
    elif "power" not in given_:
        result = power_two_proportions(
            p_control=case["p1"], p_treatment=case["p2"], n_per_arm=case["n"], **common
        )
        assert result.power == pytest.approx(case["power"], rel=REL_TOL)
    else:
        result = minimum_detectable_effect(
            p_control=case["p1"], n_per_arm=case["n"], power=case["power"], **common
        )
        assert result.p_treatment == pytest.approx(case["p2"], rel=REL_TOL)


def _t_id(case: dict) -> str:
    solved = ({"n", "delta", "power"} - set(case["given"])).pop()
    return f"{solved}-sd{case['sd']}-strict{case['strict']}"


@pytest.mark.reference
@pytest.mark.parametrize("case", REFERENCE["t"], ids=_t_id)
def test_means_match_power_t_test(case: dict) -> None:
    given_ = set(case["given"])
    kwargs = {"sd": case["sd"], "alpha": case["sig.level"], "strict": case["strict"]}
    for name, key in (("delta", "delta"), ("n_per_arm", "n"), ("power", "power")):
        if key in given_:
            kwargs[name] = case[key]
    result = power_means(**kwargs)
    if "n" not in given_:
        assert result.n_per_arm == pytest.approx(case["n"], rel=REL_TOL)
    elif "power" not in given_:
        assert result.power == pytest.approx(case["power"], rel=REL_TOL)
    else:
        assert result.delta == pytest.approx(case["delta"], rel=REL_TOL)


def test_bonferroni_divides_alpha_and_counts_the_control() -> None:
    plain = power_two_proportions(p_control=0.06, p_treatment=0.115, power=0.8, alpha=0.05 / 3)
    bonf = power_two_proportions(
        p_control=0.06, p_treatment=0.115, power=0.8, arms=3, correction="bonferroni"
    )
    assert bonf.alpha_per_comparison == pytest.approx(0.05 / 3)
    assert bonf.n_per_arm == pytest.approx(plain.n_per_arm)
    assert bonf.n_total == bonf.n_per_arm_ceil * 4
    assert bonf.to_dict()["n_total"] == bonf.n_total


def test_contract_keys_come_first_in_json() -> None:
    payload = power_two_proportions(p_control=0.1, p_treatment=0.2, n_per_arm=100).to_dict()
    assert list(payload)[:5] == [
        "n_per_arm",
        "n_per_arm_ceil",
        "n_total",
        "power",
        "alpha_per_comparison",
    ]
    assert isinstance(payload["n_per_arm_ceil"], int)
    json.dumps(payload)


def test_holm_with_one_arm_is_the_strict_test() -> None:
    strict = power_two_proportions(
        p_control=0.12, p_treatment=0.2, n_per_arm=150, strict=True
    ).power
    assert holm_power(150, 0.12, 0.2, alpha=0.05, arms=1) == pytest.approx(
        (strict, strict), rel=1e-9
    )


def test_holm_lies_between_bonferroni_and_unadjusted() -> None:
    kwargs = {"p_control": 0.12, "p_treatment": 0.2, "n_per_arm": 250, "arms": 3, "strict": True}
    holm = power_two_proportions(**kwargs, correction="holm").power
    bonf = power_two_proportions(**kwargs, correction="bonferroni").power
    none = power_two_proportions(**kwargs, correction="none").power
    assert bonf < holm < none
    n_holm = power_two_proportions(
        p_control=0.12, p_treatment=0.2, power=0.8, arms=3, correction="holm"
    ).n_per_arm
    n_bonf = power_two_proportions(
        p_control=0.12, p_treatment=0.2, power=0.8, arms=3, correction="bonferroni"
    ).n_per_arm
    assert n_holm < n_bonf
    assert power_two_proportions(
        p_control=0.12, p_treatment=0.2, n_per_arm=n_holm, arms=3, correction="holm"
    ).power == pytest.approx(0.8, abs=1e-8)


def test_holm_power_agrees_with_simulated_holm_procedures() -> None:
    # run Holm's step-down on simulated statistics of the same normal model: K arms and one
    # shared control, each comparison tested with power.prop.test's pooled null variance
    n, p0, p1, arms, alpha = 300, 0.1, 0.17, 3, 0.05
    per_comparison, any_rejection = holm_power(n, p0, p1, alpha=alpha, arms=arms)
    rng = np.random.default_rng(7)
    reps = 200_000
    control = rng.normal(size=(reps, 1)) * math.sqrt(p0 * (1 - p0))
    treated = rng.normal(size=(reps, arms)) * math.sqrt(p1 * (1 - p1))
    diff = math.sqrt(n) * (p1 - p0) + treated - control  # sqrt(n) (phat_arm - phat_control)
    pbar = (p0 + p1) / 2
    p = 2 * norm.sf(np.abs(diff) / math.sqrt(2 * pbar * (1 - pbar)))
    levels = alpha / (arms - np.arange(arms))
    rejected = np.cumprod(np.sort(p, axis=1) <= levels, axis=1).sum(axis=1)
    tol = 4 * math.sqrt(0.25 / reps)  # four binomial standard errors
    assert rejected.mean() / arms == pytest.approx(per_comparison, abs=tol)
    assert (rejected > 0).mean() == pytest.approx(any_rejection, abs=tol)


def test_mde_inverts_power() -> None:
    mde = minimum_detectable_effect(p_control=0.12, n_per_arm=190, arms=3, correction="holm")
    back = power_two_proportions(
        p_control=0.12, p_treatment=mde.p_treatment, n_per_arm=190, arms=3, correction="holm"
    )
    assert back.power == pytest.approx(0.8, abs=1e-8)
    down = minimum_detectable_effect(p_control=0.3, n_per_arm=200, direction="decrease")
    assert down.p_treatment < 0.3
    assert power_two_proportions(
        p_control=0.3, p_treatment=down.p_treatment, n_per_arm=200
    ).power == pytest.approx(0.8)


def test_mde_curve_falls_with_n() -> None:
    frame = mde_curve(
        p_control=0.12, n_per_arm=[50, 100, 200, 400, 800], arms=3, correction="bonferroni"
    )
    assert list(frame.columns[:6]) == [
        "n_per_arm",
        "n_total",
        "mde",
        "power",
        "alpha_per_comparison",
        "correction",
    ]
    assert np.all(np.diff(frame["mde"]) < 0)
    means = mde_curve(sd=2.0, n_per_arm=[20, 80])
    assert means["mde"].iloc[1] == pytest.approx(
        means["mde"].iloc[0] / 2, rel=0.05
    )  # about 1 / sqrt(n)


@settings(max_examples=30, deadline=None)
@given(
    p0=st.floats(0.02, 0.6),
    gap=st.floats(0.03, 0.3),
    power=st.floats(0.5, 0.95),
    arms=st.integers(1, 4),
    correction=st.sampled_from(["none", "bonferroni"]),
)
def test_n_and_power_are_inverse(
    p0: float, gap: float, power: float, arms: int, correction: str
) -> None:
    p1 = min(p0 + gap, 0.97)
    solved = power_two_proportions(
        p_control=p0, p_treatment=p1, power=power, arms=arms, correction=correction
    )
    back = power_two_proportions(
        p_control=p0, p_treatment=p1, n_per_arm=solved.n_per_arm, arms=arms, correction=correction
    )
    assert back.power == pytest.approx(power, abs=1e-9)
    # swapping the arms' roles changes nothing: the test is two-sided and symmetric
    swapped = power_two_proportions(
        p_control=p1, p_treatment=p0, power=power, arms=arms, correction=correction
    )
    assert swapped.n_per_arm == pytest.approx(solved.n_per_arm)


def test_summary_reads() -> None:
    text = power_two_proportions(
        p_control=0.06, p_treatment=0.115, power=0.8, arms=3, correction="holm"
    ).summary()
    assert "3 treatment arms" in text and "correction holm" in text and "at least one arm" in text


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"p_control": 0.1, "p_treatment": 0.1, "power": 0.8}, "p_treatment equals p_control"),
        (
            {"p_control": 1.2, "p_treatment": 0.1, "power": 0.8},
            "p_control must be a proportion .*; got 1.2",
        ),
        ({"p_control": 0.1, "p_treatment": 0.2}, "exactly one of n_per_arm and power"),
        ({"p_control": 0.1, "p_treatment": 0.2, "power": 0.8, "n_per_arm": 10}, "exactly one of"),
        (
            {"p_control": 0.1, "p_treatment": 0.2, "power": 1.0},
            "power must be strictly between 0 and 1; got 1.0",
        ),
        (
            {"p_control": 0.1, "p_treatment": 0.2, "n_per_arm": 1},
            "n_per_arm must be a number from 2 to 1e.07; got 1",
        ),
        (
            {"p_control": 0.1, "p_treatment": 0.2, "power": 0.8, "arms": 0},
            "arms must be a whole number from 1 to 50",
        ),
        (
            {"p_control": 0.1, "p_treatment": 0.2, "power": 0.8, "arms": 1000},
            "arms must be a whole number from 1 to 50 .*; got 1000",
        ),
        (
            {"p_control": 0.1, "p_treatment": 0.2, "n_per_arm": 1e300},
            "n_per_arm must be a number from 2 to 1e.07; got 1e.300",
        ),
        (
            {"p_control": 0.06, "p_treatment": 0.115, "power": 0.04},
            r"power 0.04 is not above the significance level per comparison \(0.05\)",
        ),
        (
            {
                "p_control": 0.06,
                "p_treatment": 0.115,
                "power": 0.02,
                "alpha": 0.1,
                "arms": 4,
                "correction": "bonferroni",
            },
            r"not above the significance level per comparison \(0.025\)",
        ),
        ({"p_control": 0.1, "p_treatment": 0.1000001, "power": 0.8}, "more than 1e.07 per arm"),
    ],
)
def test_bad_power_questions_are_refused(kwargs: dict, match: str) -> None:
    with pytest.raises(DesignError, match=match):
        power_two_proportions(**kwargs)


def test_unreachable_mde_and_holm_for_means_are_refused() -> None:
    with pytest.raises(
        DesignError, match=r"no treatment proportion between 0\.95 and 1 reaches power 0\.99"
    ):
        minimum_detectable_effect(p_control=0.95, n_per_arm=3, power=0.99)
    with pytest.raises(DesignError, match="'holm' is computed for proportions only"):
        power_means(delta=1, n_per_arm=10, arms=2, correction="holm")
    with pytest.raises(DesignError, match="Give all but one of delta, n_per_arm and power"):
        power_means(delta=1)
