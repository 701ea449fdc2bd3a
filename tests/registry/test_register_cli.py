"""The register commands of docs/cli-contract.md: exit codes, output, and the JSON of status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from trial_protocols import KEY_TEXT

from .helpers import BLOCKS, elfproef_bsns, participants_csv, run

KEY = KEY_TEXT


@pytest.fixture
def trial(tmp_path: Path, write_protocol, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PARTICIPATIE_RCT_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    protocol = write_protocol(BLOCKS, identifiers='column = "bsn"\nkind = "bsn"')
    return {"protocol": str(protocol), "db": f"sqlite:///{tmp_path / 'trial.db'}"}


def test_init_assign_status_verify_export(trial: dict[str, str], tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = trial["db"]
    code, out, _ = run(["init", "--protocol", trial["protocol"], "--db", db], capsys)
    assert code == 0 and "Test trial" in out
    bsns = elfproef_bsns(11)
    path = participants_csv(tmp_path / "deelnemers.csv", bsns[:10], column="bsn")
    code, out, _ = run(["assign", "--db", db, str(path)], capsys)
    assert code == 0 and "10 newly assigned" in out
    code, out, _ = run(["assign", "--db", db, str(path), "--format", "json"], capsys)
    payload = json.loads(out)
    assert (payload["n_new"], payload["n_existing"]) == (0, 10)
    code, out, _ = run(
        ["assign", "--db", db, "--id", bsns[10], "--set", "site=Ede", "--set", "age_group=45+"],
        capsys,
    )
    assert code == 0 and out.startswith("assigned: arm ") and "sequence 11" in out
    code, out, _ = run(
        ["assign", "--db", db, "--id", bsns[10], "--set", "site=Ede", "--set", "age_group=45+"],
        capsys,
    )
    assert "already assigned" in out and "sequence 11" in out
    code, out, _ = run(["withdraw", "--db", db, "--id", bsns[0], "--reason", "verhuisd"], capsys)
    assert code == 0
    code, out, _ = run(["status", "--db", db, "--format", "json"], capsys)
    status = json.loads(out)
    assert {"trial", "protocol_sha256", "n_assigned", "by_arm", "n_withdrawn"} <= set(status)
    assert (status["n_assigned"], status["n_withdrawn"]) == (11, 1)
    code, out, _ = run(["verify", "--db", db], capsys)
    assert code == 0 and "intact" in out
    code, out, _ = run(["export", "--db", db, "--out", str(tmp_path / "export.csv")], capsys)
    assert code == 0
    header = (tmp_path / "export.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "participant,arm,probability,sequence,assigned_at,withdrawn,site,age_group"
    code, out, _ = run(["backup", "--db", db, "--out", str(tmp_path / "copy.db")], capsys)
    assert code == 0
    code, out, _ = run(
        ["verify", "--db", f"sqlite:///{tmp_path / 'copy.db'}", "--format", "json"], capsys
    )
    assert code == 0 and json.loads(out)["ok"] is True


def test_verify_exits_1_naming_the_record(trial: dict[str, str], tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = trial["db"]
    run(["init", "--protocol", trial["protocol"], "--db", db], capsys)
    for bsn in elfproef_bsns(3):
        run(
            ["assign", "--db", db, "--id", bsn, "--set", "site=Tiel", "--set", "age_group=<27"],
            capsys,
        )
    engine = sa.create_engine(db)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER assignment_no_update")
        conn.exec_driver_sql(
            "UPDATE assignment SET arm = CASE arm WHEN 'control' THEN 'earn_more' ELSE "
            "'control' END WHERE sequence = 2"
        )
    engine.dispose()
    code, out, _ = run(["verify", "--db", db], capsys)
    assert code == 1
    assert "FAILED at assignment 2" in out


def test_refusals_are_one_line_with_exit_2(
    trial: dict[str, str], tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    db = trial["db"]
    code, _, err = run(["status", "--db", db], capsys)
    assert code == 2 and "no register there" in err and len(err.strip().splitlines()) == 1
    run(["init", "--protocol", trial["protocol"], "--db", db], capsys)
    code, _, err = run(
        ["assign", "--db", db, "--id", elfproef_bsns(1)[0], "--set", "site=Ede"], capsys
    )
    assert code == 2 and "--set age_group=VALUE" in err
    monkeypatch.delenv("PARTICIPATIE_RCT_KEY")
    code, _, err = run(
        [
            "assign",
            "--db",
            db,
            "--id",
            elfproef_bsns(1)[0],
            "--set",
            "site=Ede",
            "--set",
            "age_group=1",
        ],
        capsys,
    )
    assert code == 2 and "--key-file" in err
    code, out, err = run(["export", "--db", db, "--out", str(tmp_path / "no" / "x.csv")], capsys)
    assert code == 2 and out == ""


def test_backup_help_says_how_to_back_up_postgresql(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(["backup", "--help"], capsys)
    assert code == 0 and "pg_dump" in out
