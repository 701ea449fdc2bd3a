"""Drawing arms: the assignment transaction of a register, its kept state and its chain.

:class:`RegisterDraws` is mixed into :class:`~participatie_rct.registry.Register`. A draw
locks the state it depends on, reads the kept counts of its strata or factor levels
(:mod:`.state`), asks the protocol's sequencer, resumed from those counts, for the arms
(seeded from the trial secret, or from an open trial's seed), and appends the new
assignments to the keyed chain, the counts after them to the kept state and an intake entry
to the audit log, all in one transaction.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from participatie_rct.choices import AssignmentMethod
from participatie_rct.errors import KeyMissingError, RegistryError
from participatie_rct.registry import intake, sealing, state, store
from participatie_rct.registry.chain import chain_assignments
from participatie_rct.registry.engine import lock, run_transaction
from participatie_rct.registry.events import RegisterEvents
from participatie_rct.registry.models import ASSIGNMENT, PROTOCOL
from participatie_rct.registry.results import AssignOutcome

if TYPE_CHECKING:
    from participatie_rct.assignment.base import AssignmentProcedure, Draw
    from participatie_rct.assignment.tally import Tally


class RegisterDraws(RegisterEvents):
    """The drawing methods of a register (mixed into :class:`Register`)."""

    if TYPE_CHECKING:

        @property
        def procedure(self) -> AssignmentProcedure: ...

    def _lock_names(self, strata: Iterable[str]) -> list[str]:
        """What to lock before reading the kept counts: each stratum (block methods), else the
        draw."""
        if self.protocol.assignment.method is AssignmentMethod.PERMUTED_BLOCKS:
            return [f"stratum:{s}" for s in strata]
        return ["draw"]

    def _assign(
        self,
        arrivals: list[intake.Arrival],
        *,
        via: str,
        source: str,
        before: Callable[[Connection], None] | None = None,
        actor: str | None = None,
    ) -> AssignOutcome:
        """Assign ``arrivals`` in one transaction and say, per row, what became of it.

        ``via`` is ``"one"`` (a single intake) or ``"file"`` (a batch); ``source`` names where
        the rows came from in the audit log; ``before(conn)`` runs first inside the
        transaction (the intake desk's checks), so one participant costs one read of the
        register; ``actor`` is who asked (a service user). Everything that describes the call
        travels in one :class:`DrawCall`, so a further detail of the call reaches every step
        unchanged.
        """
        self._writable("Assigning")
        self._rng()  # refuses here, before the transaction, without the secret
        procedure = self.procedure
        call = DrawCall(
            via=via,
            source=source,
            strata={a.participant: procedure.stratum_key(a.unit) for a in arrivals if a.consent},
            before=before,
            actor=actor,
        )
        rows = run_transaction(self._engine, lambda conn: self._assign_in(conn, arrivals, call))
        counts = Counter(row["status"] for row in rows)
        return AssignOutcome(
            n_new=counts["new"],
            n_existing=counts["existing"],
            n_declined=counts["declined"],
            rows=rows,
            arms=self.protocol.arm_keys,
            source=source,
        )

    def _assign_in(
        self, conn: Connection, arrivals: list[intake.Arrival], call: DrawCall
    ) -> tuple[dict[str, Any], ...]:
        """The transaction of :meth:`_assign`: lock, sort the arrivals, draw, record, report.

        Run again from the start when the database asks for a retry, so it only reads and
        writes through ``conn`` and keeps nothing between attempts.
        """
        lock(conn, self._lock_names(set(call.strata.values())), namespace=self._namespace)
        if call.before is not None:
            call.before(conn)
        existing = store.existing(conn, [a.participant for a in arrivals])
        new = [a for a in arrivals if a.consent and a.participant not in existing]
        declining = [a for a in arrivals if not a.consent and a.participant not in existing]
        logged = store.declined(conn, [a.participant for a in declining])
        new_declines = [a for a in declining if a.participant not in logged]
        draws, tally = self._draw(conn, new, call) if new else ([], None)
        rows: dict[str, dict[str, Any]] = {}
        # a call that names its actor is logged even when it draws nothing: it showed an arm
        if new or new_declines or call.actor is not None:
            n_existing = sum(1 for a in arrivals if a.participant in existing)
            rows = self._record(
                conn, (new, draws, tally), new_declines, call, n_existing=n_existing
            )
        return _outcome_rows(arrivals, rows, existing)

    def _draw(
        self, conn: Connection, new: list[intake.Arrival], call: DrawCall
    ) -> tuple[list[Draw], Tally]:
        """The arms of the ``new`` arrivals and the counts after them.

        The sequencer resumes from the kept counts of the strata (or factor levels) of these
        arrivals alone, so a draw costs the same in a register of any size.
        """
        procedure = self.procedure
        units = [a.unit for a in new]
        kept = state.read(conn, procedure.tally_keys(units), procedure.arms)
        # a fresh Generator per attempt: a retried transaction draws the same arms
        sequencer = procedure.resume(rng=self._rng(), tally=kept)
        if call.via == "one":
            draws = [sequencer.next(units[0])]
        else:
            import pandas as pd

            frame = pd.DataFrame(units, columns=list(self.protocol.unit_columns))
            draws = list(sequencer.next_batch(frame))
        if len(draws) != len(new):
            raise RegistryError(
                f"The assignment procedure returned {len(draws)} draws for {len(new)} arrivals."
            )
        return draws, sequencer.tally()

    def _record(
        self,
        conn: Connection,
        drawn: tuple[list[intake.Arrival], list[Draw], Tally | None],
        new_declines: list[intake.Arrival],
        call: DrawCall,
        *,
        n_existing: int,
    ) -> dict[str, dict[str, Any]]:
        """Append the new assignments, the kept counts after them and the intake's audit
        entries; the records by pseudonym.

        ``drawn`` is the new arrivals, their draws and the sequencer's counts after them.
        Takes the append lock and checks that the protocol read at open is still in force, so
        no two calls interleave their records and none assigns under a replaced protocol.
        """
        new, draws, tally = drawn
        lock(conn, [store.APPEND_LOCK], namespace=self._namespace)
        self._check_protocol_in_force(conn)
        at = self._clock()
        records = self._chain_assignments(conn, new, draws, via=call.via, at=at)
        store.insert_many(conn, ASSIGNMENT, records)
        if records and tally is not None:
            rows = state.tally_rows(tally, self.procedure.arms)
            state.write(conn, rows, through=int(records[-1]["sequence"]))
        events = _intake_events(records, new_declines, call, n_existing=n_existing)
        store.append_events(conn, events, at=at, chain=self._audit_chain())
        return {r["participant"]: r for r in records}

    def _rng(self) -> Any:
        """A fresh Generator for one call's draws: from the secret (sealed) or the seed (open)."""
        import numpy as np

        from participatie_rct.concealment import sealed_rng

        if not self.protocol.sealed:
            return np.random.default_rng(self.protocol.seed)
        if self._unsealed is not None:
            raise RegistryError(
                "This trial was unsealed (its secret is recorded in the register, so anyone "
                "could predict the next arm): it takes no more assignments."
            )
        if self._secret is None:
            raise KeyMissingError(
                f"Drawing an arm for a sealed trial needs its secret. {sealing.SECRET_HINT}"
            )
        return sealed_rng(self._secret, self.protocol.sha256)

    def _check_protocol_in_force(self, conn: Connection) -> None:
        sha = conn.execute(
            sa.select(PROTOCOL.c.sha256).order_by(PROTOCOL.c.id.desc()).limit(1)
        ).scalar()
        if sha != self.protocol.sha256:
            raise RegistryError(
                "The register's protocol was replaced since it was opened. Open the register again."
            )

    def _chain_assignments(
        self,
        conn: Connection,
        arrivals: list[intake.Arrival],
        draws: list[Draw],
        *,
        via: str,
        at: str,
    ) -> list[dict[str, Any]]:
        head = conn.execute(
            sa.select(ASSIGNMENT.c.sequence, ASSIGNMENT.c.hash)
            .order_by(ASSIGNMENT.c.sequence.desc())
            .limit(1)
        ).first()
        last = self._rows[-1]
        return chain_assignments(
            [(a.participant, a.site, a.enrolled_on, a.unit) for a in arrivals],
            draws,
            key=sealing.row_key(last, self._secret, purpose="Assigning"),
            after=(int(head[0]), head[1]) if head else (0, sealing.starts(self._rows)[0]),
            fixed={
                "via": via,
                "method": self.protocol.assignment.method.value,
                "procedure_version": int(self.procedure.version),
                "assigned_at": at,
            },
        )


def _changed(stored: str | None, unit: Mapping[str, str]) -> str:
    """Columns (comma-joined) whose value differs from the one recorded at first assignment."""
    before = json.loads(stored) if stored else {}
    return ",".join(c for c in unit if before.get(c) != unit[c])


@dataclass(frozen=True)
class DrawCall:
    """What one assign call is: how it came (``one`` or ``file``), from where, the stratum
    key of every consenting arrival (computed once, outside the transaction), and who asked
    (``actor``: a service user's name, recorded in the intake entry; None from the CLI)."""

    via: str
    source: str
    strata: dict[str, str]
    #: checks run first inside the transaction (the intake desk's), or None
    before: Callable[[Connection], None] | None = None
    #: who asked (a service user), recorded in the intake entry, or None
    actor: str | None = None


def _intake_events(
    records: list[dict[str, Any]],
    new_declines: list[intake.Arrival],
    call: DrawCall,
    *,
    n_existing: int,
) -> list[dict[str, Any]]:
    """The audit entries of one call: a ``declined`` entry per new refusal, then the intake.

    The intake entry names the first and last sequence and the chain head after them, the
    checkpoint :func:`~participatie_rct.registry.verify.verify_register` compares against.
    A call with an actor also names the user (and, for one participant, their pseudonym), in
    the same chained entry, so the assignment and who made it commit together.
    """
    events: list[dict[str, Any]] = [
        {
            "kind": "declined",
            "participant": a.participant,
            "reason": f"consent is false in {call.source}",
            "details": {"site": a.site, "enrolled_on": a.enrolled_on, "unit": a.unit},
        }
        for a in new_declines
    ]
    summary: dict[str, Any] = {
        "via": call.via,
        "source": call.source,
        "n_new": len(records),
        "n_existing": n_existing,
        "n_declined": len(new_declines),
    }
    if records:
        summary |= {
            "first": records[0]["sequence"],
            "last": records[-1]["sequence"],
            "head": records[-1]["hash"],
        }
    participant = None
    if call.actor is not None:
        summary["user"] = call.actor
        if call.via == "one" and len(call.strata) == 1:
            participant = next(iter(call.strata))
    events.append(
        {
            "kind": "intake",
            "participant": participant,
            "reason": f"{call.via}: {call.source}",
            "details": summary,
        }
    )
    return events


def _outcome_rows(
    arrivals: list[intake.Arrival],
    rows: Mapping[str, Mapping[str, Any]],
    existing: Mapping[str, Mapping[str, Any]],
) -> tuple[dict[str, Any], ...]:
    """One record per arrival, in input order: new, existing (with changed columns) or
    declined; the keys are :data:`~.results.OUTCOME_COLUMNS`."""
    fields = ("arm", "probability", "sequence", "stratum")
    out = []
    for a in arrivals:
        record: dict[str, Any] = {"participant": a.participant}
        if a.participant in rows:
            found = rows[a.participant]
            record.update(status="new", changed="")
        elif a.participant in existing:
            found = existing[a.participant]
            record.update(status="existing", changed=_changed(found["unit"], a.unit))
        else:
            found = dict.fromkeys(fields)
            record.update(status="declined", changed="")
        record.update({f: found[f] for f in fields})
        out.append(record)
    return tuple(out)
