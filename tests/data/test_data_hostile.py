"""Export quirks found by feeding the readers hostile files: each reads right or is refused
with a message that names the file, column, line and value."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from export_files import AS_OF, HEADER, write
from participatie_rct.data import load_table, read_frame, read_raw, validate_file
from participatie_rct.errors import InputFileError


def test_utf8_mark_before_windows_1252_text_is_read(tmp_path: Path) -> None:
    body = (HEADER + "P1;Zéelst;2018-01-01;1980;v;3\n").encode("cp1252")
    path = write(tmp_path, b"\xef\xbb\xbf" + body)
    table = read_raw(path)
    assert table.encoding == "cp1252"
    assert table.columns[0] == "id" and table.cells.loc[0, "site"] == "Zéelst"


def test_pipe_delimited_export_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER.replace(";", "|").encode() + b"P1|Ede|2018-01-01|1980|v|3\n")
    assert validate_file(path, "participants", as_of=AS_OF).n_rows == 1


def test_excel_midnight_datetimes_are_dates(tmp_path: Path) -> None:
    rows = "P1;Ede;2018-02-13 00:00:00;1980;v;3\nP2;Ede;1-2-2018 0:00;1980;v;3\n"
    path = write(tmp_path, b"sep=;\n" + (HEADER + rows).encode())
    frame = load_table(path, "participants", as_of=AS_OF)
    assert [str(d.date()) for d in frame["enrolled_on"]] == ["2018-02-13", "2018-02-01"]
    assert str(read_frame(path)["enrolled_on"].iloc[0].date()) == "2018-02-13"


def test_a_time_other_than_midnight_is_not_a_date(tmp_path: Path) -> None:
    path = write(tmp_path, (HEADER + "P1;Ede;2018-02-13 14:30:00;1980;v;3\n").encode())
    with pytest.raises(InputFileError, match=r"line 2; value '2018-02-13 14:30:00'"):
        validate_file(path, "participants", as_of=AS_OF)


def test_thousands_point_in_a_count_gets_the_hint(tmp_path: Path) -> None:
    path = write(tmp_path, (HEADER + 'P1;Ede;2018-01-01;1980;v;"1.003"\n').encode())
    with pytest.raises(InputFileError, match=r"value '1.003'.*without a thousands separator"):
        validate_file(path, "participants", as_of=AS_OF)


def test_workbook_with_a_notes_sheet_first_reads_the_data_sheet(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Toelichting"
    book.active.append(["Export van het bijstandsbestand, zie tabblad Data."])
    sheet = book.create_sheet("Data")
    sheet.append(["id", "site", "months_on_benefit"])
    sheet.append(["P1", "Ede", 3])
    sheet.append(["P2", "Ede", -1])
    path = tmp_path / "export.xlsx"
    book.save(path)
    with pytest.raises(InputFileError, match=r"\(row 3 of sheet 'Data'; value '-1'\)"):
        validate_file(path, "participants", as_of=AS_OF)


def test_broken_utf16_is_refused_as_not_text(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xff\xfei\x00d\x00\n\x00\x00\xd8")
    with pytest.raises(InputFileError, match="cannot tell the file's character encoding"):
        read_raw(path)


def test_a_sep_hint_that_does_not_split_the_header_yields_to_detection(tmp_path: Path) -> None:
    path = write(tmp_path, b"sep=,\n" + (HEADER + "P1;Ede;2018-01-01;1980;v;3\n").encode())
    table = read_raw(path)
    assert table.delimiter == ";" and table.positions.tolist() == [3]
