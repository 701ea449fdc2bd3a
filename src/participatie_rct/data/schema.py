"""The input tables' Frictionless Table Schemas, read from ``data_schema/`` and interpreted.

The JSON files in ``data_schema/`` are the one description of the participants,
benefit_months and survey tables: the validator reads them and holds no second copy of the
rules. Standard Table Schema properties carry what the standard can say (``type``,
``format``, ``constraints``, ``trueValues``/``falseValues``, ``primaryKey``,
``missingValues``); a few project facts live in custom ``x-`` properties:

- ``x-identifier`` (field) and ``x-identifierColumns`` (table): the identifier columns, of
  which a file holds exactly one (``bsn`` or ``id``); ``primaryKey``'s ``id`` stands for it.
- ``x-check: "elfproef"``: a BSN column, checked with the eleven test and never printed.
- ``x-formats``: the date (or year-month) spellings accepted, as ``strptime`` patterns.
- ``x-notInFuture``: a date, month or year that may not lie after the reference day.
- ``x-caseInsensitive``: an ``enum`` matched regardless of case and stored in lower case.
- ``x-aliases``: other header names of the column, as municipalities write them
  (``startdatum`` for ``enrolled_on``); the reader renames them (:mod:`.aliases`).
- ``x-valueAliases``: other spellings of an ``enum``'s values (``werk`` for ``work``), read
  as the value they stand for.

See https://specs.frictionlessdata.io/table-schema/ for the standard.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from participatie_rct.choices import TableName, parse_choice

#: Field types of the Table Schema standard that this project uses.
KNOWN_TYPES = ("string", "integer", "number", "boolean", "date", "yearmonth")


@dataclass(frozen=True)
class FieldSpec:
    """One field of a table schema, with its constraints unpacked."""

    name: str
    type: str
    description: str = ""
    required: bool = False
    unique: bool = False
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple[str, ...] = ()
    pattern: str | None = None
    formats: tuple[str, ...] = ()
    true_values: tuple[str, ...] = ()
    false_values: tuple[str, ...] = ()
    identifier: bool = False
    check: str | None = None
    not_in_future: bool = False
    case_insensitive: bool = False
    aliases: tuple[str, ...] = ()
    value_aliases: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TableSchema:
    """A table schema: its fields in order, identifier columns, key and missing-value spellings."""

    name: str
    fields: tuple[FieldSpec, ...]
    identifier_columns: tuple[str, ...]
    primary_key: tuple[str, ...]
    missing_values: tuple[str, ...]
    description: str = ""

    def field(self, name: str) -> FieldSpec:
        """The field called ``name`` (KeyError when the schema has none)."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of all fields in schema order."""
        return tuple(spec.name for spec in self.fields)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns that must be present and filled in every row (the identifier aside)."""
        return tuple(s.name for s in self.fields if s.required and not s.identifier)


def _field(raw: dict[str, Any]) -> FieldSpec:
    constraints = raw.get("constraints", {})
    kind = raw.get("type", "string")
    if kind not in KNOWN_TYPES:
        raise ValueError(f"field {raw.get('name')!r} has type {kind!r}; known: {KNOWN_TYPES}")
    return FieldSpec(
        name=raw["name"],
        type=kind,
        description=raw.get("description", ""),
        required=bool(constraints.get("required", False)),
        unique=bool(constraints.get("unique", False)),
        minimum=constraints.get("minimum"),
        maximum=constraints.get("maximum"),
        enum=tuple(str(v) for v in constraints.get("enum", ())),
        pattern=constraints.get("pattern"),
        formats=tuple(raw.get("x-formats", ())),
        true_values=tuple(raw.get("trueValues", ())),
        false_values=tuple(raw.get("falseValues", ())),
        identifier=bool(raw.get("x-identifier", False)),
        check=raw.get("x-check"),
        not_in_future=bool(raw.get("x-notInFuture", False)),
        case_insensitive=bool(raw.get("x-caseInsensitive", False)),
        aliases=tuple(str(a) for a in raw.get("x-aliases", ())),
        value_aliases=tuple((str(k), str(v)) for k, v in raw.get("x-valueAliases", {}).items()),
    )


@cache
def raw_schema(table: TableName) -> dict[str, Any]:
    """The JSON of ``data_schema/<table>.schema.json`` as a dict."""
    ref = resources.files("participatie_rct").joinpath("schemas", f"{table.value}.schema.json")
    schema: dict[str, Any] = json.loads(ref.read_text(encoding="utf-8"))
    return schema


@cache
def _table_schema(table: TableName) -> TableSchema:
    raw = raw_schema(table)
    return TableSchema(
        name=raw["name"],
        fields=tuple(_field(f) for f in raw["fields"]),
        identifier_columns=tuple(raw.get("x-identifierColumns", ())),
        primary_key=tuple(raw.get("primaryKey", ())),
        missing_values=tuple(raw.get("missingValues", [""])),
        description=raw.get("description", ""),
    )


def table_schema(table: TableName | str) -> TableSchema:
    """The interpreted schema of ``table`` (a :class:`TableName` or its value).

    >>> table_schema("survey").primary_key
    ('id', 'wave')
    """
    return _table_schema(parse_choice(TableName, table, parameter="table"))


def value_labels(
    table: TableName | str, column: str
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """A column's printed name per language and its levels' printed names (``x-labels`` and
    ``x-levelLabels`` of the schema), so that reports translate data, not templates.

    Empty mappings for a column the schema does not label.
    """
    name = table if isinstance(table, TableName) else TableName(table)
    for raw in raw_schema(name)["fields"]:
        if raw["name"] == column:
            return dict(raw.get("x-labels", {})), {
                str(k): dict(v) for k, v in raw.get("x-levelLabels", {}).items()
            }
    return {}, {}
