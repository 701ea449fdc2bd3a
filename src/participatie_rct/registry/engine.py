"""From a URL to a configured SQLAlchemy engine, transactions with retry, and locks.

One code path serves both back ends; what differs lives here:

* **SQLite** (the embedded default, ``sqlite:///trial.db``): WAL journal, so readers never
  wait for the writer; a busy timeout, so writers queue instead of failing; foreign keys on;
  ``synchronous=FULL``, so a committed assignment survives a crash. Every write transaction
  starts with ``BEGIN IMMEDIATE``: it takes the write lock before reading the state that the
  draw depends on, which serialises assigners across processes.
* **PostgreSQL** (psycopg 3, several sites at once): READ COMMITTED transactions that take
  transaction-scoped advisory locks (:func:`lock`) before reading that state, unique
  constraints as the last line of defence, and a bounded retry (:func:`run_transaction`) on
  serialization failures, deadlocks and unique violations.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError

from participatie_rct.errors import RegistryError
from participatie_rct.safe_files import UnsafePathError, create_private_file

try:
    import fcntl
except ImportError:  # Windows: SQLite's busy timeout alone queues the writers
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")

#: seconds a SQLite writer waits for the lock before it gives up
SQLITE_BUSY_TIMEOUT_S = 120.0
#: attempts of one transaction on a transient conflict (serialization, deadlock, unique race)
MAX_ATTEMPTS = 8
_RETRY_SQLSTATES = frozenset({"40001", "40P01", "23505", "55P03"})


def parse_url(url: str) -> URL:
    """Parse a register URL; a bare path means an SQLite file, ``postgresql://`` means psycopg 3."""
    text = str(url).strip()
    if not text:
        raise RegistryError(
            "The register URL is empty. Give --db sqlite:///trial.db or postgresql+psycopg://user@host/db."
        )
    if "://" not in text:
        text = f"sqlite:///{text}"
    try:
        parsed = sa.engine.make_url(text)
    except ArgumentError:
        raise RegistryError(
            f"{url!r} is not a database URL. Use sqlite:///path/to/trial.db or postgresql+psycopg://user@host/db."
        ) from None
    if parsed.drivername in {"postgresql", "postgres", "postgresql+psycopg2"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise RegistryError(
            f"{parsed.render_as_string(hide_password=True)}: the register runs on SQLite or "
            f"PostgreSQL, "
            f"not {parsed.get_backend_name()}. Use sqlite:///trial.db or postgresql+psycopg://user@host/db."
        )
    return parsed


#: Seconds to wait for a PostgreSQL server to accept the connection.
PG_CONNECT_TIMEOUT_S = 10


def make_engine(url: str | URL, *, read_only: bool = False) -> Engine:
    """An engine for the register at ``url``, configured for its back end (see module docstring).

    ``read_only``: SQLite opens the file with ``mode=ro`` (``immutable=1`` when neither the
    file nor its folder may be written, as for an archived copy), sets no journal mode and
    begins deferred transactions, so the file's bytes stay as they are; PostgreSQL runs every
    transaction ``READ ONLY``.
    """
    parsed = url if isinstance(url, URL) else parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        if read_only and parsed.database not in (None, "", ":memory:"):
            engine = sa.create_engine(
                parsed, creator=_read_only_sqlite(str(parsed.database)), poolclass=sa.NullPool
            )
        else:
            _create_private_database(parsed)
            engine = sa.create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        _configure_sqlite(engine, read_only=read_only)
        return engine
    if read_only:
        return make_engine(parsed).execution_options(postgresql_readonly=True)
    try:
        # a server that never answers (a wrong or firewalled host) fails after a few seconds
        # instead of the operating system's TCP timeout; a connect_timeout in the URL wins
        connect = (
            {} if "connect_timeout" in parsed.query else {"connect_timeout": PG_CONNECT_TIMEOUT_S}
        )
        return sa.create_engine(
            parsed, pool_pre_ping=True, isolation_level="READ COMMITTED", connect_args=connect
        )
    except ModuleNotFoundError:
        raise RegistryError(
            "PostgreSQL needs the psycopg driver: pip install 'participatie-rct[postgres]'."
        ) from None


def _create_private_database(url: URL) -> None:
    """Create a new SQLite file empty with mode 0600 before SQLite creates it with the umask.

    SQLite gives its ``-wal``, ``-shm`` and journal files the mode of the database file, so
    they are private too (docs/output-safety.md). An existing file is left as it is; a
    read-only or in-memory URL creates nothing.
    """
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    if url.query.get("mode") in ("ro", "memory") or url.query.get("immutable"):
        return
    path = Path(database)
    if path.parent.is_dir() and not path.exists():
        try:
            create_private_file(path)
        except UnsafePathError as exc:
            raise RegistryError(str(exc)) from None


def _read_only_sqlite(path: str) -> Callable[[], sqlite3.Connection]:
    """A connection factory that opens ``path`` read-only through an SQLite URI."""
    target = Path(path).resolve()
    writable = os.access(target, os.W_OK) and os.access(target.parent, os.W_OK)
    query = "mode=ro" if writable else "mode=ro&immutable=1"
    uri = f"{target.as_uri()}?{query}"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(
            uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_S, check_same_thread=False
        )

    return connect


def _configure_sqlite(engine: Engine, *, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # We issue BEGIN ourselves (below): the driver's own transaction handling is off.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if read_only:
            cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
            cursor.execute("PRAGMA query_only=ON")
            cursor.close()
            return
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        default = "DEFERRED" if read_only else "IMMEDIATE"
        mode = connection.get_execution_options().get("sqlite_begin", default)
        connection.exec_driver_sql(f"BEGIN {mode}")


def is_sqlite(engine: Engine | Connection) -> bool:
    """True for an SQLite register."""
    return engine.dialect.name == "sqlite"


def _retryable(exc: DBAPIError) -> bool:
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None)
    if state in _RETRY_SQLSTATES:
        return True
    if isinstance(exc, IntegrityError) and "UNIQUE constraint failed" in str(orig):
        return True  # SQLite: only after a schema race; BEGIN IMMEDIATE serialises writers
    return isinstance(exc, OperationalError) and "database is locked" in str(orig)


def run_transaction(
    engine: Engine, work: Callable[[Connection], T], *, attempts: int = MAX_ATTEMPTS
) -> T:
    """Run ``work(connection)`` in one write transaction, retrying transient conflicts.

    All of ``work`` commits or none of it does. Serialization failures, deadlocks and unique
    violations (another assigner won a race) are retried from the start, at most ``attempts``
    times with exponential back-off; ``work`` must therefore read everything it depends on
    inside the transaction.
    """
    for attempt in range(1, attempts + 1):
        try:
            with _writer_queue(engine), engine.begin() as connection:
                return work(connection)
        except DBAPIError as exc:
            if attempt == attempts or not _retryable(exc):
                raise
            time.sleep(min(0.02 * 2**attempt, 1.0))
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def _writer_queue(engine: Engine) -> Iterator[None]:
    """SQLite writers of several processes queue on an OS file lock beside the database.

    ``BEGIN IMMEDIATE`` alone is correct, but a writer that finds the database locked sleeps in
    growing steps (SQLite's busy handler), so under contention the lock sits idle most of the
    time. A blocking ``flock`` wakes the next writer the moment the previous one is done. It
    only orders writers; SQLite's own lock still guarantees exclusion (also where ``fcntl``
    does not exist, and for writers that do not use this queue).

    The lock file exists only while someone writes: the holder removes it before letting go,
    whether the work ended normally, with an error or with Ctrl-C, so no ``*-writer-lock``
    file stays behind. A waiter that then wins the lock of the removed file sees that its
    path no longer names that file and queues again on the file now there, so two writers
    never hold the lock at once.
    """
    database = engine.url.database if is_sqlite(engine) else None
    if fcntl is None or not database or database == ":memory:":
        yield
        return
    lock_path = f"{database}-writer-lock"
    handle = _hold_lock_file(lock_path)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock_path)  # while still holding it: the next writer makes a new one
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()


