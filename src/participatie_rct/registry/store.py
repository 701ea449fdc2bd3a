"""Reading and appending register rows: the SQL the :class:`~.register.Register` is built from.

Everything here runs inside a transaction the caller opened (and, for appends, with the append
lock held). Records are appended with the hash of the one before (:mod:`.chain`); nothing is
ever updated or deleted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from participatie_rct.errors import RegistryError
from participatie_rct.registry.chain import CHAIN_HMAC, canonical_json, event_hash
from participatie_rct.registry.engine import is_sqlite, lock
from participatie_rct.registry.models import ASSIGNMENT, AUDIT_LOG, PROTOCOL

if TYPE_CHECKING:
    import pandas as pd

    from participatie_rct.protocol import Protocol

_CHUNK = 900  # identifiers per IN (...) list, below SQLite's variable limit everywhere
APPEND_LOCK = "append"


def now() -> str:
    """The current UTC time as ISO 8601 text with microseconds (what the register stores)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def namespace_of(engine: Engine) -> str:
    """What keeps this register's locks apart from another's in the same server."""
    if is_sqlite(engine):
        return str(engine.url.database or "")
    with engine.connect() as conn:
        database = conn.execute(sa.text("SELECT current_database()")).scalar()
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
        return f"{database}.{schema}"


def store_protocol(
    conn: Connection,
    protocol: Protocol,
    fingerprint: str | None,
    namespace: str,
    *,
    secret: bytes | None = None,
    at: str | None = None,
) -> None:
    """Lock the register to ``protocol`` (see :meth:`.Register.create`): store it, or nothing.

    A sealed protocol is stored with the commitment to ``secret``; a register that already
    holds a sealed protocol accepts another only with the same secret.
    """
    from participatie_rct.concealment import commitment
    from participatie_rct.registry import sealing

    lock(conn, ["draw"], namespace=namespace)  # the order every assigner takes them in
    lock(conn, [APPEND_LOCK], namespace=namespace)
    rows = sealing.protocol_rows(conn)
    current = rows[-1] if rows else None
    if current is not None:
        _check_locked(current, fingerprint, secret)
    committed = commitment(secret, protocol.sha256) if protocol.sealed and secret else None
    if current is not None and current.sha256 == protocol.sha256:
        return  # the same protocol again: nothing to do
    if current is not None:
        n = conn.execute(sa.select(sa.func.count()).select_from(ASSIGNMENT)).scalar() or 0
        if n:
            raise RegistryError(
                f"{protocol.source}: the register is locked to protocol {current.sha256[:12]} "
                f"and {n} participants are assigned under it; this protocol "
                f"({protocol.sha256[:12]}) differs. A running trial keeps its protocol: "
                f"record changes as deviations, or start a new register for a new trial."
            )
        if current.sealed and secret is None:
            raise RegistryError(
                f"Replacing the protocol of a sealed trial needs its secret. {sealing.SECRET_HINT}"
            )
    at = at or now()
    number = 1 if current is None else current.id + 1
    conn.execute(
        PROTOCOL.insert().values(
            id=number,
            name=protocol.name,
            sha256=protocol.sha256,
            text=protocol.text,
            identifier_kind=protocol.identifier_kind.value,
            key_fingerprint=fingerprint,
            stored_at=at,
            commitment=committed,
            chain=CHAIN_HMAC,
        )
    )
    kind = "protocol" if current is None else "protocol_replaced"
    reason = (
        "init"
        if current is None
        else f"init with another protocol before anyone was assigned (was {current.sha256[:12]})"
    )
    details = {
        "sha256": protocol.sha256,
        "name": protocol.name,
        "protocol_id": number,
        "concealment": protocol.concealment.value,
        "key_fingerprint": fingerprint,
        "commitment": committed,
    }
    if current is not None:
        details["replaces"] = current.sha256
    rows = sealing.protocol_rows(conn)
    append_events(
        conn,
        [{"kind": kind, "participant": None, "reason": reason, "details": details}],
        at=at,
        chain=audit_chain(rows, secret),
    )


