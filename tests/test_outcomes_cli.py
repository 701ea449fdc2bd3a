"""``participatie-rct outcomes``: from a register and its data to the table the estimators read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from participatie_rct.cli import app, main
from participatie_rct.simulate import simulate_trial, write_simulation


def test_outcomes_joins_register_and_benefit_months(tmp_path: Path) -> None:
    trial = simulate_trial("apeldoorn", rng=np.random.default_rng(11))
    write_simulation(trial, tmp_path / "sim")
    db = f"sqlite:///{tmp_path / 'trial.db'}"
    runner = CliRunner()
    protocol = str(tmp_path / "sim" / "protocol.toml")
    assert runner.invoke(app, ["init", "--protocol", protocol, "--db", db]).exit_code == 0
    participants = str(tmp_path / "sim" / "participants.csv")
    assert runner.invoke(app, ["assign", "--db", db, participants]).exit_code == 0
    out = tmp_path / "outcomes.csv"
    argv = ["outcomes", "--db", db, "--data", str(tmp_path / "sim"), "--out", str(out)]
    result = runner.invoke(app, [*argv, "--horizon", "12"])
    assert result.exit_code == 0, result.output

    table = pd.read_csv(out)
    consented = trial.participants[trial.participants["consent"].astype(str).str.lower() == "true"]
    assert len(table) == len(consented)
    assert set(table["participant"]) == set(consented["id"])
    # the register's arms are the simulation's arms, and the outcome is the simulator's own
    truth = trial.outcomes.set_index("id")
    merged = table.set_index("participant").join(
        trial.assignments.set_index("id")["arm"], rsuffix="_sim"
    )
    assert (merged["arm"] == merged["arm_sim"]).all()
    matured = table[table["matured"]]
    expected = truth.loc[matured["participant"], "work_12"].astype(float).to_numpy()
    assert np.array_equal(matured["outflow_work"].to_numpy(), expected)
    # baseline columns come along for covariate adjustment and balance
    assert {"months_on_benefit", "birth_year", "site"} <= set(table.columns)


def test_outcomes_refuses_a_missing_output_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nowhere" / "o.csv"
    argv = ["outcomes", "--db", f"sqlite:///{tmp_path}/t.db", "--data", str(tmp_path)]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--out", str(out)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "does not exist; create it first" in err
