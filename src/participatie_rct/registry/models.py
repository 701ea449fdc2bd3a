"""The register's tables as SQLAlchemy Core tables: one description for SQLite and PostgreSQL.

Six tables (docs/architecture.md, "Data model"):

* ``schema_migration``: which schema migrations ran, and when (see :mod:`.migrations`);
* ``protocol``: every protocol the trial was initialised with, appended, never rewritten; the
  newest row is the one in force. It keeps the protocol text, its SHA-256 and the fingerprint
  of the pseudonymisation key (never the key), the commitment to a sealed trial's secret
  (never the secret) and the scheme of its hash chains;
* ``assignment``: one row per assigned participant, never updated or deleted (database
  triggers refuse it). Each row carries the hash of the previous row and its own hash, a chain
  that :mod:`.verify` recomputes;
* ``audit_log``: everything else that happens, appended as events with a reason: the protocol
  being stored or replaced, each intake (with the assignment chain's head after it),
  participants who declined, withdrawals, crossovers and protocol deviations. It is a
  hash chain of its own and equally protected by triggers;
* ``sequencer_state``: the counts the next draw depends on (per stratum, per factor level and
  arm, the next batch), kept in the transaction of each assignment so a draw reads only
  what it needs. It is derived data, rewritten as it changes; verification recomputes it
  from the assignments and reports any difference (see :mod:`.state`);
* ``service_user``: the people who may use the randomization service, their role and sites,
  and only a slow hash (scrypt) of their access token (see :mod:`.users`).

Text columns hold times (ISO 8601, UTC) and JSON, so that the canonical form that is hashed is
exactly what is stored, whichever database holds it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# Core tables, not ORM classes: the register only ever reads and writes rows with Core
# statements, and the ORM would cost every command a tenth of a second to import.
METADATA = MetaData()

#: the integer key of the append-only tables: 64-bit, SQLite's rowid alias there
_ROW_ID = BigInteger().with_variant(Integer, "sqlite")


def _required(name: str, kind: Any) -> Column[Any]:
    """A column that always holds a value (NOT NULL)."""
    return Column(name, kind, nullable=False)


def _optional(name: str, kind: Any) -> Column[Any]:
    """A column that may be empty (NULL)."""
    return Column(name, kind, nullable=True)


#: one applied schema migration
SCHEMA_MIGRATION = Table(
    "schema_migration",
    METADATA,
    Column("version", Integer, primary_key=True, autoincrement=False),
    _required("name", String(200)),
    _required("applied_at", String(40)),
)

#: a protocol as stored at ``init``; the row with the highest ``id`` is in force
PROTOCOL = Table(
    "protocol",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    _required("name", Text),
    _required("sha256", String(64)),
    _required("text", Text),
    _required("identifier_kind", String(20)),
    _optional("key_fingerprint", String(64)),
    _required("stored_at", String(40)),
    # schema version 4: the commitment to a sealed trial's secret, and the chain scheme
    _optional("commitment", String(64)),
    _optional("chain", String(40)),
)

#: One participant's assignment: written once, never changed.
#:
#: ``sequence`` numbers assignments 1, 2, 3, ... in arrival order over the whole trial;
#: ``position`` is the arrival's rank within its stratum's stream and ``batch`` the
#: procedure's batch number (:class:`~participatie_rct.assignment.base.Draw`). ``intake``
#: is the sequence number of the first assignment made by the same call and ``via`` says
#: whether that call drew one participant (``one``) or a file (``file``), so that
#: verification can replay the calls exactly as they happened.
ASSIGNMENT = Table(
    "assignment",
    METADATA,
    Column("id", _ROW_ID, primary_key=True),
    _required("sequence", BigInteger),
    _required("participant", String(128)),
    _required("arm", String(100)),
    _required("probability", Float(precision=53)),
    _required("probabilities", Text),
    _required("stratum", Text),
    _required("position", BigInteger),
    _required("batch", BigInteger),
    _required("intake", BigInteger),
    _required("via", String(8)),
    _required("method", String(40)),
    _required("procedure_version", Integer),
    _optional("site", Text),
    _optional("enrolled_on", String(10)),
    _required("unit", Text),
    _required("assigned_at", String(40)),
    _required("prev_hash", String(64)),
    _required("hash", String(64)),
    UniqueConstraint("participant", name="uq_assignment_participant"),
    UniqueConstraint("sequence", name="uq_assignment_sequence"),
    UniqueConstraint("stratum", "position", name="uq_assignment_stratum_position"),
    Index("ix_assignment_stratum", "stratum"),
    Index("ix_assignment_stratum_sequence", "stratum", "sequence"),
)

#: One entry of the audit log: an event with a reason, appended, never changed. ``seq``
#: numbers the entries 1, 2, 3, ...; ``participant`` is a pseudonym (or empty); ``details``
#: is canonical JSON.
AUDIT_LOG = Table(
    "audit_log",
    METADATA,
    Column("id", _ROW_ID, primary_key=True),
    _required("seq", BigInteger),
    _required("kind", String(40)),
    _optional("participant", String(128)),
    _required("reason", Text),
    _required("details", Text),
    _required("at", String(40)),
    _required("prev_hash", String(64)),
    _required("hash", String(64)),
    UniqueConstraint("seq", name="uq_audit_log_seq"),
    Index("ix_audit_log_participant", "participant"),
)

#: A user of the randomization service: name, role, sites and a hash of the access token.
#: ``token_id`` is a public, random handle that finds the row; ``token_hash`` is the scrypt
#: hash of the whole token with ``token_salt``. The token itself is never stored. A revoked
#: user keeps the row (with ``revoked_at``), so a name is never reused by someone else.
SERVICE_USER = Table(
    "service_user",
    METADATA,
    Column("id", _ROW_ID, primary_key=True),
    _required("name", String(100)),
    _required("role", String(20)),
    _required("sites", Text),
    _required("token_id", String(32)),
    _required("token_salt", String(64)),
    _required("token_hash", String(128)),
    _required("created_at", String(40)),
    _optional("revoked_at", String(40)),
    UniqueConstraint("name", name="uq_service_user_name"),
    UniqueConstraint("token_id", name="uq_service_user_token_id"),
)

#: One kept count: ``kind`` (``arrivals``, ``batches``, ``stratum``, ``chunk``,
#: ``chunk_start``, ``level`` or ``through``), ``key`` (the stratum key, or the canonical
#: JSON of factor, level and arm; empty for the others) and its ``value``. ``through`` is
#: the last assignment the counts include.
SEQUENCER_STATE = Table(
    "sequencer_state",
    METADATA,
    Column("kind", String(16), primary_key=True),
    Column("key", Text, primary_key=True),
    _required("value", BigInteger),
)
