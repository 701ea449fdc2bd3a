"""Timing and peak-memory measurement shared by the benchmark modules."""

from __future__ import annotations

import os
import resource
import secrets
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Measurement:
    """Best wall-clock time over ``repeat`` runs; peak memory allocated by Python and numpy."""

    label: str
    seconds: float
    peak_mib: float
    note: str = ""

    def line(self) -> str:
        note = f"  {self.note}" if self.note else ""
        return f"{self.label:<60} {self.seconds:9.3f} s  {self.peak_mib:9.1f} MiB peak{note}"


def measure(label: str, fn: Callable[[], Any], *, repeat: int = 1, note: str = "") -> Measurement:
    """Run ``fn`` ``repeat`` times; report the fastest run and the traced peak of the first."""
    tracemalloc.start()
    start = time.perf_counter()
    fn()
    best = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    for _ in range(repeat - 1):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    result = Measurement(label, best, peak / 2**20, note)
    print(result.line(), flush=True)
    return result


def peak_mib() -> float:
    """This process's peak resident memory in MiB since it started (its own program).

    Linux's ``VmHWM`` starts afresh when a process runs a new program; ``ru_maxrss`` does
    not (a child started by a large parent reports the parent's peak), so it is the
    fallback only where ``/proc`` is missing.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def postgres_schemas() -> Iterator[Callable[[], str] | None]:
    """Fresh schemas on the benchmark's PostgreSQL server (None when none is named), each
    dropped afterwards: ``$PARTICIPATIE_RCT_BENCH_PG_URL``, else the tests' server."""
    base = os.environ.get("PARTICIPATIE_RCT_BENCH_PG_URL") or os.environ.get(
        "PARTICIPATIE_RCT_TEST_PG_URL"
    )
    if not base:
        yield None
        return
    import sqlalchemy as sa

    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    schemas: list[str] = []

    def fresh() -> str:
        schema = f"prct_bench_{secrets.token_hex(6)}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        schemas.append(schema)
        url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    try:
        yield fresh
    finally:
        with admin.connect() as conn:
            for schema in schemas:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()