def _hold_lock_file(lock_path: str) -> IO[bytes]:
    """Open ``lock_path`` and hold its exclusive lock, on the file its path names right now.

    A file removed by its previous holder (see :func:`_writer_queue`) is left and the lock is
    taken again, on the file that now has the name.
    """
    while True:
        with contextlib.suppress(OSError, UnsafePathError):
            create_private_file(lock_path)  # holds nothing, but private like its neighbours
        handle = open(lock_path, "a+b")  # noqa: SIM115 - closed by the caller or below
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                current = os.stat(lock_path)
            except FileNotFoundError:
                current = None
            held = os.fstat(handle.fileno())
        except BaseException:
            handle.close()
            raise
        if current is not None and (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino):
            return handle
        handle.close()  # the holder before us removed this file: queue on the new one


def read_connection(engine: Engine) -> Connection:
    """A connection for reading: SQLite starts deferred transactions, so readers do not queue."""
    connection = engine.connect()
    if is_sqlite(engine):
        connection = connection.execution_options(sqlite_begin="DEFERRED")
    return connection


def _lock_id(text: str) -> int:
    """A signed 32-bit key for ``text`` (advisory locks take two int4 keys)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big", signed=True)


def lock(connection: Connection, names: Iterable[str], *, namespace: str) -> None:
    """Take transaction-scoped locks on ``names`` (PostgreSQL advisory locks; SQLite needs none).

    Locks are taken in one global order (by key), so two transactions never wait on each other
    in a cycle. They are released at commit or rollback. ``namespace`` (the schema) keeps two
    registers in one database from sharing locks.
    """
    if is_sqlite(connection):
        return  # BEGIN IMMEDIATE already holds the database's single write lock
    space = _lock_id(namespace)
    for key in sorted({_lock_id(name) for name in names}):
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(:space, :key)"), {"space": space, "key": key}
        )


def unreachable(url: URL, exc: Exception) -> RegistryError:
    """The database cannot be reached or opened: say which, and what the driver said."""
    said = " ".join(str(getattr(exc, "orig", exc)).split())[:300]
    return RegistryError(
        f"{url.render_as_string(hide_password=True)}: cannot open the register ({said}). Check "
        "the URL, that the server runs and accepts you, that the folder of the file exists, "
        "or that the file is a register made by participatie-rct init."
    )
