"""``participatie-rct validate``: text and JSON output, exit codes, nothing printed on refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from participatie_rct.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


def test_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["validate", "participants", str(FIXTURES / "participants_semicolon_cp1252.csv")], capsys
    )
    assert (code, out, err) == (
        0,
        "participants_semicolon_cp1252.csv: 5 valid rows (participants)\n",
        "",
    )


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(FIXTURES / "benefit_months_semicolon.csv")
    code, out, _ = run(["validate", "benefit_months", path, "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out) == {"table": "benefit_months", "file": path, "n_rows": 9, "valid": True}


def test_refusal_prints_nothing_on_stdout_and_no_bsn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "participants.csv"
    path.write_text("bsn;site\n111222333;Ede\n123456789;Ede\n", encoding="utf-8")
    code, out, err = run(["validate", "participants", str(path), "--format", "json"], capsys)
    assert (code, out) == (2, "")
    assert err.startswith(
        f"participatie-rct: error: {path}, column 'bsn': 1 BSN fails the elfproef"
    )
    assert "111222333" not in err and "123456789" not in err


def test_as_of(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "participants.csv"
    path.write_text("id,site,enrolled_on\nP1,Ede,13-02-2018\n", encoding="utf-8")
    assert run(["validate", "participants", str(path), "--as-of", "2018-02-13"], capsys)[0] == 0
    code, _, err = run(["validate", "participants", str(path), "--as-of", "2018-02-12"], capsys)
    assert code == 2 and "after today, 2018-02-12 (line 2; value '13-02-2018')" in err
    code, _, err = run(["validate", "participants", str(path), "--as-of", "gisteren"], capsys)
    assert code == 2 and "'--as-of': 'gisteren' is not a day; write it as 2019-12-31" in err
    # the Dutch order, as in the files
    assert run(["validate", "participants", str(path), "--as-of", "13-02-2018"], capsys)[0] == 0
