"""Every refusal of a bad export, with its exact message: file, column, rows, value, fix."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from participatie_rct.data import load_table, validate_file
from participatie_rct.errors import InputFileError, KeyMissingError

AS_OF = dt.date(2026, 11, 23)
P = "id,site,enrolled_on,birth_year,sex,months_on_benefit\n"
OK = "Ede,2018-01-01,1970,v,1"


def refused(tmp_path: Path, table: str, content: str | bytes, *, name: str = "export.csv") -> str:
    """Validate ``content`` written to ``name``; return the message without the leading path."""
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(InputFileError, match=re.escape(str(path))) as info:
        validate_file(path, table, as_of=AS_OF)
    message = str(info.value)
    assert message.startswith(str(path))
    return message[len(str(path)) :]


CASES = {
    "duplicate id": (
        "participants",
        P + f"P1,{OK}\nP2,{OK}\nP1,{OK}\nP2,{OK}\n",
        ", column 'id': 2 rows repeat values that appeared before (lines 4, 5; 'P1', first on "
        "line 2). Each id may appear once in this table: remove the duplicate rows.",
    ),
    "empty required site": (
        "participants",
        P + "P1,,2018-01-01,1970,v,1\nP2, ,2018-01-01,1970,v,1\nP3,Ede,2018-01-01,1970,v,1\n",
        ", column 'site': 2 rows are empty (lines 2, 3). Every row needs a site: fill it in or "
        "remove these rows.",
    ),
    "future date": (
        "participants",
        P + f"P1,{OK}\nP2,Ede,2030-01-01,1970,v,1\n",
        ", column 'enrolled_on': 1 row holds a date after today, 2026-11-23 (line 3; value "
        "'2030-01-01'). A date cannot lie in the future: correct it.",
    ),
    "impossible date": (
        "participants",
        P + "P1,Ede,31-02-2018,1970,v,1\nP2,Ede,2018-13-01,1970,v,1\n",
        ", column 'enrolled_on': 2 rows hold no valid date (lines 2, 3; first value "
        "'31-02-2018'). Write dates as 2018-02-13 or 13-02-2018; a day that does not exist "
        "(such as 31-02) is an error in the export.",
    ),
    "text in a numeric column": (
        "participants",
        P + "P1,Ede,2018-01-01,1970,v,twaalf\n",
        ", column 'months_on_benefit': 1 row holds something other than a whole number (line 2; "
        "value 'twaalf'). Write whole numbers (e.g. 12), without a thousands separator (1003, "
        "not 1.003).",
    ),
    "text in a number column": (
        "benefit_months",
        "id;month;on_benefit;earnings\nP1;2018-01;ja;€ 12\n",
        ", column 'earnings': 1 row holds text where a number belongs (line 2; value '€ 12'). "
        "Write numbers such as 1250 or 12,50.",
    ),
    "negative count": (
        "participants",
        P + "P1,Ede,2018-01-01,1970,v,-3\nP2,Ede,2018-01-01,1970,v,-1\n",
        ", column 'months_on_benefit': 2 rows hold a negative number (lines 2, 3; first value "
        "'-3'). Months on benefit at enrolment, a count (0 or more). Correct these values in the "
        "export.",
    ),
    "negative earnings with a decimal comma": (
        "benefit_months",
        "id;month;on_benefit;earnings\nP1;2018-01;ja;-12,50\n",
        ", column 'earnings': 1 row holds a negative number (line 2; value '-12,50'). Earnings in "
        "euros this month, 0 or more; a decimal comma is accepted. Correct these values in the "
        "export.",
    ),
    "empty file": (
        "participants",
        "",
        ": the file is empty. Export the table again: a header line with the column names, then "
        "one row per record.",
    ),
    "header only": (
        "participants",
        P,
        ": the file has a header (id, site, enrolled_on, birth_year, sex, months_on_benefit) but "
        "no data rows. Export the table again with its rows.",
    ),
    "non-text file": (
        "participants",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        ": this is not a text file (it holds binary data: a zero byte at byte 9). Give a CSV, "
        "xlsx or parquet export of the table.",
    ),
    "neither utf-8 nor cp1252": (
        "participants",
        b"id;site\nP1;Ede\n" + b"P2;\x81\x8d\x90\n",
        ": cannot tell the file's character encoding: it is not UTF-8 and not Windows-1252 (byte "
        "0x81 at byte 19). Save the file as 'CSV UTF-8' and try again.",
    ),
    "another code page": (
        "participants",
        "id;site\nP1;Привет\n".encode("cp1251"),
        ": cannot tell the file's character encoding: it is not UTF-8 and not Windows-1252 (the "
        "characters do not read as Windows-1252 text either). Save the file as 'CSV UTF-8' and try "
        "again.",
    ),
    "bsn with a lost leading zero": (
        "participants",
        "bsn,site\n111222333,Ede\n11647152,Ede\n",
        ", column 'bsn': 1 BSN has 8 digits (line 3; not shown: a BSN is never printed). A "
        "leading zero was probably lost in a spreadsheet. Export the column as text rather than "
        "adding the zero by hand.",
    ),
    "bsn in scientific notation": (
        "participants",
        "bsn;site\n1,11222E+08;Ede\n1,23457E+08;Ede\n",
        ", column 'bsn': 2 BSNs are in scientific notation, so digits were lost (lines 2, 3; not "
        "shown: a BSN is never printed). The file was saved from a spreadsheet that treated the "
        "BSN as a number. Export the column as text and try again.",
    ),
    "bsn failing the elfproef": (
        "participants",
        "bsn,site\n123456789,Ede\n111222333,Ede\n",
        ", column 'bsn': 1 BSN fails the elfproef (the BSN checksum) (line 2; not shown: a BSN is "
        "never printed). A typing error, or not a BSN.",
    ),
    "bsn with letters": (
        "participants",
        "bsn,site\n11122233X,Ede\n",
        ", column 'bsn': 1 BSN is not 9 digits (line 2; not shown: a BSN is never printed). A BSN "
        "holds digits only.",
    ),
    "duplicate bsn": (
        "participants",
        "bsn,site\n111222333,Ede\n111222333,Ede\n",
        ", column 'bsn': 1 row repeats a value that appeared before (line 3; not shown: a BSN is "
        "never printed). Each bsn may appear once in this table: remove the duplicate rows.",
    ),
    "empty identifier": (
        "participants",
        "id,site\nP1,Ede\n,Ede\n",
        ", column 'id': 1 row has no id (line 3). Every row needs an identifier: fill it in or "
        "remove these rows.",
    ),
    "required column missing": (
        "participants",
        "id,enrolled_on\nP1,2018-01-01\n",
        ": the required column 'site' (also accepted: vestiging, gemeente) is missing (columns "
        "found: id, enrolled_on). Add it, or rename the column that holds it.",
    ),
    "no identifier column": (
        "participants",
        "naam,site\nP1,Ede\n",
        ": no identifier column: the file needs a column 'bsn' (the citizen service number) or "
        "'id' (a pseudonym); columns found: naam, site. Rename the identifier column in the "
        "header.",
    ),
    "two identifier columns": (
        "participants",
        "id,bsn,site\nP1,111222333,Ede\n",
        ": the file has both a 'bsn' and an 'id' column; give exactly one identifier column. "
        "Remove the other (keep 'bsn' if the protocol's identifiers kind is 'bsn').",
    ),
    "ragged row": (
        "participants",
        "id,site\nP1,Ede\nP2,Ede,extra\n",
        ": 1 row has a different number of fields than the header's 2 (line 3; line 3 has 3 "
        "fields, separated by ','). A value probably holds the separator without quotes: quote "
        "it, or export the file again.",
    ),
    "reserved column name": (
        "participants",
        "participant,site\nabc,Ede\n",
        ": the column name 'participant' is reserved for the pseudonym this reader makes. Name the "
        "identifier column 'id' (a pseudonym) or 'bsn'.",
    ),
    "repeated header name": (
        "participants",
        "id,site,Site\nP1,Ede,x\n",
        ": the header (line 1) names column 'Site' twice (columns 2 and 3). Rename or remove one "
        "of them.",
    ),
    "blank header name": (
        "participants",
        "id,,site\nP1,x,Ede\n",
        ": the header (line 1) has no name for column 2. Give every column a name, or delete the "
        "empty column.",
    ),
    "sex outside the allowed values": (
        "participants",
        P + "P1,Ede,2018-01-01,1970,q,1\n",
        ", column 'sex': 1 row holds a value that is not allowed (line 2; value 'q'). Allowed are "
        "'v', 'm', 'x', 'female', 'male', 'other' or leave the cell empty.",
    ),
    "birth year in the future": (
        "participants",
        "id,site,birth_year\nP1,Ede,2031\n",
        ", column 'birth_year': 1 row holds a year after this year, 2026 (line 2; value '2031'). "
        "A year cannot lie in the future: correct it.",
    ),
    "impossible birth year": (
        "participants",
        "id,site,birth_year\nP1,Ede,1875\n",
        ", column 'birth_year': 1 row holds a value below 1900 (line 2; value '1875'). Year of "
        "birth, four digits. Correct these values in the export.",
    ),
    "duplicate person-month": (
        "benefit_months",
        "id,month,on_benefit\nP1,2018-01,ja\nP1,2018-02,ja\nP1,01-2018,nee\n",
        ", columns 'id' and 'month': 1 row repeats a combination that appeared before (line 4; "
        "'P1', '2018-01', first on line 2). The table has one row per id and month: remove the "
        "duplicates or correct the month.",
    ),
    "not a boolean": (
        "benefit_months",
        "id,month,on_benefit\nP1,2018-01,misschien\n",
        ", column 'on_benefit': 1 row holds a value that is not a yes/no answer (line 2; value "
        "'misschien'). Write true/false, 1/0, ja/nee or yes/no.",
    ),
    "empty required boolean": (
        "benefit_months",
        "id,month,on_benefit\nP1,2018-01,\n",
        ", column 'on_benefit': 1 row is empty (line 2). Every row needs a on_benefit: fill it in "
        "or remove these rows.",
    ),
    "impossible month": (
        "benefit_months",
        "id,month,on_benefit\nP1,2018-13,ja\n",
        ", column 'month': 1 row holds no valid month (line 2; value '2018-13'). Write months as "
        "YYYY-MM, e.g. 2018-02.",
    ),
    "future month": (
        "benefit_months",
        "id,month,on_benefit\nP1,2026-12,ja\n",
        ", column 'month': 1 row holds a month after this month, 2026-11 (line 2; value "
        "'2026-12'). A month cannot lie in the future: correct it.",
    ),
    "unknown exit reason": (
        "benefit_months",
        "id,month,on_benefit,exit_reason\nP1,2018-01,nee,moved\n",
        ", column 'exit_reason': 1 row holds a value that is not allowed (line 2; value 'moved'). "
        "Allowed are 'work', 'part_time_work', 'other' (or werk, deeltijdwerk, overig, anders) "
        "or leave the cell empty.",
    ),
    "wellbeing above 10": (
        "survey",
        "id;wave;wellbeing\nP1;0;10,5\n",
        ", column 'wellbeing': 1 row holds a value above 10 (line 2; value '10,5'). Wellbeing on "
        "a scale from 0 to 10; a decimal comma is accepted. Correct these values in the export.",
    ),
    "health below 1": (
        "survey",
        "id,wave,health\nP1,0,0\n",
        ", column 'health': 1 row holds a value below 1 (line 2; value '0'). Self-rated health "
        "from 1 (poor) to 5 (excellent). Correct these values in the export.",
    ),
    "negative wave": (
        "survey",
        "id,wave\nP1,-1\n",
        ", column 'wave': 1 row holds a negative number (line 2; value '-1'). Survey wave: 0 at "
        "baseline, then 1, 2, ... Correct these values in the export.",
    ),
    "duplicate person-wave": (
        "survey",
        "id,wave\nP1,0\nP1,1\nP1,0\n",
        ", columns 'id' and 'wave': 1 row repeats a combination that appeared before (line 4; "
        "'P1', 0, first on line 2). The table has one row per id and wave: remove the duplicates "
        "or correct the wave.",
    ),
    "zip archive": (
        "participants",
        b"PK\x03\x04" + b"\x00" * 40,
        ": this is a zip archive, not a table. Give the CSV, xlsx or parquet file itself (unpack "
        "the archive first).",
    ),
    "old xls": (
        "participants",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40,
        ": this is an old binary Excel file (.xls), which is not read. Open it in a spreadsheet "
        "and save it as .xlsx or as CSV.",
    ),
    "unclosed quote": (
        "participants",
        'id,site\nP1,"Ede\n',
        ", line 2: the file cannot be read as CSV (unexpected end of data). Check the quotes on "
        "that line.",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refusal_message(tmp_path: Path, case: str) -> None:
    table, content, expected = CASES[case]
    assert refused(tmp_path, table, content) == expected


def test_line_numbers_count_quoted_newlines(tmp_path: Path) -> None:
    content = 'id,site,note,months_on_benefit\nP1,Ede,"a\nb\nc",1\n\nP2,Ede,x,-1\n'
    message = refused(tmp_path, "participants", content)
    assert "(line 6; value '-1')" in message


def test_first_five_lines_then_ellipsis(tmp_path: Path) -> None:
    rows = "".join(f"P{i},,2018-01-01,1970,v,1\n" for i in range(8))
    assert "8 rows are empty (lines 2, 3, 4, 5, 6, ...)" in refused(
        tmp_path, "participants", P + rows
    )


def test_no_bsn_in_any_message(tmp_path: Path) -> None:
    for content in (
        "bsn,site\n111222333,Ede\n11647152,Ede\n",
        "bsn,site\n111222333,Ede\n111222333,Ede\n",
        "bsn,site\n123456789,Ede\n",
        "bsn,site,months_on_benefit\n111222333,Ede,-1\n",
    ):
        message = refused(tmp_path, "participants", content)
        for number in ("111222333", "11647152", "011647152", "123456789"):
            assert number not in message


def test_xlsx_names_sheet_and_spreadsheet_rows(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Blad1"
    sheet.append(["id", "site", "months_on_benefit"])
    sheet.append(["P1", "Ede", 3])
    sheet.append(["P2", "Ede", -2])
    sheet.append(["P3", None, 1])
    path = tmp_path / "export.xlsx"
    book.save(path)
    with pytest.raises(InputFileError) as info:
        validate_file(path, "participants", as_of=AS_OF)
    assert str(info.value) == (
        f"{path}, column 'site': 1 row is empty (row 4 of sheet 'Blad1'). Every row needs a site: "
        "fill it in or remove these rows."
    )


def test_xlsx_number_bsn_losing_its_zero(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["bsn", "site"])
    book.active.append([11647152, "Ede"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    with pytest.raises(
        InputFileError, match=r"1 BSN has 8 digits \(row 2 of sheet 'Sheet'; not shown"
    ):
        validate_file(path, "participants", as_of=AS_OF)


def test_parquet_counts_rows_from_one(tmp_path: Path) -> None:
    path = tmp_path / "export.parquet"
    pd.DataFrame(
        {"id": ["a", "b", "c"], "site": ["Ede", "Ede", "Ede"], "months_on_benefit": [1, -1, -2]}
    ).to_parquet(path)
    with pytest.raises(
        InputFileError,
        match=re.escape("2 rows hold a negative number (rows 2, 3; first value '-1')"),
    ):
        validate_file(path, "participants", as_of=AS_OF)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"
    with pytest.raises(
        InputFileError, match=re.escape(f"{path}: no such file. Check the path and the file name.")
    ):
        validate_file(path, "participants")


def test_unknown_table(tmp_path: Path) -> None:
    with pytest.raises(
        ValueError,
        match="table must be one of 'participants', 'benefit_months', 'survey'; got 'people'",
    ):
        validate_file(tmp_path / "x.csv", "people")


def test_load_table_refuses_bsn_without_key(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("bsn,site\n111222333,Ede\n", encoding="utf-8")
    with pytest.raises(
        KeyMissingError,
        match=re.escape(f"Reading {path} (it has a bsn column) needs the pseudonymisation key"),
    ):
        load_table(path, "participants", as_of=AS_OF)


def test_load_table_refuses_the_wrong_identifier_kind(tmp_path: Path, key: bytes) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,site\nP1,Ede\n", encoding="utf-8")
    with pytest.raises(
        InputFileError,
        match=re.escape(
            "the protocol's [identifiers] kind is 'bsn', so the file needs the column 'bsn', but "
            "it has 'id'. Export the 'bsn' column, or declare kind = 'pseudonym' in the protocol "
            "before anyone is assigned."
        ),
    ):
        load_table(path, "participants", key=key, id_kind="bsn", as_of=AS_OF)
    path.write_text("bsn,site\n111222333,Ede\n", encoding="utf-8")
    with pytest.raises(
        InputFileError, match="kind is 'pseudonym', so the file needs the column 'id'"
    ):
        load_table(path, "participants", key=key, id_kind="pseudonym", as_of=AS_OF)


def test_as_of_moves_today(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(P + "P1,Ede,2018-03-01,1970,v,1\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="after today, 2018-02-28"):
        validate_file(path, "participants", as_of=dt.date(2018, 2, 28))
    assert validate_file(path, "participants", as_of=dt.date(2018, 3, 1)).n_rows == 1
