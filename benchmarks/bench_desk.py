"""The intake desk: one assignment's latency against the register's size, for every method.

For each method (complete, stratified, permuted blocks, minimization) a register is filled
with participants files (one bulk transaction each) to 1,000 and then to 100,000 assigned;
at each size ``assign_one`` is timed :data:`N_SINGLE` times (one transaction each, as at the
desk) and its median and 99th percentile printed. SQLite always; PostgreSQL when
``PARTICIPATIE_RCT_BENCH_PG_URL`` (or ``PARTICIPATIE_RCT_TEST_PG_URL``) names a server.

Then the wall time of the command line as the desk runs it, each a fresh process, on the
SQLite register of 100,000 stratified assignments: ``participatie-rct --help``,
``assign --help``, ``assign --id`` (a new participant) and ``lookup --id``.

``PARTICIPATIE_RCT_BENCH_DESK_N`` sets the large size (default 100000), to keep a run short.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.harness import postgres_schemas

SIZES = (1_000, int(os.environ.get("PARTICIPATIE_RCT_BENCH_DESK_N", "100000")))
N_SINGLE = 60
CLI_RUNS = 3
SITES = ("Ede", "Tiel", "Wageningen", "Apeldoorn", "Groningen", "Tilburg", "Utrecht", "Nijmegen")
AGES = ("<27", "27-44", "45+")

METHODS = {
    "complete": 'method = "complete"',
    "stratified": 'method = "stratified"\nstrata = ["site", "age_group"]',
    "permuted_blocks": (
        'method = "permuted_blocks"\nstrata = ["site", "age_group"]\nblock_sizes = [4, 8]'
    ),
    "minimization": 'method = "minimization"\nfactors = ["site", "age_group"]\np_best = 0.8',
}

PROTOCOL = """
[trial]
name = "Desk benchmark"
seed = 20170901

[[arms]]
key = "control"
[[arms]]
key = "earn_more"
[[arms]]
key = "intensive_support"
[[arms]]
key = "no_application_duty"

[assignment]
{assignment}

[identifiers]
column = "id"
kind = "pseudonym"
"""


def _frame(start: int, stop: int):  # type: ignore[no-untyped-def]
    """Participants ``start`` to ``stop`` as a validated participants table."""
    import pandas as pd

    ids = range(start, stop)
    return pd.DataFrame(
        {
            "participant": [f"b{i:07d}" for i in ids],
            "site": [SITES[i % len(SITES)] for i in ids],
            "enrolled_on": pd.Timestamp("2018-02-13"),
            "age_group": [AGES[(i * 7) % 3] for i in ids],
        }
    )


def _singles(reg, size: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median and 99th percentile (ms) of :data:`N_SINGLE` intakes, one transaction each."""
    times = []
    for i in range(N_SINGLE):
        unit = {"site": SITES[(i * 3) % len(SITES)], "age_group": AGES[i % 3]}
        start = time.perf_counter()
        reg.assign_one(f"s{size}-{i:05d}", unit, key=None)
        times.append(time.perf_counter() - start)
    times.sort()
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
    return statistics.median(times) * 1000, p99 * 1000


def _method(url: str, method: str, backend: str) -> None:
    """Fill one register to each size and time single assignments there."""
    from participatie_rct.protocol import Protocol
    from participatie_rct.registry import Register

    text = PROTOCOL.format(assignment=METHODS[method])
    protocol = Protocol.from_text(text, source="desk.toml")
    with Register.create(url, protocol, key=None) as reg:
        filled = 0
        for size in SIZES:
            start = time.perf_counter()
            reg.assign_frame(_frame(filled, size))
            fill = time.perf_counter() - start
            filled = size
            p50, p99 = _singles(reg, size)
            label = f"desk {backend} {method}: assign_one at {size:,} assigned"
            print(
                f"{label:<60} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   "
                f"(filled by file in {fill:5.1f} s)",
                flush=True,
            )


def _cli(url: str) -> None:
    """Wall time of the desk's commands, each a fresh process (best of :data:`CLI_RUNS`)."""
    exe = shutil.which("participatie-rct", path=str(Path(sys.executable).parent))
    command = [exe] if exe else [sys.executable, "-m", "participatie_rct.cli"]
    runs = {
        "participatie-rct --help": ["--help"],
        "participatie-rct assign --help": ["assign", "--help"],
        "participatie-rct assign --id (new participant)": (
            f"assign --db {url} --id {{new}} --set site=Ede --set age_group=45+".split()
        ),
        "participatie-rct lookup --id": f"lookup --db {url} --id b0000001".split(),
    }
    for label, args in runs.items():
        best = float("inf")
        for run in range(CLI_RUNS):
            filled = [a.replace("{new}", f"cli-{run:03d}") for a in args]
            start = time.perf_counter()
            done = subprocess.run([*command, *filled], capture_output=True, text=True)
            best = min(best, time.perf_counter() - start)
            if done.returncode != 0:
                print(f"{label}: exit {done.returncode}: {done.stderr.strip()}", flush=True)
                break
        print(f"{'cli ' + label:<60} {best:9.3f} s (best of {CLI_RUNS})", flush=True)


def _backend(fresh: Callable[[], str], backend: str) -> str:
    """Every method on one back end; the URL of the stratified register."""
    urls = {}
    for method in METHODS:
        urls[method] = fresh()
        _method(urls[method], method, backend)
    return urls["stratified"]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        count = iter(range(1_000))
        stratified = _backend(
            lambda: f"sqlite:///{Path(folder) / f'desk{next(count)}.db'}", "sqlite"
        )
        _cli(stratified)
    with postgres_schemas() as fresh_pg:
        if fresh_pg is None:
            print(
                "desk postgresql: skipped (set PARTICIPATIE_RCT_BENCH_PG_URL to a server)",
                flush=True,
            )
        else:
            _backend(fresh_pg, "postgresql")


if __name__ == "__main__":
    main()
