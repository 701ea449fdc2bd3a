"""The Table Schemas in data_schema/: well-formed, complete, and the ones the validator reads."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from participatie_rct.choices import TableName
from participatie_rct.data import read_raw, table_schema
from participatie_rct.data.schema import raw_schema
from participatie_rct.data.validate import check_table
from participatie_rct.errors import InputFileError

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "data_schema"
FIELD_KEYS = {
    "name",
    "title",
    "type",
    "format",
    "description",
    "constraints",
    "trueValues",
    "falseValues",
}
CONSTRAINTS = {"required", "unique", "minimum", "maximum", "enum", "pattern"}
TYPES = {"string", "integer", "number", "boolean", "date", "yearmonth"}


@pytest.mark.parametrize("table", list(TableName))
def test_schema_is_a_table_schema(table: TableName) -> None:
    raw = json.loads((SCHEMA_DIR / f"{table.value}.schema.json").read_text(encoding="utf-8"))
    assert raw == raw_schema(table)  # the package reads exactly this file
    assert raw["name"] == table.value
    names = [f["name"] for f in raw["fields"]]
    assert len(names) == len(set(names))
    for field in raw["fields"]:
        custom = {k for k in field if k.startswith("x-")}
        assert set(field) - custom <= FIELD_KEYS, field["name"]
        assert field["type"] in TYPES
        assert field["description"]
        assert set(field.get("constraints", {})) <= CONSTRAINTS
    assert set(raw["primaryKey"]) <= set(names)
    assert raw["missingValues"] == [""]
    assert set(raw["x-identifierColumns"]) == {"bsn", "id"} <= set(names)


def test_contract_facts() -> None:
    participants = table_schema("participants")
    assert participants.required_columns == ("site",)
    assert participants.field("bsn").check == "elfproef"
    assert participants.field("months_on_benefit").minimum == 0
    assert participants.field("sex").enum == ("v", "m", "x", "female", "male", "other")
    assert participants.field("enrolled_on").not_in_future
    consent = participants.field("consent")
    assert {"true", "1", "ja", "yes"} <= set(consent.true_values)
    assert {"false", "0", "nee", "no"} <= set(consent.false_values)
    months = table_schema(TableName.BENEFIT_MONTHS)
    assert months.primary_key == ("id", "month")
    assert months.field("exit_reason").enum == ("work", "part_time_work", "other")
    assert months.field("earnings").minimum == 0
    survey = table_schema("survey")
    assert (survey.field("wellbeing").minimum, survey.field("wellbeing").maximum) == (0, 10)
    assert (survey.field("health").minimum, survey.field("health").maximum) == (1, 5)


def test_missing_values_come_from_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text("id,wave,wellbeing\nP1,0,NA\n", encoding="utf-8")
    raw = read_raw(path)
    schema = table_schema("survey")
    with pytest.raises(InputFileError, match="holds text where a number belongs"):
        check_table(raw, schema, as_of=dt.date(2026, 1, 1))
    lenient = dataclasses.replace(schema, missing_values=("", "NA"))
    frame, identifier = check_table(raw, lenient, as_of=dt.date(2026, 1, 1))
    assert identifier == "id" and frame["wellbeing"].isna().all()
