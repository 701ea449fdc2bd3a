"""Canonical serialisation of register records and the keyed hash chain over them.

Each record's hash is ``HMAC-SHA256(chain key, canonical JSON of its fields, including
prev_hash)`` (registers made before schema version 4: a plain ``SHA-256``), where
canonical JSON has sorted keys, no white space and floats written with ``repr`` (the shortest
text that reads back as the same double). Changing any field of any record, or taking a record
out of the middle, changes a hash that a later record depends on, so :mod:`.verify` finds the
first record that no longer fits. This is the construction of a hash chain (Haber and
Stornetta, 1991, "How to time-stamp a digital document").

The chain key of a sealed trial is derived from the trial secret
(:func:`participatie_rct.concealment.chain_key`), so recomputing a chain after a rewrite needs
the secret. Each chain starts at :func:`chain_start`, a hash that binds the protocol's SHA-256,
the pseudonymisation key's fingerprint and the commitment to the secret, so that removing or
changing any of them breaks the first record (older registers: the protocol's SHA-256 and
:data:`GENESIS`). What the keys protect against, and what they cannot, is written down in
``docs/threat-model.md``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any

GENESIS = "0" * 64
#: The ``chain`` of a protocol row whose chains are keyed (schema version 4 on).
CHAIN_HMAC = "hmac-sha256-v1"
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


def record_hash(
    record: Mapping[str, Any], fields: tuple[str, ...], key: bytes | None = None
) -> str:
    """HMAC-SHA256 under ``key`` (plain SHA-256 when None) of ``record``'s ``fields``, hex."""
    payload = {name: record[name] for name in fields}
    if not all(type(v) in _PLAIN for v in payload.values()):
        payload = {name: _plain(v) for name, v in payload.items()}
    if "probability" in payload and payload["probability"] is not None:
        payload["probability"] = float(payload["probability"])
    data = canonical_json(payload).encode("utf-8")
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def assignment_hash(record: Mapping[str, Any], key: bytes | None = None) -> str:
    """The hash of an assignment row (all of :data:`ASSIGNMENT_FIELDS`)."""
    return record_hash(record, ASSIGNMENT_FIELDS, key)


def event_hash(record: Mapping[str, Any], key: bytes | None = None) -> str:
    """The hash of an audit-log entry (all of :data:`EVENT_FIELDS`)."""
    return record_hash(record, EVENT_FIELDS, key)


def chain_start(
    chain: str, *, protocol_sha256: str, key_fingerprint: str | None, commitment: str | None
) -> str:
    """The value a keyed chain's first record carries as ``prev_hash``.

    A plain SHA-256 of what the register is locked to, so that anyone (without the secret)
    finds a protocol hash, key fingerprint or commitment changed after the first record.
    """
    bound = {
        "chain": chain,
        "protocol_sha256": protocol_sha256,
        "key_fingerprint": key_fingerprint,
        "commitment": commitment,
    }
    return hashlib.sha256(canonical_json(bound).encode("utf-8")).hexdigest()


def chain_assignments(
    arrivals: Sequence[tuple[str, str | None, str | None, Mapping[str, str]]],
    draws: Sequence[Any],
    *,
    after: tuple[int, str],
    fixed: Mapping[str, Any],
    key: bytes | None = None,
) -> list[dict[str, Any]]:
    """New assignment rows, numbered and hashed on from the chain's head ``after``.

    ``arrivals`` are ``(participant, site, enrolled_on, unit)`` in order, ``draws`` their
    :class:`~participatie_rct.assignment.base.Draw`; ``after`` is the head's sequence number and
    hash (``(0, chain start)`` for an empty register); ``key`` the chain key; ``fixed`` holds
    the fields shared by the whole intake (``via``, ``method``, ``procedure_version``,
    ``assigned_at``). Every row
    records the intake's first sequence number, so the rows of one call replay as one batch.
    """
    sequence, prev = after
    intake = sequence + 1
    records = []
    for (participant, site, enrolled_on, unit), draw in zip(arrivals, draws, strict=True):
        sequence += 1
        record = {
            "sequence": sequence,
            "participant": participant,
            "arm": str(draw.arm),
            "probability": float(draw.probability),
            "probabilities": canonical_json(
                {str(k): float(v) for k, v in draw.probabilities.items()}
            ),
            "stratum": str(draw.stratum),
            "position": int(draw.position),
            "batch": int(draw.batch),
            "intake": intake,
            **fixed,
            "site": site,
            "enrolled_on": enrolled_on,
            "unit": canonical_json(dict(unit)),
            "prev_hash": prev,
        }
        record["hash"] = prev = assignment_hash(record, key)
        records.append(record)
    return records
