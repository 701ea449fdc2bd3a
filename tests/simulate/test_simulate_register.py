"""The simulation's arms are the register's arms: same protocol seed, same arrival order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from participatie_rct.registry import Register
from participatie_rct.simulate import simulate_trial, write_simulation


def _arrivals(trial) -> pd.DataFrame:
    consenting = trial.participants[trial.participants["consent"]]
    return consenting.sort_values(["enrolled_on", "id"], kind="mergesort")


def test_rolling_intake_one_by_one_gives_the_simulated_arms(tmp_path: Path) -> None:
    trial = simulate_trial(
        "generic",
        rng=np.random.default_rng(31),
        n=40,
        intake="rolling",
        intake_months=3,
        sites=["Nijmegen", "Deventer"],
    )
    register = Register.create(f"sqlite:///{tmp_path / 'trial.db'}", trial.protocol, key=None)
    try:
        arms = {}
        for row in _arrivals(trial).itertuples(index=False):
            got = register.assign_one(
                row.id,
                {"site": row.site, "age_group": row.age_group},
                key=None,
                enrolled_on=row.enrolled_on,
            )
            arms[row.id] = got.arm
    finally:
        register.close()
    expected = dict(zip(trial.assignments["id"], trial.assignments["arm"], strict=True))
    assert arms == expected


def test_batch_file_gives_the_simulated_arms(tmp_path: Path) -> None:
    trial = simulate_trial("generic", rng=np.random.default_rng(32), n=60, intake="batch")
    paths = write_simulation(trial, tmp_path / "sim")
    register = Register.create(f"sqlite:///{tmp_path / 'trial.db'}", trial.protocol, key=None)
    try:
        outcome = register.assign_file(paths["participants.csv"], key=None)
        assigned = register.assignments()
    finally:
        register.close()
    assert outcome.n_new == 60
    got = dict(zip(assigned["participant"], assigned["arm"], strict=True))
    assert got == dict(zip(trial.assignments["id"], trial.assignments["arm"], strict=True))


def test_assignment_is_balanced_within_strata() -> None:
    trial = simulate_trial("apeldoorn", rng=np.random.default_rng(4))
    counts = trial.assignments.groupby(["site", "age_group", "arm"]).size().unstack(fill_value=0)
    # permuted blocks of 3 or 6 per stratum: arms differ by at most the largest block's share
    assert ((counts.max(axis=1) - counts.min(axis=1)) <= 2).all()
