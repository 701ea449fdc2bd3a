"""Parquet tables this tool wrote, stamped so that reading them back skips re-validation.

A table the tool writes (an outcome table, a validated input) was checked when it was made;
checking it again when the next command reads it (``estimate itt outcomes.parquet``) costs
time and proves nothing new. :func:`write_parquet` stores, in the parquet file's key-value
metadata under ``participatie_rct``, which table it is, the SHA-256 of that table's schema
(when it has one in ``data_schema/``) and the column types; :func:`read_stamped` returns the
frame as written when the stamp matches, and ``None`` otherwise (the file is then read and
validated like any user's file). The stamp is not a signature: anyone can write one, so it
only skips checks of a file that the reader would accept from the same hand anyway.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

#: The metadata key of the stamp.
STAMP_KEY = b"participatie_rct"


def schema_digest(table: str) -> str | None:
    """SHA-256 of a table's schema in ``data_schema/`` (``None`` for a table without one)."""
    from participatie_rct.choices import TableName
    from participatie_rct.data.schema import raw_schema

    try:
        name = TableName(table)
    except ValueError:
        return None
    text = json.dumps(raw_schema(name), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_parquet(frame: pd.DataFrame, path: Path | str, *, table: str) -> Path:
    """Write ``frame`` to ``path`` as parquet, stamped as table ``table``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from participatie_rct import __version__

    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    stamp = {
        "table": table,
        "schema_sha256": schema_digest(table),
        "columns": {c: str(frame[c].dtype) for c in frame.columns},
        "written_by": f"participatie-rct {__version__}",
    }
    metadata = {**(arrow.schema.metadata or {}), STAMP_KEY: json.dumps(stamp).encode("utf-8")}
    from participatie_rct.safe_files import write_bytes

    sink = pa.BufferOutputStream()
    pq.write_table(arrow.replace_schema_metadata(metadata), sink)
    # private, atomic, never through a symlink (docs/output-safety.md)
    return write_bytes(path, sink.getvalue().to_pybytes())


def stamp_of(path: Path | str) -> dict[str, Any] | None:
    """The stamp of a parquet file, or ``None`` (not parquet, not stamped, unreadable)."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
    except Exception:  # not a parquet file, or a damaged one: the readers word the refusal
        return None
    raw = metadata.get(STAMP_KEY)
    if raw is None:
        return None
    try:
        stamp = json.loads(raw)
    except ValueError:
        return None
    return stamp if isinstance(stamp, dict) else None


def stamped_rows(path: Path | str, table: str) -> tuple[int, tuple[str, ...]] | None:
    """Rows and column names of a parquet file stamped as ``table`` with the current schema.

    Read from the file's footer (its metadata), not its data: a stamped table was checked
    when it was written, so ``validate`` only needs to count it. ``None`` when the file is
    not such a table.
    """
    import pyarrow.parquet as pq

    stamp = stamp_of(path)
    if not _current(stamp, table):
        return None
    try:
        footer = pq.read_metadata(path)
    except Exception:  # a damaged file: the readers word the refusal
        return None
    names = tuple(footer.schema.to_arrow_schema().names)
    if stamp is None or list(names) != list(stamp.get("columns", {})):
        return None
    return int(footer.num_rows), names


def _current(stamp: dict[str, Any] | None, table: str) -> bool:
    """Whether ``stamp`` names ``table`` and the schema it has now."""
    if stamp is None or stamp.get("table") != table:
        return False
    return bool(stamp.get("schema_sha256") == schema_digest(table))


def read_stamped(path: Path | str, table: str) -> pd.DataFrame | None:
    """The frame of a parquet file stamped as ``table`` with the current schema, else ``None``."""
    import pyarrow.parquet as pq

    stamp = stamp_of(path)
    if stamp is None or not _current(stamp, table):
        return None
    frame: pd.DataFrame = pq.read_table(path).to_pandas()
    if list(frame.columns) != list(stamp.get("columns", {})):
        return None
    return frame
