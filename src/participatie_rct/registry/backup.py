"""A consistent copy of a register while others keep writing.

SQLite: the online backup API copies every page in one step under a read transaction, so the
copy is one consistent state of the database (WAL mode lets writers continue meanwhile).
PostgreSQL: ``pg_dump`` reads one snapshot of the register's schema (a REPEATABLE READ
transaction), equally consistent while sites assign; restore with ``pg_restore``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, Engine

from participatie_rct.errors import RegistryError
from participatie_rct.safe_files import UnsafePathError, atomic_path

PG_DUMP_HINT = (
    'pg_dump --format=custom --schema=SCHEMA --file=trial.dump "postgresql://user@host/db"; '
    "restore with pg_restore --dbname=... trial.dump"
)


def backup(engine: Engine, url: URL, target: Path, *, namespace: str) -> Path:
    """Copy the register to ``target`` (refused when ``target`` exists); return ``target``."""
    if target.exists():
        raise RegistryError(
            f"{target}: the file exists. Choose a new file for the backup; an old one is "
            f"never overwritten."
        )
    if not target.parent.exists():
        raise RegistryError(f"{target.parent}: no such folder. Create it or choose another --out.")
    try:
        # a private temporary file beside the target, renamed only when complete
        with atomic_path(target, overwrite=False) as partial:
            if engine.dialect.name == "sqlite":
                _sqlite_backup(engine, partial)
            else:
                _pg_dump(url, partial, schema=namespace.split(".", 1)[-1])
    except UnsafePathError as exc:
        raise RegistryError(str(exc)) from None
    return target


def _sqlite_backup(engine: Engine, target: Path) -> None:
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert source is not None
        destination = sqlite3.connect(str(target))
        try:
            source.backup(destination)  # pages=-1: all pages in one step, one consistent snapshot
            destination.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            destination.close()
    finally:
        raw.close()


def _pg_dump(url: URL, target: Path, *, schema: str) -> None:
    program = shutil.which("pg_dump")
    if program is None:
        raise RegistryError(
            f"pg_dump is not installed here. Back up a PostgreSQL register with: {PG_DUMP_HINT}"
        )
    libpq = url.set(drivername="postgresql", password=None)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    command = [
        program,
        "--format=custom",
        f"--schema={schema}",
        f"--file={target}",
        f"--dbname={libpq.render_as_string(hide_password=False)}",
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        message = " ".join(result.stderr.split())[:400]
        raise RegistryError(f"pg_dump failed ({message}). Back up by hand with: {PG_DUMP_HINT}")
