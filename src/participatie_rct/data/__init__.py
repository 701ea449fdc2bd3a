"""Reading and validating the files a municipality exports; the only place that reads user files.

- :func:`read_frame`: any CSV/xlsx/parquet file as a typed DataFrame, no schema (``DATA`` files).
- :func:`load_table`: a participants, benefit_months or survey file, validated against its
  schema in ``data_schema/`` and typed, BSNs replaced by keyed pseudonyms.
- :func:`validate_file`: the same checks without a key, for ``participatie-rct validate``.

Dutch exports are understood: ``;`` or ``,``, decimal commas, UTF-8 with or without BOM or
Windows-1252, day-month-year dates, xlsx and parquet. A bad file is refused whole, with a
message naming file, column, rows as the user sees them, value and fix.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from participatie_rct.data.bsn import bsn_problem, passes_elfproef
from participatie_rct.data.pseudonym import (
    key_fingerprint,
    load_key,
    pseudonym,
    pseudonymise,
    require_key,
)

if TYPE_CHECKING:
    from participatie_rct.data.readers import RawTable, read_frame, read_raw
    from participatie_rct.data.schema import FieldSpec, TableSchema, table_schema
    from participatie_rct.data.validate import (
        PARTICIPANT,
        ValidationReport,
        load_table,
        validate_file,
    )

#: names whose modules need pandas, imported on first use: the register reaches this package
#: for BSNs and pseudonyms only, and the intake desk should not wait for pandas
_LAZY = {
    "RawTable": "readers",
    "read_frame": "readers",
    "read_raw": "readers",
    "FieldSpec": "schema",
    "TableSchema": "schema",
    "table_schema": "schema",
    "PARTICIPANT": "validate",
    "ValidationReport": "validate",
    "load_table": "validate",
    "validate_file": "validate",
}


def __getattr__(name: str) -> Any:
    """The pandas-backed names of this package, imported when first asked for."""
    if name in _LAZY:
        value = getattr(import_module(f"participatie_rct.data.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PARTICIPANT",
    "FieldSpec",
    "RawTable",
    "TableSchema",
    "ValidationReport",
    "bsn_problem",
    "key_fingerprint",
    "load_key",
    "load_table",
    "passes_elfproef",
    "pseudonym",
    "pseudonymise",
    "read_frame",
    "read_raw",
    "require_key",
    "table_schema",
    "validate_file",
]
