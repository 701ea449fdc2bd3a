"""What a register is locked to, and the keys its chains are written with.

The protocol rows of a register (``protocol`` table) record, per protocol: its SHA-256, the
fingerprint of the pseudonymisation key, the commitment to the trial secret (sealed trials)
and the chain scheme. :func:`protocol_rows` reads them once; the functions here answer the
questions every write and every check asks: which key hashes the assignment chain and the audit
log, what value each chain starts at, and whether a secret is this trial's secret.
``docs/threat-model.md`` says what each of these protects against.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from participatie_rct.concealment import chain_key, matches_commitment
from participatie_rct.errors import KeyMissingError, RegistryError
from participatie_rct.keyfiles import SECRET_ENV, decode_key
from participatie_rct.registry.chain import CHAIN_HMAC, GENESIS, chain_start
from participatie_rct.registry.models import AUDIT_LOG, PROTOCOL

UNSEALED = "unsealed"
SECRET_HINT = (
    f"Give the trial secret with --secret-file FILE or ${SECRET_ENV} (only the person or "
    "service that draws holds it)."
)


@dataclass(frozen=True)
class ProtocolRow:
    """One row of the ``protocol`` table, as far as locking and chains are concerned."""

    id: int
    sha256: str
    identifier_kind: str
    key_fingerprint: str | None
    commitment: str | None
    chain: str | None

    @property
    def keyed(self) -> bool:
        """True when the register's chains are HMACs (schema version 4 on)."""
        return self.chain == CHAIN_HMAC

    @property
    def sealed(self) -> bool:
        """True when the row commits to a trial secret."""
        return self.commitment is not None


def protocol_rows(conn: Connection) -> list[ProtocolRow]:
    """Every protocol row, oldest first (older schemas lack commitment and chain: None)."""
    columns = [c for c in ("commitment", "chain") if _has_column(conn, c)]
    query = sa.select(
        PROTOCOL.c.id,
        PROTOCOL.c.sha256,
        PROTOCOL.c.identifier_kind,
        PROTOCOL.c.key_fingerprint,
        *(PROTOCOL.c[c] for c in columns),
    ).order_by(PROTOCOL.c.id)
    rows = conn.execute(query).mappings().all()
    return [
        ProtocolRow(
            id=int(r["id"]),
            sha256=r["sha256"],
            identifier_kind=r["identifier_kind"],
            key_fingerprint=r["key_fingerprint"],
            commitment=r["commitment"] if "commitment" in columns else None,
            chain=r["chain"] if "chain" in columns else None,
        )
        for r in rows
    ]


def _has_column(conn: Connection, name: str) -> bool:
    return any(c["name"] == name for c in sa.inspect(conn).get_columns("protocol"))


def starts(rows: Sequence[ProtocolRow]) -> tuple[str, str]:
    """Where the assignment chain and the audit log start (see :func:`.chain.chain_start`).

    The assignment chain is bound to the protocol in force (the newest row), the audit log to
    the first: it began when the register was initialised.
    """
    first, last = rows[0], rows[-1]
    return _start("assignment", last, plain=last.sha256), _start("audit_log", first, plain=GENESIS)


def _start(kind: str, row: ProtocolRow, *, plain: str) -> str:
    """The keyed start of chain ``kind`` bound to ``row``; ``plain`` in a plain-SHA register."""
    if not row.keyed:
        return plain
    return chain_start(
        kind,
        protocol_sha256=row.sha256,
        key_fingerprint=row.key_fingerprint,
        commitment=row.commitment,
    )


def row_key(row: ProtocolRow, secret: bytes | None, *, purpose: str) -> bytes | None:
    """The chain key for chains bound to ``row``: None for a plain-SHA register."""
    if not row.keyed:
        return None
    if not row.sealed:
        return chain_key(None)
    if secret is None:
        raise KeyMissingError(f"{purpose} needs the trial secret. {SECRET_HINT}")
    return chain_key(secret)


def check_secret(row: ProtocolRow, secret: bytes) -> None:
    """Refuse a secret that is not the one ``row`` committed to."""
    if not matches_commitment(secret, row.sha256, row.commitment):
        raise RegistryError(
            "The secret given is not this trial's secret (it does not match the commitment "
            "the register holds). Use the secret file the trial was initialised with."
        )


def unsealed_secret(conn: Connection) -> bytes | None:
    """The secret recorded by ``unseal`` (None while the trial is sealed)."""
    row = conn.execute(
        sa.select(AUDIT_LOG.c.details)
        .where(AUDIT_LOG.c.kind == UNSEALED)
        .order_by(AUDIT_LOG.c.seq)
        .limit(1)
    ).scalar()
    if row is None:
        return None
    details: Mapping[str, Any] = json.loads(row)
    try:
        return decode_key(str(details.get("secret", "")), source="the unseal event")
    except KeyMissingError:
        return None
