"""Parquet columns checked with their own types: the same refusals and values as the text path.

The text path (every cell written as a CSV export would, then parsed) is the reference: for
each hostile file the typed check must word the same refusal, and for a good file load the
same frame.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from participatie_rct.data import load_table, read_raw, table_schema, validate_file
from participatie_rct.data.stamp import write_parquet
from participatie_rct.data.validate import check_table
from participatie_rct.errors import InputFileError

AS_OF = dt.date(2026, 11, 23)
D = dt.date
T = dt.datetime


def _months(**columns: pa.Array) -> pa.Table:
    base = {
        "id": pa.array(["P1", "P1", "P2"]),
        "month": pa.array([D(2019, 1, 1), D(2019, 2, 1), D(2019, 1, 1)], pa.date32()),
        "on_benefit": pa.array([True, False, True]),
        "exit_reason": pa.array(["", "work", ""]),
        "earnings": pa.array([0.0, 1250.5, 0.0]),
    }
    return pa.table({**base, **columns})


def _people(**columns: pa.Array) -> pa.Table:
    base = {
        "id": pa.array(["P1", "P2", "P3"]),
        "site": pa.array(["Ede", "Ede", "Zeist"]),
        "enrolled_on": pa.array([D(2018, 1, 1), D(2018, 2, 1), D(2018, 3, 1)], pa.date32()),
        "birth_year": pa.array([1970, 1980, 1990], pa.int64()),
        "months_on_benefit": pa.array([1.0, 12.0, 3.0]),
    }
    return pa.table({**base, **columns})


def _text_path_message(path: Path, table: str) -> str:
    """The refusal of the file read as text cells (every value as a CSV export writes it)."""
    with pytest.raises(InputFileError) as info:
        check_table(read_raw(path), table_schema(table), as_of=AS_OF)
    return str(info.value)


HOSTILE = {
    "negative earnings": (
        "benefit_months",
        _months(earnings=pa.array([0.0, -5.5, 0.0])),
        ", column 'earnings': 1 row holds a negative number (row 2; value '-5.5').",
    ),
    "infinite earnings": (
        "benefit_months",
        _months(earnings=pa.array([0.0, float("inf"), 0.0])),
        ", column 'earnings': 1 row holds text where a number belongs (row 2; value 'inf').",
    ),
    "empty on_benefit": (
        "benefit_months",
        _months(on_benefit=pa.array([True, None, None])),
        ", column 'on_benefit': 2 rows are empty (rows 2, 3).",
    ),
    "empty month": (
        "benefit_months",
        _months(month=pa.array([D(2019, 1, 1), None, D(2019, 1, 1)], pa.date32())),
        ", column 'month': 1 row is empty (row 2).",
    ),
    "month in the future": (
        "benefit_months",
        _months(month=pa.array([D(2019, 1, 1), D(2027, 1, 1), D(2019, 1, 1)], pa.date32())),
        ", column 'month': 1 row holds a month after this month, 2026-11 (row 2; value "
        "'2027-01-01').",
    ),
    "repeated person and month": (
        "benefit_months",
        _months(
            id=pa.array(["P1", "P1", "P1"]),
            month=pa.array([D(2019, 1, 1), D(2019, 2, 15), D(2019, 2, 1)], pa.date32()),
        ),
        ", columns 'id' and 'month': 1 row repeats a combination that appeared before (row 3; "
        "'P1', '2019-02', first on row 2).",
    ),
    "a month outside pandas' dates": (
        "benefit_months",
        _months(month=pa.array([D(2019, 1, 1), D(1, 1, 1), D(2019, 1, 1)], pa.date32())),
        ", column 'month': 1 row holds no valid month (row 2; value '0001-01-01').",
    ),
    "a date with a time of day": (
        "participants",
        _people(
            enrolled_on=pa.array(
                [T(2018, 1, 1), T(2018, 2, 13, 10, 30), T(2018, 3, 1)],
                pa.timestamp("us"),
            )
        ),
        ", column 'enrolled_on': 1 row holds no valid date (row 2; value '2018-02-13 10:30:00').",
    ),
    "a date in the future": (
        "participants",
        _people(enrolled_on=pa.array([D(2018, 1, 1), D(2030, 1, 1), D(2031, 1, 1)], pa.date32())),
        ", column 'enrolled_on': 2 rows hold a date after today, 2026-11-23 (rows 2, 3; first "
        "value '2030-01-01').",
    ),
    "a fraction of a month": (
        "participants",
        _people(months_on_benefit=pa.array([1.0, 1.5, None])),
        ", column 'months_on_benefit': 1 row holds something other than a whole number (row 2; "
        "value '1.5').",
    ),
    "a whole number too large to hold": (
        "participants",
        _people(months_on_benefit=pa.array([1, 2**60, 2**53 + 1], pa.int64())),
        ", column 'months_on_benefit': 1 row holds something other than a whole number (row 2; "
        "value '1152921504606846976').",
    ),
    "a year in the future": (
        "participants",
        _people(birth_year=pa.array([1970, 2030, 1990], pa.int32())),
        ", column 'birth_year': 1 row holds a year after this year, 2026 (row 2; value '2030').",
    ),
    "a year before 1900": (
        "participants",
        _people(birth_year=pa.array([1970, 1850, 1990], pa.int16())),
        ", column 'birth_year': 1 row holds a value below 1900 (row 2; value '1850').",
    ),
    "a score above its maximum": (
        "survey",
        pa.table(
            {
                "id": pa.array(["P1", "P2"]),
                "wave": pa.array([0, 0], pa.int64()),
                "wellbeing": pa.array([7.5, 11.0]),
                "health": pa.array([3, 4], pa.int8()),
            }
        ),
        ", column 'wellbeing': 1 row holds a value above 10 (row 2; value '11').",
    ),
    "a repeated wave": (
        "survey",
        pa.table(
            {
                "id": pa.array(["P1", "P1"]),
                "wave": pa.array([1, 1], pa.int64()),
                "wellbeing": pa.array([7.5, 8.0]),
                "health": pa.array([3, 4], pa.int8()),
            }
        ),
        ", columns 'id' and 'wave': 1 row repeats a combination that appeared before (row 2; "
        "'P1', 1, first on row 1).",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_typed_columns_are_refused_as_the_text_path_refuses_them(tmp_path: Path, case: str) -> None:
    table, arrow, expected = HOSTILE[case]
    path = tmp_path / "export.parquet"
    pq.write_table(arrow, path)
    with pytest.raises(InputFileError) as info:
        validate_file(path, table, as_of=AS_OF)
    message = str(info.value)
    assert message.startswith(str(path) + expected), message
    assert message == _text_path_message(path, table)
    with pytest.raises(InputFileError, match=re.escape(expected)):
        load_table(path, table, as_of=AS_OF)


def test_the_first_rule_in_schema_order_still_refuses(tmp_path: Path) -> None:
    """A bad text column before a bad typed one: the text column's rule speaks first."""
    path = tmp_path / "export.parquet"
    arrow = _months(exit_reason=pa.array(["", "holiday", ""]), earnings=pa.array([0.0, -1.0, 0.0]))
    pq.write_table(arrow, path)
    with pytest.raises(InputFileError) as info:
        validate_file(path, "benefit_months", as_of=AS_OF)
    message = str(info.value)
    assert "column 'exit_reason'" in message
    assert message == _text_path_message(path, "benefit_months")


