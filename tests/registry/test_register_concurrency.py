"""Eight processes assigning at once, and kill -9 in the middle of a large file."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from participatie_rct.registry import Register

from . import workers
from .helpers import BLOCKS, frame_of, make_protocol

N_WORKERS = 8
N_ONE = 8
N_FILE = 10
SHARED = 3


def _context() -> multiprocessing.context.BaseContext:
    """Fresh processes (no fork of this one); forkserver imports the heavy modules only once."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(
        [
            "pandas",
            "numpy",
            "sqlalchemy",
            "participatie_rct.registry",
            "participatie_rct.assignment",
        ]
    )
    return ctx


def _run_workers(url: str) -> dict[int, list[tuple[str, str, int]]]:
    """Start eight assigners together; return what each was told (id, arm, sequence)."""
    ctx = _context()
    start, out = ctx.Event(), ctx.Queue()
    processes = [
        ctx.Process(target=workers.assign_many, args=(url, w, N_ONE, N_FILE, SHARED, start, out))
        for w in range(N_WORKERS)
    ]
    for p in processes:
        p.start()
    start.set()
    results = dict(out.get(timeout=300) for _ in processes)
    for p in processes:
        p.join(timeout=60)
        assert p.exitcode == 0
    return results


MINIMIZATION = 'method = "minimization"\nfactors = ["site", "age_group"]\np_best = 0.8'


@pytest.mark.parametrize("assignment", [BLOCKS, MINIMIZATION], ids=["blocks", "minimization"])
def test_eight_processes_assign_at_once(db_url: str, assignment: str) -> None:
    Register.create(db_url, make_protocol(assignment), key=None).close()
    results = _run_workers(db_url)
    with Register.open(db_url) as reg:
        frame = reg.assignments()
        report = reg.verify()
    n_expected = SHARED + N_WORKERS * (N_ONE - SHARED + N_FILE)
    assert len(frame) == n_expected
    assert frame["participant"].is_unique
    assert frame["sequence"].tolist() == list(range(1, n_expected + 1))
    # every worker that asked for a shared participant got the same arm and sequence
    answers: dict[str, set[tuple[str, int]]] = {}
    for rows in results.values():
        for ident, arm, sequence in rows:
            answers.setdefault(ident, set()).add((arm, sequence))
    assert all(len(a) == 1 for a in answers.values())
    stored = frame.set_index("participant")
    assert all(stored.at[i, "arm"] == next(iter(a))[0] for i, a in answers.items())
    assert report.ok, report.message
    if assignment != BLOCKS:
        return
    # each stratum's stream is used once per position, without gaps, and stays within its blocks
    for _, group in frame.sort_values("position").groupby("stratum"):
        assert group["position"].tolist() == list(range(len(group)))
        counts: Counter[str] = Counter()
        for arm in group["arm"]:
            counts[arm] += 1
            values = [counts[a] for a in reg.protocol.arm_keys]
            assert max(values) - min(values) <= 2  # blocks of 4 or 8 over 4 arms: at most 2 apart


@pytest.mark.parametrize("table", ["assignment", "audit_log"])
def test_kill_9_in_the_middle_of_a_large_file_leaves_none_of_it(
    db_url: str, tmp_path: Path, table: str
) -> None:
    n = 3000
    with Register.create(db_url, make_protocol(), key=None) as reg:
        reg.assign_frame(frame_of([f"before-{i}" for i in range(5)]))
    marker = tmp_path / "inside.txt"
    ctx = _context()
    child = ctx.Process(target=workers.assign_and_hang, args=(db_url, n, table, str(marker)))
    child.start()
    for _ in range(6000):
        if marker.exists() or not child.is_alive():
            break
        time.sleep(0.01)
    assert marker.exists(), "the child never reached the insert"
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=30)
    assert child.exitcode == -signal.SIGKILL
    with Register.open(db_url) as reg:
        assert reg.status()["n_assigned"] == 5  # none of the file
        assert reg.verify().ok
        outcome = reg.assign_frame(frame_of([f"big-{i}" for i in range(n)], sites=workers.SITES))
        assert outcome.n_new == n  # and then all of it
        report = reg.verify()
        assert report.ok, report.message
        assert report.n_assignments == n + 5
