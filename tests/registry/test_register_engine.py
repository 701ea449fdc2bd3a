"""URLs, retries on transient conflicts, and the PostgreSQL backup through pg_dump."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from participatie_rct.data.pseudonym import pseudonym
from participatie_rct.errors import RegistryError
from participatie_rct.registry import Register
from participatie_rct.registry.engine import make_engine, parse_url, run_transaction

from .helpers import elfproef_bsns, frame_of, make_protocol


class _ConflictError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"conflict {sqlstate}")
        self.sqlstate = sqlstate


def test_urls() -> None:
    assert parse_url("trial.db").get_backend_name() == "sqlite"
    assert parse_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(RegistryError, match="runs on SQLite or PostgreSQL, not mysql"):
        parse_url("mysql://u@h/db")
    with pytest.raises(RegistryError, match="not a database URL"):
        parse_url("x y://")


@pytest.mark.parametrize("sqlstate", ["40001", "40P01", "23505"])
def test_transient_conflicts_are_retried_then_given_up(tmp_path: Path, sqlstate: str) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    calls: list[int] = []

    def flaky(conn: sa.Connection) -> str:
        calls.append(1)
        if len(calls) < 3:
            raise sa.exc.OperationalError("SELECT 1", {}, _ConflictError(sqlstate))
        return "done"

    assert run_transaction(engine, flaky) == "done"
    assert len(calls) == 3

    def always(conn: sa.Connection) -> None:
        raise sa.exc.OperationalError("SELECT 1", {}, _ConflictError(sqlstate))

    with pytest.raises(sa.exc.OperationalError):
        run_transaction(engine, always, attempts=2)
    engine.dispose()


def test_other_errors_are_not_retried(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    calls: list[int] = []

    def broken(conn: sa.Connection) -> None:
        calls.append(1)
        raise sa.exc.ProgrammingError("SELECT x", {}, _ConflictError("42P01"))

    with pytest.raises(sa.exc.ProgrammingError):
        run_transaction(engine, broken)
    assert len(calls) == 1
    engine.dispose()


def test_backup_refuses_to_overwrite(sqlite_url: str, tmp_path: Path) -> None:
    with Register.create(sqlite_url, make_protocol(), key=None) as reg:
        (tmp_path / "exists.db").write_bytes(b"")
        with pytest.raises(RegistryError, match="the file exists"):
            reg.backup(tmp_path / "exists.db")


@pytest.mark.postgres
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_postgres_backup_with_pg_dump_holds_no_bsn(
    postgres_url: str, tmp_path: Path, key: bytes
) -> None:
    protocol = make_protocol(identifiers='column = "bsn"\nkind = "bsn"')
    bsns = elfproef_bsns(6, start=345_000_000)
    with Register.create(postgres_url, protocol, key=key) as reg:
        for bsn in bsns:
            reg.assign_one(bsn, {"site": "Ede", "age_group": "45+"}, key=key)
        reg.withdraw(bsns[0], "moved", key=key)
        reg.assign_frame(frame_of(["x1", "x2"]))
        target = reg.backup(tmp_path / "trial.dump")
        reg.export(tmp_path / "export.csv")
    listing = subprocess.run(
        ["pg_restore", "--list", str(target)], capture_output=True, text=True, check=True
    ).stdout
    assert "TABLE public assignment" in listing or " assignment " in listing
    plain = subprocess.run(
        ["pg_restore", "--file=-", "--data-only", str(target)], capture_output=True, check=True
    ).stdout
    haystack = plain + target.read_bytes() + (tmp_path / "export.csv").read_bytes()
    assert pseudonym(key, bsns[1]).encode() in haystack  # the scan sees the data
    import hashlib

    for bsn in bsns:
        assert bsn.encode() not in haystack
        assert hashlib.sha256(bsn.encode()).hexdigest().encode() not in haystack


def test_an_unreachable_register_is_one_clear_refusal(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match=r"the folder .*such does not exist"):
        Register.create(
            f"sqlite:///{tmp_path / 'no' / 'such' / 'trial.db'}", make_protocol(), key=None
        )
    # a folder where the database file should be: the driver's reason is passed on
    with pytest.raises(RegistryError, match=r"cannot open the register \(unable to open"):
        Register.create(f"sqlite:///{tmp_path}", make_protocol(), key=None)
    with pytest.raises(RegistryError, match=r"cannot open the register \(.*refused"):
        Register.open("postgresql+psycopg://nobody@127.0.0.1:1/none")
