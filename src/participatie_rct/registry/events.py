"""Appending events to a register: withdrawals, crossovers, deviations, looks, and unsealing.

:class:`RegisterEvents` is mixed into :class:`~participatie_rct.registry.Register`. Every
event is appended to the audit log's keyed chain (:mod:`.chain`), so a sealed trial's events
need its secret, like its draws; nothing recorded is ever changed. An interim look held is a
``look`` event about no participant: later looks and the final report read the looks held from
the log, and a look once recorded is never replaced.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from participatie_rct.errors import RegistryError, mask_identifiers
from participatie_rct.registry import sealing, store
from participatie_rct.registry.chain import canonical_json
from participatie_rct.registry.engine import lock, run_transaction

if TYPE_CHECKING:
    from participatie_rct.protocol import Protocol

#: Events a user may append about an assigned participant.
EVENT_KINDS = ("withdrawal", "crossover", "deviation")

#: The event of an interim look held (about no participant; its details hold the look).
LOOK = "look"
#: Details every recorded look carries.
LOOK_KEYS = ("look", "as_of", "information", "boundary", "alpha_cumulative", "decision")


class RegisterEvents:
    """The event-appending methods of a register (mixed into :class:`Register`)."""

    _engine: Engine
    _namespace: str
    _secret: bytes | None
    _unsealed: bytes | None
    _rows: list[sealing.ProtocolRow]
    _read_only: bool
    _clock: Callable[[], str]

    if TYPE_CHECKING:

        @property
        def protocol(self) -> Protocol: ...

        def participant_id(self, identifier: str, *, key: bytes | None) -> str: ...

    def _writable(self, what: str) -> None:
        if self._read_only:
            raise RegistryError(f"{what} needs the register opened for writing, not read-only.")

    def _audit_chain(self) -> tuple[bytes | None, str]:
        return store.audit_chain(self._rows, self._secret)

    # ---------------------------------------------------------------- events
    def withdraw(self, identifier: str, reason: str, *, key: bytes | None) -> int:
        """Record that a participant withdrew (the assignment stays: ITT keeps their arm)."""
        return self.record_event(identifier, "withdrawal", reason, key=key)

    def record_event(
        self,
        identifier: str,
        kind: str,
        reason: str,
        *,
        key: bytes | None,
        details: Mapping[str, Any] | None = None,
    ) -> int:
        """Append a withdrawal, crossover or protocol deviation about an assigned participant.

        Returns the event's number in the audit log. The reason is free text typed at a desk,
        so a BSN written into it is masked before the log keeps it (``docs/threat-model.md``).
        """
        if kind not in EVENT_KINDS:
            raise RegistryError(
                f"kind must be one of {', '.join(map(repr, EVENT_KINDS))}; got {kind!r}."
            )
        reason = mask_identifiers((reason or "").strip())
        if not reason:
            raise RegistryError(
                f"A {kind} needs a reason (--reason TEXT): the audit log records why."
            )
        participant = self.participant_id(identifier, key=key)
        self._writable(f"Recording a {kind}")
        self._audit_chain()  # refuses here, before the transaction, without the secret

        return run_transaction(
            self._engine,
            lambda conn: store.participant_event(
                conn,
                participant,
                kind,
                reason,
                dict(details or {}),
                namespace=self._namespace,
                secret=self._secret,
                at=self._clock(),
            ),
        )

    def record_look(self, details: Mapping[str, Any]) -> int:
        """Append an interim look held (its number, date, information, boundary, decision).

        Looks are numbered 1, 2, ... in the order held, each later in date and information
        than the one before. Recording the same look again (same number, date and details)
        appends nothing and returns the number of the event that holds it; another look on a
        date already recorded is refused: a look held is never replaced. Returns the event's
        number in the audit log.
        """
        look = dict(details)
        missing = [k for k in LOOK_KEYS if k not in look]
        if missing:
            raise RegistryError(
                f"a look needs {', '.join(LOOK_KEYS)}; missing {', '.join(missing)}."
            )
        self._writable("Recording a look")
        chain = self._audit_chain()  # refuses here, before the transaction, without the secret

        def work(conn: Connection) -> int:
            lock(conn, [store.APPEND_LOCK], namespace=self._namespace)
            held = _looks_held(conn)
            for seq, earlier in held:
                if earlier.get("as_of") == look["as_of"]:
                    if earlier == json.loads(canonical_json(look)):
                        return seq
                    raise RegistryError(
                        f"look {earlier.get('look')} of {look['as_of']} is recorded already "
                        f"(audit log {seq}) with other figures; a look held is never replaced. "
                        "Record the next look at a later date."
                    )
            _check_next_look(look, [d for _, d in held])
            event = {
                "kind": LOOK,
                "participant": None,
                "reason": f"interim look {look['look']} held",
                "details": look,
            }
            return store.append_events(conn, [event], at=self._clock(), chain=chain)[-1]

        return run_transaction(self._engine, work)

    def unseal(self, secret: bytes) -> int:
        """End of trial: record the secret in the audit log, so anyone can replay every draw.

        The secret must match the register's commitment. Afterwards the trial takes no more
        assignments. Returns the event's number in the audit log.
        """
        from participatie_rct.keyfiles import encode_key

        self._writable("Unsealing")
        last = self._rows[-1]
        if not last.sealed:
            raise RegistryError(
                "This trial is open (its protocol has a seed): there is no secret to unseal."
            )
        sealing.check_secret(last, secret)
        if self._unsealed is not None:
            raise RegistryError("This trial was unsealed before; nothing to do.")
        event = {
            "kind": sealing.UNSEALED,
            "participant": None,
            "reason": "end of trial: the secret is made public, so anyone can replay every draw",
            "details": {"secret": encode_key(secret), "commitment": last.commitment},
        }
        chain = store.audit_chain(self._rows, secret)

        def work(conn: Connection) -> int:
            lock(conn, [store.APPEND_LOCK], namespace=self._namespace)
            if sealing.unsealed_secret(conn) is not None:
                raise RegistryError("This trial was unsealed before; nothing to do.")
            return store.append_events(conn, [event], at=self._clock(), chain=chain)[-1]

        number = run_transaction(self._engine, work)
        self._unsealed = secret
        return number


def _looks_held(conn: Connection) -> list[tuple[int, dict[str, Any]]]:
    """The looks the audit log holds, in order: (event number, details)."""
    from participatie_rct.registry.models import AUDIT_LOG

    rows = conn.execute(
        sa.select(AUDIT_LOG.c.seq, AUDIT_LOG.c.details)
        .where(AUDIT_LOG.c.kind == LOOK)
        .order_by(AUDIT_LOG.c.seq)
    ).all()
    return [(int(seq), json.loads(details)) for seq, details in rows]


def _check_next_look(look: Mapping[str, Any], held: list[dict[str, Any]]) -> None:
    """Refuse a look that does not follow the last one held in number, date and information."""
    number = look["look"]
    if isinstance(number, bool) or not isinstance(number, int) or number != len(held) + 1:
        raise RegistryError(
            f"look {number!r}: the register holds {len(held)} looks, so the next is look "
            f"{len(held) + 1}."
        )
    if held:
        last = held[-1]
        if not (str(look["as_of"]) > str(last["as_of"])):
            raise RegistryError(
                f"look {number} of {look['as_of']} is not later than look {last['look']} of "
                f"{last['as_of']}; looks are recorded in the order they are held."
            )
        if not (float(look["information"]) > float(last["information"])):
            raise RegistryError(
                f"look {number} has information {look['information']}, not above look "
                f"{last['look']}'s {last['information']}."
            )
