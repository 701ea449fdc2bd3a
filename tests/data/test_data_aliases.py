"""Files as municipalities name them: Dutch column names and exit reasons, and intake dates
that a command relies on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from participatie_rct.choices import TableName
from participatie_rct.data import load_table, table_schema
from participatie_rct.data.aliases import accepted_names, normal_name
from participatie_rct.data.required import require_filled
from participatie_rct.errors import InputFileError

AS_OF = dt.date(2026, 1, 1)


def _load(tmp_path: Path, table: str, text: str, name: str = "file.csv") -> pd.DataFrame:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_table(path, table, as_of=AS_OF)


def test_dutch_participant_columns_are_read_as_the_schemas_names(tmp_path: Path) -> None:
    frame = _load(
        tmp_path,
        "participants",
        "pseudoniem;Vestiging;Startdatum;geboortejaar;geslacht;maanden in uitkering;"
        "opleiding;huishouden;migratieachtergrond;toestemming\n"
        "P1;Ede;13-02-2018;1980;v;12;laag;alleenstaand;geen;ja\n",
    )
    assert list(frame.columns) == [
        "participant",
        "id",
        "site",
        "enrolled_on",
        "birth_year",
        "sex",
        "months_on_benefit",
        "education",
        "household",
        "migration_background",
        "consent",
    ]
    assert frame.loc[0, "enrolled_on"] == pd.Timestamp("2018-02-13")
    assert frame.loc[0, "months_on_benefit"] == 12 and bool(frame.loc[0, "consent"])


def test_dutch_benefit_month_columns_and_exit_reasons(tmp_path: Path) -> None:
    frame = _load(
        tmp_path,
        "benefit_months",
        "id;uitkeringsmaand;in_uitkering;reden_uitstroom;inkomsten;urenklasse;uitkeringsbedrag\n"
        "P1;2018-01;ja;;0;geen;1000\n"
        "P1;2018-02;nee;Werk;1200,50;meer_dan_27;0\n"
        "P2;2018-02;nee;deeltijdwerk;400;12_tot_27;300\n"
        "P3;2018-02;nee;OVERIG;0;geen;0\n"
        "P4;2018-02;nee;anders;0;minder_dan_12;0\n"
        "P5;2018-02;nee;work;0;none;0\n",
        name="uitkeringsmaanden.csv",
    )
    assert frame["exit_reason"].tolist() == [
        None,
        "work",
        "part_time_work",
        "other",
        "other",
        "work",
    ]
    assert frame["hours_band"].tolist() == [
        "none",
        "over_27",
        "12_to_27",
        "none",
        "under_12",
        "none",
    ]
    assert frame["earnings"].tolist() == [0.0, 1200.5, 400.0, 0.0, 0.0, 0.0]
    assert str(frame["month"].dtype).startswith("datetime64")


def test_dutch_survey_columns(tmp_path: Path) -> None:
    frame = _load(tmp_path, "survey", "id,meting,welzijn,gezondheid,zelfredzaamheid\nP1,0,7,3,2\n")
    assert list(frame.columns) == [
        "participant",
        "id",
        "wave",
        "wellbeing",
        "health",
        "self_sufficiency",
    ]


def test_a_bsn_column_under_its_full_name_is_pseudonymised(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("Burgerservicenummer,site\n111222333,Ede\n", encoding="utf-8")
    frame = load_table(path, "participants", key=b"k" * 32, as_of=AS_OF)
    assert "bsn" not in frame.columns and "Burgerservicenummer" not in frame.columns
    assert len(frame.loc[0, "participant"]) == 64


@pytest.mark.parametrize(
    ("header", "first", "second"),
    [
        ("id,site,startdatum,enrolled_on", "startdatum", "enrolled_on"),
        ("id,site,startdatum,intakedatum", "startdatum", "intakedatum"),
        ("id,site,Gemeente", "site", "Gemeente"),
        ("id,vestiging,site", "vestiging", "site"),
    ],
)
def test_a_column_given_twice_is_refused(
    tmp_path: Path, header: str, first: str, second: str
) -> None:
    cells = ",".join(["P1", "Ede"] + ["2018-01-01"] * (header.count(",") - 1))
    with pytest.raises(InputFileError) as refused:
        _load(tmp_path, "participants", f"{header}\n{cells}\n")
    message = str(refused.value)
    assert f"the columns {first!r} and {second!r} both give" in message
    assert "Keep one of them" in message and "\n" not in message


def test_a_value_outside_the_dutch_and_english_words_names_both(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as refused:
        _load(
            tmp_path, "benefit_months", "id,month,on_benefit,exit_reason\nP1,2018-01,nee,verhuisd\n"
        )
    message = str(refused.value)
    assert "value 'verhuisd'" in message and "(or werk, deeltijdwerk, overig, anders)" in message


def test_every_alias_names_one_field_and_the_schema_lists_them() -> None:
    for table in TableName:
        schema = table_schema(table)
        seen: dict[str, str] = {}
        for spec in schema.fields:
            for name in (spec.name, *spec.aliases):
                assert seen.setdefault(normal_name(name), spec.name) == spec.name, name
            for word, value in spec.value_aliases:
                assert value in spec.enum, word
    assert accepted_names("participants", "enrolled_on")[:2] == ("enrolled_on", "startdatum")
    assert "reden_uitstroom" in accepted_names("benefit_months", "exit_reason")


def test_the_intake_date_is_required_when_a_command_relies_on_it(tmp_path: Path) -> None:
    frame = _load(tmp_path, "participants", "id,site\nP1,Ede\n", name="deelnemers.csv")
    with pytest.raises(InputFileError) as refused:
        require_filled(frame, "participants", "enrolled_on")
    message = str(refused.value)
    assert "deelnemers.csv: the needed column 'enrolled_on' (also accepted: " in message
    assert "startdatum" in message and "columns found: id, site" in message
    frame = _load(
        tmp_path,
        "participants",
        'id,site,startdatum\nP1,"Ede\nWest",2018-01-01\nP2,Ede,\nP3,Ede,2018-01-02\n',
        name="deelnemers.csv",
    )
    with pytest.raises(InputFileError, match=r"column 'enrolled_on': 1 row is empty \(line 4\)"):
        require_filled(frame, "participants", "enrolled_on")
    frame = _load(tmp_path, "participants", "id,site,startdatum\nP1,Ede,2018-01-01\n")
    require_filled(frame, "participants", "enrolled_on")  # filled: no refusal


def test_a_protocol_that_stratifies_by_a_dutch_name_still_finds_its_column(
    tmp_path: Path,
) -> None:
    from participatie_rct.data.aliases import also_named
    from participatie_rct.protocol import Protocol
    from participatie_rct.registry import Register

    frame = _load(
        tmp_path, "participants", "id,site,startdatum,opleiding\nP1,Ede,2018-01-01,laag\n"
    )
    assert "education" in frame.columns and "opleiding" not in frame.columns
    named = also_named(frame, "participants", ["opleiding", "site", "team"])
    assert named["opleiding"].tolist() == ["laag"] and "team" not in named.columns
    assert named.attrs["source"] == frame.attrs["source"]
    text = (
        '[trial]\nname = "t"\nseed = 1\n[[arms]]\nkey = "control"\nratio = 1\nlabel_nl = "c"\n'
        'label_en = "c"\n[[arms]]\nkey = "coach"\nratio = 1\nlabel_nl = "k"\nlabel_en = "k"\n'
        '[assignment]\nmethod = "stratified"\nstrata = ["opleiding"]\n'
        '[identifiers]\ncolumn = "id"\nkind = "pseudonym"\n'
    )
    protocol = Protocol.from_text(text, source="trial.toml")
    with Register.create(f"sqlite:///{tmp_path / 'trial.db'}", protocol, key=None) as reg:
        outcome = reg.assign_file(tmp_path / "file.csv", key=None)
        assert outcome.n_new == 1
        assert reg.assignments().loc[0, "stratum"] == "opleiding=laag"
