"""The SQLite writer queue leaves no ``*-writer-lock`` file behind, and still excludes.

The file beside the database exists only while a writer holds it: after a command that
wrote, after one that failed, and after Ctrl-C there is none. Removing it must not let two
writers in at once: a waiter that wins the lock of a removed file queues again.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from participatie_rct.registry.engine import _writer_queue, run_transaction
from trial_protocols import KEY_TEXT

from .helpers import BLOCKS, elfproef_bsns, participants_csv, run


def _locks(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith("-writer-lock"))


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    return sa.create_engine(f"sqlite:///{tmp_path / 'queue.db'}")


def test_commands_leave_no_lock_file(
    tmp_path: Path, write_protocol, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PARTICIPATIE_RCT_KEY", KEY_TEXT)
    protocol = write_protocol(BLOCKS, identifiers='column = "bsn"\nkind = "bsn"')
    db = f"sqlite:///{tmp_path / 'trial.db'}"
    bsns = elfproef_bsns(6)
    path = participants_csv(tmp_path / "deelnemers.csv", bsns[:5], column="bsn")
    steps = [
        ["init", "--protocol", str(protocol), "--db", db],
        ["assign", "--db", db, str(path)],
        ["assign", "--db", db, "--id", bsns[5], "--set", "site=Ede", "--set", "age_group=45+"],
        ["withdraw", "--db", db, "--id", bsns[0], "--reason", "moved away"],
    ]
    for argv in steps:
        code, _, err = run(argv, capsys)
        assert code == 0, err
        assert _locks(tmp_path) == [], argv[0]
    # a command that fails after it began to write
    code, _, _ = run(["withdraw", "--db", db, "--id", bsns[0], "--reason", "again"], capsys)
    assert code == 2 and _locks(tmp_path) == []


@pytest.mark.parametrize("stop", [RuntimeError("broken"), KeyboardInterrupt()])
def test_lock_file_goes_on_error_and_on_ctrl_c(
    engine: sa.Engine, tmp_path: Path, stop: BaseException
) -> None:
    seen: list[list[str]] = []

    def work(connection: sa.Connection) -> None:
        seen.append(_locks(tmp_path))  # the lock is there while the work runs
        raise stop

    with pytest.raises(type(stop)):
        run_transaction(engine, work)
    assert seen == [["queue.db-writer-lock"]]
    assert _locks(tmp_path) == []


def test_a_waiter_on_a_removed_lock_file_queues_again(engine: sa.Engine, tmp_path: Path) -> None:
    """Writers that arrive while the holder removes the file never overlap."""
    inside: list[int] = []
    overlaps: list[int] = []
    guard = threading.Lock()

    def writer() -> None:
        for _ in range(25):
            with _writer_queue(engine):
                with guard:
                    inside.append(1)
                    if len(inside) > 1:
                        overlaps.append(len(inside))
                time.sleep(0.0005)
                with guard:
                    inside.pop()

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
    assert _locks(tmp_path) == []
