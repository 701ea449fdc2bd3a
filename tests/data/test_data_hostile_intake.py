"""Hostile values and files at intake: each is refused naming file, column, line and value,
or read bounded; nothing hostile reaches a loaded table."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from export_files import AS_OF, HEADER, write
from participatie_rct.data import load_table, read_raw, validate_file
from participatie_rct.errors import InputFileError


def refusal(path: Path, table: str = "participants") -> str:
    with pytest.raises(InputFileError) as info:
        validate_file(path, table, as_of=AS_OF)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))
    return message[len(str(path)) :]


@pytest.mark.parametrize(
    ("site", "named"),
    [
        ("Ede\u200b", "U+200B zero-width space"),
        ("\ufeffEde", "U+FEFF byte-order mark"),
        ("Ede\u00adWest", "U+00AD soft hyphen"),
        ("\u202eedE", "U+202E bidirectional control"),
        ("Ede\u2060", "U+2060 word joiner"),
    ],
)
def test_invisible_characters_are_refused_with_line_and_value(
    tmp_path: Path, site: str, named: str
) -> None:
    body = HEADER + "P1;Ede;2018-01-01;1980;v;3\n" + f"P2;{site};2018-01-01;1980;v;3\n"
    message = refusal(write(tmp_path, body.encode("utf-8")))
    assert message.startswith(f", column 'site': 1 row holds an invisible character ({named})")
    assert f"(line 3; value {site!r})" in message


def test_control_characters_are_refused(tmp_path: Path) -> None:
    import pandas as pd

    path = tmp_path / "export.parquet"
    pd.DataFrame({"id": ["P1", "P2"], "site": ["Ede", "Ede\x1b[31m"]}).to_parquet(path)
    message = refusal(path)
    assert message.startswith(", column 'site': 1 row holds a control character (U+001B)")
    assert "(row 2; value 'Ede\\x1b[31m')" in message
    # in a text file, one near the top marks it as not text at all
    body = HEADER + "P1;Ede\x07;2018-01-01;1980;v;3\n"
    assert "control character 0x07" in refusal(write(tmp_path, body.encode("utf-8")))


def test_a_line_break_inside_a_site_becomes_one_space(tmp_path: Path) -> None:
    body = HEADER + 'P1;"Ede\nWest";2018-01-01;1980;v;3\nP2;Ede West;2018-01-01;1980;v;3\n'
    frame = load_table(write(tmp_path, body.encode("utf-8")), "participants", as_of=AS_OF)
    assert frame["site"].tolist() == ["Ede West", "Ede West"]


@pytest.mark.parametrize(
    "value", ['=HYPERLINK("http://x")', "@SUM(A1)", "+31 6 1234", "-cmd|' /C calc'!A0"]
)
def test_formula_cells_are_refused(tmp_path: Path, value: str) -> None:
    body = HEADER + f"P1;{value};2018-01-01;1980;v;3\n"
    message = refusal(write(tmp_path, body.encode("utf-8")))
    assert message.startswith(", column 'site': 1 row starts with =, +, - or @ (line 2; value")
    assert repr(value) in message


def test_formula_check_covers_extra_columns_but_not_negative_numbers(tmp_path: Path) -> None:
    body = "id;site;remark\nP1;Ede;-12,5\nP2;Ede;=1+1\n"
    message = refusal(write(tmp_path, body.encode("utf-8")))
    assert message.startswith(", column 'remark': 1 row starts with =, +, - or @ (line 3;")


def test_text_is_normalized_to_nfc_so_one_site_is_one_stratum(tmp_path: Path) -> None:
    decomposed = "Zee\u0301land"  # e + combining accent
    body = HEADER + f"P1;{decomposed};2018-01-01;1980;v;3\nP2;Zeéland;2018-01-01;1980;v;3\n"
    frame = load_table(write(tmp_path, body.encode("utf-8")), "participants", as_of=AS_OF)
    assert frame["site"].nunique() == 1 and frame["site"].iloc[0] == "Zeéland"


def test_utf8_then_windows_1252_is_refused_at_the_first_misfit(tmp_path: Path) -> None:
    body = HEADER.encode() + "P1;Zoë;2018-01-01;1980;v;3\n".encode()
    body += b"P2;Ede;2018-01-01;1980;v;3\n" + "P3;Zoë;2018-01-01;1980;v;3\n".encode("cp1252")
    message = refusal(write(tmp_path, body))
    assert message.startswith(
        ", line 4: the file mixes character encodings: the text before this line is UTF-8, "
        "but here byte 0xEB is not UTF-8"
    )


def test_windows_1252_then_utf8_is_refused_at_the_first_misfit(tmp_path: Path) -> None:
    body = HEADER.encode() + "P1;Zoë;2018-01-01;1980;v;3\n".encode("cp1252")
    body += "P2;Zoë;2018-01-01;1980;v;3\n".encode()
    message = refusal(write(tmp_path, body))
    assert message.startswith(
        ", line 3: the file mixes character encodings: the text before this line is "
        "Windows-1252, but here bytes 0xC3 0xAB are UTF-8, not Windows-1252"
    )


def test_plain_windows_1252_is_still_read(tmp_path: Path) -> None:
    body = (HEADER + "P1;Zoë;2018-01-01;1980;v;3\nP2;Café;2018-01-01;1980;v;3\n").encode("cp1252")
    assert validate_file(write(tmp_path, body), "participants", as_of=AS_OF).n_rows == 2


def test_a_file_without_header_never_echoes_a_bsn(tmp_path: Path) -> None:
    path = write(tmp_path, b"111222333;Ede;45+\n123456782;Tiel;18-27\n")
    message = refusal(path)
    assert not re.search(r"\d{8,9}", message)
    assert "seems to have no header line" in message
    with pytest.raises(InputFileError) as info:
        read_raw(write(tmp_path, b"naam,111222333\nx,y\n", "other.csv"))
    assert "111222333" not in str(info.value)


def _dimension_bomb(path: Path) -> None:
    """A tiny workbook whose sheet declares the whole grid, A1:XFD1048576."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "site"])
    sheet.append(["P1", "Ede"])
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', xml)
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_xlsx_dimension_bomb_is_read_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    _dimension_bomb(path)
    assert path.stat().st_size < 10_000
    script = textwrap.dedent(
        f"""
        import resource
        from participatie_rct.data import read_raw
        table = read_raw({str(path)!r})
        assert table.columns == ("id", "site") and table.n_rows == 1, table.columns
        try:  # VmHWM: this program's own peak (ru_maxrss may carry the parent's)
            status = open("/proc/self/status").read().split("VmHWM:")[1]
            print(int(status.split()[0]))
        except OSError:
            print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    peak_mib = int(done.stdout.strip()) / 1024  # KiB on Linux
    assert peak_mib < 1024, f"peak {peak_mib:.0f} MiB"


def test_xlsx_with_a_stray_far_column_is_refused(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "site"])
    sheet.append(["P1", "Ede"])
    sheet.cell(row=2, column=5000, value="x")
    path = tmp_path / "wide.xlsx"
    book.save(path)
    message = refusal(path)
    assert "row 2 of sheet 'Sheet' has a value in column 5000" in message
