"""Tamper evidence: the database refuses rewrites, and verify names the first broken record."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from participatie_rct.registry import Register
from participatie_rct.registry.chain import assignment_hash
from participatie_rct.registry.migrations import MIGRATIONS, SCHEMA_VERSION

from .helpers import frame_of, make_protocol


def _filled(url: str) -> Register:
    reg = Register.create(url, make_protocol(), key=None)
    reg.assign_frame(frame_of([f"p{i:02d}" for i in range(12)]))
    reg.assign_one("x", {"site": "Ede", "age_group": "45+"}, key=None)
    reg.withdraw("p03", "moved away", key=None)
    return reg


def _disable_triggers(conn: sa.Connection, table: str) -> None:
    """What a user with full database rights can do: take the protection away first."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"DROP TRIGGER {table}_no_update")
        conn.exec_driver_sql(f"DROP TRIGGER {table}_no_delete")
    else:
        conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")


def _other_arm(reg: Register, arm: str) -> str:
    return next(a for a in reg.protocol.arm_keys if a != arm)


@pytest.mark.parametrize("table", ["assignment", "audit_log", "protocol"])
def test_the_database_refuses_update_and_delete(db_url: str, table: str) -> None:
    with _filled(db_url) as reg, reg.engine.connect() as conn:
        for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), conn.begin():
                conn.exec_driver_sql(statement)
        if conn.dialect.name == "postgresql":
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), conn.begin():
                conn.exec_driver_sql(f"TRUNCATE {table}")
    with Register.open(db_url) as reg:
        assert reg.verify().ok


def test_editing_a_stored_arm_is_found(db_url: str) -> None:
    with _filled(db_url) as reg:
        row = reg.assignments().set_index("sequence").loc[7]
        with reg.engine.begin() as conn:
            _disable_triggers(conn, "assignment")
            conn.execute(
                sa.text("UPDATE assignment SET arm = :arm WHERE sequence = 7"),
                {"arm": _other_arm(reg, row["arm"])},
            )
        report = reg.verify()
    assert not report.ok
    assert report.first_broken == "assignment 7"
    assert "no longer match its hash" in report.message
    assert any("replaying the protocol" in p for p in report.problems)


def test_a_rewritten_chain_is_still_found(db_url: str) -> None:
    """Rewriting an arm and every later hash (knowing the rule) is caught by replay and log."""
    with _filled(db_url) as reg:
        with reg.engine.connect() as conn:
            query = sa.text("SELECT * FROM assignment ORDER BY sequence")
            rows = [dict(r) for r in conn.execute(query).mappings()]
        rows[4]["arm"] = _other_arm(reg, rows[4]["arm"])
        for i in range(4, len(rows)):
            rows[i]["prev_hash"] = rows[i - 1]["hash"]
            rows[i]["hash"] = assignment_hash(rows[i])
        with reg.engine.begin() as conn:
            _disable_triggers(conn, "assignment")
            for r in rows[4:]:
                conn.execute(
                    sa.text(
                        "UPDATE assignment SET arm = :arm, prev_hash = :prev_hash, hash = "
                        ":hash WHERE sequence = :sequence"
                    ),
                    r,
                )
        report = reg.verify()
    assert not report.ok
    assert report.first_broken == "assignment 5"
    # the chain is keyed: hashes recomputed without the key no longer match, and the replay
    # still gives another arm
    assert "no longer match its hash" in report.message
    assert any("replaying the protocol" in p for p in report.problems)


def test_removing_the_newest_assignment_is_found(db_url: str) -> None:
    with _filled(db_url) as reg:
        with reg.engine.begin() as conn:
            _disable_triggers(conn, "assignment")
            conn.exec_driver_sql("DELETE FROM assignment WHERE sequence = 13")
        report = reg.verify()
    assert not report.ok
    assert report.first_broken == "assignment 13"


def test_editing_the_audit_log_is_found(db_url: str) -> None:
    with _filled(db_url) as reg:
        with reg.engine.begin() as conn:
            _disable_triggers(conn, "audit_log")
            conn.exec_driver_sql(
                "UPDATE audit_log SET reason = 'changed my mind' WHERE kind = 'withdrawal'"
            )
        report = reg.verify()
    assert not report.ok
    assert report.first_broken == "audit_log 4"


def test_a_changed_protocol_is_found(db_url: str) -> None:
    with _filled(db_url) as reg:
        text = reg.protocol.text.replace("seed = 20170901", "seed = 20170902")
        with reg.engine.begin() as conn:
            _disable_triggers(conn, "protocol")
            conn.execute(
                sa.text("UPDATE protocol SET text = :text, sha256 = :sha"),
                {"text": text, "sha": hashlib.sha256(text.encode()).hexdigest()},
            )
    with Register.open(db_url) as reg:
        report = reg.verify()
    assert not report.ok
    assert report.first_broken == "protocol"


def test_an_older_schema_is_migrated_and_a_newer_one_refused(sqlite_url: str) -> None:
    engine = sa.create_engine(sqlite_url)
    from participatie_rct.registry.models import SCHEMA_MIGRATION

    with engine.begin() as conn:
        SCHEMA_MIGRATION.create(conn)
        MIGRATIONS[0].apply(conn)
        conn.execute(
            SCHEMA_MIGRATION.insert().values(
                version=1, name=MIGRATIONS[0].name, applied_at="2018-01-01"
            )
        )
    engine.dispose()
    with Register.create(sqlite_url, make_protocol(), key=None) as reg:
        assert reg.status()["schema_version"] == SCHEMA_VERSION
        with reg.engine.connect() as conn:
            names = {
                r[0]
                for r in conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                )
            }
            assert "assignment_no_update" in names
            conn.execute(
                SCHEMA_MIGRATION.insert().values(
                    version=SCHEMA_VERSION + 1, name="future", applied_at="2030-01-01"
                )
            )
            conn.commit()
    from participatie_rct.errors import RegistryError

    with pytest.raises(RegistryError, match="newer than this participatie-rct"):
        Register.open(sqlite_url)
