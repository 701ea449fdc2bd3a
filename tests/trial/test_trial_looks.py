"""Looks recorded in the register: ``monitor status --record`` appends a ``look`` event to the
hash-chained event log; a later look reads the looks held from there (unless --looks-done or
--previous-information override them); the log stays intact and append-only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from participatie_rct.cli import main
from participatie_rct.errors import RegistryError
from participatie_rct.registry import Register
from participatie_rct.trial import Trial
from trial_handmade import make_trial
from trial_protocols import SECRET_BYTES, SECRET_TEXT

FIRST, SECOND = "2018-09-30", "2018-12-31"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    captured = capsys.readouterr()
    return int(stop.value.code or 0), captured.out, captured.err


@pytest.fixture
def trial(tmp_path: Path):
    made = make_trial(tmp_path)
    secret = tmp_path / "trial.secret"
    secret.write_text(SECRET_TEXT + "\n", encoding="ascii")
    secret.chmod(0o600)
    return made, secret


def status(made, capsys, as_of: str, target: int, *extra: str) -> dict:
    code, out, err = run(
        [
            "monitor",
            "status",
            "--db",
            made.url,
            "--data",
            str(made.data),
            "--as-of",
            as_of,
            "--target-n",
            str(target),
            "--format",
            "json",
            *extra,
        ],
        capsys,
    )
    assert code == 0, err
    return json.loads(out)


def looks_in(url: str) -> list[dict]:
    with Register.open(url, read_only=True) as register:
        events = register.events()
    return list(events.loc[events["kind"] == "look", "details"])


def test_recorded_look_is_read_by_the_next_look(trial, capsys) -> None:
    made, secret = trial
    first = status(made, capsys, FIRST, 200, "--record", "--secret-file", str(secret))
    assert first["look"] == 1 and first["recorded_event"] > 0
    held = looks_in(made.url)
    assert len(held) == 1
    assert held[0]["look"] == 1 and held[0]["as_of"] == FIRST
    assert held[0]["information"] == pytest.approx(first["information"])
    assert held[0]["boundary"] == pytest.approx(first["z_boundary"])
    assert held[0]["decision"] == ("stop" if first["crossed"] else "continue")
    assert held[0]["adjusted"] is False
    assert set(held[0]["z"]) == {c["arm"] for c in first["comparisons"]}

    second = status(made, capsys, SECOND, 100)  # no flags: the register's look 1 counts
    assert second["look"] == 2
    assert second["looks"][0]["information"] == pytest.approx(first["information"])
    without = status(made, capsys, SECOND, 100, "--looks-done", "0")  # the override
    assert without["look"] == 1 and without["z_boundary"] != second["z_boundary"]
    given = status(made, capsys, SECOND, 100, "--previous-information", "0.3")
    assert given["looks"][0]["information"] == pytest.approx(0.3)

    with Register.open(made.url, secret=SECRET_BYTES) as register:
        assert register.verify().ok


def test_the_same_look_recorded_twice_appends_nothing(trial, capsys) -> None:
    made, secret = trial
    args = ("--record", "--secret-file", str(secret))
    one = status(made, capsys, FIRST, 200, *args)
    again = status(made, capsys, FIRST, 200, *args)
    assert one["recorded_event"] == again["recorded_event"] and again["look"] == 1
    assert len(looks_in(made.url)) == 1


def test_looks_are_recorded_in_order_and_never_replaced(trial, capsys) -> None:
    made, secret = trial
    status(made, capsys, FIRST, 200, "--record", "--secret-file", str(secret))
    base = ["monitor", "status", "--db", made.url, "--data", str(made.data)]
    # the same date with other figures: refused, one line, nothing appended
    code, out, err = run(
        [*base, "--as-of", FIRST, "--target-n", "150", "--record", "--secret-file", str(secret)],
        capsys,
    )
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "recorded already" in err
    with Register.open(made.url, secret=SECRET_BYTES) as register:
        with pytest.raises(RegistryError, match="next is look 2"):
            register.record_look({**looks_in(made.url)[0], "look": 3, "as_of": SECOND})
        with pytest.raises(RegistryError, match="not later than"):
            register.record_look({**looks_in(made.url)[0], "look": 2, "as_of": "2018-01-01"})
    assert len(looks_in(made.url)) == 1


def test_a_sealed_register_needs_its_secret_to_record_a_look(trial, capsys, monkeypatch) -> None:
    made, _ = trial
    monkeypatch.delenv("PARTICIPATIE_RCT_SECRET", raising=False)
    base = ["monitor", "status", "--db", made.url, "--data", str(made.data)]
    code, out, err = run([*base, "--as-of", FIRST, "--target-n", "200", "--record"], capsys)
    assert code == 2 and out == "" and "secret" in err.lower()
    assert looks_in(made.url) == []


def test_a_tampered_look_breaks_verify(trial, capsys) -> None:
    import sqlite3

    made, secret = trial
    status(made, capsys, FIRST, 200, "--record", "--secret-file", str(secret))
    database = made.url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as conn:
        triggers = [
            r[0] for r in conn.execute("select name from sqlite_master where type='trigger'")
        ]
        for name in triggers:  # an attacker with file access drops the refusing triggers
            conn.execute(f"drop trigger {name}")
        conn.execute(
            "update audit_log set details = replace(details, '\"continue\"', '\"stop\"') "
            "where kind = 'look'"
        )
    with Register.open(made.url, read_only=True, secret=SECRET_BYTES) as register:
        assert not register.verify().ok


def test_report_interim_record_and_the_final_report_lists_the_look(trial, tmp_path, capsys) -> None:
    made, secret = trial
    base = ["--db", made.url, "--data", str(made.data), "--lang", "en", "--formats", "md"]
    code, _, err = run(
        [
            "report",
            "interim",
            *base,
            "--as-of",
            FIRST,
            "--out",
            str(tmp_path / "i"),
            "--record",
            "--secret-file",
            str(secret),
        ],
        capsys,
    )
    assert code == 0, err
    held = looks_in(made.url)
    assert len(held) == 1 and held[0]["as_of"] == FIRST
    code, _, err = run(
        ["report", "final", *base, "--as-of", SECOND, "--out", str(tmp_path / "f")], capsys
    )
    assert code == 0, err
    text = (tmp_path / "f" / "report.md").read_text(encoding="utf-8")
    section = text[text.index("## Interim looks and final test") :]
    assert "Interim looks held, as the register records them: 1" in section
    assert "| 1 | 30 September 2018 |" in section
    trial_now = Trial.open(made.url, made.data, as_of=SECOND)
    final = trial_now.report_analyses("final").final_boundary
    assert final is not None
    assert final.looks[0].information == pytest.approx(held[0]["information"])
    assert f"|z| ≥ {final.looks[-1].z:.2f}" in section
