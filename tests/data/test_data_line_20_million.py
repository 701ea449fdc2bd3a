"""A bad value on line 20,000,000 of a benefit_months export is named exactly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from participatie_rct.data import validate_file
from participatie_rct.errors import InputFileError

ROW = b"P0000000;2019-01;true;;0\n"  # 25 bytes; digits filled in per row
HEADER = b"id;month;on_benefit;exit_reason;earnings\n"


def write_panel(path: Path, n_rows: int, *, months: int = 60, chunk: int = 2_000_000) -> None:
    """``n_rows`` rows of ``ROW`` with distinct (id, month), written from a byte matrix."""
    template = np.frombuffer(ROW, dtype=np.uint8)
    with open(path, "wb") as handle:
        handle.write(HEADER)
        for start in range(0, n_rows, chunk):
            index = np.arange(start, min(start + chunk, n_rows), dtype=np.int64)
            rows = np.tile(template, (len(index), 1))
            person, month = index // months + 1, index % months
            for j in range(7):  # P + 7 digits
                rows[:, 7 - j] = 48 + (person // 10**j) % 10
            year, month_of_year = 2019 + month // 12, month % 12 + 1
            for j in range(4):
                rows[:, 12 - j] = 48 + (year // 10**j) % 10
            rows[:, 14] = 48 + month_of_year // 10
            rows[:, 15] = 48 + month_of_year % 10
            handle.write(rows.tobytes())


@pytest.mark.slow
def test_a_bad_value_on_line_20_million_is_named(tmp_path: Path) -> None:
    path = tmp_path / "benefit_months.csv"
    n_rows = 19_999_999  # lines 2 .. 20,000,000
    write_panel(path, n_rows)
    with open(path, "r+b") as handle:  # the last row's earnings become 'x'
        handle.seek(-2, 2)
        handle.write(b"x\n")
    with pytest.raises(InputFileError) as info:
        validate_file(path, "benefit_months", as_of=dt.date(2026, 11, 23))
    assert str(info.value) == (
        f"{path}, column 'earnings': 1 row holds text where a number belongs (line 20000000; "
        "value 'x'). Write numbers such as 1250 or 12,50."
    )


def test_the_generator_writes_what_the_reader_reads(tmp_path: Path) -> None:
    path = tmp_path / "benefit_months.csv"
    write_panel(path, 130, chunk=50)
    lines = path.read_text().splitlines()
    assert lines[1] == "P0000001;2019-01;true;;0" and lines[61] == "P0000002;2019-01;true;;0"
    assert lines[-1] == "P0000003;2019-10;true;;0"
    assert validate_file(path, "benefit_months", as_of=dt.date(2026, 11, 23)).n_rows == 130
