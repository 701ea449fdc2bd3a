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


# --- files as municipalities name them -------------------------------------------------------

_DUTCH_PARTICIPANTS = {
    "site": "vestiging",
    "enrolled_on": "startdatum",
    "birth_year": "geboortejaar",
}
_DUTCH_MONTHS = {
    "month": "uitkeringsmaand",
    "exit_reason": "reden_uitstroom",
    "earnings": "inkomsten",
}
_DUTCH_REASONS = {"work": "werk", "part_time_work": "deeltijdwerk", "other": "overig"}


@pytest.fixture(scope="module")
def municipal(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A simulated trial written twice: as the tool names it, and as a municipality does."""
    root = tmp_path_factory.mktemp("municipal")
    write_simulation(simulate_trial("apeldoorn", rng=np.random.default_rng(11)), root / "sim")
    export = root / "export"
    export.mkdir()
    people = pd.read_csv(root / "sim" / "participants.csv", dtype=str, keep_default_na=False)
    people.rename(columns=_DUTCH_PARTICIPANTS).to_csv(export / "deelnemers.csv", index=False)
    months = pd.read_csv(root / "sim" / "benefit_months.csv", dtype=str, keep_default_na=False)
    months["exit_reason"] = months["exit_reason"].replace(_DUTCH_REASONS)
    months = months.rename(columns=_DUTCH_MONTHS)
    months.to_csv(export / "uitkeringsmaanden.csv", index=False, sep=";")
    return {"root": root, "sim": root / "sim", "export": export}


def _register(where: Path, protocol: Path, participants: Path) -> str:
    db = f"sqlite:///{where / 'trial.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--protocol", str(protocol), "--db", db]).exit_code == 0
    result = runner.invoke(app, ["assign", "--db", db, str(participants)])
    assert result.exit_code == 0, result.output
    return db


def test_named_municipal_files_give_the_same_outcomes_as_the_data_folder(
    municipal: dict[str, Path], tmp_path: Path
) -> None:
    sim, export = municipal["sim"], municipal["export"]
    protocol = sim / "protocol.toml"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain = _register(tmp_path / "a", protocol, sim / "participants.csv")
    # the intake file says startdatum, not enrolled_on: the register keeps those dates
    dutch = _register(tmp_path / "b", protocol, export / "deelnemers.csv")
    from participatie_rct.registry import Register

    with Register.open(dutch, read_only=True) as reg:
        recorded = reg.assignments().set_index("participant")["enrolled_on"]
    people = pd.read_csv(sim / "participants.csv", dtype=str).set_index("id")
    expected = pd.to_datetime(people.loc[recorded.index, "enrolled_on"])
    assert (pd.to_datetime(recorded) == expected).all()

    runner = CliRunner()
    folder_out, named_out = tmp_path / "folder.csv", tmp_path / "named.csv"
    argv = ["outcomes", "--db", plain, "--data", str(sim), "--out", str(folder_out)]
    assert runner.invoke(app, argv).exit_code == 0
    argv = [
        "outcomes",
        "--db",
        dutch,
        "--participants",
        str(export / "deelnemers.csv"),
        "--benefit-months",
        str(export / "uitkeringsmaanden.csv"),
        "--out",
        str(named_out),
    ]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    folder, named = pd.read_csv(folder_out), pd.read_csv(named_out)
    assert named["matured"].any() and (named["time"] > 0).any()
    pd.testing.assert_frame_equal(
        folder.sort_values("participant").reset_index(drop=True),
        named.sort_values("participant").reset_index(drop=True),
    )


def test_a_named_file_overrides_the_folders_file(
    municipal: dict[str, Path], tmp_path: Path
) -> None:
    sim, export = municipal["sim"], municipal["export"]
    db = _register(tmp_path, sim / "protocol.toml", sim / "participants.csv")
    short = pd.read_csv(export / "uitkeringsmaanden.csv", sep=";", dtype=str)
    short = short[short["uitkeringsmaand"] <= "2018-06"]
    short.to_csv(tmp_path / "uitkeringsmaanden.csv", sep=";", index=False)
    out = tmp_path / "o.csv"
    argv = ["outcomes", "--db", db, "--data", str(sim), "--out", str(out)]
    months = ["--benefit-months", str(tmp_path / "uitkeringsmaanden.csv")]
    assert CliRunner().invoke(app, [*argv, *months]).exit_code == 0
    overridden = pd.read_csv(out)
    assert CliRunner().invoke(app, argv).exit_code == 0
    full = pd.read_csv(out)
    assert overridden["matured"].sum() < full["matured"].sum()  # the data end earlier


def _refusal(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_data_must_be_a_folder(
    municipal: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    months = str(municipal["export"] / "uitkeringsmaanden.csv")
    db = f"sqlite:///{tmp_path / 't.db'}"
    out = str(tmp_path / "o.csv")
    for argv in (
        ["outcomes", "--db", db, "--data", months, "--out", out],
        ["monitor", "status", "--db", db, "--data", months],
        ["report", "interim", "--db", db, "--data", months, "--out", str(tmp_path / "r")],
    ):
        err = _refusal(argv, capsys)
        assert "--data takes the data folder, not a file" in err and "--benefit-months" in err
    err = _refusal(["outcomes", "--db", db, "--out", out], capsys)
    assert "--data DIR" in err and "--participants FILE and --benefit-months FILE" in err


def test_outcomes_refuses_participants_without_the_intake_date(
    municipal: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = municipal["sim"]
    db = _register(tmp_path, sim / "protocol.toml", sim / "participants.csv")
    people = pd.read_csv(sim / "participants.csv", dtype=str, keep_default_na=False)
    # a column the reader does not know is no intake date: refused, never filled with today
    people.rename(columns={"enrolled_on": "datum"}).to_csv(tmp_path / "p.csv", index=False)
    argv = ["outcomes", "--db", db, "--data", str(sim), "--out", str(tmp_path / "o.csv")]
    err = _refusal([*argv, "--participants", str(tmp_path / "p.csv")], capsys)
    assert "p.csv: the needed column 'enrolled_on' (also accepted: startdatum" in err
    people.loc[3, "enrolled_on"] = ""
    people.to_csv(tmp_path / "p.csv", index=False)
    err = _refusal([*argv, "--participants", str(tmp_path / "p.csv")], capsys)
    assert "p.csv, column 'enrolled_on': 1 row is empty (line 5)" in err


def test_monitor_status_reads_a_named_benefit_months_file_without_a_folder(
    municipal: dict[str, Path], tmp_path: Path
) -> None:
    sim, export = municipal["sim"], municipal["export"]
    db = _register(tmp_path, sim / "protocol.toml", sim / "participants.csv")
    base = ["monitor", "status", "--db", db, "--format", "json"]
    folder = CliRunner().invoke(app, [*base, "--data", str(sim)])
    named = CliRunner().invoke(
        app, [*base, "--benefit-months", str(export / "uitkeringsmaanden.csv")]
    )
    assert folder.exit_code == 0 and named.exit_code == 0, named.output
    assert folder.output == named.output


def test_assign_refuses_a_file_without_intake_dates_and_writes_nothing(
    municipal: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = municipal["sim"]
    db = f"sqlite:///{tmp_path / 'trial.db'}"
    init = ["init", "--protocol", str(sim / "protocol.toml"), "--db", db]
    assert CliRunner().invoke(app, init).exit_code == 0
    people = pd.read_csv(sim / "participants.csv", dtype=str, keep_default_na=False)
    people.drop(columns=["enrolled_on"]).to_csv(tmp_path / "intake.csv", index=False)
    err = _refusal(["assign", "--db", db, str(tmp_path / "intake.csv")], capsys)
    assert "intake.csv: the needed column 'enrolled_on' (also accepted: startdatum" in err
    people.loc[6, "enrolled_on"] = " "
    people.to_csv(tmp_path / "intake.csv", index=False)
    err = _refusal(["assign", "--db", db, str(tmp_path / "intake.csv")], capsys)
    assert "intake.csv, column 'enrolled_on': 1 row is empty (line 8)" in err
    err = _refusal(["assign", "--db", db, "--dry-run", str(tmp_path / "intake.csv")], capsys)
    assert "line 8" in err
    from participatie_rct.registry import Register

    with Register.open(db, read_only=True) as reg:
        assert reg.assignments().empty


def test_assign_at_the_desk_records_today_as_the_intake_date(tmp_path: Path) -> None:
    import datetime as dt

    from participatie_rct.registry import Register

    sim = tmp_path / "sim"
    write_simulation(simulate_trial("apeldoorn", rng=np.random.default_rng(3)), sim)
    db = f"sqlite:///{tmp_path / 'trial.db'}"
    runner = CliRunner()
    assert (
        runner.invoke(app, ["init", "--protocol", str(sim / "protocol.toml"), "--db", db]).exit_code
        == 0
    )
    people = pd.read_csv(sim / "participants.csv", dtype=str)
    row = people.iloc[0]
    settings = ["--set", f"site={row['site']}"]
    with Register.open(db, read_only=True) as reg:
        for column in reg.protocol.unit_columns:
            if column != "site":
                settings += ["--set", f"{column}={row[column]}"]
    result = runner.invoke(app, ["assign", "--db", db, "--id", "DESK-1", *settings])
    assert result.exit_code == 0, result.output
    with Register.open(db, read_only=True) as reg:
        recorded = reg.assignments().set_index("participant").at["DESK-1", "enrolled_on"]
    assert pd.Timestamp(recorded).date() == dt.date.today()


def test_estimate_ri_with_a_register_reads_named_files(
    municipal: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim, export = municipal["sim"], municipal["export"]
    db = _register(tmp_path, sim / "protocol.toml", sim / "participants.csv")
    base = ["estimate", "ri", "--db", db, "--outcome", "outflow_work", "--seed", "5"]
    base += ["--draws", "30", "--format", "json"]
    folder = CliRunner().invoke(app, [*base[:2], str(sim), *base[2:]])
    named = CliRunner().invoke(
        app,
        [
            *base,
            "--participants",
            str(export / "deelnemers.csv"),
            "--benefit-months",
            str(export / "uitkeringsmaanden.csv"),
        ],
    )
    assert folder.exit_code == 0 and named.exit_code == 0, named.output
    assert folder.output == named.output
    protocol = ["estimate", "ri", "--protocol", str(sim / "protocol.toml"), "--seed", "1"]
    protocol += ["--outcome", "outflow_work"]
    err = _refusal([*protocol, "--benefit-months", str(export / "uitkeringsmaanden.csv")], capsys)
    assert "go with --db" in err
