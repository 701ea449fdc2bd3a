"""Verification of a register: the hash chains, the protocol's hash, and a replay of every draw.

What an auditor asks is whether the register still holds what was written, and whether what
was written is what the protocol prescribes. :func:`verify_register` answers both:

1. **protocol**: the stored text's SHA-256 equals the stored hash, and the audit log recorded
   each stored protocol in order;
2. **audit log**: entries are numbered 1, 2, ... without gaps; each carries the hash of the one
   before and its own hash recomputes from its fields;
3. **assignments**: the same for the assignment chain, which starts at the protocol's SHA-256;
4. **checkpoints**: each intake entry of the audit log names the assignments it made and the
   chain's head after them, so removing the newest assignments (or rewriting the chain from
   some point on) no longer matches the log;
5. **replay**: a fresh sequencer, seeded as the register seeded it (the open protocol's seed,
   or the sealed trial's secret), re-derives every assignment in sequence order, calls as
   they happened (a file as one batch, an intake as one draw), and must give the stored arm,
   probability, stratum and position; the counts it ends with must be the counts the
   register keeps for the next draw (``sequencer_state``, :mod:`.state`; without the secret,
   the counts of the stored assignments);
6. **locks**: the first record of each chain binds the protocol hash, the key fingerprint and
   the commitment to the secret; a BSN trial has its fingerprint, a sealed trial its
   commitment and keyed chains;
7. **triggers**: the refusing triggers exist (and, in PostgreSQL, fire always, also in
   replication mode);
8. **anchor** (when given): the register still holds the record an earlier anchor named.

Keyed chains and the replay of a sealed trial need the secret; without it the rest is checked
and the report lists what was not (``unchecked``).

All checks run; the broken record named first is the protocol if it fails, else the
assignment with the lowest sequence number that fails any check, else the first failing
audit-log entry (``protocol``, ``assignment 17``, ``audit_log 4``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from participatie_rct.errors import ProtocolError
from participatie_rct.protocol import Protocol
from participatie_rct.registry import sealing
from participatie_rct.registry.anchor import anchor_problems, parse_anchor
from participatie_rct.registry.chain import assignment_hash, event_hash
from participatie_rct.registry.events import EVENT_KINDS
from participatie_rct.registry.findings import Findings, short
from participatie_rct.registry.migrations import SCHEMA_VERSION, current_version, expected_triggers
from participatie_rct.registry.models import ASSIGNMENT, AUDIT_LOG, PROTOCOL
from participatie_rct.registry.replay import check_state, procedure_of, replay
from participatie_rct.registry.results import VerifyReport

if TYPE_CHECKING:
    from participatie_rct.assignment.tally import Tally


def _precedence(item: tuple[str, str]) -> tuple[int, int]:
    """Which finding names the first broken record: protocol, then assignments, then the log."""
    record = item[0]
    kind, _, number = record.partition(" ")
    order = {
        "schema": 0,
        "protocol": 1,
        "assignment": 2,
        "audit_log": 3,
        "sequencer_state": 4,
        "triggers": 5,
    }.get(kind, 6)
    return (order, int(number) if number.isdigit() else 0)


def _check_protocol(conn: Connection, protocol: Protocol, found: Findings) -> list[str]:
    query = sa.select(PROTOCOL.c.id, PROTOCOL.c.sha256, PROTOCOL.c.text).order_by(PROTOCOL.c.id)
    rows = conn.execute(query).mappings().all()
    if not rows:
        found.add("protocol", "The register holds no protocol.")
        return []
    for row in rows:
        digest = hashlib.sha256(row["text"].encode("utf-8")).hexdigest()
        if digest != row["sha256"]:
            found.add(
                f"protocol {row['id']}",
                f"protocol {row['id']}: the stored text's SHA-256 is {digest[:12]}..., but "
                f"the register records "
                f"{row['sha256'][:12]}...: the protocol text or its hash was changed after init.",
            )
    if rows[-1]["sha256"] != protocol.sha256:
        found.add("protocol", "The protocol in force changed while verifying; run verify again.")
    try:  # the full check, schema included, that opening the register leaves out
        Protocol.from_text(rows[-1]["text"], source=f"protocol {rows[-1]['id']}")
    except ProtocolError as exc:
        found.add(f"protocol {rows[-1]['id']}", f"the protocol in force breaks a rule: {exc}")
    return [row["sha256"] for row in rows]


def _check_chain(
    rows: Sequence[Any],
    start: str,
    found: Findings,
    *,
    table: str,
    number: str,
    hash_of: Callable[[Any], str] | None,
    label: Callable[[Any], str],
    unit: str,
    origin: str,
) -> None:
    """One hash chain: numbered 1, 2, ... without gaps, each record carrying the hash of the
    one before (``start`` for the first) and its own hash recomputing from its fields."""
    prev = start
    for expected, row in enumerate(rows, start=1):
        name = f"{table} {row[number]}"
        who = label(row)
        if int(row[number]) != expected:
            found.add(
                name,
                f"{name} ({who}): expected {unit} {expected} here; a record of the {table} "
                f"chain is missing or out of place.",
            )
        if row["prev_hash"] != prev:
            found.add(
                name,
                f"{name} ({who}): it does not carry the hash of the record before it (or, "
                f"for the first, {origin}); a record was removed, inserted or "
                f"rewritten.",
            )
        if hash_of is not None and hash_of(row) != row["hash"]:
            found.add(
                name,
                f"{name} ({who}): its fields no longer match its hash; it was changed after "
                f"it was written.",
            )
        prev = row["hash"]


def _check_log(
    rows: Sequence[Any], start: str, key: bytes | None, checkable: bool, found: Findings
) -> None:
    _check_chain(
        rows,
        start,
        found,
        table="audit_log",
        number="seq",
        hash_of=(lambda row: event_hash(row, key)) if checkable else None,
        label=lambda row: f"{row['kind']}, {short(row['participant'])}",
        unit="entry",
        origin="the value that binds the protocol, key fingerprint and commitment",
    )


def _check_assignments(
    rows: Sequence[Any], start: str, key: bytes | None, checkable: bool, found: Findings
) -> None:
    _check_chain(
        rows,
        start,
        found,
        table="assignment",
        number="sequence",
        hash_of=(lambda row: assignment_hash(row, key)) if checkable else None,
        label=lambda row: f"{short(row['participant'])}, arm {row['arm']!r}",
        unit="sequence",
        origin="the value that binds the protocol, key fingerprint and commitment",
    )


def _details(row: Any) -> dict[str, Any]:
    """An audit entry's details; ``{}`` when they are not JSON (the chain check reports that)."""
    try:
        value = json.loads(row["details"])
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _check_checkpoints(
    log: Sequence[Any], assignments: Sequence[Any], protocol_shas: list[str], found: Findings
) -> None:
    shas = [
        _details(r).get("sha256") for r in log if r["kind"] in {"protocol", "protocol_replaced"}
    ]
    if shas != protocol_shas:
        found.add(
            "protocol",
            "The protocols stored do not match those the audit log recorded at init; a "
            "protocol was added or changed outside init.",
        )
    by_sequence = {int(r["sequence"]): r for r in assignments}
    covered: list[int] = []
    for row in log:
        if row["kind"] != "intake":
            continue
        details = _details(row)
        if not details.get("n_new") or not {"first", "last", "head"} <= set(details):
            continue
        first, last = int(details["first"]), int(details["last"])
        covered.extend(range(first, last + 1))
        tail = by_sequence.get(last)
        if tail is None or tail["hash"] != details["head"]:
            found.add(
                f"assignment {last}",
                f"assignment {last}: the audit log (entry {row['seq']}) recorded this "
                f"intake ending at assignment "
                f"{last} with chain head {details['head'][:12]}..., which the assignments "
                f"no longer match; "
                "assignments were removed or rewritten.",
            )
    expected = sorted(by_sequence)
    if sorted(covered) != expected:
        extra = sorted(set(expected) - set(covered))
        lost = sorted(set(covered) - set(expected))
        if extra:
            found.add(
                f"assignment {extra[0]}",
                f"assignment {extra[0]}: no intake in the audit log made it; it was added "
                f"outside the register.",
            )
        if lost:
            found.add(
                f"assignment {lost[0]}",
                f"assignment {lost[0]}: the audit log records it, but it is gone.",
            )


