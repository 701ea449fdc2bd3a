"""The sequencer's kept state: the counts the next draw depends on, in ``sequencer_state``.

Reading the whole history for every draw makes one assignment cost more as the register
grows. Instead each assignment transaction writes the counts its draws changed (per stratum,
per factor level and arm, the next batch number or arrival; :class:`~participatie_rct.
assignment.tally.Tally`) and the sequence number of the last assignment they include
(``through``), and the next draw reads only the counts of its own strata or levels, by
primary key.

The state is derived data, not evidence: the assignments remain the record. A draw refuses
when ``through`` is not the newest assignment (the state is stale or was tampered with), and
:func:`~participatie_rct.registry.verify.verify_register` recomputes the state from a replay
of every assignment and reports any difference. A register from before the table existed gets
it rebuilt from its history when it is migrated (:func:`rebuild`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from participatie_rct.errors import RegistryError
from participatie_rct.registry import store
from participatie_rct.registry.chain import canonical_json
from participatie_rct.registry.engine import is_sqlite
from participatie_rct.registry.models import ASSIGNMENT, SEQUENCER_STATE

if TYPE_CHECKING:
    from participatie_rct.assignment.base import AssignmentProcedure
    from participatie_rct.assignment.tally import Tally, TallyKeys

#: One kept count by ``(kind, key)``.
Rows = dict[tuple[str, str], int]

_SCALARS = ("arrivals", "batches")
_CHUNK_KINDS = ("chunk", "chunk_start")
THROUGH = ("through", "")


def level_key(factor: str, level: str, arm: str) -> str:
    """The ``key`` of one factor level's count in one arm: canonical JSON, any text is safe."""
    return canonical_json([factor, level, arm])


def tally_rows(tally: Tally, arms: Sequence[str]) -> Rows:
    """The rows that hold ``tally`` (a count the method does not keep has no row)."""
    rows: Rows = {}
    if tally.arrivals is not None:
        rows["arrivals", ""] = int(tally.arrivals)
    if tally.batches is not None:
        rows["batches", ""] = int(tally.batches)
    for key, count in tally.strata.items():
        rows["stratum", key] = int(count)
    for key, (chunk, start) in tally.chunks.items():
        rows["chunk", key] = int(chunk)
        rows["chunk_start", key] = int(start)
    for (factor, level), counts in tally.levels.items():
        for arm, count in zip(arms, counts, strict=True):
            rows["level", level_key(factor, level, arm)] = int(count)
    return rows


def rows_tally(rows: Rows, arms: Sequence[str]) -> Tally:
    """The :class:`Tally` the rows hold; a level's missing arm counts zero."""
    import json

    from participatie_rct.assignment.tally import Tally

    index = {arm: i for i, arm in enumerate(arms)}
    strata: dict[str, int] = {}
    levels: dict[tuple[str, str], list[int]] = {}
    chunks: dict[str, tuple[int, int]] = {}
    for (kind, key), value in rows.items():
        if kind == "stratum":
            strata[key] = value
        elif kind in _CHUNK_KINDS and all((k, key) in rows for k in _CHUNK_KINDS):
            # a hint is used whole or not at all: half of one would resume at a wrong place
            chunks[key] = (rows["chunk", key], rows["chunk_start", key])
        elif kind == "level":
            factor, level, arm = json.loads(key)
            if arm in index:
                levels.setdefault((factor, level), [0] * len(arms))[index[arm]] = value
    return Tally(
        arrivals=rows.get(("arrivals", "")),
        batches=rows.get(("batches", "")),
        strata=strata,
        levels={k: tuple(v) for k, v in levels.items()},
        chunks=chunks,
    )


def read(conn: Connection, keys: TallyKeys, arms: Sequence[str]) -> Tally:
    """The kept counts a call needs: the scalars and those of ``keys`` (by primary key).

    Refuses when the state does not end at the newest assignment: drawing from stale counts
    would repeat a position or unbalance a stratum.
    """
    table = SEQUENCER_STATE
    rows = _scalars(conn)
    levels = sorted(level_key(f, lv, a) for f, lv in keys.levels for a in arms)
    wanted = [(("stratum", *_CHUNK_KINDS), sorted(keys.strata)), (("level",), levels)]
    query = sa.select(table.c.kind, table.c.key, table.c.value)
    for kinds, names in wanted:
        for chunk in store.chunks(names):
            for row in conn.execute(query.where(table.c.kind.in_(kinds), table.c.key.in_(chunk))):
                rows[row[0], row[1]] = int(row[2])
    return rows_tally(rows, arms)


