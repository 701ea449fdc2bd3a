"""The register's tables as SQLAlchemy 2 models: one description for SQLite and PostgreSQL.

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

from typing import cast

from sqlalchemy import (
    BigInteger,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the register's models."""


class SchemaMigration(Base):
    """One applied schema migration."""

    __tablename__ = "schema_migration"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    applied_at: Mapped[str] = mapped_column(String(40))


class ProtocolRecord(Base):
    """A protocol as stored at ``init``; the row with the highest ``id`` is in force."""

    __tablename__ = "protocol"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    identifier_kind: Mapped[str] = mapped_column(String(20))
    key_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stored_at: Mapped[str] = mapped_column(String(40))
    # schema version 4: the commitment to a sealed trial's secret, and the chain scheme
    commitment: Mapped[str | None] = mapped_column(String(64), nullable=True)
    chain: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Assignment(Base):
    """One participant's assignment: written once, never changed.

    ``sequence`` numbers assignments 1, 2, 3, ... in arrival order over the whole trial;
    ``position`` is the arrival's rank within its stratum's stream and ``batch`` the
    procedure's batch number (:class:`~participatie_rct.assignment.base.Draw`). ``intake``
    is the sequence number of the first assignment made by the same call and ``via`` says
    whether that call drew one participant (``one``) or a file (``file``), so that
    verification can replay the calls exactly as they happened.
    """

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("participant", name="uq_assignment_participant"),
        UniqueConstraint("sequence", name="uq_assignment_sequence"),
        UniqueConstraint("stratum", "position", name="uq_assignment_stratum_position"),
        Index("ix_assignment_stratum", "stratum"),
        Index("ix_assignment_stratum_sequence", "stratum", "sequence"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger)
    participant: Mapped[str] = mapped_column(String(128))
    arm: Mapped[str] = mapped_column(String(100))
    probability: Mapped[float] = mapped_column(Float(precision=53))
    probabilities: Mapped[str] = mapped_column(Text)
    stratum: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(BigInteger)
    batch: Mapped[int] = mapped_column(BigInteger)
    intake: Mapped[int] = mapped_column(BigInteger)
    via: Mapped[str] = mapped_column(String(8))
    method: Mapped[str] = mapped_column(String(40))
    procedure_version: Mapped[int] = mapped_column(Integer)
    site: Mapped[str | None] = mapped_column(Text, nullable=True)
    enrolled_on: Mapped[str | None] = mapped_column(String(10), nullable=True)
    unit: Mapped[str] = mapped_column(Text)
    assigned_at: Mapped[str] = mapped_column(String(40))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    """One entry of the audit log: an event with a reason, appended, never changed.

    ``seq`` numbers the entries 1, 2, 3, ...; ``participant`` is a pseudonym (or empty);
    ``details`` is canonical JSON.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        UniqueConstraint("seq", name="uq_audit_log_seq"),
        Index("ix_audit_log_participant", "participant"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(40))
    participant: Mapped[str | None] = mapped_column(String(128), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text)
    at: Mapped[str] = mapped_column(String(40))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ServiceUser(Base):
    """A user of the randomization service: name, role, sites and a hash of the access token.

    ``token_id`` is a public, random handle that finds the row; ``token_hash`` is the scrypt
    hash of the whole token with ``token_salt``. The token itself is never stored. A revoked
    user keeps the row (with ``revoked_at``), so a name is never reused by someone else.
    """

    __tablename__ = "service_user"
    __table_args__ = (
        UniqueConstraint("name", name="uq_service_user_name"),
        UniqueConstraint("token_id", name="uq_service_user_token_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    sites: Mapped[str] = mapped_column(Text)
    token_id: Mapped[str] = mapped_column(String(32))
    token_salt: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[str] = mapped_column(String(40))
    revoked_at: Mapped[str | None] = mapped_column(String(40), nullable=True)


class SequencerState(Base):
    """One kept count: ``kind`` (``arrivals``, ``batches``, ``stratum``, ``chunk``,
    ``chunk_start``, ``level`` or ``through``), ``key`` (the stratum key, or the canonical JSON
    of factor, level and arm; empty for the others) and its ``value``. ``through`` is the last
    assignment the counts include."""

    __tablename__ = "sequencer_state"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


ASSIGNMENT = cast(Table, Assignment.__table__)
AUDIT_LOG = cast(Table, AuditEvent.__table__)
PROTOCOL = cast(Table, ProtocolRecord.__table__)
SCHEMA_MIGRATION = cast(Table, SchemaMigration.__table__)
SERVICE_USER = cast(Table, ServiceUser.__table__)
SEQUENCER_STATE = cast(Table, SequencerState.__table__)
