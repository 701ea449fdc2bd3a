"""Reading a register: its assignments, audit log, participants, counts and the export CSV.

:class:`RegisterReads` holds the read-only side of :class:`~participatie_rct.registry.Register`
(which inherits it): every method reads one consistent snapshot (``REPEATABLE READ`` in
PostgreSQL, a read transaction in SQLite) and writes nothing to the database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from participatie_rct.errors import RegistryError
from participatie_rct.registry import store
from participatie_rct.registry.anchor import current_anchor
from participatie_rct.registry.engine import is_sqlite, read_connection
from participatie_rct.registry.migrations import current_version
from participatie_rct.registry.models import ASSIGNMENT, AUDIT_LOG

if TYPE_CHECKING:
    import pandas as pd

    from participatie_rct.protocol import Protocol


class RegisterReads:
    """The read-only methods of a register (mixed into :class:`Register`)."""

    _engine: Engine

    if TYPE_CHECKING:

        @property
        def protocol(self) -> Protocol: ...

        @property
        def backend(self) -> str: ...

    def _read(self) -> Connection:
        connection = read_connection(self._engine)
        if not is_sqlite(self._engine):
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        return connection

    def anchor(self) -> str:
        """The anchor line of the register now (see :mod:`.anchor`): keep it with each report."""
        with self._read() as conn, conn.begin():
            return str(current_anchor(conn))

    def assignments(self) -> pd.DataFrame:
        """One row per assigned participant, in sequence order.

        Columns: ``participant``, ``arm``, ``probability``, ``sequence``, ``assigned_at`` (UTC),
        ``withdrawn``, one column per stratum (or minimization factor) variable, then ``site``,
        ``enrolled_on``, ``stratum``, ``position``, ``batch``, ``method``, ``procedure_version``.
        """
        with self._read() as conn, conn.begin():
            rows = (
                conn.execute(sa.select(ASSIGNMENT).order_by(ASSIGNMENT.c.sequence)).mappings().all()
            )
            withdrawn = set(
                conn.execute(
                    sa.select(AUDIT_LOG.c.participant).where(AUDIT_LOG.c.kind == "withdrawal")
                ).scalars()
            )
        return store.assignment_frame(rows, withdrawn, self.protocol.unit_columns)

    def events(self) -> pd.DataFrame:
        """The audit log in order.

        Columns: ``seq``, ``at`` (UTC), ``kind``, ``participant``, ``reason``, ``details``.
        """
        import pandas as pd

        with self._read() as conn, conn.begin():
            rows = conn.execute(sa.select(AUDIT_LOG).order_by(AUDIT_LOG.c.seq)).mappings().all()
        frame = pd.DataFrame(
            {
                "seq": [int(r["seq"]) for r in rows],
                "at": pd.to_datetime([r["at"] for r in rows], utc=True, format="ISO8601"),
                "kind": [r["kind"] for r in rows],
                "participant": [r["participant"] for r in rows],
                "reason": [r["reason"] for r in rows],
                "details": [json.loads(r["details"]) for r in rows],
            }
        )
        return frame

    def participants(self) -> pd.DataFrame:
        """Everyone the register has seen, for the CONSORT flow: assigned and declined.

        Columns: ``participant``, ``consent``, ``assigned``, ``arm`` (None when declined),
        ``withdrawn``, ``site``, ``enrolled_on``, then the stratum variables.
        """
        import pandas as pd

        assigned = self.assignments()
        events = self.events()
        declined = events[
            (events["kind"] == "declined") & ~events["participant"].isin(assigned["participant"])
        ]
        columns = list(self.protocol.unit_columns)
        rows = [
            {
                "participant": p,
                "consent": True,
                "assigned": True,
                "arm": arm,
                "withdrawn": bool(w),
                "site": s,
                "enrolled_on": e,
                **{c: assigned.at[i, c] for c in columns},
            }
            for i, p, arm, w, s, e in zip(
                assigned.index,
                assigned["participant"],
                assigned["arm"],
                assigned["withdrawn"],
                assigned["site"],
                assigned["enrolled_on"],
                strict=True,
            )
        ]
        for p, d in zip(declined["participant"], declined["details"], strict=True):
            rows.append(
                {
                    "participant": p,
                    "consent": False,
                    "assigned": False,
                    "arm": None,
                    "withdrawn": False,
                    "site": d.get("site"),
                    "enrolled_on": pd.to_datetime(d.get("enrolled_on")),
                    **{c: d.get("unit", {}).get(c) for c in columns},
                }
            )
        order = ["participant", "consent", "assigned", "arm", "withdrawn", "site", "enrolled_on"]
        order += [c for c in columns if c not in order]
        return pd.DataFrame(rows, columns=order)

    def status(self) -> dict[str, Any]:
        """Counts for ``status --format json``: the docs/cli-contract.md keys, then more.

        Beyond the contract: ``n_declined``, ``n_crossovers``, ``n_deviations``, ``by_site``,
        ``method``, ``concealment``, ``seed`` (None for a sealed trial), ``unsealed``,
        ``anchor`` (see :mod:`.anchor`), ``last_assigned_at``, ``n_events``, ``head_hash`` (the
        newest assignment's hash), ``audit_head_hash``, ``schema_version`` and ``backend``.
        """
        with self._read() as conn, conn.begin():
            by_arm: dict[Any, int] = dict(
                conn.execute(
                    sa.select(ASSIGNMENT.c.arm, sa.func.count()).group_by(ASSIGNMENT.c.arm)
                ).all()
            )
            by_site: dict[Any, int] = dict(
                conn.execute(
                    sa.select(ASSIGNMENT.c.site, sa.func.count()).group_by(ASSIGNMENT.c.site)
                ).all()
            )
            kinds: dict[Any, int] = dict(
                conn.execute(
                    sa.select(
                        AUDIT_LOG.c.kind, sa.func.count(sa.distinct(AUDIT_LOG.c.participant))
                    ).group_by(AUDIT_LOG.c.kind)
                ).all()
            )
            declined_now = conn.execute(
                sa.select(sa.func.count(sa.distinct(AUDIT_LOG.c.participant))).where(
                    AUDIT_LOG.c.kind == "declined",
                    AUDIT_LOG.c.participant.not_in(sa.select(ASSIGNMENT.c.participant)),
                )
            ).scalar()
            last = conn.execute(sa.select(sa.func.max(ASSIGNMENT.c.assigned_at))).scalar()
            n_events = conn.execute(sa.select(sa.func.count()).select_from(AUDIT_LOG)).scalar()
            version = current_version(conn)
            anchor = current_anchor(conn)
            unsealed = conn.execute(
                sa.select(sa.func.count())
                .select_from(AUDIT_LOG)
                .where(AUDIT_LOG.c.kind == "unsealed")
            ).scalar()
        n_assigned = int(sum(by_arm.values()))
        return {
            "trial": self.protocol.name,
            "protocol_sha256": self.protocol.sha256,
            "n_assigned": n_assigned,
            "by_arm": {arm: int(by_arm.get(arm, 0)) for arm in self.protocol.arm_keys},
            "n_withdrawn": int(kinds.get("withdrawal", 0)),
            "n_declined": int(declined_now or 0),
            "n_crossovers": int(kinds.get("crossover", 0)),
            "n_deviations": int(kinds.get("deviation", 0)),
            "by_site": {
                str(k) if k is not None else "": int(v)
                for k, v in sorted(by_site.items(), key=lambda kv: str(kv[0]))
            },
            "method": self.protocol.assignment.method.value,
            "concealment": self.protocol.concealment.value,
            # an open trial's seed is in its protocol anyway; a sealed trial has none
            "seed": None if self.protocol.sealed else self.protocol.seed,
            "unsealed": bool(unsealed),
            "anchor": str(anchor),
            "last_assigned_at": last,
            "n_events": int(n_events or 0),
            # the chains' heads: a report that records them pins the register's state
            "head_hash": anchor.assignment_hash,
            "audit_head_hash": anchor.audit_log_hash,
            "schema_version": version,
            "backend": self.backend,
        }

    def export(self, path: str | Path) -> int:
        """Write the export of docs/cli-contract.md (a row per assigned participant).

        CSV, or an Excel workbook when ``path`` ends in ``.xlsx``; any other extension is
        refused before anything is read. Written through a private temporary file and renamed
        (mode 0600), never through a symlink; text cells that a spreadsheet would run as
        formulas are neutralized. Returns the number of rows.
        """
        from participatie_rct.cells import table_bytes
        from participatie_rct.safe_files import UnsafePathError, write_bytes

        target = Path(path)
        kind = target.suffix.lower().lstrip(".")
        if kind not in ("csv", "xlsx"):
            raise RegistryError(
                f"{target}: the export is written as CSV (.csv) or an Excel workbook (.xlsx); "
                f"{target.suffix or 'no extension'} is neither. Name the file accordingly."
            )
        frame = self.assignments()
        columns = ["participant", "arm", "probability", "sequence", "assigned_at", "withdrawn"]
        columns += [c for c in self.protocol.unit_columns if c not in columns]
        out = frame[columns].copy()
        out["assigned_at"] = [t.isoformat() for t in frame["assigned_at"]]
        out["withdrawn"] = ["true" if w else "false" for w in frame["withdrawn"]]
        out["probability"] = [repr(float(p)) for p in frame["probability"]]
        try:
            write_bytes(target, table_bytes(out, kind))
        except UnsafePathError as exc:
            raise RegistryError(
                f"{target}: cannot write the export ({exc.reason}). Check that the folder "
                "exists and that you may write there."
            ) from None
        return len(out)
