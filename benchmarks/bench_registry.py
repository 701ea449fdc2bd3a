"""Register throughput and latency through the library (SQLite, and PostgreSQL when configured).

* batch: one participants table of 100,000 rows assigned in one transaction
  (``Register.assign_frame``: locking, history, draws, hash chain, insert, audit entry);
* single: ``Register.assign_one`` at intake, one transaction each, on a register that already
  holds the batch: median and 99th percentile latency.

PostgreSQL runs when ``PARTICIPATIE_RCT_BENCH_PG_URL`` (or ``PARTICIPATIE_RCT_TEST_PG_URL``)
names a server; a schema with a random name is created there and dropped afterwards.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.harness import measure, postgres_schemas

N_BATCH = int(os.environ.get("PARTICIPATIE_RCT_BENCH_N", "100000"))
N_SINGLE = 300
SITES = ("Ede", "Tiel", "Wageningen", "Apeldoorn", "Groningen", "Tilburg", "Utrecht", "Nijmegen")
AGES = ("<27", "27-44", "45+")

PROTOCOL = """
[trial]
name = "Benchmark"
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
method = "permuted_blocks"
strata = ["site", "age_group"]
block_sizes = [4, 8]

[identifiers]
column = "id"
kind = "pseudonym"
"""


def _frame(n: int, prefix: str):  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.DataFrame(
        {
            "participant": [f"{prefix}{i:07d}" for i in range(n)],
            "site": [SITES[i % len(SITES)] for i in range(n)],
            "enrolled_on": pd.Timestamp("2018-02-13"),
            "age_group": [AGES[(i * 7) % 3] for i in range(n)],
        }
    )


@contextmanager
def _sqlite() -> Iterator[Callable[[], str]]:
    with tempfile.TemporaryDirectory() as folder:
        count = iter(range(1_000_000))
        yield lambda: f"sqlite:///{Path(folder) / f'bench{next(count)}.db'}"


def _run(fresh: Callable[[], str], backend: str) -> None:
    from participatie_rct.protocol import Protocol
    from participatie_rct.registry import Register

    protocol = Protocol.from_text(PROTOCOL, source="benchmark.toml")
    frame = _frame(N_BATCH, "b")
    registers: list[Register] = []

    def batch() -> None:
        reg = Register.create(fresh(), protocol, key=None)
        registers.append(reg)
        reg.assign_frame(frame)

    # the first run traces memory (which slows Python down); the time is the best untraced run
    result = measure(f"register {backend}: batch of {N_BATCH:,} (one transaction)", batch, repeat=3)
    print(f"{'':<60} {N_BATCH / result.seconds:12,.0f} participants/s", flush=True)
    reg = registers[-1]
    times = []
    for i in range(N_SINGLE):
        unit = {"site": SITES[i % len(SITES)], "age_group": AGES[i % 3]}
        start = time.perf_counter()
        reg.assign_one(f"s{i:07d}", unit, key=None)
        times.append(time.perf_counter() - start)
    times.sort()
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
    print(
        f"{f'register {backend}: assign_one x {N_SINGLE} (after the batch)':<60} "
        f"median {statistics.median(times) * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms",
        flush=True,
    )
    measure(f"register {backend}: verify {N_BATCH + N_SINGLE:,} assignments", reg.verify, repeat=2)
    for r in registers:
        r.close()


def main() -> None:
    with _sqlite() as fresh:
        _run(fresh, "sqlite")
    with postgres_schemas() as fresh_pg:
        if fresh_pg is None:
            print(
                "register postgresql: skipped (set PARTICIPATIE_RCT_BENCH_PG_URL to a server)",
                flush=True,
            )
        else:
            _run(fresh_pg, "postgresql")


if __name__ == "__main__":
    main()
