"""Code that runs in child processes of the concurrency and crash tests (spawned, so importable)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from participatie_rct.registry import Register

from .helpers import frame_of

SITES = ("Ede", "Tiel", "Wageningen")
AGES = ("<27", "27-44", "45+")


def assign_many(
    url: str, worker: int, n_one: int, n_file: int, shared: int, start: Any, out: Any
) -> None:
    """Assign ``n_one`` participants one by one, then a file of ``n_file``; some ids are shared."""
    results: list[tuple[str, str, int]] = []
    with Register.open(url) as reg:
        start.wait()
        for i in range(n_one):
            ident = f"shared-{i}" if i < shared else f"w{worker}-{i}"
            unit = {"site": SITES[(i + worker) % 3], "age_group": AGES[(i * 7 + worker) % 3]}
            if i < shared:
                unit = {"site": SITES[i % 3], "age_group": AGES[i % 3]}
            got = reg.assign_one(ident, unit, key=None)
            results.append((ident, got.arm, got.sequence))
        outcome = reg.assign_frame(frame_of([f"f{worker}-{i}" for i in range(n_file)], sites=SITES))
        results += [
            (p, a, int(s))
            for p, a, s in outcome.frame[["participant", "arm", "sequence"]].itertuples(index=False)
        ]
    out.put((worker, results))


def assign_and_hang(url: str, n: int, table: str, marker: str) -> None:
    """Assign a file of ``n``; after the INSERT into ``table``, signal ``marker`` and hang."""
    with Register.open(url) as reg:

        def _after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}"):
                Path(marker).write_text(str(os.getpid()), encoding="utf-8")
                time.sleep(600)

        event.listen(reg.engine, "after_cursor_execute", _after)
        reg.assign_frame(frame_of([f"big-{i}" for i in range(n)], sites=SITES))
