"""Golden files: the draws of every method for fixed seeds, committed so that any change fails.

A procedure's draws are part of its contract: a register replays them years later. If a
change to the code alters any arm or probability here, either it is a bug, or the
procedure's ``version`` must be raised and the golden files rewritten on purpose:

    python tests/assignment/test_assignment_golden.py --write
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from participatie_rct.assignment import (
    AssignmentProcedure,
    CompleteRandomization,
    Minimization,
    PermutedBlocks,
    StratifiedRandomization,
)

GOLDEN = Path(__file__).parent / "golden"
ARMS = ("control", "earn_more", "intensive_support", "no_application_duty")
SEED = 20170901


def _units(n: int = 48) -> pd.DataFrame:
    """Fixed arrivals: sites, age groups and benefit-duration groups in a fixed pattern."""
    sites = ["Wageningen", "Apeldoorn", "Tilburg"]
    ages = ["<30", "30-44", "45+"]
    months = ["<12", "12-60", "60+"]
    return pd.DataFrame(
        {
            "site": [sites[(i * 7) % 3] for i in range(n)],
            "age_group": [ages[(i * 5 + i // 3) % 3] for i in range(n)],
            "months_group": [months[(i * i) % 3] for i in range(n)],
        }
    )


def _cases() -> dict[str, AssignmentProcedure]:
    return {
        "complete_4arm": CompleteRandomization(arms=ARMS),
        "complete_unequal": CompleteRandomization(
            arms=("control", "treatment", "other"), ratios=(2, 3, 1)
        ),
        "stratified_4arm": StratifiedRandomization(arms=ARMS, strata=("site", "age_group")),
        "permuted_blocks_4arm": PermutedBlocks(arms=ARMS, strata=("site",), block_sizes=(4, 8)),
        "permuted_blocks_unequal": PermutedBlocks(
            arms=("control", "treatment"), ratios=(1, 2), block_sizes=(3, 6)
        ),
        "minimization_range": Minimization(
            arms=ARMS, factors=("site", "age_group", "months_group"), p_best=0.8
        ),
        "minimization_variance_unequal": Minimization(
            arms=("control", "treatment", "other"),
            ratios=(1, 2, 1),
            factors=("site", "age_group"),
            p_best=0.7,
            measure="variance",
            weights=(2.0, 1.0),
        ),
    }


def _record(procedure: AssignmentProcedure) -> dict[str, Any]:
    """Draws as a register makes them: two files as batches, then three intakes one by one."""
    units = _units()
    sequencer = procedure.sequencer(rng=np.random.default_rng(SEED))
    draws = [*sequencer.next_batch(units.iloc[:20]), *sequencer.next_batch(units.iloc[20:45])]
    draws += [sequencer.next(units.iloc[i].to_dict()) for i in range(45, 48)]
    whole = procedure.draw(units, rng=np.random.default_rng(SEED))
    return {
        "procedure": procedure.to_dict(),  # type: ignore[attr-defined]
        "seed": SEED,
        "draws": [
            {
                "arm": d.arm,
                "probabilities": [d.probabilities[a] for a in procedure.arms],
                "stratum": d.stratum,
                "position": d.position,
                "batch": d.batch,
            }
            for d in draws
        ],
        "draw": whole.tolist(),
    }


def write() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, procedure in _cases().items():
        path = GOLDEN / f"{name}.json"
        path.write_text(json.dumps(_record(procedure), indent=1) + "\n", encoding="utf-8")


@pytest.mark.parametrize("name", sorted(_cases()))
def test_draws_match_the_golden_file(name: str) -> None:
    procedure = _cases()[name]
    expected = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    got = _record(procedure)
    assert got["procedure"] == expected["procedure"]
    assert [d["arm"] for d in got["draws"]] == [d["arm"] for d in expected["draws"]]
    assert [(d["stratum"], d["position"], d["batch"]) for d in got["draws"]] == [
        (d["stratum"], d["position"], d["batch"]) for d in expected["draws"]
    ]
    got_p = np.array([d["probabilities"] for d in got["draws"]])
    expected_p = np.array([d["probabilities"] for d in expected["draws"]])
    np.testing.assert_allclose(got_p, expected_p, rtol=0, atol=1e-15)
    assert got["draw"] == expected["draw"]


def test_every_method_has_a_golden_file() -> None:
    methods = {p.method for p in _cases().values()}
    assert methods == {"complete", "stratified", "permuted_blocks", "minimization"}
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(_cases())


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    else:
        print(__doc__)
