"""``outcomes`` carries only declared columns, refuses identifiers, and writes parquet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from participatie_rct.cli import app
from participatie_rct.data import read_frame
from participatie_rct.data.stamp import stamp_of
from participatie_rct.errors import EstimationError
from participatie_rct.estimate import build_outcomes
from participatie_rct.estimate.outcome_columns import with_baseline
from participatie_rct.simulate import simulate_trial, write_simulation

IDENTIFIERS = ("naam", "partner_bsn", "adres", "postcode", "geboortedatum")


@pytest.fixture(scope="module")
def trial(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("trial")
    simulated = simulate_trial("apeldoorn", rng=np.random.default_rng(11))
    write_simulation(simulated, folder / "sim")
    participants = pd.read_csv(folder / "sim" / "participants.csv", dtype=str)
    n = len(participants)
    participants["naam"] = [f"Jan {i}" for i in range(n)]
    participants["partner_bsn"] = "111222333"
    participants["adres"] = "Dorpsstraat 1"
    participants["postcode"] = "1234 AB"
    participants["geboortedatum"] = "1980-01-01"
    participants["team"] = "A"
    participants.to_csv(folder / "sim" / "participants.csv", index=False)
    db = f"sqlite:///{folder / 'trial.db'}"
    runner = CliRunner()
    protocol = str(folder / "sim" / "protocol.toml")
    assert runner.invoke(app, ["init", "--protocol", protocol, "--db", db]).exit_code == 0
    result = runner.invoke(app, ["assign", "--db", db, str(folder / "sim" / "participants.csv")])
    assert result.exit_code == 0, result.output
    return db, folder


def run(trial: tuple[str, Path], out: Path, *extra: str):  # type: ignore[no-untyped-def]
    db, folder = trial
    argv = ["outcomes", "--db", db, "--data", str(folder / "sim"), "--out", str(out), *extra]
    return CliRunner().invoke(app, argv)


def test_identifier_columns_never_reach_the_outcome_table(
    trial: tuple[str, Path], tmp_path: Path
) -> None:
    result = run(trial, tmp_path / "o.csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "o.csv")
    assert not set(IDENTIFIERS) & set(table.columns)
    assert "team" not in table.columns  # extra columns only when named
    assert {"months_on_benefit", "birth_year", "site"} <= set(table.columns)
    text = (tmp_path / "o.csv").read_text()
    assert "Dorpsstraat" not in text and "111222333" not in text and "Jan 1" not in text


@pytest.mark.parametrize("column", IDENTIFIERS)
def test_naming_an_identifier_column_is_refused(
    trial: tuple[str, Path], tmp_path: Path, column: str
) -> None:
    result = run(trial, tmp_path / "o.csv", "--keep", column)
    assert isinstance(result.exception, EstimationError)
    assert f"--keep {column!r}: this column looks like a direct identifier" in str(result.exception)
    assert not (tmp_path / "o.csv").exists()


def test_a_named_extra_column_is_kept(trial: tuple[str, Path], tmp_path: Path) -> None:
    result = run(trial, tmp_path / "o.csv", "--keep", "team")
    assert result.exit_code == 0, result.output
    assert set(pd.read_csv(tmp_path / "o.csv")["team"]) == {"A"}
    result = run(trial, tmp_path / "p.csv", "--keep", "ploeg")
    assert isinstance(result.exception, EstimationError)
    assert "no such column" in str(result.exception)


def test_parquet_output_is_stamped_and_reads_back_the_same(
    trial: tuple[str, Path], tmp_path: Path
) -> None:
    assert run(trial, tmp_path / "o.csv").exit_code == 0
    result = run(trial, tmp_path / "o.parquet")
    assert result.exit_code == 0, result.output
    stamp = stamp_of(tmp_path / "o.parquet")
    assert stamp is not None and stamp["table"] == "outcomes"
    back = read_frame(tmp_path / "o.parquet")
    assert str(back["assigned_month"].dtype) == "period[M]"
    csv = pd.read_csv(tmp_path / "o.csv")
    assert back["participant"].tolist() == csv["participant"].tolist()
    for column in ("outflow_work", "time", "event_code", "months_off_benefit"):
        assert np.allclose(back[column], csv[column], equal_nan=True)
    runner = CliRunner()
    argv = ["estimate", "itt", str(tmp_path / "o.parquet"), "--outcome", "outflow_any"]
    out = runner.invoke(app, [*argv, "--treatment", "arm"])
    assert out.exit_code == 0, out.output


def test_with_baseline_refuses_identifiers_in_the_library_too() -> None:
    table = pd.DataFrame({"participant": ["a"], "arm": ["x"]})
    people = pd.DataFrame({"participant": ["a"], "naam": ["Jan"], "site": ["Ede"]})
    assert list(with_baseline(table, people).columns) == ["participant", "arm", "site"]
    with pytest.raises(EstimationError, match="direct identifier"):
        with_baseline(table, people, keep=["naam"])
    months = pd.DataFrame(
        {"participant": ["a"], "month": ["2018-02"], "on_benefit": [True], "exit_reason": [""]}
    )
    assignments = pd.DataFrame({"participant": ["a"], "arm": ["x"], "assigned_at": ["2018-01"]})
    with pytest.raises(EstimationError, match="pass the participants table"):
        build_outcomes(assignments, months, horizon_months=1, keep_columns=["site"])
