"""The register of a trial: who was enrolled, who got which arm, and everything since.

:class:`Register` is the only code that touches the database (docs/architecture.md). It
locks a trial to one protocol, pseudonymises BSNs on the way in, assigns new participants
with the protocol's own assignment procedure, and appends every later event (withdrawal,
crossover, deviation) rather than changing what was recorded. Every record is chained by
keyed hashes, so :meth:`Register.verify` can tell an auditor whether the record still is
what was written.

A sealed trial (``concealment = "sealed"``) draws from its trial secret, given to
:meth:`Register.open` or :meth:`Register.create` (``secret=``) and never stored: the register
holds only a commitment to it (:mod:`participatie_rct.concealment`). Drawing, and appending to
a sealed trial's chains, is refused without the secret; reading is not. ``read_only=True``
opens the database so that nothing is written, not even SQLite's journal mode.

Assigning is idempotent: a participant asked again (a returning client, a file loaded twice)
keeps the original arm and uses no new slot. A file is one transaction: a bad row refuses the
whole file, naming the rows, and the register is unchanged.

Concurrency: the state a draw depends on (the kept counts of its stratum, or of the whole
trial for minimization and batch methods; see :mod:`.state`) is locked before it is read
(``BEGIN IMMEDIATE`` in SQLite, advisory locks in PostgreSQL), then the append lock is taken
to extend the hash chains and the kept counts. Unique constraints on participant, sequence and
(stratum, position) are the last line of defence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from participatie_rct.choices import IdentifierKind
from participatie_rct.data.bsn import bsn_problem
from participatie_rct.data.pseudonym import key_fingerprint, pseudonym, require_key
from participatie_rct.errors import KeyMissingError, RegistryError
from participatie_rct.protocol import Protocol
from participatie_rct.registry import intake, levels, sealing, store
from participatie_rct.registry.desk import RegisterDesk
from participatie_rct.registry.drawing import RegisterDraws
from participatie_rct.registry.engine import (
    make_engine,
    parse_url,
    read_connection,
    run_transaction,
    unreachable,
)
from participatie_rct.registry.migrations import SCHEMA_VERSION, current_version, migrate
from participatie_rct.registry.models import PROTOCOL
from participatie_rct.registry.results import AssignedParticipant, AssignOutcome, VerifyReport

if TYPE_CHECKING:
    import pandas as pd

    from participatie_rct.assignment.base import AssignmentProcedure
    from participatie_rct.registry.lookup import LookedUp


class Register(RegisterDraws, RegisterDesk):
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
    ...     # an open trial (it has a seed): anyone holding the protocol can predict its arms
    ...     first = reg.assign_one("p-001", {"site": "Ede"}, key=None)
    ...     again = reg.assign_one("p-001", {"site": "Ede"}, key=None)
    ...     (first.arm == again.arm, again.is_new, reg.verify().ok)
    (True, False, True)
    """

    def __init__(
        self,
        engine: Engine,
        url: URL,
        *,
        _private: bool = False,
        secret: bytes | None = None,
        read_only: bool = False,
    ) -> None:
        if not _private:
            raise RegistryError(
                "Use Register.create(url, protocol, key=...) or Register.open(url)."
            )
        self._engine = engine
        self._url = url
        self._namespace = self._schema_name()
        self._protocol: Protocol | None = None
        self._fingerprint: str | None = None
        self._rows: list[sealing.ProtocolRow] = []
        self._secret = secret
        self._unsealed: bytes | None = None
        self._read_only = read_only
        self._clock: Callable[[], str] = store.now
        self._procedure: AssignmentProcedure | None = None
        self._load_protocol()
        if secret is not None and self._rows[-1].sealed:
            sealing.check_secret(self._rows[-1], secret)

    # ---------------------------------------------------------------- opening and closing
    @classmethod
    def create(
        cls,
        url: str,
        protocol: Protocol | str | Path,
        *,
        key: bytes | None,
        secret: bytes | None = None,
        clock: Callable[[], str] | None = None,
    ) -> Register:
        """Initialise the register at ``url`` with ``protocol`` (a :class:`Protocol` or TOML path).

        A protocol whose identifiers are BSNs needs the key; the register keeps its fingerprint
        so a wrong key is refused later. Initialising again with the same protocol changes
        nothing. A different protocol replaces the stored one while nobody is assigned (an
        event records it); once anyone is assigned it is refused. A sealed protocol needs the
        trial ``secret``; the register keeps a commitment to it, never the secret. ``clock``
        (ISO 8601 UTC text, default the system clock) times the records: a synthetic trial
        such as the demo fixes it so that two runs give the same register.
        """
        when = clock or store.now
        if not isinstance(protocol, Protocol):
            protocol = Protocol.from_toml(protocol)
        if protocol.sealed and secret is None:
            raise KeyMissingError(
                f"{protocol.source}: a sealed trial draws from its secret, and init records "
                f"the commitment to it. {sealing.SECRET_HINT} Make one with: "
                "participatie-rct keygen --out trial.secret"
            )
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
                lambda conn: store.store_protocol(
                    conn, locked, fingerprint, namespace, secret=secret, at=when()
                ),
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
        register = cls._connect(parsed, prepare, secret=secret)
        register._clock = when
        return register

    @classmethod
    def open(cls, url: str, *, secret: bytes | None = None, read_only: bool = False) -> Register:
        """Open an existing register (its schema is migrated to this version when older).

        ``secret`` is the trial secret of a sealed trial (checked against the register's
        commitment; needed to draw). ``read_only`` opens the database without writing
        anything (no migration; SQLite ``mode=ro``, or ``immutable`` for a file that cannot
        be written; a read-only transaction on PostgreSQL).
        """
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
            if version != SCHEMA_VERSION and not read_only:
                migrate(engine, namespace=store.namespace_of(engine))

        return cls._connect(parsed, prepare, secret=secret, read_only=read_only)

    @classmethod
    def _connect(
        cls,
        url: URL,
        prepare: Callable[[Engine], None],
        *,
        secret: bytes | None = None,
        read_only: bool = False,
    ) -> Register:
        """An engine for ``url``, ``prepare``d, then the register; a failure disposes of it.

        A database that cannot be reached or is not a database at all (a text file named
        ``trial.db``) becomes one :class:`RegistryError` line, not a driver traceback.
        """
        engine = make_engine(url, read_only=read_only)
        try:
            prepare(engine)
            return cls(engine, url, _private=True, secret=secret, read_only=read_only)
        except (sa.exc.DatabaseError, sa.exc.InterfaceError) as exc:
            engine.dispose()
            raise unreachable(url, exc) from None
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
            from participatie_rct.assignment import procedure_from_protocol

            self._procedure = procedure_from_protocol(self.protocol)
        return self._procedure

    # ---------------------------------------------------------------- identifiers and keys
    def _checked_key(self, key: bytes | None, *, purpose: str) -> bytes:
        key = require_key(key, purpose=purpose)
        if self._fingerprint is None:
            raise RegistryError(
                "The register's key fingerprint is missing: it was removed after init, and "
                "without it a wrong key would go unnoticed. Restore the register from a "
                "backup and run participatie-rct verify."
            )
        if key_fingerprint(key) != self._fingerprint:
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
        if intake.looks_like_bsn(text):
            # the value itself is never echoed: it may be someone's BSN
            raise RegistryError(
                "--id is a 9-digit number that passes the elfproef: it looks like a BSN, which "
                'this register (kind = "pseudonym") would store as it is. Use kind = "bsn" in '
                "the protocol's [identifiers], so BSNs are pseudonymised with the key."
            )
        return text

    # ---------------------------------------------------------------- assigning
    def assign_file(
        self, path: str | Path, *, key: bytes | None, as_of: dt.date | None = None
    ) -> AssignOutcome:
        """Assign every new participant of a participants file, all or nothing.

        The file is read and validated by :func:`participatie_rct.data.load_table` (BSNs are
        checked and pseudonymised there). Every row needs its intake date (``enrolled_on``,
        ``startdatum``, ...): none is assumed. Rows with consent false are recorded as declined
        and not assigned; participants assigned before keep their arm.
        """
        frame = self._load_participants(path, key=key, as_of=as_of)
        return self.assign_frame(frame, source=Path(path).name)

    def _load_participants(
        self, path: str | Path, *, key: bytes | None, as_of: dt.date | None
    ) -> pd.DataFrame:
        if self.protocol.identifier_kind is IdentifierKind.BSN:
            key = self._checked_key(key, purpose=f"Assigning {Path(path).name}")
        return intake.load_participants(path, self.protocol, key=key, as_of=as_of)

    def assign_frame(
        self, frame: pd.DataFrame, *, source: str = "participants", actor: str | None = None
    ) -> AssignOutcome:
        """Assign the rows of a validated participants table (``participant`` holds pseudonyms).

        Rows are arrivals in order. Line numbers in messages are taken from
        ``frame.attrs["lines"]`` when the reader left them there, else counted from line 2.
        ``actor``, a service user's name, goes into the intake entry.
        """
        arrivals = intake.arrivals(frame, self.protocol, source=source)
        with self._read() as conn, conn.begin():
            known = levels.known_values(conn, self._level_columns())
        outcome = self._assign(arrivals, via="file", source=source, actor=actor)
        fresh = levels.new_values(self._level_texts(arrivals), known)
        return replace(outcome, new_levels=fresh) if fresh else outcome

    @property
    def sealed(self) -> bool:
        """True when the trial draws from a secret (``concealment = "sealed"``)."""
        return self.protocol.sealed

    @property
    def unsealed(self) -> bool:
        """True once ``unseal`` recorded the secret: every draw can now be replayed by anyone."""
        return self._unsealed is not None

    def unsealed_secret(self) -> str | None:
        """The secret ``unseal`` recorded, in key-file form (None while the trial is sealed)."""
        from participatie_rct.keyfiles import encode_key

        return None if self._unsealed is None else encode_key(self._unsealed)

    def assign_one(
        self,
        identifier: str,
        values: Mapping[str, Any],
        *,
        key: bytes | None,
        enrolled_on: dt.date | str | None = None,
        site: str | None = None,
        new_level: bool = True,
        actor: str | None = None,
    ) -> AssignedParticipant:
        """Assign one participant at intake (``values``: stratum or factor column -> value).

        A value outside the protocol's declared levels is always refused. Without declared
        levels, ``new_level=False`` (what the intake desk's CLI and the service pass) also
        refuses a value the register has never seen, so a typo cannot open a stratum; a script
        that knows its values may leave the default (see :mod:`participatie_rct.registry.levels`).
        ``enrolled_on`` is the intake date; left out, today's: one person enrolled now at the
        desk (a file must carry its dates, see :meth:`assign_file`). ``actor``, a service
        user's name, goes into the intake entry with the pseudonym, also when the participant
        was assigned before (the caller then learns their arm).
        """
        participant = self.participant_id(identifier, key=key)
        arrival = intake.desk_arrival(participant, values, self.protocol, site, enrolled_on)
        unit, site_text = arrival.unit, arrival.site
        found: list[LookedUp | None] = []

        def check(conn: sa.Connection) -> None:
            found[:] = [self._check_levels(conn, participant, unit, site_text, new_level=new_level)]

        outcome = self._assign([arrival], via="one", source="--id", before=check, actor=actor)
        earlier = found[0] if found else None
        row = outcome.rows[0]
        return AssignedParticipant(
            participant=participant,
            arm=str(row["arm"]),
            probability=float(row["probability"]),
            sequence=int(row["sequence"]),
            stratum=str(row["stratum"]),
            is_new=row["status"] == "new",
            changed=tuple(c for c in str(row["changed"]).split(",") if c),
            withdrawn=bool(earlier is not None and earlier.withdrawn),
        )

    def verify(self, *, anchor: str | None = None) -> VerifyReport:
        """Check the chains, the protocol, the triggers, the anchor; replay every assignment.

        Keyed chains and the replay of a sealed trial need the secret (given to :meth:`open`,
        or recorded by :meth:`unseal`); without it everything else is checked and the report
        says what was not. ``anchor`` is the line ``status`` and every report print
        (:mod:`.anchor`): the register must still hold that record with that hash.
        """
        from participatie_rct.registry.verify import verify_register

        with self._read() as conn, conn.begin():
            return verify_register(
                conn, self.protocol, secret=self._secret or self._unsealed, anchor=anchor
            )

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
                conn.execute(
                    sa.select(PROTOCOL.c.text, PROTOCOL.c.sha256, PROTOCOL.c.key_fingerprint)
                    .order_by(PROTOCOL.c.id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
            if row is not None:
                self._rows = sealing.protocol_rows(conn)
                self._unsealed = sealing.unsealed_secret(conn)
        if row is None:
            raise RegistryError(
                f"{self.url}: the register holds no protocol. Run participatie-rct init "
                f"--protocol FILE."
            )
        self._protocol = Protocol.from_text(
            row["text"], source="the register's protocol", checked_sha256=row["sha256"]
        )
        self._fingerprint = row["key_fingerprint"]
        self._procedure = None
