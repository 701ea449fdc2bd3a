"""The intake desk answers at once: light imports, and one read of the register before writing.

No wall clock here (docs/conventions.md): the promises are what makes the desk slow when
broken. ``assign --id`` and ``lookup --id`` import no statistics or plotting library, nor
pandas, the schema checker, the ORM or Pydantic; ``--help`` neither. ``assign --id`` reads
the register once to open it; the stratum levels and whether a returning participant
withdrew come from the write transaction itself, not from reads before and after it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from participatie_rct.registry import Register
from participatie_rct.registry.reading import RegisterReads

from .helpers import BLOCKS, PSEUDONYMS, run

#: never needed to assign or look up one participant
HEAVY = ("scipy", "statsmodels", "linearmodels", "plotnine", "matplotlib")
#: nor these, each a tenth of a second or more: pandas (a file's rows, not one person's),
#: the protocol schema's checker (the register's protocol was checked when stored), the ORM
#: (the register uses Core), Pydantic (Typer's converter; cli/coercion.py does without)
LIGHT_DESK = ("pandas", "jsonschema", "sqlalchemy.orm", "pydantic")
SET = ["--set", "site=Ede", "--set", "age_group=45+"]


@pytest.fixture
def desk(tmp_path: Path, write_protocol, capsys) -> str:  # type: ignore[no-untyped-def]
    protocol = write_protocol(BLOCKS, identifiers=PSEUDONYMS)
    db = f"sqlite:///{tmp_path / 'trial.db'}"
    code, _, err = run(["init", "--protocol", str(protocol), "--db", db], capsys)
    assert code == 0, err
    return db


def _modules_after(argv: list[str], report: Path) -> dict[str, Any]:
    """Run the command line in a fresh interpreter; which of the modules did it import?"""
    script = textwrap.dedent(
        f"""
        import contextlib, io, json, sys
        from participatie_rct.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                main({argv!r})
            except SystemExit as stop:
                code = stop.code
        loaded = sorted(m for m in {(*HEAVY, *LIGHT_DESK)!r} if m in sys.modules)
        json.dump({{"code": code, "loaded": loaded}}, open({str(report)!r}, "w"))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=dict(os.environ)
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(report.read_text()))


def test_assign_and_lookup_import_no_heavy_library(desk: str, tmp_path: Path) -> None:
    assigned = _modules_after(["assign", "--db", desk, "--id", "P1", *SET], tmp_path / "a.json")
    assert assigned["code"] in (0, None)
    assert assigned["loaded"] == [], "assign --id imported " + ", ".join(assigned["loaded"])
    looked = _modules_after(["lookup", "--db", desk, "--id", "P1"], tmp_path / "l.json")
    assert looked["code"] in (0, None)
    assert looked["loaded"] == [], "lookup imported " + ", ".join(looked["loaded"])
    helped = _modules_after(["assign", "--help"], tmp_path / "h.json")
    assert helped["loaded"] == []


def test_assign_id_reads_the_register_once(
    desk: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["assign", "--db", desk, "--id", "P1", *SET], capsys)[0] == 0
    code, _, err = run(["withdraw", "--db", desk, "--id", "P1", "--reason", "moved"], capsys)
    assert code == 0, err
    reads: list[str] = []
    original = RegisterReads._read

    def counted(self: Any) -> Any:
        reads.append("read")
        return original(self)

    def no_second_look(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("assign --id looked the participant up again after writing")

    monkeypatch.setattr(RegisterReads, "_read", counted)
    monkeypatch.setattr(Register, "lookup", no_second_look)
    code, out, err = run(["assign", "--db", desk, "--id", "P1", *SET, "--format", "json"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert payload["withdrawn"] is True and payload["is_new"] is False
    # one read opens the register (its protocol); the levels, the arm and the withdrawal all
    # come from the assignment's own transaction
    assert reads == ["read"]
    reads.clear()
    code, out, _ = run(["assign", "--db", desk, "--id", "P1", *SET], capsys)
    assert code == 0 and "withdrew earlier" in out and reads == ["read"]
    reads.clear()
    code, out, _ = run(["assign", "--db", desk, "--id", "P2", *SET, "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["withdrawn"] is False and reads == ["read"]


def test_a_known_stratum_is_not_checked_against_every_recorded_value(
    desk: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The typo guard reads every recorded value only for someone who opens a stratum: in a
    stratum that has assignments, one indexed look-up settles it, at any register size."""
    from participatie_rct.registry import levels

    assert run(["assign", "--db", desk, "--id", "P1", *SET], capsys)[0] == 0
    assert run(["assign", "--db", desk, "--id", "P2", "--set", "site=Tiel", "--set",
                "age_group=<27", "--new-level"], capsys)[0] == 0  # fmt: skip
    scans: list[list[str]] = []
    original = levels.known_values

    def counted(conn: Any, columns: Any) -> Any:
        scans.append(list(columns))
        return original(conn, columns)

    monkeypatch.setattr(levels, "known_values", counted)
    assert run(["assign", "--db", desk, "--id", "P3", *SET], capsys)[0] == 0
    assert scans == []
    # a new combination of known values opens a stratum: checked in full, and allowed
    code, _, err = run(
        ["assign", "--db", desk, "--id", "P4", "--set", "site=Tiel", "--set", "age_group=45+"],
        capsys,
    )
    assert code == 0, err
    assert scans == [["site", "age_group"]]
    # a typo is still refused, with the nearest value
    code, _, err = run(
        ["assign", "--db", desk, "--id", "P5", "--set", "site=Tiell", "--set", "age_group=45+"],
        capsys,
    )
    assert code == 2 and "Did you mean 'Tiel'?" in err, err