def test_typed_columns_load_the_values_of_the_text_path(tmp_path: Path) -> None:
    path = tmp_path / "people.parquet"
    arrow = _people(
        birth_year=pa.array([1970, None, 1990], pa.int64()),
        consent=pa.array([True, False, None]),
        months_on_benefit=pa.array([1.0, np.nan, 3.0]),
    )
    pq.write_table(arrow, path)
    raw = read_raw(path, typed=True)
    assert raw.text["birth_year"].dtype == pd.ArrowDtype(pa.int64())  # kept its type
    # text stays parquet's dictionary: the validator codes it without hashing a row
    assert raw.text["site"].dtype == pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string()))
    assert read_raw(path).text["site"].dtype == pd.ArrowDtype(pa.string())
    loaded = load_table(path, "participants", as_of=AS_OF).drop(columns=["participant"])
    as_text, _ = check_table(read_raw(path), table_schema("participants"), as_of=AS_OF)
    pd.testing.assert_frame_equal(loaded, as_text)
    assert str(loaded["birth_year"].dtype) == "Int64"
    assert str(loaded["consent"].dtype) == "boolean"
    assert loaded["enrolled_on"].dtype == np.dtype("datetime64[ns]")


def test_a_typed_month_loads_as_its_first_day(tmp_path: Path) -> None:
    path = tmp_path / "months.parquet"
    stamps = [dt.datetime(2019, 1, 15), dt.datetime(2019, 2, 1), dt.datetime(2019, 1, 31)]
    pq.write_table(_months(month=pa.array(stamps, pa.timestamp("ms"))), path)
    loaded = load_table(path, "benefit_months", as_of=AS_OF)
    assert loaded["month"].dt.strftime("%Y-%m-%d").tolist() == [
        "2019-01-01",
        "2019-02-01",
        "2019-01-01",
    ]
    assert loaded["on_benefit"].dtype == np.dtype(bool)
    as_text, _ = check_table(read_raw(path), table_schema("benefit_months"), as_of=AS_OF)
    pd.testing.assert_frame_equal(loaded.drop(columns=["participant"]), as_text)


