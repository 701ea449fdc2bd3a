"""Users of the randomization service: roles, sites and access tokens, kept in the register.

A user is a name, a role (:class:`Role`) and, for an assigner, the sites (municipal offices)
they enrol at. Adding a user makes a random access token that is shown once; the register
keeps only a public handle to find the row (``token_id``) and a scrypt hash of the token, so
a copy of the database does not let anyone sign in. Revoking keeps the row (the name is
never reused) and the token stops working at the next request.

Adding and revoking users, and every request of the service that changes or reveals
something (:func:`log_access`), are appended to the register's audit log with the user's
name; the participant is recorded by pseudonym, never by BSN.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from participatie_rct.choices import Role, parse_choice
from participatie_rct.errors import RegistryError
from participatie_rct.registry import store
from participatie_rct.registry.engine import lock, read_connection, run_transaction
from participatie_rct.registry.lookup import withdrawn_among
from participatie_rct.registry.models import SERVICE_USER

if TYPE_CHECKING:
    from participatie_rct.registry.register import Register

#: Tokens look like ``prct_<token_id>_<secret>``; the prefix lets secret scanners find them.
TOKEN_PREFIX = "prct"
_TOKEN_RE = re.compile(r"^prct_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
_NAMESPACES: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()
# scrypt cost: 16 MiB of memory and some tens of milliseconds per guess (RFC 7914, section 2)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 2**20, "dklen": 32}


@dataclass(frozen=True)
class User:
    """A user as stored (never the token): name, role, sites, when added and revoked."""

    name: str
    role: Role
    sites: tuple[str, ...]
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        """False once revoked."""
        return self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view (``users list --format json``)."""
        return {
            "user": self.name,
            "role": self.role.value,
            "sites": list(self.sites),
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


def parse_role(text: str | Role) -> Role:
    """The :class:`Role` named ``text``; refused naming the allowed roles."""
    return parse_choice(Role, text, parameter="role")


def _check_name(name: str) -> str:
    name = str(name).strip()
    if not _NAME_RE.match(name):
        raise RegistryError(
            f"user name {name!r}: use 1 to 100 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit (for example j.jansen)."
        )
    return name


def _check_sites(role: Role, sites: Iterable[str]) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(s.strip() for s in sites if s and s.strip()))
    if role is Role.ASSIGNER and not cleaned:
        raise RegistryError(
            "An assigner enrols at their own sites only: give --site SITE (repeat it for "
            "several offices)."
        )
    if role is not Role.ASSIGNER and cleaned:
        raise RegistryError(
            f"--site is for assigners; a {role.value} works on the whole trial. Leave out --site."
        )
    return cleaned


def _namespace(engine: Engine) -> str:
    """The register's lock namespace, asked of the database once per engine."""
    if engine not in _NAMESPACES:
        _NAMESPACES[engine] = store.namespace_of(engine)
    return _NAMESPACES[engine]


def _hash_token(token: str, salt: bytes) -> str:
    return hashlib.scrypt(token.encode("ascii"), salt=salt, **_SCRYPT).hex()


def _append(register: Register, conn: Connection, events: list[dict[str, Any]]) -> None:
    """Append audit entries the way this register chains its log (keyed in a sealed trial)."""
    lock(conn, [store.APPEND_LOCK], namespace=_namespace(register.engine))
    chain_of = getattr(register, "_audit_chain", None)
    extra = {"chain": chain_of()} if callable(chain_of) else {}
    store.append_events(conn, events, at=store.now(), **extra)


def _event(kind: str, reason: str, details: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "participant": None, "reason": reason, "details": details}