def _check_locked(current: Any, fingerprint: str | None, secret: bytes | None) -> None:
    """Refuse a key or secret that is not the one the stored protocol was locked with."""
    from participatie_rct.registry import sealing

    if current.identifier_kind == "bsn" and current.key_fingerprint is None:
        raise RegistryError(
            "The register's key fingerprint is missing: it was removed after init, and "
            "without it a wrong key would go unnoticed. Restore the register from a "
            "backup and run participatie-rct verify."
        )
    if fingerprint is not None and current.key_fingerprint not in (None, fingerprint):
        raise RegistryError(
            "The key given is not the key this register was initialised with (its "
            "fingerprint differs). Use the trial's key file."
        )
    if current.sealed and secret is not None:
        sealing.check_secret(current, secret)


def audit_chain(rows: Sequence[Any], secret: bytes | None) -> tuple[bytes | None, str]:
    """The key and start value of the audit log of a register with these protocol rows."""
    from participatie_rct.registry import sealing

    return (
        sealing.row_key(rows[0], secret, purpose="Writing to the audit log"),
        sealing.starts(rows)[1],
    )


def append_events(
    conn: Connection,
    events: list[dict[str, Any]],
    *,
    at: str,
    chain: tuple[bytes | None, str],
) -> list[int]:
    """Append entries to the audit log's chain (the append lock must be held).

    ``chain`` is the log's key and start value (:func:`audit_chain`).
    """
    key, start = chain
    head = conn.execute(
        sa.select(AUDIT_LOG.c.seq, AUDIT_LOG.c.hash).order_by(AUDIT_LOG.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (int(head[0]), head[1]) if head else (0, start)
    records = []
    for event in events:
        seq += 1
        record = {
            "seq": seq,
            "kind": event["kind"],
            "participant": event["participant"],
            "reason": event["reason"],
            "details": canonical_json(event["details"]),
            "at": at,
            "prev_hash": prev,
        }
        record["hash"] = prev = event_hash(record, key)
        records.append(record)
    insert_many(conn, AUDIT_LOG, records)
    return [r["seq"] for r in records]


def participant_event(
    conn: Connection,
    participant: str,
    kind: str,
    reason: str,
    details: dict[str, Any],
    *,
    namespace: str,
    secret: bytes | None,
    at: str | None = None,
) -> int:
    """Append one event about an assigned participant; return its number in the audit log.

    Refused when the participant was never assigned, and for a second withdrawal.
    """
    lock(conn, [APPEND_LOCK], namespace=namespace)
    assigned = conn.execute(
        sa.select(ASSIGNMENT.c.sequence).where(ASSIGNMENT.c.participant == participant)
    ).scalar()
    if assigned is None:
        raise RegistryError(
            f"No assigned participant with this id (pseudonym "
            f"{participant[:12]}...). Check the id "
            "and the key; only assigned participants can have a " + kind + "."
        )
    if kind == "withdrawal":
        before = conn.execute(
            sa.select(AUDIT_LOG.c.at).where(
                AUDIT_LOG.c.participant == participant, AUDIT_LOG.c.kind == "withdrawal"
            )
        ).scalar()
        if before is not None:
            raise RegistryError(
                f"Participant with sequence {assigned} already withdrew (recorded "
                f"{before}). "
                "A withdrawal is recorded once."
            )
    at = at or now()
    event = {
        "kind": kind,
        "participant": participant,
        "reason": reason,
        "details": details,
    }
    from participatie_rct.registry import sealing

    chain = audit_chain(sealing.protocol_rows(conn), secret)
    return append_events(conn, [event], at=at, chain=chain)[-1]


def insert_many(conn: Connection, table: sa.Table, records: list[dict[str, Any]]) -> None:
    """Insert ``records`` with the driver's executemany (SQLAlchemy's per-row processing skipped).

    The values are plain Python str, int, float and None, which both drivers take as they are.
    """
    if not records:
        return
    names = [c.name for c in table.columns if c.name in records[0]]
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    statement = (
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([marker] * len(names))})"
    )
    conn.exec_driver_sql(statement, [tuple(r[n] for n in names) for r in records])


