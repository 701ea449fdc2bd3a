"""The register of a trial: who was enrolled, who got which arm, and everything since.

:class:`Register` is the only code that touches the database (DESIGN.md). It locks a trial to
one protocol, pseudonymises BSNs on the way in, assigns new participants with the protocol's
own assignment procedure, and appends every later event (withdrawal, crossover, deviation)
rather than changing what was recorded. Every record is chained by hashes, so
:meth:`Register.verify` can tell an auditor whether the record still is what was written.

Assigning is idempotent: a participant asked again (a returning client, a file loaded twice)
keeps the original arm and uses no new slot. A file is one transaction: a bad row refuses the
whole file, naming the rows, and the register is unchanged.

Concurrency: the state a draw depends on (the history of its stratum, or the whole history for
minimization and batch methods) is locked before it is read (``BEGIN IMMEDIATE`` in SQLite,
advisory locks in PostgreSQL), then the append lock is taken to extend the hash chains. Unique
constraints on participant, sequence and (stratum, position) are the last line of defence.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine

from participatie_rct.choices import AssignmentMethod, IdentifierKind
from participatie_rct.data.bsn import bsn_problem
from participatie_rct.data.pseudonym import key_fingerprint, pseudonym, require_key
from participatie_rct.errors import RegistryError
from participatie_rct.protocol import Protocol
from participatie_rct.registry import intake, levels, store
from participatie_rct.registry.chain import chain_assignments
from participatie_rct.registry.engine import (
    lock,
    make_engine,
    parse_url,
    read_connection,
    run_transaction,
)
from participatie_rct.registry.lookup import LookedUp, Preview, look_up, withdrawn_among
from participatie_rct.registry.migrations import SCHEMA_VERSION, current_version, migrate
from participatie_rct.registry.models import ASSIGNMENT, PROTOCOL
from participatie_rct.registry.reading import RegisterReads
from participatie_rct.registry.results import AssignedParticipant, AssignOutcome, VerifyReport

if TYPE_CHECKING:
    import pandas as pd

    from participatie_rct.assignment.base import AssignmentProcedure, Draw

#: Events a user may append about an assigned participant.
EVENT_KINDS = ("withdrawal", "crossover", "deviation")


class Register(RegisterReads):
    """A trial's register in SQLite or PostgreSQL (:meth:`create` it, then :meth:`open` it).

    >>> import tempfile, pathlib
    >>> from participatie_rct import Protocol
    >>> protocol = Protocol.from_text('''
    ... [trial]
    ... name = "Doctest"
    ... seed = 1
    ... [[arms]]
    ... key = "control"
    ... [[arms]]
    ... key = "earn_more"
    ... [assignment]
    ... method = "permuted_blocks"
    ... strata = ["site"]
    ... [identifiers]
    ... column = "id"
    ... kind = "pseudonym"
    ... ''')
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with Register.create(f"sqlite:///{folder}/trial.db", protocol, key=None) as reg:
    ...     first = reg.assign_one("p-001", {"site": "Ede"}, key=None)
    ...     again = reg.assign_one("p-001", {"site": "Ede"}, key=None)
    ...     (first.arm == again.arm, again.is_new, reg.verify().ok)
    (True, False, True)
    """

    def __init__(self, engine: Engine, url: URL, *, _private: bool = False) -> None:
        if not _private:
            raise RegistryError(
                "Use Register.create(url, protocol, key=...) or Register.open(url)."
            )
        self._engine = engine
        self._url = url
        self._namespace = self._schema_name()
        self._protocol: Protocol | None = None
        self._fingerprint: str | None = None
        self._procedure: AssignmentProcedure | None = None
        # earlier assignments as read, per stratum ("*": all); records never change, so later
        # reads only fetch rows with a higher sequence number (see _history_rows)
        self._history: dict[str, list[tuple[Any, ...]]] = {}
        self._history_seen: dict[str, int] = {}
        self._load_protocol()

    # ---------------------------------------------------------------- opening and closing
    @classmethod
    def create(cls, url: str, protocol: Protocol | str | Path, *, key: bytes | None) -> Register:
        """Initialise the register at ``url`` with ``protocol`` (a :class:`Protocol` or TOML path).

        A protocol whose identifiers are BSNs needs the key; the register keeps its fingerprint
        so a wrong key is refused later. Initialising again with the same protocol changes
        nothing. A different protocol replaces the stored one while nobody is assigned (an
        event records it); once anyone is assigned it is refused.
        """
        if not isinstance(protocol, Protocol):
            protocol = Protocol.from_toml(protocol)
        fingerprint = None
        if protocol.identifier_kind is IdentifierKind.BSN:
            fingerprint = key_fingerprint(
                require_key(key, purpose="A trial whose identifiers are BSNs")
            )
        locked = protocol

        def prepare(engine: Engine) -> None:
            namespace = store.namespace_of(engine)
            migrate(engine, namespace=namespace)
            run_transaction(
                engine,
                lambda conn: store.store_protocol(conn, locked, fingerprint, namespace),
            )

        parsed = parse_url(url)
        folder = (
            Path(parsed.database or "").parent if parsed.get_backend_name() == "sqlite" else None
        )
        if (
            folder is not None
            and parsed.database not in (None, "", ":memory:")
            and not folder.is_dir()
        ):
            raise RegistryError(
                f"{parsed.database}: the folder {folder} does not exist. Create it first, or "
                "give another --db path."
            )
        return cls._connect(parsed, prepare)

    @classmethod
    def open(cls, url: str) -> Register:
        """Open an existing register (its schema is migrated to this version when older)."""
        parsed = parse_url(url)
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:" and not Path(database).exists():
                raise RegistryError(
                    f"{database}: no register there. Create one with: participatie-rct init "
                    f"--protocol trial.toml --db {parsed.render_as_string(hide_password=True)}"
                )

        def prepare(engine: Engine) -> None:
            with read_connection(engine) as connection:
                version = current_version(connection)
            if version == 0:
                raise RegistryError(
                    f"{parsed.render_as_string(hide_password=True)}: no register there. "
                    "Create one with: participatie-rct init --protocol trial.toml --db URL"
                )
            if version != SCHEMA_VERSION:
                migrate(engine, namespace=store.namespace_of(engine))

        return cls._connect(parsed, prepare)

    @classmethod
    def _connect(cls, url: URL, prepare: Callable[[Engine], None]) -> Register:
        """An engine for ``url``, ``prepare``d, then the register; a failure disposes of it.

        A database that cannot be reached or is not a database at all (a text file named
        ``trial.db``) becomes one :class:`RegistryError` line, not a driver traceback.
        """
        engine = make_engine(url)
        try:
            prepare(engine)
            return cls(engine, url, _private=True)
        except (sa.exc.DatabaseError, sa.exc.InterfaceError) as exc:
            engine.dispose()
            raise _unreachable(url, exc) from None
        except BaseException:
            engine.dispose()
            raise

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Register({self.url!r}, trial={self.protocol.name!r})"

    # ---------------------------------------------------------------- properties
    @property
    def url(self) -> str:
        """The register's URL, password hidden."""
        return self._url.render_as_string(hide_password=True)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tests and tools; the register's methods are the interface)."""
        return self._engine

    @property
    def protocol(self) -> Protocol:
        """The protocol in force."""
        assert self._protocol is not None
        return self._protocol

    @property
    def procedure(self) -> AssignmentProcedure:
        """The protocol's assignment procedure."""
        if self._procedure is None:
            self._procedure = self.protocol.procedure()
        return self._procedure

    # ---------------------------------------------------------------- identifiers and keys
    def _checked_key(self, key: bytes | None, *, purpose: str) -> bytes:
        key = require_key(key, purpose=purpose)
        if self._fingerprint is not None and key_fingerprint(key) != self._fingerprint:
            raise RegistryError(
                "The key given is not the key this register was initialised with (its fingerprint "
                "differs). Use the trial's key file: pseudonyms made with another key would "
                "not match."
            )
        return key

    def participant_id(self, identifier: str, *, key: bytes | None) -> str:
        """The pseudonym the register uses for ``identifier`` (a BSN, or an id used as given)."""
        text = str(identifier).strip()
        if self.protocol.identifier_kind is IdentifierKind.BSN:
            checked = self._checked_key(key, purpose="A participant identified by BSN")
            problem = bsn_problem(text)
            if problem is not None:
                # the value itself is never echoed: it may be someone's BSN
                raise RegistryError(f"--id: the BSN given {problem}.")
            return pseudonym(checked, text)
        if not text:
            raise RegistryError("--id is empty; give the participant's id.")
        return text

    # ---------------------------------------------------------------- assigning
    def assign_file(
        self, path: str | Path, *, key: bytes | None, as_of: dt.date | None = None
    ) -> AssignOutcome:
        """Assign every new participant of a participants file, all or nothing.

        The file is read and validated by :func:`participatie_rct.data.load_table` (BSNs are
        checked and pseudonymised there). Rows with consent false are recorded as declined
        and not assigned; participants assigned before keep their arm.
        """
        frame = self._load_participants(path, key=key, as_of=as_of)
        return self.assign_frame(frame, source=Path(path).name)

    def _load_participants(
        self, path: str | Path, *, key: bytes | None, as_of: dt.date | None
    ) -> pd.DataFrame:
        from participatie_rct import data

        if self.protocol.identifier_kind is IdentifierKind.BSN:
            key = self._checked_key(key, purpose=f"Assigning {Path(path).name}")
        kwargs: dict[str, Any] = {
            "key": key,
            "id_kind": self.protocol.identifier_kind.value,
            "id_column": self.protocol.identifier_column,
        }
        if as_of is not None:
            kwargs["as_of"] = as_of
        return data.load_table(path, "participants", **kwargs)

    def preview_file(
        self, path: str | Path, *, key: bytes | None, as_of: dt.date | None = None
    ) -> Preview:
        """What :meth:`assign_file` would do with ``path``, writing nothing and drawing nothing.

        The file is read and checked exactly as for assigning, so a file that would be refused
        is refused here with the same message.
        """
        frame = self._load_participants(path, key=key, as_of=as_of)
        source = Path(path).name
        arrivals = intake.arrivals(frame, self.protocol, source=source)
        ids = [a.participant for a in arrivals]
        with self._read() as conn, conn.begin():
            existing = store.existing(conn, ids)
            gone = withdrawn_among(conn, list(existing))
            known = levels.known_values(conn, self._level_columns())
        fresh = [a for a in arrivals if a.participant not in existing]
        return Preview(
            source=source,
            n_new=sum(1 for a in fresh if a.consent),
            n_existing=len(existing),
            n_existing_withdrawn=len(gone),
            n_declined=sum(1 for a in fresh if not a.consent),
            new_levels=levels.new_values(self._level_texts(fresh), known),
        )

    def _level_columns(self) -> list[str]:
        return list(dict.fromkeys([*self.protocol.unit_columns, "site"]))

    def _level_texts(self, arrivals: list[intake.Arrival]) -> dict[str, list[str | None]]:
        texts: dict[str, list[str | None]] = {
            c: [a.unit.get(c) for a in arrivals if a.consent] for c in self.protocol.unit_columns
        }
        if "site" not in texts:
            texts["site"] = [a.site for a in arrivals if a.consent]
        return texts

    def assign_frame(self, frame: pd.DataFrame, *, source: str = "participants") -> AssignOutcome:
        """Assign the rows of a validated participants table (``participant`` holds pseudonyms).

        Rows are arrivals in order. Line numbers in messages are taken from
        ``frame.attrs["lines"]`` when the reader left them there, else counted from line 2.
        """
        arrivals = intake.arrivals(frame, self.protocol, source=source)
        with self._read() as conn, conn.begin():
            known = levels.known_values(conn, self._level_columns())
        outcome = self._assign(arrivals, via="file", source=source)
        fresh = levels.new_values(self._level_texts(arrivals), known)
        return replace(outcome, new_levels=fresh) if fresh else outcome

    def assign_one(
        self,
        identifier: str,
        values: Mapping[str, Any],
        *,
        key: bytes | None,
        enrolled_on: dt.date | str | None = None,
        site: str | None = None,
        new_level: bool = True,
    ) -> AssignedParticipant:
        """Assign one participant at intake (``values``: stratum or factor column -> value).

        A value outside the protocol's declared levels is always refused. Without declared
        levels, ``new_level=False`` (what the intake desk's CLI and the service pass) also
        refuses a value the register has never seen, so a typo cannot open a stratum; a script
        that knows its values may leave the default (see :mod:`participatie_rct.registry.levels`).
        """
        participant = self.participant_id(identifier, key=key)
        values = dict(values)
        if site is not None:
            if "site" in values and intake.unit_text(values["site"]) != intake.unit_text(site):
                raise RegistryError(
                    f"site is given twice with different values ({values['site']!r} and {site!r})."
                )
            values["site"] = site
        missing = [c for c in self.protocol.unit_columns if intake.unit_text(values.get(c)) is None]
        if missing:
            needed = " ".join(f"--set {c}=VALUE" for c in missing)
            raise RegistryError(
                f"The protocol assigns by {', '.join(self.protocol.unit_columns)}; this "
                f"participant has no "
                f"value for {', '.join(missing)}. Give {needed}."
            )
        on = (
            intake.date_text(enrolled_on, what="enrolled_on")
            if enrolled_on is not None
            else dt.date.today().isoformat()
        )
        if on is not None and on > dt.date.today().isoformat():
            raise RegistryError(
                f"enrolled_on is {on}, a date in the future. Give the date of intake."
            )
        unit = {c: intake.unit_text(values[c]) or "" for c in self.protocol.unit_columns}
        self._check_levels(
            participant, unit, intake.unit_text(values.get("site")), new_level=new_level
        )
        arrival = intake.Arrival(
            0, participant, True, intake.unit_text(values.get("site")), on, unit
        )
        outcome = self._assign([arrival], via="one", source="--id")
        row = outcome.frame.iloc[0]
        return AssignedParticipant(
            participant=participant,
            arm=str(row["arm"]),
            probability=float(row["probability"]),
            sequence=int(row["sequence"]),
            stratum=str(row["stratum"]),
            is_new=row["status"] == "new",
            changed=tuple(c for c in str(row["changed"]).split(",") if c),
        )

    def _check_levels(
        self, participant: str, unit: Mapping[str, str], site: str | None, *, new_level: bool
    ) -> None:
        """Refuse a typo'd stratum value at intake (declared levels, else values seen before).

        A participant assigned before is not checked: they keep their arm and stratum, and a
        differing value is reported as changed instead.
        """
        checked = dict(unit)
        if site is not None and "site" not in checked:
            checked["site"] = site
        undeclared = [c for c in checked if self.protocol.assignment.levels_of(c) is None]
        with self._read() as conn, conn.begin():
            if store.existing(conn, [participant]):
                return
            known = levels.known_values(conn, undeclared) if undeclared and not new_level else {}
        levels.check_one(self.protocol, checked, known, allow_new=new_level)

    def lookup(self, identifier: str, *, key: bytes | None) -> LookedUp | None:
        """The arm, intake date and withdrawal of one participant, or None when unknown.

        Reads only: nobody is assigned, nothing is written.
        """
        participant = self.participant_id(identifier, key=key)
        with self._read() as conn, conn.begin():
            return look_up(conn, participant)

    def _lock_names(self, strata: Iterable[str]) -> list[str]:
        """What to lock before reading history: each stratum (block methods), else the draw."""
        if self.protocol.assignment.method is AssignmentMethod.PERMUTED_BLOCKS:
            return [f"stratum:{s}" for s in strata]
        return ["draw"]

    def _assign(self, arrivals: list[intake.Arrival], *, via: str, source: str) -> AssignOutcome:
        import pandas as pd

        procedure = self.procedure
        columns = self.protocol.unit_columns
        strata = {a.participant: procedure.stratum_key(a.unit) for a in arrivals if a.consent}

        def work(conn: Connection) -> pd.DataFrame:
            lock(conn, self._lock_names(set(strata.values())), namespace=self._namespace)
            existing = store.existing(conn, [a.participant for a in arrivals])
            new = [a for a in arrivals if a.consent and a.participant not in existing]
            declining = [a for a in arrivals if not a.consent and a.participant not in existing]
            logged = store.declined(conn, [a.participant for a in declining])
            new_declines = [a for a in declining if a.participant not in logged]
            draws: list[Draw] = []
            if new:
                only = sorted({strata[a.participant] for a in new}) if self._per_stratum else None
                # block methods continue each stratum from its count: the stratum column suffices
                history = store.history_frame(
                    self._history_rows(conn, only), () if self._per_stratum else columns
                )
                sequencer = procedure.sequencer(rng=self._rng(), history=history)
                if via == "one":
                    draws = [sequencer.next(new[0].unit)]
                else:
                    units = pd.DataFrame([a.unit for a in new], columns=list(columns))
                    draws = list(sequencer.next_batch(units))
                if len(draws) != len(new):
                    raise RegistryError(
                        f"The assignment procedure returned {len(draws)} draws for "
                        f"{len(new)} arrivals."
                    )
            rows: dict[str, dict[str, Any]] = {}
            if new or new_declines:
                lock(conn, [store.APPEND_LOCK], namespace=self._namespace)
                self._check_protocol_in_force(conn)
                at = store.now()
                records = self._chain_assignments(conn, new, draws, via=via, at=at)
                store.insert_many(conn, ASSIGNMENT, records)
                rows = {r["participant"]: r for r in records}
                events: list[dict[str, Any]] = [
                    {
                        "kind": "declined",
                        "participant": a.participant,
                        "reason": f"consent is false in {source}",
                        "details": {"site": a.site, "enrolled_on": a.enrolled_on, "unit": a.unit},
                    }
                    for a in new_declines
                ]
                summary: dict[str, Any] = {
                    "via": via,
                    "source": source,
                    "n_new": len(records),
                    "n_existing": sum(1 for a in arrivals if a.participant in existing),
                    "n_declined": len(new_declines),
                }
                if records:
                    summary |= {
                        "first": records[0]["sequence"],
                        "last": records[-1]["sequence"],
                        "head": records[-1]["hash"],
                    }
                events.append(
                    {
                        "kind": "intake",
                        "participant": None,
                        "reason": f"{via}: {source}",
                        "details": summary,
                    }
                )
                store.append_events(conn, events, at=at)
            fields = ("arm", "probability", "sequence", "stratum")
            out = [
                (a.participant, "new", *(rows[a.participant][f] for f in fields), "")
                if a.participant in rows
                else (
                    a.participant,
                    "existing",
                    *(existing[a.participant][f] for f in fields),
                    _changed(existing[a.participant]["unit"], a.unit),
                )
                if a.participant in existing
                else (a.participant, "declined", None, None, None, None, "")
                for a in arrivals
            ]
            return pd.DataFrame(out, columns=["participant", "status", *fields, "changed"])

        frame = run_transaction(self._engine, work)
        counts = frame["status"].value_counts()
        return AssignOutcome(
            n_new=int(counts.get("new", 0)),
            n_existing=int(counts.get("existing", 0)),
            n_declined=int(counts.get("declined", 0)),
            frame=frame,
            arms=self.protocol.arm_keys,
            source=source,
        )

    @property
    def _per_stratum(self) -> bool:
        return self.protocol.assignment.method is AssignmentMethod.PERMUTED_BLOCKS

    def _rng(self) -> Any:
        import numpy as np

        return np.random.default_rng(self.protocol.seed)

    def _history_rows(self, conn: Connection, strata: list[str] | None) -> list[tuple[Any, ...]]:
        """Earlier assignments (of ``strata``, or all), in sequence order, read incrementally.

        Called with the strata's locks held. Every row of a stratum is written under its lock
        and gets a sequence number above all earlier ones, so rows above the highest sequence
        seen for a stratum are exactly the ones this process has not read yet.
        """
        keys = strata if strata is not None else ["*"]
        floor = min(self._history_seen.get(k, 0) for k in keys)
        query = (
            sa.select(
                ASSIGNMENT.c.unit,
                ASSIGNMENT.c.arm,
                ASSIGNMENT.c.stratum,
                ASSIGNMENT.c.position,
                ASSIGNMENT.c.batch,
                ASSIGNMENT.c.sequence,
            )
            .where(ASSIGNMENT.c.sequence > floor)
            .order_by(ASSIGNMENT.c.sequence)
        )
        fetched: list[Any] = []
        if strata is None:
            fetched = list(conn.execute(query))
        else:
            for chunk in store.chunks(strata):
                fetched.extend(conn.execute(query.where(ASSIGNMENT.c.stratum.in_(chunk))))
            fetched.sort(key=lambda r: r[5])
        for row in fetched:
            key = "*" if strata is None else row[2]
            if row[5] > self._history_seen.get(key, 0):
                self._history.setdefault(key, []).append(tuple(row))
                self._history_seen[key] = row[5]
        rows = [r for k in keys for r in self._history.get(k, [])]
        if len(keys) > 1:
            rows.sort(key=lambda r: r[5])
        return rows

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
        return chain_assignments(
            [(a.participant, a.site, a.enrolled_on, a.unit) for a in arrivals],
            draws,
            after=(int(head[0]), head[1]) if head else (0, self.protocol.sha256),
            fixed={
                "via": via,
                "method": self.protocol.assignment.method.value,
                "procedure_version": int(self.procedure.version),
                "assigned_at": at,
            },
        )

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

        Returns the event's number in the audit log.
        """
        if kind not in EVENT_KINDS:
            raise RegistryError(
                f"kind must be one of {', '.join(map(repr, EVENT_KINDS))}; got {kind!r}."
            )
        reason = (reason or "").strip()
        if not reason:
            raise RegistryError(
                f"A {kind} needs a reason (--reason TEXT): the audit log records why."
            )
        participant = self.participant_id(identifier, key=key)

        return run_transaction(
            self._engine,
            lambda conn: store.participant_event(
                conn, participant, kind, reason, dict(details or {}), namespace=self._namespace
            ),
        )

    # ---------------------------------------------------------------- checking
    def verify(self) -> VerifyReport:
        """Recompute both hash chains, check the protocol's hash and replay every assignment."""
        from participatie_rct.registry.verify import verify_register

        with self._read() as conn, conn.begin():
            return verify_register(conn, self.protocol, self._fingerprint)

    def backup(self, path: str | Path) -> Path:
        """A consistent copy of the register while others may be writing (SQLite backup API).

        PostgreSQL: ``pg_dump`` is run (it reads one snapshot); see :func:`.backup.backup`.
        """
        from participatie_rct.registry.backup import backup

        return backup(self._engine, self._url, Path(path), namespace=self._namespace)

    # ---------------------------------------------------------------- internals
    def _schema_name(self) -> str:
        return store.namespace_of(self._engine)

    def _load_protocol(self) -> None:
        with self._read() as conn, conn.begin():
            row = (
                conn.execute(sa.select(PROTOCOL).order_by(PROTOCOL.c.id.desc()).limit(1))
                .mappings()
                .first()
            )
        if row is None:
            raise RegistryError(
                f"{self.url}: the register holds no protocol. Run participatie-rct init "
                f"--protocol FILE."
            )
        self._protocol = Protocol.from_text(row["text"], source="the register's protocol")
        self._fingerprint = row["key_fingerprint"]
        self._procedure = None


def _changed(stored: str | None, unit: Mapping[str, str]) -> str:
    """Columns (comma-joined) whose value differs from the one recorded at first assignment."""
    before = json.loads(stored) if stored else {}
    return ",".join(c for c in unit if before.get(c) != unit[c])


def _unreachable(url: URL, exc: Exception) -> RegistryError:
    """The database cannot be reached or opened: say which, and what the driver said."""
    said = " ".join(str(getattr(exc, "orig", exc)).split())[:300]
    return RegistryError(
        f"{url.render_as_string(hide_password=True)}: cannot open the register ({said}). Check "
        "the URL, that the server runs and accepts you, that the folder of the file exists, "
        "or that the file is a register made by participatie-rct init."
    )
