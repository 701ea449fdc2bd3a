"""The kept sequencer state: draws read only their own counts, verify checks them, old registers
get them from a replay, and a refused call leaves them as they were."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from participatie_rct.errors import RegistryError
from participatie_rct.registry import Register, state, store
from participatie_rct.registry.migrations import SCHEMA_VERSION

from .helpers import BLOCKS, frame_of, make_protocol

METHODS = {
    "complete": 'method = "complete"',
    "stratified": 'method = "stratified"\nstrata = ["site", "age_group"]',
    "blocks": BLOCKS,
    "minimization": 'method = "minimization"\nfactors = ["site", "age_group"]\np_best = 0.8',
}


def _fill(reg: Register, prefix: str = "p") -> None:
    """Files and single intakes interleaved, as a register sees them."""
    reg.assign_frame(frame_of([f"{prefix}{i:02d}" for i in range(11)]))
    reg.assign_one(f"{prefix}-one", {"site": "Ede", "age_group": "45+"}, key=None)
    reg.assign_frame(frame_of([f"{prefix}r{i}" for i in range(5)], sites=("Tiel", "Zeist")))
    reg.assign_one(f"{prefix}-two", {"site": "Tiel", "age_group": "<27"}, key=None)


def _next_arms(reg: Register) -> list[tuple[str, float, str]]:
    """What the register draws next: a file and two intakes."""
    out = reg.assign_frame(frame_of([f"n{i}" for i in range(6)], sites=("Zeist", "Ede")))
    arms = [(r.arm, r.probability, r.stratum) for r in out.frame.itertuples()]
    for i, unit in enumerate(
        [{"site": "Ede", "age_group": "<27"}, {"site": "Zeist", "age_group": "27-44"}]
    ):
        one = reg.assign_one(f"m{i}", unit, key=None)
        arms.append((one.arm, one.probability, one.stratum))
    return arms


def _kept(reg: Register) -> state.Rows:
    with reg.engine.connect() as conn:
        return state.kept(conn)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_the_kept_state_is_the_replay_of_the_history(db_url: str, method: str) -> None:
    with Register.create(db_url, make_protocol(METHODS[method]), key=None) as reg:
        _fill(reg)
        kept = _kept(reg)
        assert kept[state.THROUGH] == 18
        assert reg.verify().ok
    # a fresh process continues from the table: the same arms as one that rebuilt everything
    with Register.open(db_url) as reg, reg.engine.begin() as conn:
        rows = conn.execute(sa.text("SELECT * FROM assignment ORDER BY sequence")).mappings()
        expected = state.history_tally(reg.procedure, list(rows))
        assert state.differences(kept, state.expected_rows(expected, reg.procedure.arms, 18)) == []


@pytest.mark.parametrize("method", sorted(METHODS))
def test_a_tampered_state_table_is_reported_by_verify(db_url: str, method: str) -> None:
    with Register.create(db_url, make_protocol(METHODS[method]), key=None) as reg:
        _fill(reg)
        kind = "level" if method == "minimization" else "stratum"
        with reg.engine.begin() as conn:
            # the attack: nudge one kept count, so the next draw in it is predictable
            key = conn.execute(
                sa.text("SELECT key FROM sequencer_state WHERE kind = :k ORDER BY key LIMIT 1"),
                {"k": kind},
            ).scalar_one()
            conn.execute(
                sa.text(
                    "UPDATE sequencer_state SET value = value + 1 WHERE kind = :k AND key = :key"
                ),
                {"k": kind, "key": key},
            )
        report = reg.verify()
    assert not report.ok
    assert report.first_broken == "sequencer_state"
    assert "kept counts differ from the replay" in report.message
    assert "kept" in report.message and "the replay gives" in report.message


def test_a_removed_state_row_is_reported_and_a_stale_state_refuses_to_draw(db_url: str) -> None:
    with Register.create(db_url, make_protocol(METHODS["stratified"]), key=None) as reg:
        _fill(reg)
        with reg.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM sequencer_state WHERE kind = 'batches'")
        report = reg.verify()
        assert report.first_broken == "sequencer_state"
        assert "batches: kept 0, the replay gives 4" in report.message
        with reg.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE sequencer_state SET value = 3 WHERE kind = 'through'")
        before = reg.assignments()
        with pytest.raises(RegistryError, match="covers assignments up to 3, but the register"):
            reg.assign_one("late", {"site": "Ede", "age_group": "45+"}, key=None)
        assert reg.assignments().equals(before)


def test_a_sealed_trial_checks_the_state_without_the_secret(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    secret = bytes(range(32))
    protocol = make_protocol(METHODS["minimization"], seed=None)
    with Register.create(url, protocol, key=None, secret=secret) as reg:
        _fill(reg)
    with Register.open(url) as reg:
        assert reg.verify().ok
        with reg.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE sequencer_state SET value = 0 WHERE kind = 'arrivals'")
        report = reg.verify()
    assert report.first_broken == "sequencer_state"
    assert "arrivals: kept 0, the replay gives 18" in report.message


@pytest.mark.parametrize("method", sorted(METHODS))
def test_an_old_register_gets_its_state_from_a_replay(
    db_url: str, method: str, tmp_path: Path
) -> None:
    protocol = make_protocol(METHODS[method])
    with Register.create(db_url, protocol, key=None) as reg:
        _fill(reg)
        with reg.engine.begin() as conn:
            # what version 5 left: no state table, the migration not recorded
            conn.exec_driver_sql("DROP TABLE sequencer_state")
            conn.exec_driver_sql("DELETE FROM schema_migration WHERE version >= 6")
    twin_url = f"sqlite:///{tmp_path / 'twin.db'}"  # a register that always had the table
    with Register.open(db_url, read_only=True) as reg:
        assert reg.verify().first_broken == "schema"  # not migrated, and says so
    with Register.open(db_url) as reg:
        assert reg.status()["schema_version"] == SCHEMA_VERSION
        assert reg.verify().ok
        migrated = _next_arms(reg)
        assert reg.verify().ok
    with Register.create(twin_url, protocol, key=None) as twin:
        _fill(twin)
        assert _next_arms(twin) == migrated


@pytest.mark.parametrize("method", sorted(METHODS))
def test_a_refused_call_leaves_the_state_as_it_was(
    db_url: str, method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Register.create(db_url, make_protocol(METHODS[method]), key=None) as reg:
        _fill(reg)
        before = _kept(reg)

        def broken(*args: object, **kwargs: object) -> None:
            raise RegistryError("the audit log could not be written")

        monkeypatch.setattr(store, "append_events", broken)
        with pytest.raises(RegistryError, match="could not be written"):
            reg.assign_frame(frame_of([f"x{i}" for i in range(5)]))
        monkeypatch.undo()
        assert _kept(reg) == before
        assert len(reg.assignments()) == 18
        assert reg.verify().ok


def test_a_draw_reads_no_history(sqlite_url: str) -> None:
    """One intake reads its own counts by key: no statement reads the stored units or arms."""
    with Register.create(sqlite_url, make_protocol(METHODS["minimization"]), key=None) as reg:
        _fill(reg)
        statements: list[str] = []

        def seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            statements.append(" ".join(statement.split()))

        sa.event.listen(reg.engine, "before_cursor_execute", seen)
        reg.assign_one("late", {"site": "Ede", "age_group": "45+"}, key=None)
        sa.event.remove(reg.engine, "before_cursor_execute", seen)
    reads = [s for s in statements if s.startswith("SELECT") and "FROM assignment" in s]
    assert reads, statements
    # reading the arriving person's own record (by key) is not reading history
    history = [s for s in reads if "participant IN" not in s and "participant = ?" not in s]
    assert not [s for s in history if "assignment.unit" in s or "assignment.arm" in s]
    state_reads = [s for s in statements if "FROM sequencer_state" in s]
    assert state_reads and all("WHERE" in s for s in state_reads)


def test_a_moved_block_chunk_is_reported_by_verify(sqlite_url: str) -> None:
    """Permuted blocks keep where each stratum's stream resumes; moving it is found."""
    with Register.create(sqlite_url, make_protocol(METHODS["blocks"]), key=None) as reg:
        _fill(reg)
        kept = _kept(reg)
        key = reg.procedure.stratum_key({"site": "Ede", "age_group": "45+"})
        assert kept["chunk", key] == kept["chunk_start", key] == 0  # still in the first chunk
        with reg.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE sequencer_state SET value = 1 WHERE kind = 'chunk' AND key = :key"),
                {"key": key},
            )
        report = reg.verify()
    assert report.first_broken == "sequencer_state"
    assert f"chunk {key!r}: kept 1, the replay gives 0" in report.message


