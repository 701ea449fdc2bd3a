"""National-size person-month panels written straight from numpy, in chunks, for the data benchmark.

A panel of ``n_people`` people followed for ``n_months`` months from January 2019: people
leave benefit at a random month (to work, part-time work or other), some come back, a few
months carry earnings. The columns are those of ``benefit_months`` (``id``, ``month``,
``on_benefit``, ``exit_reason``, ``earnings``); the assignments (``participant``, ``arm``,
``assigned_at``) put everyone in one of two arms at intake, spread over the first year.
Memory stays that of one chunk, so 24 million rows are written in well under 1 GB.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

START_YEAR = 2019
_CHUNK_PEOPLE = 10_000
_REASONS = np.array(["", "work", "part_time_work", "other"], dtype=object)


def person_ids(first: int, stop: int) -> np.ndarray:
    """Pseudonyms ``P0000001``... for people ``first`` to ``stop - 1``."""
    return np.char.add("P", np.char.zfill(np.arange(first + 1, stop + 1).astype(str), 7))


def _chunk(first: int, stop: int, n_months: int, rng: np.random.Generator) -> pa.Table:
    n = stop - first
    ids = np.repeat(person_ids(first, stop), n_months)
    k = np.tile(np.arange(n_months), n)
    year = START_YEAR + k // 12
    month = np.char.add(
        np.char.add(year.astype(str), "-"), np.char.zfill((k % 12 + 1).astype(str), 2)
    )
    exit_at = np.repeat(rng.geometric(0.04, n) + 1, n_months)
    back_at = np.repeat(np.where(rng.random(n) < 0.2, rng.geometric(0.1, n), 10**6), n_months)
    on = (k < exit_at) | (k >= exit_at + back_at)
    reason = np.where(k == exit_at, _REASONS[np.repeat(rng.integers(1, 4, n), n_months)], "")
    earnings = np.where(~on, np.round(rng.gamma(2.0, 600.0, n * n_months), 2), 0.0)
    return pa.table(
        {
            "id": pa.array(ids.astype(object), pa.string()),
            "month": pa.array(month.astype(object), pa.string()),
            "on_benefit": pa.array(np.where(on, "true", "false").astype(object), pa.string()),
            "exit_reason": pa.array(reason.astype(object), pa.string()),
            "earnings": pa.array(earnings),
        }
    )


def write_panel(path: Path, n_rows: int, *, n_months: int = 60, seed: int = 1) -> Path:
    """Write a benefit_months panel of about ``n_rows`` rows as CSV or parquet (by suffix)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    n_people = max(1, n_rows // n_months)
    rng = np.random.default_rng(seed)
    writer: pq.ParquetWriter | pacsv.CSVWriter | None = None
    try:
        for first in range(0, n_people, _CHUNK_PEOPLE):
            table = _chunk(first, min(first + _CHUNK_PEOPLE, n_people), n_months, rng)
            if writer is None:
                writer = (
                    pq.ParquetWriter(path, table.schema)
                    if path.suffix == ".parquet"
                    else pacsv.CSVWriter(
                        path, table.schema, write_options=pacsv.WriteOptions(quoting_style="none")
                    )
                )
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return path


def assignments(n_rows: int, *, n_months: int = 60, seed: int = 2) -> pd.DataFrame:
    """The register's assignments for the panel's people: two arms, intake in the first year."""
    n_people = max(1, n_rows // n_months)
    rng = np.random.default_rng(seed)
    day = pd.Timestamp(f"{START_YEAR}-01-01") + pd.to_timedelta(rng.integers(0, 365, n_people), "D")
    return pd.DataFrame(
        {
            "participant": person_ids(0, n_people).astype(object),
            "arm": np.where(rng.random(n_people) < 0.5, "control", "treatment").astype(object),
            "assigned_at": day,
        }
    )
