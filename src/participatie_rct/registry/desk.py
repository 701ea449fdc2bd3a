"""The intake desk's methods of a register: previews, look-ups and the stratum-value guard.

Mixed into :class:`~participatie_rct.registry.register.Register`. None of them draws an arm:
a dry run counts what a file would do, a look-up reads one participant, and the guard refuses a
stratum value that would open a stratum by mistake (see :mod:`participatie_rct.registry.levels`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from participatie_rct.registry import intake, levels, store
from participatie_rct.registry.lookup import LookedUp, Preview, look_up, withdrawn_among
from participatie_rct.registry.reading import RegisterReads

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Connection

    from participatie_rct.assignment.base import AssignmentProcedure


class RegisterDesk(RegisterReads):
    """Previews, look-ups and the guard on stratum values (mixed into ``Register``)."""

    if TYPE_CHECKING:

        def participant_id(self, identifier: str, *, key: bytes | None) -> str: ...

        @property
        def procedure(self) -> AssignmentProcedure: ...

        def _load_participants(
            self, path: str | Path, *, key: bytes | None, as_of: dt.date | None
        ) -> pd.DataFrame: ...

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

    def _check_levels(
        self,
        conn: Connection,
        participant: str,
        unit: Mapping[str, str],
        site: str | None,
        *,
        new_level: bool,
    ) -> LookedUp | None:
        """Refuse a typo'd stratum value at intake (declared levels, else values seen before).

        A participant assigned before is not checked: they keep their arm and stratum, and a
        differing value is reported as changed instead. Their earlier assignment (with
        whether they withdrew) is returned from the same read. ``conn`` is the assignment's
        own transaction, so the intake desk reads the register once.
        """
        checked = dict(unit)
        if site is not None and "site" not in checked:
            checked["site"] = site
        undeclared = [c for c in checked if self.protocol.assignment.levels_of(c) is None]
        earlier = look_up(conn, participant)
        if earlier is not None:
            return earlier
        if undeclared and not new_level and self._stratum_seen(conn, unit, undeclared):
            undeclared = []  # someone in this very stratum was assigned: every value is known
        known = levels.known_values(conn, undeclared) if undeclared and not new_level else {}
        levels.check_one(self.protocol, checked, known, allow_new=new_level)
        return None

    def _stratum_seen(self, conn: Connection, unit: Mapping[str, str], columns: list[str]) -> bool:
        """Whether ``unit``'s stratum already has an assignment, when that settles ``columns``.

        One indexed look-up instead of reading every recorded value, so the desk's check
        costs the same at any register size; only a participant who opens a stratum (or
        brings a site that is no stratum column) has the recorded values read.
        """
        if not set(columns) <= set(self.protocol.unit_columns):
            return False
        return levels.stratum_seen(conn, self.procedure.stratum_key(unit))

    def lookup(self, identifier: str, *, key: bytes | None) -> LookedUp | None:
        """The arm, intake date and withdrawal of one participant, or None when unknown.

        Reads only: nobody is assigned, nothing is written.
        """
        participant = self.participant_id(identifier, key=key)
        with self._read() as conn, conn.begin():
            return look_up(conn, participant)
