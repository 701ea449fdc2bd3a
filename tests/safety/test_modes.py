"""Files that hold participant data are created readable by their owner only (0600, folders 0700),
whatever the umask: the register with its -wal and -shm, exports, backups, outcome tables,
simulations and every file of a report folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import mode, run


def test_a_new_register_and_its_wal_and_shm_are_private(
    hostile_trial, tmp_path, capsys, open_umask
) -> None:
    import sqlite3

    db = tmp_path / "trial.db"
    url = f"sqlite:///{db.as_posix()}"
    code, _, err = run(["init", "--protocol", str(hostile_trial.protocol), "--db", url], capsys)
    assert code == 0, err
    keep_open = sqlite3.connect(db)  # while a connection is open, -wal and -shm exist
    try:
        keep_open.execute("SELECT count(*) FROM sqlite_master").fetchone()
        participants = hostile_trial.data / "participants.csv"
        code, _, err = run(["assign", "--db", url, str(participants)], capsys)
        assert code == 0, err
        companions = [Path(f"{db}{suffix}") for suffix in ("-wal", "-shm")]
        assert all(p.exists() for p in companions)
        for path in (db, *companions):
            assert mode(path) == 0o600, path.name
    finally:
        keep_open.close()
    for path in tmp_path.iterdir():
        assert mode(path) & 0o077 == 0, path.name  # the writer lock too


def test_export_backup_outcomes_are_private(hostile_trial, tmp_path, capsys, open_umask) -> None:
    export = tmp_path / "export.csv"
    backup = tmp_path / "backup.db"
    outcomes = tmp_path / "outcomes.csv"
    for argv in (
        ["export", "--db", hostile_trial.db, "--out", str(export)],
        ["backup", "--db", hostile_trial.db, "--out", str(backup)],
        [
            "outcomes",
            "--db",
            hostile_trial.db,
            "--data",
            str(hostile_trial.data),
            "--out",
            str(outcomes),
        ],
    ):
        code, _, err = run(argv, capsys)
        assert code == 0, err
    for path in (export, backup, outcomes):
        assert mode(path) == 0o600, path.name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.db", "export.csv", "outcomes.csv"]


def test_a_backup_is_never_written_through_a_symlink(hostile_trial, tmp_path, capsys) -> None:
    victim = tmp_path / "victim.db"
    victim.write_bytes(b"precious")
    (tmp_path / "backup.db").symlink_to(victim)
    argv = ["backup", "--db", hostile_trial.db, "--out", str(tmp_path / "backup.db")]
    code, _, err = run(argv, capsys)
    assert code == 2 and err.count("\n") == 1
    assert victim.read_bytes() == b"precious"


def test_export_is_never_written_through_a_symlink(hostile_trial, tmp_path, capsys) -> None:
    victim = tmp_path / "victim.csv"
    victim.write_text("precious")
    for planted in (tmp_path / "export.csv", tmp_path / ".export.csv.partial"):
        planted.symlink_to(victim)
    code, _, err = run(
        ["export", "--db", hostile_trial.db, "--out", str(tmp_path / "export.csv")], capsys
    )
    assert code == 2 and "symbolic link" in err
    assert victim.read_text() == "precious"
    (tmp_path / "export.csv").unlink()
    code, _, err = run(
        ["export", "--db", hostile_trial.db, "--out", str(tmp_path / "export.csv")], capsys
    )
    assert code == 0, err  # the old predictable temporary name is no longer used
    assert victim.read_text() == "precious"


def test_report_and_simulation_files_are_private(
    hostile_trial, tmp_path, capsys, open_umask
) -> None:
    out = tmp_path / "reports" / "final"
    argv = ["report", "final", "--db", hostile_trial.db, "--data", str(hostile_trial.data)]
    code, _, err = run([*argv, "--out", str(out)], capsys)
    assert code == 0, err
    code, _, err = run(
        ["simulate", "--scenario", "generic", "--seed", "4", "--out", str(tmp_path / "sim")],
        capsys,
    )
    assert code == 0, err
    checked = 0
    for folder in (out, tmp_path / "sim"):
        for path in [folder, *folder.rglob("*")]:
            expected = 0o700 if path.is_dir() else 0o600
            assert mode(path) == expected, path
            checked += 1
    assert mode(tmp_path / "reports") == 0o700
    assert checked > 10


@pytest.mark.postgres
def test_a_postgres_backup_is_private(pg_url, hostile_trial, tmp_path, capsys, open_umask) -> None:
    import secrets
    import shutil

    import sqlalchemy as sa

    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    schema = f"prct_test_{secrets.token_hex(6)}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = sa.engine.make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
    db = url.render_as_string(hide_password=False)
    try:
        code, _, err = run(["init", "--protocol", str(hostile_trial.protocol), "--db", db], capsys)
        assert code == 0, err
        target = tmp_path / "trial.dump"
        code, _, err = run(["backup", "--db", db, "--out", str(target)], capsys)
        assert code == 0, err
        assert mode(target) == 0o600 and target.stat().st_size > 0
        assert [p.name for p in tmp_path.iterdir()] == ["trial.dump"]
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()