def _scalars(conn: Connection) -> Rows:
    """The scalar counts, after checking that the state covers exactly the assignments held.

    One statement reads the state and the newest sequence number, so a concurrent commit
    cannot fall between them.
    """
    table = SEQUENCER_STATE
    kept_rows = sa.select(table.c.kind, table.c.key, table.c.value).where(
        table.c.kind.in_((*_SCALARS, THROUGH[0]))
    )
    # a scalar subquery of max() alone: both databases answer it from the sequence index
    newest = sa.select(sa.func.max(ASSIGNMENT.c.sequence)).scalar_subquery()
    head = sa.select(sa.literal("head"), sa.literal(""), newest)
    rows: Rows = {(r[0], r[1]): int(r[2] or 0) for r in conn.execute(sa.union_all(kept_rows, head))}
    through, last = rows.pop(THROUGH, 0), rows.pop(("head", ""), 0)
    if through != last:
        raise RegistryError(
            f"The register's sequencer state covers assignments up to {through}, but the "
            f"register holds {last}: the state was changed or restored apart from the "
            "assignments, so no arm can be drawn safely. Run participatie-rct verify, and "
            "restore the register from a backup."
        )
    return rows


def write(conn: Connection, rows: Rows, *, through: int) -> None:
    """Store ``rows`` (insert or replace each count) and the last assignment they include."""
    if is_sqlite(conn):
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]
    values = [{"kind": k, "key": key, "value": v} for (k, key), v in rows.items()]
    values.append({"kind": THROUGH[0], "key": THROUGH[1], "value": int(through)})
    statement = insert(SEQUENCER_STATE)
    statement = statement.on_conflict_do_update(
        index_elements=["kind", "key"], set_={"value": statement.excluded.value}
    )
    conn.execute(statement, values)


def kept(conn: Connection) -> Rows:
    """Every kept count, ``through`` included (for verification)."""
    table = SEQUENCER_STATE
    return {
        (r[0], r[1]): int(r[2])
        for r in conn.execute(sa.select(table.c.kind, table.c.key, table.c.value))
    }


def history_tally(procedure: AssignmentProcedure, rows: Iterable[Any]) -> Tally:
    """The counts a sequencer rebuilt from these assignments (in sequence order) holds.

    Needs no secret: the counts follow from the stored units, arms, strata and batches. It
    names no block chunk (where those fall follows from the random stream), so a rebuilt
    state resumes each stratum's sequence at its first chunk until its next draw.
    """
    import numpy as np

    history = [
        (r["unit"], r["arm"], r["stratum"], r["position"], r["batch"], r["sequence"]) for r in rows
    ]
    frame = store.history_frame(history, procedure.unit_columns) if history else None
    return procedure.sequencer(rng=np.random.default_rng(0), history=frame).tally()


def expected_rows(tally: Tally, arms: Sequence[str], last: int) -> Rows:
    """The rows the table must hold after ``last`` assignments whose replay ends in ``tally``."""
    rows = tally_rows(tally, arms)
    if last:
        rows[THROUGH] = last
    return rows


def differences(kept_rows: Rows, expected: Rows, *, chunks: bool = True) -> list[str]:
    """What differs between the kept and the expected counts (zero counts are no rows).

    A block chunk is a hint where a stratum's sequence resumes, kept as a pair (``chunk``,
    ``chunk_start``): a pair not kept is safe (the sequence then starts at its first chunk),
    a pair kept must be the replay's, and half a pair is a difference. ``chunks=False``
    leaves them out, for a check without the random stream that places them (no secret).
    """
    have = {k: v for k, v in kept_rows.items() if v and k[0] not in _CHUNK_KINDS}
    want = {k: v for k, v in expected.items() if v and k[0] not in _CHUNK_KINDS}
    if chunks:
        hinted = {key for kind, key in kept_rows if kind in _CHUNK_KINDS}
        pairs = [(kind, key) for key in hinted for kind in _CHUNK_KINDS]
        have |= {k: kept_rows[k] for k in pairs if k in kept_rows}
        want |= {k: expected.get(k, 0) for k in pairs}
    out = []
    for name in sorted(set(have) | set(want)):
        if have.get(name) != want.get(name):
            kind, key = name
            what = f"{kind} {key!r}" if key else kind
            held = have.get(name, "none" if name[0] in _CHUNK_KINDS else 0)
            out.append(f"{what}: kept {held}, the replay gives {want.get(name, 0)}")
    return out


def rebuild(conn: Connection, procedure: AssignmentProcedure) -> None:
    """Replace the kept state by the counts of every assignment the register holds."""
    assignments = (
        conn.execute(
            sa.select(
                ASSIGNMENT.c.unit,
                ASSIGNMENT.c.arm,
                ASSIGNMENT.c.stratum,
                ASSIGNMENT.c.position,
                ASSIGNMENT.c.batch,
                ASSIGNMENT.c.sequence,
            ).order_by(ASSIGNMENT.c.sequence)
        )
        .mappings()
        .all()
    )
    conn.execute(SEQUENCER_STATE.delete())
    last = int(assignments[-1]["sequence"]) if assignments else 0
    tally = history_tally(procedure, assignments)
    write(conn, tally_rows(tally, procedure.arms), through=last)