def add_user(
    register: Register, name: str, role: Role, sites: Iterable[str], *, by: str
) -> tuple[User, str]:
    """Add a user; return it and its access token (shown once, only its hash is stored)."""
    name = _check_name(name)
    checked_sites = _check_sites(role, sites)
    token_id = secrets.token_hex(8)
    token = f"{TOKEN_PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"
    salt = secrets.token_bytes(16)
    digest = _hash_token(token, salt)
    at = store.now()

    def work(conn: Connection) -> None:
        taken = conn.execute(
            sa.select(SERVICE_USER.c.revoked_at).where(SERVICE_USER.c.name == name)
        ).first()
        if taken is not None:
            state = "was revoked; names are not reused" if taken[0] else "exists"
            raise RegistryError(
                f"user {name!r} {state}. Choose another name (users list shows them)."
            )
        conn.execute(
            SERVICE_USER.insert().values(
                name=name,
                role=role.value,
                sites=json.dumps(list(checked_sites)),
                token_id=token_id,
                token_salt=salt.hex(),
                token_hash=digest,
                created_at=at,
                revoked_at=None,
            )
        )
        details = {"user": name, "role": role.value, "sites": list(checked_sites), "by": by}
        _append(
            register, conn, [_event("user_added", f"{by} added {name} as {role.value}", details)]
        )

    run_transaction(register.engine, work)
    return User(name, role, checked_sites, at), token


def revoke_user(register: Register, name: str, *, by: str) -> User:
    """Revoke a user's token at once (the row stays, so the name is never reused)."""
    name = str(name).strip()
    at = store.now()

    def work(conn: Connection) -> User:
        row = conn.execute(sa.select(SERVICE_USER).where(SERVICE_USER.c.name == name)).first()
        if row is None:
            raise RegistryError(f"no user {name!r}. users list shows who there is.")
        user = _user(row._mapping)
        if not user.active:
            raise RegistryError(f"user {name!r} was already revoked ({user.revoked_at}).")
        conn.execute(SERVICE_USER.update().where(SERVICE_USER.c.name == name).values(revoked_at=at))
        details = {"user": name, "by": by}
        _append(register, conn, [_event("user_revoked", f"{by} revoked {name}", details)])
        return User(user.name, user.role, user.sites, user.created_at, at)

    return run_transaction(register.engine, work)


def list_users(engine: Engine) -> list[User]:
    """Every user ever added, in the order they were added (revoked ones included)."""
    with read_connection(engine) as conn, conn.begin():
        rows = conn.execute(sa.select(SERVICE_USER).order_by(SERVICE_USER.c.id)).all()
    return [_user(r._mapping) for r in rows]


def authenticate(engine: Engine, token: str) -> User | None:
    """The active user whose token this is, else None (a malformed, unknown or revoked token)."""
    match = _TOKEN_RE.match(token.strip()) if token else None
    if match is None:
        return None
    row = _row_by_token_id(engine, match.group(1))
    if row is None or row["revoked_at"] is not None:
        return None
    digest = _hash_token(token.strip(), bytes.fromhex(row["token_salt"]))
    if not hmac.compare_digest(digest, row["token_hash"]):
        return None
    return _user(row)


def current(engine: Engine, name: str) -> User | None:
    """The user named ``name`` as stored now (None if unknown); used to honour a revocation."""
    with read_connection(engine) as conn, conn.begin():
        row = conn.execute(sa.select(SERVICE_USER).where(SERVICE_USER.c.name == name)).first()
    return None if row is None else _user(row._mapping)


def _row_by_token_id(engine: Engine, token_id: str) -> Any:
    with read_connection(engine) as conn, conn.begin():
        row = conn.execute(
            sa.select(SERVICE_USER).where(SERVICE_USER.c.token_id == token_id)
        ).first()
    return None if row is None else row._mapping