def chunks(values: list[str]) -> Iterable[list[str]]:
    """``values`` in slices short enough for one ``IN (...)`` list."""
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def existing(conn: Connection, participants: list[str]) -> dict[str, dict[str, Any]]:
    """Stored arm, probability, sequence, stratum and unit of those of ``participants`` assigned."""
    found: dict[str, dict[str, Any]] = {}
    cols = [
        ASSIGNMENT.c.participant,
        ASSIGNMENT.c.arm,
        ASSIGNMENT.c.probability,
        ASSIGNMENT.c.sequence,
        ASSIGNMENT.c.stratum,
        ASSIGNMENT.c.unit,
    ]
    for chunk in chunks(participants):
        for row in conn.execute(
            sa.select(*cols).where(ASSIGNMENT.c.participant.in_(chunk))
        ).mappings():
            found[row["participant"]] = dict(row)
    return found


def declined(conn: Connection, participants: list[str]) -> set[str]:
    """Those of ``participants`` whose refusal of consent the audit log already holds."""
    found: set[str] = set()
    for chunk in chunks(participants):
        found.update(
            conn.execute(
                sa.select(AUDIT_LOG.c.participant).where(
                    AUDIT_LOG.c.kind == "declined", AUDIT_LOG.c.participant.in_(chunk)
                )
            ).scalars()
        )
    return found


def history_frame(rows: Sequence[Any], columns: Sequence[str]) -> pd.DataFrame:
    """Rows of (unit JSON, arm, stratum, position, batch, ...) -> the sequencer's history frame."""
    import pandas as pd

    units = [json.loads(r[0]) for r in rows] if columns else []
    data: dict[str, list[Any]] = {c: [u.get(c) for u in units] for c in columns}
    data["arm"] = [r[1] for r in rows]
    data["stratum"] = [r[2] for r in rows]
    data["position"] = [int(r[3]) for r in rows]
    data["batch"] = [int(r[4]) for r in rows]
    frame = pd.DataFrame(data)
    for name in ("position", "batch"):
        frame[name] = frame[name].astype("int64")
    return frame


def assignment_frame(
    rows: Sequence[Any], withdrawn: set[str], columns: Sequence[str]
) -> pd.DataFrame:
    """The frame :meth:`.Register.assignments` returns (columns documented there)."""
    import pandas as pd

    units = [json.loads(r["unit"]) for r in rows]
    data: dict[str, Any] = {
        "participant": [r["participant"] for r in rows],
        "arm": [r["arm"] for r in rows],
        "probability": pd.Series([float(r["probability"]) for r in rows], dtype="float64"),
        "sequence": pd.Series([int(r["sequence"]) for r in rows], dtype="int64"),
        "assigned_at": pd.to_datetime([r["assigned_at"] for r in rows], utc=True, format="ISO8601"),
        "withdrawn": pd.Series([r["participant"] in withdrawn for r in rows], dtype="bool"),
    }
    for c in columns:
        data[c] = [u.get(c) for u in units]
    extra = {
        "site": [r["site"] for r in rows],
        "enrolled_on": pd.to_datetime([r["enrolled_on"] for r in rows], format="ISO8601"),
        "stratum": [r["stratum"] for r in rows],
        "position": pd.Series([int(r["position"]) for r in rows], dtype="int64"),
        "batch": pd.Series([int(r["batch"]) for r in rows], dtype="int64"),
        "intake": pd.Series([int(r["intake"]) for r in rows], dtype="int64"),
        "method": [r["method"] for r in rows],
        "procedure_version": pd.Series([int(r["procedure_version"]) for r in rows], dtype="int64"),
    }
    for name, values in extra.items():
        if name not in data:
            data[name] = values
    return pd.DataFrame(data)