def _check_locks(
    conn: Connection, protocol: Protocol, rows: Sequence[sealing.ProtocolRow], found: Findings
) -> None:
    """A BSN trial keeps its key fingerprint; a sealed trial its commitment and keyed chains."""
    last = rows[-1]
    if protocol.identifier_kind.value == "bsn" and last.key_fingerprint is None:
        found.add(
            "protocol",
            "The register's key fingerprint is missing (it was removed after init): a "
            "wrong key would no longer be noticed.",
        )
    if protocol.sealed and (last.commitment is None or not last.keyed):
        found.add(
            "protocol",
            "The protocol is sealed, but the register holds no commitment to its secret or "
            "its chains are not keyed: it was changed after init.",
        )


def _check_triggers(conn: Connection, found: Findings) -> None:
    """The refusing triggers exist; in PostgreSQL they fire always (also in replica mode)."""
    expected = expected_triggers(conn)
    if conn.dialect.name == "sqlite":
        present = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        state = {r[0]: "A" for r in present}
    else:
        triggers = conn.exec_driver_sql(
            "SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = "
            "t.tgrelid WHERE c.relnamespace = current_schema()::regnamespace "
            "AND NOT t.tgisinternal"
        )
        state = {r[0]: str(r[1]) for r in triggers}
    for table, names in expected.items():
        for name in names:
            if name not in state:
                found.add(
                    "triggers",
                    f"The trigger {name} that refuses changes to {table} is gone: someone "
                    "with database rights dropped it, so records may have been changed.",
                )
            elif state[name] != "A":
                found.add(
                    "triggers",
                    f"The trigger {name} on {table} does not fire always (state "
                    f"{state[name]!r}); in replication mode it would let changes through.",
                )