def test_a_typed_column_of_a_text_field_is_read_as_text(tmp_path: Path) -> None:
    """An integer column where the schema wants text (a site code) is written out as text."""
    path = tmp_path / "people.parquet"
    pq.write_table(_people(site=pa.array([10, 10, 20], pa.int64())), path)
    loaded = load_table(path, "participants", as_of=AS_OF)
    assert loaded["site"].tolist() == ["10", "10", "20"]


def test_a_stamped_table_is_counted_from_its_footer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "months.parquet"
    frame = load_table(_write(tmp_path, _months()), "benefit_months", as_of=AS_OF)
    frame = frame.drop(columns=["participant"])
    frame.attrs = {}  # the row positions of the file read: not part of the table
    write_parquet(frame, path, table="benefit_months")

    def no_data(*args: object, **kwargs: object) -> None:
        raise AssertionError("the data were read to count the rows")

    monkeypatch.setattr(pq, "read_table", no_data)
    report = validate_file(path, "benefit_months", as_of=AS_OF)
    assert report.n_rows == 3
    assert report.columns == ("id", "month", "on_benefit", "exit_reason", "earnings")


def test_text_read_as_row_group_dictionaries_codes_as_the_rows(tmp_path: Path) -> None:
    """Row groups with their own dictionaries (and a value no row holds) code as one column."""
    path = tmp_path / "people.parquet"
    sites = pa.array(["Ede", "Zeist", "Ede", " Ede", None, "Zeist"])
    table = _people(
        id=pa.array([f"P{i}" for i in range(6)]),
        site=sites,
        enrolled_on=pa.array([D(2018, 1, 1)] * 6, pa.date32()),
        birth_year=pa.array([1970] * 6, pa.int64()),
        months_on_benefit=pa.array([1.0] * 6),
    )
    pq.write_table(table, path, row_group_size=2)
    assert pq.read_metadata(path).num_row_groups == 3
    with pytest.raises(InputFileError, match=re.escape("'site': 1 row is empty (row 5).")):
        validate_file(path, "participants", as_of=AS_OF)
    pq.write_table(
        table.set_column(1, "site", pa.array(["Ede", "Zeist"] * 3)), path, row_group_size=2
    )
    loaded = load_table(path, "participants", as_of=AS_OF)
    assert loaded["site"].tolist() == ["Ede", "Zeist"] * 3
    from participatie_rct.data.coded import Coded

    spare = pa.DictionaryArray.from_arrays(
        pa.array([1, 1, None], pa.int8()), ["unused", " Ede", "Ede"]
    )
    coded = Coded.of(pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array([spare]))))
    assert coded.codes.tolist() == [0, 0, -1] and coded.uniques.tolist() == ["Ede"]


def _write(folder: Path, arrow: pa.Table) -> Path:
    path = folder / "export.parquet"
    pq.write_table(arrow, path)
    return path


def test_a_damaged_parquet_file_is_refused_in_the_same_words(tmp_path: Path) -> None:
    path = _write(tmp_path, _months())
    path.write_bytes(path.read_bytes()[:200])  # cut short: no footer
    with pytest.raises(InputFileError) as plain:
        read_raw(path)
    with pytest.raises(InputFileError) as typed:
        validate_file(path, "benefit_months", as_of=AS_OF)
    assert "cannot read the parquet file" in str(plain.value)
    assert str(typed.value) == str(plain.value)