def test_half_a_block_hint_is_found_and_never_drawn_from(sqlite_url: str) -> None:
    """A chunk hint is a pair: with one half deleted, verify names the missing half and the
    next draw resumes as without a hint (from the first chunk), not at a wrong position."""
    protocol = make_protocol(METHODS["blocks"])
    with Register.create(sqlite_url, protocol, key=None) as reg:
        _fill(reg)
        key = reg.procedure.stratum_key({"site": "Ede", "age_group": "45+"})
        with reg.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE sequencer_state SET value = 1 WHERE kind = 'chunk' AND key = :k"),
                {"k": key},
            )
            conn.execute(
                sa.text("DELETE FROM sequencer_state WHERE kind = 'chunk_start' AND key = :k"),
                {"k": key},
            )
        report = reg.verify()
        assert report.first_broken == "sequencer_state"
        assert f"chunk_start {key!r}: kept none, the replay gives 0" in report.message
        with reg.engine.connect() as conn:
            tally = state.rows_tally(state.kept(conn), reg.procedure.arms)
        assert key not in tally.chunks  # half a hint is no hint


def test_a_sealed_block_trial_verifies_and_migrates_without_the_secret(tmp_path: Path) -> None:
    """Where a stratum's block chunks fall follows from the secret: without it verify leaves
    them out, and a migration keeps none (the next draws place them), so both stay right."""
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    secret = bytes(range(32))
    protocol = make_protocol(METHODS["blocks"], seed=None)
    with Register.create(url, protocol, key=None, secret=secret) as reg:
        _fill(reg)
    with Register.open(url, read_only=True) as reg:
        assert reg.verify().ok
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE sequencer_state")
        conn.exec_driver_sql("DELETE FROM schema_migration WHERE version >= 6")
    engine.dispose()
    with Register.open(url) as reg:  # migrated here, without the secret
        assert not [k for k in _kept(reg) if k[0] in ("chunk", "chunk_start")]
        assert reg.verify().ok
    with Register.open(url, secret=secret) as reg:
        arms = _next_arms(reg)
        report = reg.verify()
        assert report.ok, report.message
    twin = f"sqlite:///{tmp_path / 'twin.db'}"
    with Register.create(twin, protocol, key=None, secret=secret) as reg:
        _fill(reg)
        assert _next_arms(reg) == arms
