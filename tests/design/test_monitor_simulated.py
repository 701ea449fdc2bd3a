"""`monitor status` on a trial whose intake happened before it was entered in the register.

The register stamps ``assigned_at`` with the clock; follow-up must count from the intake date
(``enrolled_on``), or a historical file would have no matured outcome at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from participatie_rct.cli import app
from participatie_rct.simulate import simulate_trial, write_simulation


def test_monitor_status_counts_follow_up_from_intake(tmp_path: Path) -> None:
    trial = simulate_trial("apeldoorn", rng=np.random.default_rng(3))
    write_simulation(trial, tmp_path / "sim")
    db = f"sqlite:///{tmp_path / 'trial.db'}"
    runner = CliRunner()
    assert (
        runner.invoke(
            app, ["init", "--protocol", str(tmp_path / "sim" / "protocol.toml"), "--db", db]
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            app, ["assign", "--db", db, str(tmp_path / "sim" / "participants.csv")]
        ).exit_code
        == 0
    )
    result = runner.invoke(
        app,
        [
            "monitor",
            "status",
            "--db",
            db,
            "--data",
            str(tmp_path / "sim"),
            "--as-of",
            "2018-12-31",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    # matured: the 12th month after the month of intake lies on or before December 2018
    consented = trial.participants[trial.participants["consent"].astype(str).str.lower() == "true"]
    intake_month = pd.to_datetime(consented["enrolled_on"]).dt.to_period("M")
    expected = int((intake_month + 12 <= pd.Period("2018-12", "M")).sum())
    assert expected > 0
    assert payload["n_observed"] == expected
    assert payload["information"] == expected / len(consented)
    assert payload["crossed"] is False