def verify_register(
    conn: Connection,
    protocol: Protocol,
    *,
    secret: bytes | None = None,
    anchor: str | None = None,
) -> VerifyReport:
    """Check everything the register holds (read in one transaction by the caller)."""
    parsed_anchor = parse_anchor(anchor) if anchor is not None else None
    found = Findings()
    unchecked: list[str] = []
    version = current_version(conn)
    if version != SCHEMA_VERSION:
        found.add(
            "schema",
            f"The schema is version {version}; this participatie-rct expects {SCHEMA_VERSION}.",
        )
    protocol_shas = _check_protocol(conn, protocol, found)
    rows = sealing.protocol_rows(conn)
    log = conn.execute(sa.select(AUDIT_LOG).order_by(AUDIT_LOG.c.seq)).mappings().all()
    assignments = (
        conn.execute(sa.select(ASSIGNMENT).order_by(ASSIGNMENT.c.sequence)).mappings().all()
    )
    if rows:
        _check_locks(conn, protocol, rows, found)
        keys = []
        for bound in (rows[0], rows[-1]):
            ok = not (bound.keyed and bound.sealed and secret is None)
            keys.append((sealing.row_key(bound, secret, purpose="") if ok else None, ok))
        assignment_start, audit_start = sealing.starts(rows)
        _check_log(log, audit_start, keys[0][0], keys[0][1], found)
        _check_assignments(assignments, assignment_start, keys[1][0], keys[1][1], found)
        if not (keys[0][1] and keys[1][1]):
            unchecked.append("the keyed hashes of each record (they need the trial secret)")
    _check_checkpoints(log, assignments, protocol_shas, found)
    assigned = {r["participant"] for r in assignments}
    for row in log:
        if row["kind"] in EVENT_KINDS and row["participant"] not in assigned:
            found.add(
                f"audit_log {row['seq']}",
                f"audit_log {row['seq']} ({row['kind']}): it concerns a participant who has "
                f"no assignment.",
            )
    procedure = procedure_of(protocol, found)
    replayed: Tally | None = None
    if protocol.sealed and secret is None:
        if assignments:
            unchecked.append("the replay of each draw (it needs the trial secret)")
    elif procedure is not None and assignments:
        replayed = replay(assignments, protocol, procedure, secret, found)
    if procedure is not None:
        check_state(conn, procedure, assignments, replayed, found)
    _check_triggers(conn, found)
    if parsed_anchor is not None:
        for record, message in anchor_problems(conn, parsed_anchor):
            found.add(record, message)
    return _report(found, protocol, log, assignments, protocol_shas, unchecked, anchor)


def _report(
    found: Findings,
    protocol: Protocol,
    log: Sequence[Any],
    assignments: Sequence[Any],
    protocol_shas: list[str],
    unchecked: list[str],
    anchor: str | None,
) -> VerifyReport:
    n_checked = len(log) + len(assignments) + len(protocol_shas)
    if found.items:
        record, message = min(found.items, key=_precedence)
        return VerifyReport(
            ok=False,
            n_checked=n_checked,
            first_broken=record,
            message=f"Verification FAILED at {record}. {message}",
            n_assignments=len(assignments),
            n_events=len(log),
            problems=tuple(m for _, m in found.items),
            unchecked=tuple(unchecked),
        )
    replayed = (
        "every assignment replays from the trial secret"
        if protocol.sealed
        else f"every assignment replays from seed {protocol.seed} (an open trial: anyone "
        "holding the protocol can predict the next arm)"
    )
    if unchecked:
        replayed = "not checked without the trial secret: " + "; ".join(unchecked)
    held = ", and the register still holds the anchor given" if anchor is not None else ""
    return VerifyReport(
        ok=True,
        n_checked=n_checked,
        first_broken=None,
        message=(
            f"Register intact: {len(assignments)} assignments and {len(log)} audit-log "
            f"entries chain correctly, protocol {protocol.sha256[:12]}... matches, the "
            f"refusing triggers are in place{held}; {replayed}."
        ),
        n_assignments=len(assignments),
        n_events=len(log),
        unchecked=tuple(unchecked),
    )
