"""Good exports in every dialect validate, and load typed with pseudonyms instead of BSNs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from participatie_rct.data import load_table, pseudonym, read_frame, read_raw, validate_file
from participatie_rct.errors import InputFileError

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = dt.date(2026, 11, 23)

GOOD = [
    ("participants_semicolon_cp1252.csv", "participants", 5, "cp1252", ";"),
    ("participants_bom_utf8.csv", "participants", 3, "utf-8-sig", ","),
    ("benefit_months_semicolon.csv", "benefit_months", 9, "utf-8", ";"),
    ("survey.xlsx", "survey", 4, None, None),
    ("participants.xlsx", "participants", 3, None, None),
]


@pytest.mark.parametrize(("name", "table", "n_rows", "encoding", "delimiter"), GOOD)
def test_good_fixture_validates(
    name: str, table: str, n_rows: int, encoding: str | None, delimiter: str | None
) -> None:
    report = validate_file(FIXTURES / name, table, as_of=AS_OF)
    assert report.n_rows == n_rows
    assert report.summary() == f"{name}: {n_rows} valid rows ({table})"
    assert report.to_dict() == {
        "table": table,
        "file": str(FIXTURES / name),
        "n_rows": n_rows,
        "valid": True,
    }
    raw = read_raw(FIXTURES / name)
    assert (raw.encoding, raw.delimiter) == (encoding, delimiter)


def test_semicolon_cp1252_loads_typed(key: bytes) -> None:
    frame = load_table(
        FIXTURES / "participants_semicolon_cp1252.csv", "participants", key=key, as_of=AS_OF
    )
    assert "bsn" not in frame.columns
    assert frame.columns[0] == "participant"
    assert frame["participant"].tolist()[:2] == [
        pseudonym(key, "111222333"),
        pseudonym(key, "123456782"),
    ]
    assert frame["participant"].iloc[2] == pseudonym(key, "011647152")  # the leading zero survived
    assert frame["site"].tolist()[2] == "Súdwest-Fryslân"
    assert frame["enrolled_on"].tolist() == [
        pd.Timestamp(d)
        for d in ("2017-10-02", "2018-02-13", "2018-01-31", "2018-03-01", "2018-02-28")
    ]
    assert str(frame["enrolled_on"].dtype) == "datetime64[ns]"
    assert str(frame["birth_year"].dtype) == "Int64"
    assert frame["sex"].tolist() == ["v", "m", "x", "v", "m"]
    assert frame["consent"].dtype == bool
    assert frame["consent"].tolist() == [True, False, True, True, False]
    # an extra column with decimal commas and a thousands dot becomes a number
    np.testing.assert_array_equal(
        frame["hours_per_week"].to_numpy(), [12.5, 0.0, 1234.5, np.nan, 8.25]
    )
    assert frame["opmerking"].tolist() == [
        "Café-medewerker",
        None,
        'zegt "misschien"; later',
        "regel één\nregel twee",
        "€ 50 vrijlating",
    ]


def test_quoted_newline_shifts_the_lines_after_it(key: bytes) -> None:
    path = FIXTURES / "participants_semicolon_cp1252.csv"
    assert read_raw(path).positions.tolist() == [2, 3, 4, 5, 7]
    frame = load_table(path, "participants", key=key, as_of=AS_OF)
    assert frame.attrs == {"source": str(path), "lines": [2, 3, 4, 5, 7], "line_unit": "line"}


def test_ids_keep_leading_zeros_and_empty_booleans_stay_missing() -> None:
    frame = load_table(FIXTURES / "participants_bom_utf8.csv", "participants", as_of=AS_OF)
    assert frame["participant"].tolist() == ["000123", "000124", "010125"]
    assert frame["id"].tolist() == ["000123", "000124", "010125"]
    assert str(frame["consent"].dtype) == "boolean"
    assert frame["consent"].isna().tolist() == [False, False, True]
    assert frame["remark"].tolist() == ["Zoë", "Jürgen, 2e ronde", "Ǆ¿ ünïcödé"]


def test_benefit_months_are_first_of_month_timestamps(key: bytes) -> None:
    frame = load_table(
        FIXTURES / "benefit_months_semicolon.csv", "benefit_months", key=key, as_of=AS_OF
    )
    assert frame["month"].iloc[:3].tolist() == [
        pd.Timestamp("2018-01-01"),
        pd.Timestamp("2018-02-01"),
        pd.Timestamp("2018-03-01"),
    ]
    assert frame["earnings"].iloc[:3].tolist() == [0.0, 312.4, 1650.0]
    assert frame["exit_reason"].iloc[:3].tolist() == [None, None, "work"]
    assert frame["on_benefit"].dtype == bool
    assert frame["participant"].nunique() == 3


def test_the_same_key_links_tables(key: bytes) -> None:
    people = load_table(
        FIXTURES / "participants_semicolon_cp1252.csv", "participants", key=key, as_of=AS_OF
    )
    months = load_table(
        FIXTURES / "benefit_months_semicolon.csv", "benefit_months", key=key, as_of=AS_OF
    )
    assert set(months["participant"]) <= set(people["participant"])
    other = load_table(
        FIXTURES / "benefit_months_semicolon.csv",
        "benefit_months",
        key=b"another-key-0123456789",
        as_of=AS_OF,
    )
    assert not set(other["participant"]) & set(people["participant"])


def test_xlsx_title_row_and_typed_cells() -> None:
    frame = load_table(FIXTURES / "survey.xlsx", "survey", as_of=AS_OF)
    assert read_raw(FIXTURES / "survey.xlsx").positions.tolist() == [4, 5, 6, 7]
    assert frame["participant"].tolist() == ["000123", "000123", "000124", "000124"]
    assert frame["wave"].tolist() == [0, 1, 0, 1]
    np.testing.assert_array_equal(frame["wellbeing"].to_numpy(), [6.5, 7.0, 5.5, np.nan])
    assert frame["health"].isna().tolist() == [False, False, False, True]


def test_xlsx_dates_and_booleans(key: bytes) -> None:
    frame = load_table(FIXTURES / "participants.xlsx", "participants", key=key, as_of=AS_OF)
    assert frame["enrolled_on"].dt.strftime("%Y-%m-%d").tolist() == [
        "2018-03-01",
        "2018-03-02",
        "2018-03-05",
    ]
    assert frame["consent"].tolist() == [True, True, False]
    assert frame["months_on_benefit"].tolist() == [12, 0, 3]


def test_simulated_style_csv_passes(tmp_path: Path) -> None:
    """Plain UTF-8, ',' and ISO dates with an id column, as the simulator writes them."""
    people = pd.DataFrame(
        {
            "id": [f"S{i:05d}" for i in range(50)],
            "site": ["wageningen"] * 50,
            "enrolled_on": pd.date_range("2017-10-01", periods=50, freq="D").strftime("%Y-%m-%d"),
            "birth_year": 1960 + np.arange(50) % 30,
            "sex": np.where(np.arange(50) % 2 == 0, "female", "male"),
            "months_on_benefit": np.arange(50) * 3,
            "education": ["mbo"] * 50,
            "consent": [True] * 50,
            "age_group": ["<35", "35-49"] * 25,
        }
    )
    path = tmp_path / "participants.csv"
    people.to_csv(path, index=False)
    assert validate_file(path, "participants", as_of=AS_OF).n_rows == 50
    months = pd.DataFrame(
        {
            "id": np.repeat(people["id"], 3),
            "month": np.tile(["2017-10", "2017-11", "2017-12"], 50),
            "on_benefit": np.tile([True, True, False], 50),
            "exit_reason": np.tile(["", "", "part_time_work"], 50),
            "earnings": np.tile([0.0, 120.5, 900.0], 50),
        }
    )
    months.to_csv(tmp_path / "benefit_months.csv", index=False)
    loaded = load_table(tmp_path / "benefit_months.csv", "benefit_months", as_of=AS_OF)
    assert len(loaded) == 150 and loaded["on_benefit"].sum() == 100


def test_parquet_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "survey.parquet"
    pd.DataFrame(
        {"id": ["007", "008"], "wave": [0, 0], "wellbeing": [7.5, None], "health": [3, 4]}
    ).to_parquet(path)
    frame = load_table(path, "survey", as_of=AS_OF)
    assert frame["participant"].tolist() == ["007", "008"]
    assert frame["wellbeing"].isna().tolist() == [False, True]


def test_header_names_match_regardless_of_case(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("ID;Site;Months On Benefit\nP1;Ede;3\n", encoding="utf-8")
    frame = load_table(path, "participants", as_of=AS_OF)
    assert list(frame.columns) == ["participant", "id", "site", "months_on_benefit"]


def test_old_mac_line_endings_and_tabs(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_bytes(b"id\tsite\tmonths_on_benefit\rP1\tEde\t3\rP2\tEde\t4\r")
    raw = read_raw(path)
    assert raw.delimiter == "\t" and raw.positions.tolist() == [2, 3]
    assert validate_file(path, "participants", as_of=AS_OF).n_rows == 2


def test_excel_sep_hint_line(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"sep=;\r\nid;site;note\r\nP1;Ede;a,b\r\nP2;Ede;c\r\n")
    raw = read_raw(path)
    assert (raw.delimiter, raw.columns, raw.positions.tolist()) == (
        ";",
        ("id", "site", "note"),
        [3, 4],
    )


class TestReadFrame:
    """``read_frame``: any DATA file typed without a schema."""

    def test_decimal_commas_booleans_dates_and_ids(self, tmp_path: Path) -> None:
        path = tmp_path / "data.csv"
        path.write_bytes(
            "id;arm;outflow;earnings;treated;start;code\r\n"
            "001;control;1;12,50;ja;13-02-2018;A1\r\n"
            "002;earn_more;0;1.000,25;nee;14-02-2018;B2\r\n".encode("cp1252")
        )
        frame = read_frame(path)
        assert frame["id"].tolist() == ["001", "002"]
        assert frame["outflow"].dtype == np.int64
        assert frame["earnings"].tolist() == [12.5, 1000.25]
        assert frame["treated"].tolist() == [True, False]
        assert frame["start"].tolist() == [pd.Timestamp("2018-02-13"), pd.Timestamp("2018-02-14")]
        assert frame["code"].tolist() == ["A1", "B2"]

    def test_missing_numbers_become_float(self, tmp_path: Path) -> None:
        path = tmp_path / "data.csv"
        path.write_text("y,x\n1,\n0,2\n", encoding="utf-8")
        frame = read_frame(path)
        assert frame["y"].dtype == np.int64 and frame["x"].dtype == np.float64

    def test_parquet_keeps_its_types(self, tmp_path: Path) -> None:
        path = tmp_path / "data.parquet"
        pd.DataFrame({"y": [1.0, 2.0], "arm": ["a", "b"]}).to_parquet(path)
        pd.testing.assert_frame_equal(
            read_frame(path), pd.DataFrame({"y": [1.0, 2.0], "arm": ["a", "b"]})
        )

    def test_xlsx(self) -> None:
        frame = read_frame(FIXTURES / "survey.xlsx")
        assert frame["wave"].tolist() == [0, 1, 0, 1]
        assert frame["id"].tolist() == ["000123", "000123", "000124", "000124"]

    @pytest.mark.parametrize(
        ("content", "message"),
        [(b"", "the file is empty"), (b"\x00\x01\x02abc", "not a text file")],
    )
    def test_refuses_unreadable(self, tmp_path: Path, content: bytes, message: str) -> None:
        path = tmp_path / "data.csv"
        path.write_bytes(content)
        with pytest.raises(InputFileError, match=message):
            read_frame(path)
