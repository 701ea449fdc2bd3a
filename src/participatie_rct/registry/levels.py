"""Stratum values checked at intake, so that a typo cannot open a new stratum for good.

A stratified or minimized trial keeps a stream (or a margin) per value of every stratum
column. ``site=Deventr`` typed at the desk would otherwise start a one-person stratum
"Deventr" that stays in the register for ever. Two guards:

* the protocol may declare the allowed values (``[assignment.levels]``); any other value is
  refused, in a file (all or nothing, with its lines) and at ``--id``, with the nearest
  declared value as a suggestion;
* without declared values, one participant at intake may not bring a value the register has
  never seen unless the caller says it is new (``--new-level``). A file may bring new values
  (the first file of every trial does); its summary lists them.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from participatie_rct.errors import RegistryError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from participatie_rct.protocol import Protocol


def nearest(value: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``value`` (case-insensitive), or None when none is close."""
    options = list(choices)
    folded = {c.casefold(): c for c in options}
    match = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[match[0]] if match else None


def _suggestion(value: str, choices: Sequence[str]) -> str:
    near = nearest(value, choices)
    return f" Did you mean {near!r}?" if near else ""


def check_declared(
    protocol: Protocol,
    column: str,
    texts: Sequence[str | None],
    *,
    source: str,
    where: Callable[[list[int]], str],
) -> None:
    """Refuse values of ``column`` outside the protocol's declared levels, naming the rows."""
    allowed = protocol.assignment.levels_of(column)
    if allowed is None:
        return
    permitted = set(allowed)
    bad = [i for i, t in enumerate(texts) if t is not None and t not in permitted]
    if not bad:
        return
    first = texts[bad[0]] or ""
    count = "1 row has" if len(bad) == 1 else f"{len(bad)} rows have"
    raise RegistryError(
        f"{source}, column {column!r}: {count} a value the protocol does not declare "
        f"({where(bad)}; first {first!r}).{_suggestion(first, allowed)} The protocol's "
        f"[assignment.levels] allows {', '.join(map(repr, allowed))}. Correct the value; "
        "nothing was assigned."
    )


def known_values(conn: Connection, columns: Sequence[str]) -> dict[str, set[str]]:
    """The values of each column already recorded in the register (assigned or declined)."""
    import sqlalchemy as sa

    from participatie_rct.registry.models import ASSIGNMENT, AUDIT_LOG

    seen: dict[str, set[str]] = {c: set() for c in columns}
    units = conn.execute(sa.select(ASSIGNMENT.c.unit, ASSIGNMENT.c.site).distinct()).all()
    for unit, site in units:
        values = json.loads(unit) if unit else {}
        for column in columns:
            value = site if column == "site" and column not in values else values.get(column)
            if value is not None:
                seen[column].add(str(value))
    declined = conn.execute(
        sa.select(AUDIT_LOG.c.details).where(AUDIT_LOG.c.kind == "declined")
    ).scalars()
    for details in declined:
        data = json.loads(details) if details else {}
        unit = data.get("unit") or {}
        for column in columns:
            value = data.get("site") if column == "site" else unit.get(column)
            if value is not None:
                seen[column].add(str(value))
    return seen


def stratum_seen(conn: Connection, stratum: str) -> bool:
    """Whether anyone was assigned in ``stratum`` (an indexed look-up of one row)."""
    import sqlalchemy as sa

    from participatie_rct.registry.models import ASSIGNMENT

    query = sa.select(ASSIGNMENT.c.id).where(ASSIGNMENT.c.stratum == stratum).limit(1)
    return conn.execute(query).first() is not None


def check_one(
    protocol: Protocol,
    values: Mapping[str, str],
    known: Mapping[str, set[str]],
    *,
    allow_new: bool,
) -> None:
    """Check one participant's values at intake: declared levels, else values seen before."""
    for column, value in values.items():
        allowed = protocol.assignment.levels_of(column)
        if allowed is not None:
            if value not in allowed:
                raise RegistryError(
                    f"{column}={value!r} is not one of the values the protocol declares "
                    f"({', '.join(map(repr, allowed))}).{_suggestion(value, allowed)} Nothing "
                    "was assigned."
                )
            continue
        seen = known.get(column, set())
        if seen and value not in seen and not allow_new:
            raise RegistryError(
                f"{column}={value!r} has not been seen in this register before, so it would "
                f"open a new stratum for good.{_suggestion(value, sorted(seen))} If it is "
                "really new, say so with new_level=True (--new-level); better still, declare "
                "the values in the protocol's [assignment.levels]. Nothing was assigned."
            )


def new_values(
    texts: Mapping[str, Sequence[str | None]], known: Mapping[str, set[str]]
) -> dict[str, list[str]]:
    """Per column, the values in ``texts`` that the register has not seen (sorted)."""
    out: dict[str, list[str]] = {}
    for column, values in texts.items():
        fresh = sorted({v for v in values if v is not None} - known.get(column, set()))
        if fresh:
            out[column] = fresh
    return out
