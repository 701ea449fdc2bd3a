"""The register's schema: a version table and ordered migrations, with triggers per dialect.

Every change to the schema is a new, numbered migration appended to :data:`MIGRATIONS`; a
migration that has run is never edited. :func:`migrate` applies the ones a database lacks, in
order, each in its own transaction, and records them in ``schema_migration``. A register whose
schema is newer than this version of the package is refused rather than guessed at.

Migration 2 makes the record append-only in the database itself: triggers refuse ``UPDATE``
and ``DELETE`` on ``protocol``, ``assignment`` and ``audit_log`` (and ``TRUNCATE`` in
PostgreSQL), so that even a user with raw SQL access cannot quietly rewrite history without
first dropping a trigger, and then :func:`~participatie_rct.registry.verify.verify_register`
still finds the change.

Migration 4 adds what a sealed trial needs (``protocol.commitment`` and ``protocol.chain``,
see :mod:`.sealing`) and, in PostgreSQL, makes the triggers fire ``ALWAYS``: also in a session
with ``session_replication_role = replica``, which otherwise skips them.

Migration 6 adds ``sequencer_state`` (see :mod:`.state`) and fills it from a replay of the
history, so an older register draws on from exactly where its history left off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from participatie_rct.errors import RegistryError
from participatie_rct.registry.engine import is_sqlite, lock
from participatie_rct.registry.models import (
    ASSIGNMENT,
    AUDIT_LOG,
    PROTOCOL,
    SCHEMA_MIGRATION,
    SEQUENCER_STATE,
    SERVICE_USER,
)

_APPEND_ONLY = ("protocol", "assignment", "audit_log")


@dataclass(frozen=True)
class Migration:
    """One numbered step of the schema."""

    version: int
    name: str
    apply: Callable[[Connection], None]


def _v1_tables(connection: Connection) -> None:
    # The tables as they were at version 1 (models.py describes the current ones; a later
    # change to a table gets its own migration below).
    for table in (PROTOCOL, ASSIGNMENT, AUDIT_LOG):
        table.create(connection, checkfirst=True)


def _v2_append_only(connection: Connection) -> None:
    if is_sqlite(connection):
        for table in _APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                connection.exec_driver_sql(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE "
                    f"{action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'participatie-rct: {table} is append-only; "
                    f"{action} is refused. Record a withdrawal, crossover or deviation as "
                    f"an event instead.'); END"
                )
        return
    connection.execute(
        sa.text(
            """
        CREATE OR REPLACE FUNCTION participatie_rct_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'participatie-rct: % is append-only; % is refused. Record a '
                'withdrawal, crossover or deviation as an event instead.', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$ LANGUAGE plpgsql
        """
        )
    )
    for table in _APPEND_ONLY:
        connection.exec_driver_sql(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION participatie_rct_append_only()"
        )
        connection.exec_driver_sql(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION participatie_rct_append_only()"
        )


def _v3_history_index(connection: Connection) -> None:
    # An assigner reads its stratum's rows above the last sequence it has seen.
    connection.exec_driver_sql(
        "CREATE INDEX IF NOT EXISTS ix_assignment_stratum_sequence ON assignment (stratum, "
        "sequence)"
    )


def _v4_sealed(connection: Connection) -> None:
    present = {c["name"] for c in sa.inspect(connection).get_columns("protocol")}
    for name, kind in (("commitment", "VARCHAR(64)"), ("chain", "VARCHAR(40)")):
        if name not in present:
            connection.exec_driver_sql(f"ALTER TABLE protocol ADD COLUMN {name} {kind}")
    if is_sqlite(connection):
        return
    for table in _APPEND_ONLY:
        for trigger in expected_triggers(connection)[table]:
            connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {trigger}")


def _v6_sequencer_state(connection: Connection) -> None:
    # The counts the next draw depends on (registry/state.py), rebuilt from the history so a
    # register made before this version draws from the same state it would have replayed.
    from participatie_rct.assignment import procedure_from_protocol
    from participatie_rct.protocol import Protocol
    from participatie_rct.registry import state

    SEQUENCER_STATE.create(connection, checkfirst=True)
    text = connection.execute(
        sa.select(PROTOCOL.c.text).order_by(PROTOCOL.c.id.desc()).limit(1)
    ).scalar()
    if text is None:
        connection.execute(SEQUENCER_STATE.delete())
        return
    protocol = Protocol.from_text(text, source="the register's protocol")
    state.rebuild(connection, procedure_from_protocol(protocol))


def expected_triggers(connection: Connection) -> dict[str, tuple[str, ...]]:
    """The refusing triggers each append-only table must have, by name (per dialect)."""
    if is_sqlite(connection):
        return {t: (f"{t}_no_update", f"{t}_no_delete") for t in _APPEND_ONLY}
    return {t: (f"{t}_append_only", f"{t}_no_truncate") for t in _APPEND_ONLY}


def _v5_service_users(connection: Connection) -> None:
    # The users of the randomization service (registry/users.py): role, sites, token hash.
    SERVICE_USER.create(connection, checkfirst=True)


#: Every migration, in order. Append; never edit one that has been released.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "tables: protocol, assignment, audit_log", _v1_tables),
    Migration(2, "append-only triggers on protocol, assignment and audit_log", _v2_append_only),
    Migration(
        3,
        "index on assignment (stratum, sequence) for incremental history reads",
        _v3_history_index,
    ),
    Migration(
        4,
        "sealed trials: protocol.commitment and protocol.chain; triggers enabled always",
        _v4_sealed,
    ),
    Migration(5, "service users: role, sites and access-token hash", _v5_service_users),
    Migration(
        6,
        "sequencer state: the counts the next draw reads, rebuilt from the history",
        _v6_sequencer_state,
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1].version


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def current_version(connection: Connection) -> int:
    """The schema version of the database (0 when it has no register yet)."""
    if not sa.inspect(connection).has_table("schema_migration"):
        return 0
    value = connection.execute(sa.select(sa.func.max(SCHEMA_MIGRATION.c.version))).scalar()
    return int(value or 0)


def migrate(engine: Engine, *, namespace: str) -> int:
    """Bring the database's schema up to :data:`SCHEMA_VERSION`; return the version it had."""
    with engine.begin() as connection:
        lock(connection, ["schema"], namespace=namespace)
        SCHEMA_MIGRATION.create(connection, checkfirst=True)
        before = current_version(connection)
    if before > SCHEMA_VERSION:
        raise RegistryError(
            f"The register's schema is version {before}, newer than this participatie-rct "
            f"understands ({SCHEMA_VERSION}). Upgrade participatie-rct to use it."
        )
    for migration in MIGRATIONS:
        with engine.begin() as connection:
            lock(connection, ["schema"], namespace=namespace)
            if current_version(connection) >= migration.version:
                continue
            migration.apply(connection)
            connection.execute(
                SCHEMA_MIGRATION.insert().values(
                    version=migration.version, name=migration.name, applied_at=_now()
                )
            )
    return before
