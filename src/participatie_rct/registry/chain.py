"""Canonical serialisation of register records and the SHA-256 hash chain over them.

Each record's hash is ``SHA-256(canonical JSON of its fields, including prev_hash)``, where
canonical JSON has sorted keys, no white space and floats written with ``repr`` (the shortest
text that reads back as the same double). Changing any field of any record, or taking a record
out of the middle, changes a hash that a later record depends on, so :mod:`.verify` finds the
first record that no longer fits. This is the construction of a hash chain (Haber and
Stornetta, 1991, "How to time-stamp a digital document").

The assignment chain starts at the SHA-256 of the protocol in force, tying every assignment to
the exact protocol text; the audit log starts at :data:`GENESIS`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

GENESIS = "0" * 64
_PLAIN = frozenset({str, int, float, bool, type(None)})
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)

#: Fields of an assignment row that its hash covers, in the order they are documented.
ASSIGNMENT_FIELDS: tuple[str, ...] = (
    "sequence",
    "participant",
    "arm",
    "probability",
    "probabilities",
    "stratum",
    "position",
    "batch",
    "intake",
    "via",
    "method",
    "procedure_version",
    "site",
    "enrolled_on",
    "unit",
    "assigned_at",
    "prev_hash",
)

#: Fields of an audit-log entry that its hash covers.
EVENT_FIELDS: tuple[str, ...] = (
    "seq",
    "kind",
    "participant",
    "reason",
    "details",
    "at",
    "prev_hash",
)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no white space: one text for one value.

    >>> canonical_json({"b": 1, "a": [0.1, "x"]})
    '{"a":[0.1,"x"],"b":1}'
    """
    return _ENCODER.encode(value)


def _plain(value: Any) -> Any:
    """Python scalars for numpy/pandas scalars, so the JSON is the same whatever produced it."""
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return value


def record_hash(record: Mapping[str, Any], fields: tuple[str, ...]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``record``'s ``fields``."""
    payload = {name: record[name] for name in fields}
    if not all(type(v) in _PLAIN for v in payload.values()):
        payload = {name: _plain(v) for name, v in payload.items()}
    if "probability" in payload and payload["probability"] is not None:
        payload["probability"] = float(payload["probability"])
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def assignment_hash(record: Mapping[str, Any]) -> str:
    """The hash of an assignment row (all of :data:`ASSIGNMENT_FIELDS`)."""
    return record_hash(record, ASSIGNMENT_FIELDS)


def event_hash(record: Mapping[str, Any]) -> str:
    """The hash of an audit-log entry (all of :data:`EVENT_FIELDS`)."""
    return record_hash(record, EVENT_FIELDS)
