"""Anchors: one line that pins a register's state, so truncation and rewrites are caught later.

Hash chains show that a record was changed, but not that the newest records were removed, nor
(without the secret) that someone rewrote the whole register consistently. An anchor names the
sequence number and chain hash of the newest assignment and the newest audit-log entry::

    prct-anchor-v1 assignment=17:3f2a...(64 hex) audit_log=23:9b1c...(64 hex)

``status`` prints it and every report's ``manifest.json`` keeps it (key ``"anchor"``). Anyone
who kept an earlier report can later run ``verify --anchor``: the register must still hold
both records with exactly those hashes. Records are only ever appended, so an anchor stays
valid for the rest of the trial.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from participatie_rct.errors import RegistryError
from participatie_rct.registry.models import ASSIGNMENT, AUDIT_LOG

PREFIX = "prct-anchor-v1"
_PATTERN = re.compile(
    rf"^{PREFIX} assignment=(\d+):([0-9a-f]{{64}}|-) audit_log=(\d+):([0-9a-f]{{64}}|-)$"
)


@dataclass(frozen=True)
class Anchor:
    """The newest assignment and audit-log entry (sequence 0 and hash None: none yet)."""

    assignment: int
    assignment_hash: str | None
    audit_log: int
    audit_log_hash: str | None

    def __str__(self) -> str:
        return (
            f"{PREFIX} assignment={self.assignment}:{self.assignment_hash or '-'} "
            f"audit_log={self.audit_log}:{self.audit_log_hash or '-'}"
        )


def current_anchor(conn: Connection) -> Anchor:
    """The anchor of the register as ``conn`` sees it."""
    head = conn.execute(
        sa.select(ASSIGNMENT.c.sequence, ASSIGNMENT.c.hash)
        .order_by(ASSIGNMENT.c.sequence.desc())
        .limit(1)
    ).first()
    log = conn.execute(
        sa.select(AUDIT_LOG.c.seq, AUDIT_LOG.c.hash).order_by(AUDIT_LOG.c.seq.desc()).limit(1)
    ).first()
    return Anchor(
        int(head[0]) if head else 0,
        head[1] if head else None,
        int(log[0]) if log else 0,
        log[1] if log else None,
    )


def parse_anchor(value: str) -> Anchor:
    """An anchor from its text, or from a ``manifest.json`` / saved ``status`` JSON file."""
    text = value.strip()
    if not text.startswith(PREFIX):
        text = _from_file(Path(value))
    match = _PATTERN.match(" ".join(text.split()))
    if match is None:
        raise RegistryError(
            f"--anchor: {text[:120]!r} is not an anchor. Give the line that status or a "
            f"report's manifest.json prints ('{PREFIX} assignment=N:HASH audit_log=N:HASH'), "
            "or the path of that manifest.json or status JSON file."
        )
    a_seq, a_hash, e_seq, e_hash = match.groups()
    return Anchor(int(a_seq), _none(a_hash), int(e_seq), _none(e_hash))


def _none(value: str) -> str | None:
    return None if value == "-" else value


def _from_file(path: Path) -> str:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(
            f"--anchor: {str(path)[:120]!r} is neither an anchor line nor an existing file. "
            f"Give the '{PREFIX} ...' line, or the path of a manifest.json or status JSON."
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RegistryError(
            f"--anchor {path}: cannot read it as JSON ({exc}). Give a report's manifest.json "
            "or the output of status --format json."
        ) from None
    anchor = data.get("anchor") if isinstance(data, dict) else None
    if not isinstance(anchor, str):
        raise RegistryError(
            f'--anchor {path}: the file has no "anchor" key. Reports made before anchors '
            "existed have none; use a newer report's manifest.json or status --format json."
        )
    return anchor


def anchor_problems(conn: Connection, anchor: Anchor) -> list[tuple[str, str]]:
    """(record, message) for each part of ``anchor`` the register no longer holds."""
    found: list[tuple[str, str]] = []
    for table, number, column, seq, expected in (
        (
            "assignment",
            ASSIGNMENT.c.sequence,
            ASSIGNMENT.c.hash,
            anchor.assignment,
            anchor.assignment_hash,
        ),
        ("audit_log", AUDIT_LOG.c.seq, AUDIT_LOG.c.hash, anchor.audit_log, anchor.audit_log_hash),
    ):
        if seq == 0 or expected is None:
            continue
        stored = conn.execute(sa.select(column).where(number == seq)).scalar()
        if stored is None:
            found.append(
                (
                    f"{table} {seq}",
                    f"{table} {seq}: the anchor names it (hash {expected[:12]}...), but the "
                    f"register no longer holds it: the newest records were removed.",
                )
            )
        elif stored != expected:
            found.append(
                (
                    f"{table} {seq}",
                    f"{table} {seq}: the anchor names hash {expected[:12]}..., the register "
                    f"holds {stored[:12]}...: the register was rewritten since the anchor "
                    "was taken.",
                )
            )
    return found
