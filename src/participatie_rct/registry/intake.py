"""Checking the rows to assign against the protocol, before any database work.

A participants table (from :func:`participatie_rct.data.load_table`) or one participant at
intake becomes a list of :class:`Arrival`: pseudonym, consent, site, date of enrolment and
the canonical text of every stratum (or minimization factor) value, the same text the
assignment engine derives its stratum keys from. A table with a bad row is refused whole,
with the rows named; nothing reaches the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from participatie_rct.errors import RegistryError, line_list
from participatie_rct.registry.levels import check_declared

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from participatie_rct.protocol import Protocol


def unit_text(value: Any) -> str | None:
    """Canonical text of a stratum value (the assignment engine's rule, so keys agree)."""
    from participatie_rct.values import value_text

    return value_text(value)


def date_text(value: Any, *, what: str) -> str | None:
    """ISO text of a date given as a date, a timestamp or text (ISO or Dutch day-month-year)."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    raise RegistryError(f"{what} is {text!r}, not a date. Write it as 2018-02-13 or 13-02-2018.")


def column_texts(column: pd.Series) -> list[str | None]:
    """:func:`unit_text` of every value of a column, computing each distinct value once."""
    memo: dict[Any, str | None] = {}
    out: list[str | None] = []
    for value in column.tolist():
        try:
            text = memo[value]
        except KeyError:
            text = memo[value] = unit_text(value)
        except TypeError:  # an unhashable value
            text = unit_text(value)
        out.append(text)
    return out


def _rows(n: int) -> str:
    """``1 row is`` / ``3 rows are``: the subject of a refusal, counted."""
    return "1 row is" if n == 1 else f"{n} rows are"


@dataclass(frozen=True)
class Arrival:
    """One row to assign, already checked: pseudonym, consent, site, date and unit values."""

    row: int
    participant: str
    consent: bool
    site: str | None
    enrolled_on: str | None
    unit: dict[str, str]


def looks_like_bsn(value: str) -> bool:
    """True for a 9-digit number that passes the elfproef: it could be someone's BSN."""
    from participatie_rct.data.bsn import bsn_problem

    text = value.strip()
    return len(text) == 9 and text.isdigit() and bsn_problem(text) is None


Where = Callable[[Sequence[int]], str]


def refuse_identifier_values(
    column: str, texts: Sequence[str | None], *, source: str, where: Where
) -> None:
    """Refuse stratum values that look like a BSN: the register keeps stratum values as they
    are, so a BSN column mapped to a stratum by mistake would be stored in clear
    (``docs/threat-model.md``). The values themselves are never echoed."""
    bad = [i for i, t in enumerate(texts) if t is not None and looks_like_bsn(t)]
    if bad:
        raise RegistryError(
            f"{source}, column {column!r}: {_rows(len(bad))} a 9-digit number that passes "
            f"the elfproef ({where(bad)}): that looks like a BSN, and stratum values are "
            "stored as they are. Check that the column holds the stratum (a site, an age "
            "group), not an identifier; nothing was assigned."
        )


def desk_arrival(
    participant: str,
    values: Mapping[str, Any],
    protocol: Protocol,
    site: str | None,
    enrolled_on: dt.date | str | None,
) -> Arrival:
    """One participant at the desk (``assign --id``), checked as a file row would be.

    ``site`` may come apart from ``values`` (``--site``) but must then agree; every unit
    column needs a value; the intake date defaults to today and may not lie ahead; a value
    that looks like a BSN is refused without being echoed (``docs/threat-model.md``).
    """
    values = dict(values)
    if site is not None:
        if "site" in values and unit_text(values["site"]) != unit_text(site):
            raise RegistryError(
                f"site is given twice with different values ({values['site']!r} and {site!r})."
            )
        values["site"] = site
    missing = [c for c in protocol.unit_columns if unit_text(values.get(c)) is None]
    if missing:
        needed = " ".join(f"--set {c}=VALUE" for c in missing)
        raise RegistryError(
            f"The protocol assigns by {', '.join(protocol.unit_columns)}; this participant "
            f"has no value for {', '.join(missing)}. Give {needed}."
        )
    today = dt.date.today().isoformat()
    on = date_text(enrolled_on, what="enrolled_on") if enrolled_on is not None else today
    if on is not None and on > today:
        raise RegistryError(f"enrolled_on is {on}, a date in the future. Give the date of intake.")
    unit = {c: unit_text(values[c]) or "" for c in protocol.unit_columns}
    for column, text in unit.items():
        if looks_like_bsn(text):  # the value itself is never echoed
            raise RegistryError(
                f"--set {column}: the value is a 9-digit number that passes the elfproef; "
                "that looks like a BSN, and stratum values are stored as they are. Give "
                f"the participant's {column}, not an identifier; nothing was assigned."
            )
    return Arrival(0, participant, True, unit_text(values.get("site")), on, unit)


def arrivals(frame: pd.DataFrame, protocol: Protocol, *, source: str) -> list[Arrival]:
    """Check a participants table against the protocol; refuse it whole, naming the rows."""
    import pandas as pd

    from participatie_rct.data.aliases import also_named

    frame = also_named(frame, "participants", protocol.unit_columns)  # strata = ["opleiding"]
    where = _locator(frame)
    _check_columns(frame, protocol, source=source)
    ids = _identifiers(frame, protocol, source=source, where=where)
    consent = [True] * len(frame)
    if "consent" in frame.columns:
        consent = [True if pd.isna(v) else bool(v) for v in frame["consent"]]
    units = _units(frame, protocol, consent, source=source, where=where)
    sites = column_texts(frame["site"]) if "site" in frame.columns else [None] * len(frame)
    if "site" not in protocol.unit_columns:
        check_declared(protocol, "site", sites, source=source, where=where)
    dates = _dates(frame, source=source, where=where)
    return [
        Arrival(i, ids[i] or "", consent[i], sites[i], dates[i], units[i])
        for i in range(len(frame))
    ]


def _locator(frame: pd.DataFrame) -> Where:
    """A function naming rows (by position in ``frame``) as the file's lines or rows."""
    lines = list(frame.attrs.get("lines", range(2, len(frame) + 2)))
    unit = frame.attrs.get("line_unit", "line")

    def where(rows: Sequence[int]) -> str:
        text = line_list([lines[r] for r in rows])
        # xlsx and parquet files count rows, not lines (see data.readers.RawTable.where)
        return text if unit == "line" else "row" + text[len("line") :]

    return where


def _check_columns(frame: pd.DataFrame, protocol: Protocol, *, source: str) -> None:
    """Refuse a table without participants or without a column the protocol assigns by."""
    if "participant" not in frame.columns:
        raise RegistryError(
            f"{source}: no 'participant' column. Read the file with "
            f"participatie_rct.data.load_table."
        )
    if frame.empty:
        raise RegistryError(f"{source}: the file has no participants. Nothing was assigned.")
    missing = [c for c in protocol.unit_columns if c not in frame.columns]
    if missing:
        raise RegistryError(
            f"{source}: no column {missing[0]!r}, but the protocol assigns by "
            f"{', '.join(protocol.unit_columns)}. Add the column (one value per "
            f"participant) and try again."
        )


def _identifiers(
    frame: pd.DataFrame, protocol: Protocol, *, source: str, where: Where
) -> list[str | None]:
    """The pseudonyms, stripped; refused when one is empty, looks like a BSN or repeats."""
    import pandas as pd

    ids = [None if pd.isna(v) else str(v).strip() for v in frame["participant"]]
    column = protocol.identifier_column
    empty = [i for i, v in enumerate(ids) if not v]
    if empty:
        raise RegistryError(
            f"{source}, column {column!r}: {_rows(len(empty))} "
            f"without an identifier "
            f"({where(empty)}). Every participant needs one; fill it in or remove these rows."
        )
    if protocol.identifier_kind.value == "pseudonym":
        bsns = [i for i, v in enumerate(ids) if v and looks_like_bsn(v)]
        if bsns:
            raise RegistryError(
                f"{source}, column {column!r}: {_rows(len(bsns))} "
                f"{'holds' if len(bsns) == 1 else 'hold'} a 9-digit number that passes the "
                f"elfproef ({where(bsns)}): that looks like a BSN, which this register "
                '(kind = "pseudonym") would store as it is. Use kind = "bsn" in the '
                "protocol's [identifiers], so BSNs are pseudonymised with the key."
            )
    seen: set[str | None] = set()
    twice: list[int] = []
    for i, v in enumerate(ids):
        if v in seen:
            twice.append(i)
        else:
            seen.add(v)
    if twice:
        raise RegistryError(
            f"{source}, column {column!r}: {_rows(len(twice))} "
            f"a repeat of a participant "
            f"listed earlier ({where(twice)}). Each participant may appear once; remove "
            f"the repeats."
        )
    return ids


def _units(
    frame: pd.DataFrame, protocol: Protocol, consent: list[bool], *, source: str, where: Where
) -> list[dict[str, str]]:
    """Each row's canonical stratum values; refused when one who consents lacks a value."""
    units: list[dict[str, str]] = [{} for _ in range(len(frame))]
    for column in protocol.unit_columns:
        texts = column_texts(frame[column])
        blank = [i for i, t in enumerate(texts) if t is None and consent[i]]
        if blank:
            raise RegistryError(
                f"{source}, column {column!r}: {_rows(len(blank))} empty "
                f"({where(blank)}). Assignment is by "
                f"{', '.join(protocol.unit_columns)}, so every participant needs a "
                f"{column}. "
                "Fill it in or remove these rows; nothing was assigned."
            )
        refuse_identifier_values(column, texts, source=source, where=where)
        check_declared(protocol, column, texts, source=source, where=where)
        for i, t in enumerate(texts):
            units[i][column] = t or ""
    return units


def _dates(frame: pd.DataFrame, *, source: str, where: Where) -> list[str | None]:
    """The ISO date of enrolment of each row (``None`` without an ``enrolled_on`` column)."""
    import pandas as pd

    dates: list[str | None] = [None] * len(frame)
    if "enrolled_on" in frame.columns:
        enrolled = frame["enrolled_on"]
        if pd.api.types.is_datetime64_any_dtype(enrolled):
            dates = [None if pd.isna(v) else v for v in enrolled.dt.strftime("%Y-%m-%d")]
        else:
            for i, v in enumerate(enrolled):
                dates[i] = date_text(v, what=f"{source}, column 'enrolled_on', {where([i])}")
    return dates


def load_participants(
    path: str | Path, protocol: Protocol, *, key: bytes | None, as_of: dt.date | None
) -> pd.DataFrame:
    """Read and check a participants file for assignment: identifiers pseudonymised with
    ``key``, and every row's intake date present (none is assumed: ``docs/data-path.md``)."""
    from participatie_rct import data
    from participatie_rct.data.required import require_filled

    frame = data.load_table(
        path,
        "participants",
        key=key,
        id_kind=protocol.identifier_kind.value,
        id_column=protocol.identifier_column,
        **({} if as_of is None else {"as_of": as_of}),
    )
    require_filled(frame, "participants", "enrolled_on")
    return frame
