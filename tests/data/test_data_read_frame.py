"""``read_frame`` types a DATA file's columns once per distinct value, as row by row would."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import participatie_rct.data.readers as readers
from participatie_rct.data import read_frame, read_raw
from participatie_rct.data.values import TEXT, infer_column

COLUMNS = {
    "whole": ["1", "2", "2", "1", "3", "2"],
    "whole_with_gap": ["1", "", "2", "2", " ", "1"],
    "decimal_comma": ["1,5", "2", "1,5", "", "0,25", "2"],
    "words": ["ja", "nee", "Ja", "ja", "nee", "ja"],
    "words_with_gap": ["yes", "", "no", "no", "yes", "yes"],
    "dates": ["13-02-2018", "2018-02-13", "13-02-2018", "01-01-2019", "", "2018-02-13"],
    "stamps": [
        "2018-02-13 10:30",
        "2018-02-13 10:30",
        "2018-03-01T08:00",
        "",
        "2018-02-13 10:30",
        "2019-01-01 00:15",
    ],
    "leading_zero": ["007", "7", "007", "12", "12", "007"],
    "text": ["Ede", " Ede", "Zeist", "Ede", "", "Zeist"],
    "arm_id": ["1", "2", "1", "1", "2", "2"],
    "empty": ["", "", "", "", "", ""],
}


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    frame = pd.DataFrame(COLUMNS)
    path.write_text(frame.to_csv(index=False, sep=";"), encoding="utf-8")
    return path


def test_distinct_values_type_a_column_as_its_rows_would(data_file: Path) -> None:
    raw = read_raw(data_file)
    frame = read_frame(data_file)
    for name in COLUMNS:
        by_row = infer_column(raw.text[name].astype(TEXT), name)
        pd.testing.assert_series_equal(frame[name], by_row, check_names=False, obj=name)


def test_each_distinct_value_is_typed_once(
    data_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, int] = {}

    def counting(cells: pd.Series, name: str = "") -> pd.Series:
        seen[name] = len(cells)
        return infer_column(cells, name)

    monkeypatch.setattr(readers, "infer_column", counting)
    read_frame(data_file)
    assert seen["whole"] == 3  # 1, 2, 3
    assert seen["whole_with_gap"] == 3  # 1, 2 and the empty cell
    assert seen["text"] == 3  # Ede (with or without the space), Zeist, the empty cell
