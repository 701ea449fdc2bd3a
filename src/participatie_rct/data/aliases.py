"""Column names as municipalities write them: header aliases resolved when a file is read.

A municipal export names its columns in Dutch (``startdatum``, ``vestiging``,
``uitkeringsmaand``, ``reden_uitstroom``) or with another case or spacing (``BSN``,
``Enrolled on``). Each field of a table schema lists its other names under ``x-aliases``;
:func:`match_names` renames every header cell that stands for a field to the field's own
name, so that the checks and everything after them see one spelling. A file that gives the
same field twice (``startdatum`` beside ``enrolled_on``, or ``Site`` beside ``site``) is
refused: which of the two columns holds the intake date is not for the reader to guess.

:func:`missing_column` words the refusal for a file that lacks a column a command relies on,
naming the names that would have been accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from participatie_rct.data.raw import shown_names
from participatie_rct.data.schema import TableSchema, table_schema
from participatie_rct.errors import InputFileError


def normal_name(name: str) -> str:
    """A header name compared without case and with spaces and hyphens as underscores.

    >>> normal_name(" Reden uitstroom ")
    'reden_uitstroom'
    """
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def field_names(schema: TableSchema) -> dict[str, str]:
    """Every accepted header name (normalized) -> the field it stands for."""
    names: dict[str, str] = {}
    for spec in schema.fields:
        for name in (spec.name, *spec.aliases):
            names[normal_name(name)] = spec.name
    return names


def accepted_names(schema: TableSchema | str, column: str) -> tuple[str, ...]:
    """The field's name and its aliases, as a message lists them.

    >>> accepted_names("participants", "enrolled_on")[:2]
    ('enrolled_on', 'startdatum')
    """
    spec = (table_schema(schema) if isinstance(schema, str) else schema).field(column)
    return (spec.name, *spec.aliases)


def match_names(cells: pd.DataFrame, schema: TableSchema, source: str) -> pd.DataFrame:
    """``cells`` with every header name that stands for a schema field renamed to the field.

    Columns that stand for no field keep their names. Raises :class:`InputFileError` when two
    columns stand for the same field.
    """
    known = field_names(schema)
    given: dict[str, str] = {}
    renames: dict[str, str] = {}
    for column in cells.columns:
        target = known.get(normal_name(str(column)))
        if target is None:
            continue
        if target in given:
            raise InputFileError(
                f"{source}: the columns {given[target]!r} and {column!r} both give {target} "
                f"(accepted names: {', '.join(accepted_names(schema, target))}). Keep one of "
                "them: the reader does not guess which one holds the data."
            )
        given[target] = str(column)
        if target != column:
            renames[column] = target
    return cells.rename(columns=renames)  # a new frame even without renames: callers pop it


def also_named(frame: pd.DataFrame, table: str, names: Iterable[str]) -> pd.DataFrame:
    """``frame`` with each of ``names`` that is an alias of a loaded field added as a copy.

    A protocol may stratify by a column under its Dutch name (``strata = ["opleiding"]``);
    the reader loads that column as the schema's field (``education``), so the protocol's
    name is given back beside it. ``frame`` itself is returned when nothing is missing.
    """
    known = field_names(table_schema(table))
    extra: dict[str, pd.Series] = {}
    for name in names:
        field = known.get(normal_name(name))
        if name not in frame.columns and field is not None and field in frame.columns:
            extra[name] = frame[field]
    if not extra:
        return frame
    out = frame.assign(**extra)
    out.attrs = dict(frame.attrs)  # the file and the rows' lines, for later messages
    return out


def missing_column(
    source: str, schema: TableSchema, column: str, found: list[str], *, what: str = "required"
) -> str:
    """One line: ``source`` lacks the ``what`` column; which names are accepted; what was found."""
    names = accepted_names(schema, column)
    also = f" (also accepted: {', '.join(names[1:])})" if len(names) > 1 else ""
    return (
        f"{source}: the {what} column {column!r}{also} is missing (columns found: "
        f"{shown_names(found)})."
    )
