"""Repeated confidence intervals and the boundary after the looks held, against rpact.

The critical values are rpact's (tests/reference/rpact_boundaries.json, O'Brien-Fleming-type
spending, two-sided alpha 0.05); the intervals are checked by hand: estimate -/+ c_k * SE.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from participatie_rct.design.boundaries import group_sequential_boundaries
from participatie_rct.design.looks import (
    RecordedLook,
    boundary_after_looks,
    check_looks,
    look_record,
)
from participatie_rct.design.monitor import monitor_status
from participatie_rct.design.rci import (
    repeated_confidence_interval,
    repeated_confidence_intervals,
)
from participatie_rct.errors import DesignError

REFERENCE = json.loads(
    (Path(__file__).parents[1] / "reference" / "rpact_boundaries.json").read_text()
)
#: rpact integrates on its own grid: the critical values agree to about 1e-6
TOLERANCE = 1e-5


def rpact(information: list[float]) -> list[float]:
    case = next(
        c
        for c in REFERENCE["cases"]
        if c["spending"] == "obrien-fleming"
        and c["alpha"] == 0.05
        and len(c["information"]) == len(information)
        and np.allclose(c["information"], information)
    )
    return list(case["z"])


def test_rci_is_estimate_plus_minus_the_critical_value_times_se_by_hand() -> None:
    # two looks at t = 0.5, 1: rpact's OF-type critical values 2.96259 and 1.96860
    c1, c2 = rpact([0.5, 1.0])
    boundary = group_sequential_boundaries(
        information=[0.5, 1.0], alpha=0.05, spending="obrien-fleming"
    )
    (low1, high1), (low2, high2) = repeated_confidence_intervals(
        [0.080, 0.055], [0.030, 0.021], boundary
    )
    assert low1 == pytest.approx(0.080 - c1 * 0.030, abs=TOLERANCE * 0.03)
    assert high1 == pytest.approx(0.080 + c1 * 0.030, abs=TOLERANCE * 0.03)
    assert low2 == pytest.approx(0.055 - c2 * 0.021, abs=TOLERANCE * 0.021)
    assert high2 == pytest.approx(0.055 + c2 * 0.021, abs=TOLERANCE * 0.021)
    # by hand: 0.080 -/+ 2.96259 * 0.030 = (-0.00888, 0.16888)
    assert (round(low1, 5), round(high1, 5)) == (-0.00888, 0.16888)


def test_rci_at_the_first_of_three_looks_is_wider_than_a_fixed_interval() -> None:
    c = rpact([1 / 3, 2 / 3, 1.0])
    boundary = group_sequential_boundaries(looks=3, alpha=0.05, spending="obrien-fleming")
    intervals = repeated_confidence_intervals([0.1] * 3, [0.02] * 3, boundary)
    for (low, high), ck in zip(intervals, c, strict=True):
        assert (high - low) / 2 == pytest.approx(ck * 0.02, abs=TOLERANCE * 0.02)
    assert intervals[0][1] - intervals[0][0] > 2 * 1.959964 * 0.02


@given(
    estimate=st.floats(-1, 1),
    se=st.floats(1e-4, 1),
    critical=st.floats(0.5, 6),
)
def test_rci_excludes_zero_exactly_when_z_crosses(estimate, se, critical) -> None:
    low, high = repeated_confidence_interval(estimate, se, critical)
    z = estimate / se
    if abs(abs(z) - critical) > 1e-9:
        assert (low > 0 or high < 0) == (abs(z) > critical)


def test_rci_edge_cases_and_refusals() -> None:
    assert all(math.isnan(v) for v in repeated_confidence_interval(math.nan, 0.1, 2.0))
    assert repeated_confidence_interval(0.1, 0.1, math.inf) == (-math.inf, math.inf)
    with pytest.raises(DesignError, match="critical must be a positive"):
        repeated_confidence_interval(0.1, 0.1, 0.0)
    with pytest.raises(DesignError, match="std_error must be >= 0"):
        repeated_confidence_interval(0.1, -0.1, 2.0)
    boundary = group_sequential_boundaries(looks=2, alpha=0.05, spending="obrien-fleming")
    with pytest.raises(DesignError, match="one estimate and one std_error per look"):
        repeated_confidence_intervals([0.1], [0.1, 0.1], boundary)


def test_monitor_status_carries_each_arms_rci_at_the_looks_boundary() -> None:
    rng = np.random.default_rng(7)
    n = 400
    outcomes = pd.DataFrame(
        {
            "arm": np.repeat(["control", "treated"], n // 2),
            "outflow_work": np.r_[rng.random(n // 2) < 0.2, rng.random(n // 2) < 0.3].astype(float),
            "matured": True,
        }
    )
    status = monitor_status(outcomes, control="control", target_n=800, planned_looks=3)
    c = status.comparisons[0]
    assert c.rci_low == pytest.approx(c.estimate - status.z_boundary * c.std_error, rel=1e-12)
    assert c.rci_high == pytest.approx(c.estimate + status.z_boundary * c.std_error, rel=1e-12)
    assert "rci_low" in status.to_dict()["comparisons"][0]
    record = look_record(status, dt.date(2019, 1, 31))
    assert record.decision == ("stop" if c.crossed else "continue")
    assert RecordedLook.from_details(json.loads(json.dumps(record.to_details()))) == record


def test_final_boundary_after_the_looks_held_matches_rpact() -> None:
    for fractions in ([0.5], [0.3, 0.55]):
        expected = rpact([*fractions, 1.0])
        found = boundary_after_looks(fractions, alpha=0.05, spending="obrien-fleming")
        assert [look.z for look in found.looks] == pytest.approx(expected, abs=TOLERANCE)
        assert found.looks[-1].alpha_cumulative == pytest.approx(0.05)
    fixed = boundary_after_looks([], alpha=0.05, spending="obrien-fleming")
    assert fixed.looks[-1].z == pytest.approx(1.959964, abs=1e-6)
    with pytest.raises(DesignError, match="increase strictly"):
        boundary_after_looks([0.6, 0.4], alpha=0.05, spending="obrien-fleming")


def test_recorded_looks_must_be_in_order_and_well_formed() -> None:
    first = RecordedLook(1, dt.date(2019, 1, 31), 0.3, 3.9, 0.0001, "continue", False, 120)
    second = RecordedLook(2, dt.date(2019, 6, 30), 0.6, 2.7, 0.007, "continue", False, 240)
    check_looks([first, second])
    with pytest.raises(DesignError, match="numbered 1, 2"):
        check_looks([second])
    with pytest.raises(DesignError, match="does not come after"):
        check_looks(
            [first, RecordedLook(2, dt.date(2019, 1, 1), 0.6, 2.7, 0.007, "stop", False, 1)]
        )
    with pytest.raises(DesignError, match="incomplete or malformed"):
        RecordedLook.from_details({"look": 1})
    with pytest.raises(DesignError, match="stop or continue"):
        RecordedLook.from_details({**first.to_details(), "decision": "maybe"})
    infinite = RecordedLook(1, dt.date(2019, 1, 31), 0.01, math.inf, 0.0, "continue", False, 3)
    assert infinite.to_details()["boundary"] is None
    assert RecordedLook.from_details(infinite.to_details()).boundary == math.inf