def _user(row: Any) -> User:
    return User(
        name=row["name"],
        role=Role(row["role"]),
        sites=tuple(json.loads(row["sites"] or "[]")),
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


def _access_event(
    user: str, action: str, participant: str | None, details: Mapping[str, Any] | None
) -> dict[str, Any]:
    return {
        "kind": "service",
        "participant": participant,
        "reason": f"{user}: {action}",
        "details": {"user": user, "action": action, **dict(details or {})},
    }


def log_access(
    register: Register,
    user: str,
    action: str,
    *,
    participant: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Append one service request that changed or revealed something to the audit log.

    ``participant`` is a pseudonym (or None); a BSN never reaches this function.
    """
    event = _access_event(user, action, participant, details)
    run_transaction(register.engine, lambda conn: _append(register, conn, [event]))


def participant_record(engine: Engine, participant: str) -> dict[str, Any] | None:
    """What the service may show about one participant (by pseudonym): arm, site, withdrawn.

    None when the participant was never assigned. Sequence numbers, probabilities and blocks
    are deliberately not read: the service never shows them to anyone.
    """
    from participatie_rct.registry.models import ASSIGNMENT

    with read_connection(engine) as conn, conn.begin():
        row = conn.execute(
            sa.select(ASSIGNMENT.c.arm, ASSIGNMENT.c.site).where(
                ASSIGNMENT.c.participant == participant
            )
        ).first()
        if row is None:
            return None
        withdrawn = bool(withdrawn_among(conn, [participant]))
    return {"arm": row[0], "site": row[1], "withdrawn": withdrawn}


def unit_values(engine: Engine, columns: Iterable[str]) -> dict[str, list[str]]:
    """The values each stratum column already has in the register (for an intake form's choices).

    Used only when the protocol declares no levels; the values are categories, not people.
    """
    from participatie_rct.registry.models import ASSIGNMENT

    wanted = list(columns)
    found: dict[str, set[str]] = {c: set() for c in wanted}
    with read_connection(engine) as conn, conn.begin():
        for (unit,) in conn.execute(sa.select(ASSIGNMENT.c.unit).distinct()):
            values = json.loads(unit or "{}")
            for c in wanted:
                if values.get(c) not in (None, ""):
                    found[c].add(str(values[c]))
    return {c: sorted(v) for c, v in found.items()}


@dataclass(frozen=True)
class IntakeCounts:
    """What the monitor's page shows, read in one snapshot: counts only, never a person."""

    #: (site, arm) -> number assigned; the site is "" when the register has none
    by_site_arm: dict[tuple[str, str], int]
    n_declined: int
    n_withdrawn: int
    assignment_head: str | None
    audit_head: str | None

    @property
    def n_assigned(self) -> int:
        """Everyone assigned (the sum of the cells)."""
        return sum(self.by_site_arm.values())


def intake_counts(engine: Engine) -> IntakeCounts:
    """Assignments per site and arm, declines, withdrawals and the chains' heads.

    Aggregates only (a few ``COUNT`` queries and the anchor), in one read transaction, so the
    monitor's page costs the same with ten participants as with ten thousand. The counts are
    those of ``status``: a decline counts once and only while the person is not assigned.
    """
    from participatie_rct.registry.anchor import current_anchor
    from participatie_rct.registry.models import ASSIGNMENT, AUDIT_LOG

    def people(kind: str) -> Any:
        return sa.select(sa.func.count(sa.distinct(AUDIT_LOG.c.participant))).where(
            AUDIT_LOG.c.kind == kind
        )

    connection = read_connection(engine)
    if connection.dialect.name != "sqlite":
        connection = connection.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
    with connection as conn, conn.begin():
        cells = conn.execute(
            sa.select(ASSIGNMENT.c.site, ASSIGNMENT.c.arm, sa.func.count()).group_by(
                ASSIGNMENT.c.site, ASSIGNMENT.c.arm
            )
        ).all()
        declined = conn.execute(
            people("declined").where(
                AUDIT_LOG.c.participant.not_in(sa.select(ASSIGNMENT.c.participant))
            )
        ).scalar()
        withdrawn = conn.execute(people("withdrawal")).scalar()
        anchor = current_anchor(conn)
    by_site_arm: dict[tuple[str, str], int] = {}
    for site, arm, n in cells:
        cell = ("" if site is None else str(site), str(arm))
        by_site_arm[cell] = by_site_arm.get(cell, 0) + int(n)
    return IntakeCounts(
        by_site_arm=by_site_arm,
        n_declined=int(declined or 0),
        n_withdrawn=int(withdrawn or 0),
        assignment_head=anchor.assignment_hash,
        audit_head=anchor.audit_log_hash,
    )
