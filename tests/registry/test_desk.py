"""The intake desk: declared levels, typo guards, look-ups, dry runs and deviations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from participatie_rct.errors import ProtocolError, RegistryError
from participatie_rct.registry import Register

from .helpers import BLOCKS, PSEUDONYMS, make_protocol, participants_csv, protocol_text, run

LEVELS = BLOCKS + '\n\n[assignment.levels]\nsite = ["Deventer", "Ede", "Tiel"]'


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A register of an open four-arm trial with pseudonymous ids and declared sites."""
    monkeypatch.chdir(tmp_path)
    protocol = tmp_path / "trial.toml"
    protocol.write_text(protocol_text(LEVELS, identifiers=PSEUDONYMS), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'trial.db'}"
    return {"protocol": str(protocol), "db": db}


def _init(desk: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["init", "--protocol", desk["protocol"], "--db", desk["db"]], capsys)
    assert code == 0, err


def _trial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], text: str
) -> str:
    """Init a register for protocol ``text`` in ``tmp_path``; its URL."""
    monkeypatch.chdir(tmp_path)
    protocol = tmp_path / "trial.toml"
    protocol.write_text(text, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'trial.db'}"
    assert run(["init", "--protocol", str(protocol), "--db", db], capsys)[0] == 0
    return db


def _deviation(
    desk: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    participant: str,
    kind: str,
    *extra: str,
    reason: str = "x",
) -> tuple[int, str, str]:
    args = ["deviation", "--db", desk["db"], "--id", participant, "--kind", kind, *extra]
    return run([*args, "--reason", reason], capsys)


def _counts(db: str) -> tuple[int, int]:
    with Register.open(db) as reg:
        return len(reg.assignments()), len(reg.events())


def test_protocol_levels_are_read_and_checked() -> None:
    protocol = make_protocol(LEVELS)
    assert protocol.assignment.levels_of("site") == ("Deventer", "Ede", "Tiel")
    assert protocol.assignment.levels_of("age_group") is None
    with pytest.raises(ProtocolError, match=r"levels\] names 'gemeente'.*site, age_group"):
        make_protocol(BLOCKS + '\n\n[assignment.levels]\ngemeente = ["Ede"]')
    with pytest.raises(ProtocolError, match="repeats a value"):
        make_protocol(BLOCKS + '\n\n[assignment.levels]\nsite = ["Ede", " Ede"]')


def test_a_typo_in_a_file_is_refused_whole_with_line_and_suggestion(
    desk: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _init(desk, capsys)
    path = participants_csv(
        tmp_path / "deelnemers.csv", [f"p{i}" for i in range(6)], sites=("Ede", "Deventr")
    )
    code, out, err = run(["assign", "--db", desk["db"], str(path)], capsys)
    assert code == 2 and out == ""
    assert "deelnemers.csv, column 'site'" in err
    assert "lines 3, 5, 7" in err
    assert "Did you mean 'Deventer'?" in err
    assert _counts(desk["db"]) == (0, 1)  # only the protocol event: nothing assigned


def test_a_typo_at_intake_is_refused_with_a_suggestion(
    desk: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _init(desk, capsys)
    args = ["assign", "--db", desk["db"], "--id", "p1", "--set", "age_group=45+"]
    code, _, err = run([*args, "--set", "site=Deventr"], capsys)
    assert code == 2 and "Did you mean 'Deventer'?" in err and "Nothing was assigned" in err
    code, out, err = run([*args, "--set", "site=Deventer"], capsys)
    assert code == 0, err
    assert out.startswith("assigned: arm ")


def test_without_declared_levels_a_new_value_needs_new_level(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _trial(tmp_path, monkeypatch, capsys, protocol_text(BLOCKS, identifiers=PSEUDONYMS))
    path = participants_csv(tmp_path / "first.csv", [f"p{i}" for i in range(8)])
    code, out, _ = run(["assign", "--db", db, str(path)], capsys)
    assert code == 0 and "new values of site: Ede, Tiel" in out
    one = ["assign", "--db", db, "--id", "q1", "--set", "age_group=45+"]
    code, _, err = run([*one, "--set", "site=Tiell"], capsys)
    assert code == 2 and "has not been seen in this register" in err
    assert "Did you mean 'Tiel'?" in err and "--new-level" in err
    assert _counts(db)[0] == 8
    code, _, err = run([*one, "--set", "site=Zeist", "--new-level"], capsys)
    assert code == 0, err
    code, _, err = run([*one[:4], "q2", "--set", "age_group=45+", "--set", "site=Zeist"], capsys)
    assert code == 0, err  # Zeist is known now


def test_library_refuses_a_declared_level_violation_always() -> None:
    with Register.create("sqlite://", make_protocol(LEVELS), key=None) as reg:
        with pytest.raises(RegistryError, match="Did you mean 'Tiel'"):
            reg.assign_one("p1", {"site": "tiel ", "age_group": "45+"}, key=None)
        assert len(reg.assignments()) == 0


def test_lookup_reads_only_and_says_arm_label_and_withdrawal(
    desk: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _init(desk, capsys)
    path = participants_csv(tmp_path / "d.csv", [f"p{i}" for i in range(4)])
    assert run(["assign", "--db", desk["db"], str(path)], capsys)[0] == 0
    before = _counts(desk["db"])
    code, out, _ = run(["lookup", "--db", desk["db"], "--id", "p2", "--format", "json"], capsys)
    assert code == 0
    found = json.loads(out)
    assert set(found) == {"arm", "label", "assigned_on", "withdrawn"}
    assert found["assigned_on"] == "2018-02-13" and found["withdrawn"] is False
    with Register.open(desk["db"]) as reg:
        arm = reg.assignments().set_index("participant").loc["p2", "arm"]
    assert found["arm"] == arm and found["label"] == arm  # no labels declared: the key
    code, out, err = run(["lookup", "--db", desk["db"], "--id", "nobody"], capsys)
    assert code == 1 and "not been assigned" in err
    assert _counts(desk["db"]) == before  # nobody assigned, nothing logged
    run(["withdraw", "--db", desk["db"], "--id", "p2", "--reason", "verhuisd"], capsys)
    code, out, _ = run(["lookup", "--db", desk["db"], "--id", "p2"], capsys)
    assert code == 0 and "withdrawn since" in out
    again = ["assign", "--db", desk["db"], "--id", "p2", "--set", "site=Ede"]
    code, out, _ = run([*again, "--set", "age_group=27-44"], capsys)
    assert code == 0 and "already assigned" in out and "withdrew earlier" in out


def test_the_service_record_and_the_desk_lookup_agree_on_withdrawal() -> None:
    from participatie_rct.registry.users import participant_record

    with Register.create("sqlite://", make_protocol(LEVELS), key=None) as reg:
        arm = reg.assign_one("p1", {"site": "Ede", "age_group": "45+"}, key=None).arm
        assert participant_record(reg.engine, "p1") == {
            "arm": arm,
            "site": "Ede",
            "withdrawn": False,
        }
        reg.withdraw("p1", "verhuisd", key=None)
        record = participant_record(reg.engine, "p1")
        assert record is not None and record["withdrawn"] is True
        looked = reg.lookup("p1", key=None)
        assert looked is not None and looked.withdrawn is True
        assert participant_record(reg.engine, "nobody") is None
        assert reg.lookup("nobody", key=None) is None


def test_assign_prints_the_label_in_the_chosen_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = protocol_text('method = "complete"', identifiers=PSEUDONYMS)
    for key, nl, en in (
        ("control", "Controlgroep", "Control"),
        ("earn_more", "Bijverdienen", "Earn more"),
        ("intensive_support", "Intensieve begeleiding", "Intensive support"),
        ("no_application_duty", "Ontheffing", "Exemption"),
    ):
        text = text.replace(
            f'key = "{key}"\n', f'key = "{key}"\nlabel_nl = "{nl}"\nlabel_en = "{en}"\n'
        )
    db = _trial(tmp_path, monkeypatch, capsys, text)
    code, out, _ = run(["assign", "--db", db, "--id", "a1", "--format", "json"], capsys)
    payload = json.loads(out)
    labels_nl = {"Controlgroep", "Bijverdienen", "Intensieve begeleiding", "Ontheffing"}
    assert code == 0 and payload["label"] in labels_nl
    english = {
        "Controlgroep": "Control",
        "Bijverdienen": "Earn more",
        "Intensieve begeleiding": "Intensive support",
        "Ontheffing": "Exemption",
    }[payload["label"]]
    code, out, _ = run(["lookup", "--db", db, "--id", "a1", "--lang", "en"], capsys)
    assert code == 0 and f"({english})" in out


def test_dry_run_writes_nothing_and_refuses_what_assign_would(
    desk: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _init(desk, capsys)
    first = participants_csv(tmp_path / "first.csv", [f"p{i}" for i in range(6)])
    assert run(["assign", "--db", desk["db"], str(first)], capsys)[0] == 0
    run(["withdraw", "--db", desk["db"], "--id", "p1", "--reason", "verhuisd"], capsys)
    more = participants_csv(
        tmp_path / "more.csv",
        [f"p{i}" for i in range(10)],
        consent=["ja"] * 9 + ["nee"],
    )
    db_file = tmp_path / "trial.db"
    before_bytes, before = db_file.read_bytes(), _counts(desk["db"])
    code, out, _ = run(
        ["assign", "--db", desk["db"], "--dry-run", str(more), "--format", "json"], capsys
    )
    assert code == 0
    preview = json.loads(out)
    assert preview["dry_run"] is True
    assert (preview["n_new"], preview["n_existing"], preview["n_declined"]) == (3, 6, 1)
    assert preview["n_existing_withdrawn"] == 1
    assert "arm" not in out and "probability" not in out  # nothing drawn, nothing revealed
    assert _counts(desk["db"]) == before and db_file.read_bytes() == before_bytes
    bad = participants_csv(tmp_path / "bad.csv", ["x1", "x2"], sites=("Ede", "Deventr"))
    code, _, err = run(["assign", "--db", desk["db"], "--dry-run", str(bad)], capsys)
    assert code == 2 and "Did you mean 'Deventer'?" in err


def test_deviation_is_recorded_counted_and_named_in_messages(
    desk: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _init(desk, capsys)
    path = participants_csv(tmp_path / "d.csv", [f"p{i}" for i in range(4)])
    assert run(["assign", "--db", desk["db"], str(path)], capsys)[0] == 0
    code, out, _ = _deviation(
        desk, capsys, "p0", "wrong_stratum", reason="age group was entered wrongly at intake"
    )
    assert code == 0 and "wrong_stratum" in out
    code, out, _ = _deviation(
        desk,
        capsys,
        "p1",
        "crossover",
        "--received",
        "control",
        reason="caseworker applied the regular regime",
    )
    assert code == 0
    code, _, err = _deviation(desk, capsys, "nobody", "other")
    assert code == 2 and "No assigned participant" in err
    code, _, err = _deviation(desk, capsys, "p2", "other", "--received", "control")
    assert code == 2 and "--received belongs with --kind crossover" in err
    code, out, _ = run(["status", "--db", desk["db"], "--format", "json"], capsys)
    status = json.loads(out)
    assert (status["n_deviations"], status["n_crossovers"]) == (1, 1)
    with Register.open(desk["db"]) as reg:
        events = reg.events()
    deviation = events[events["kind"] == "deviation"].iloc[0]
    assert deviation["details"] == {"type": "wrong_stratum"}
    # the message about changed intake values names the command that exists
    code, out, _ = run(
        ["assign", "--db", desk["db"], "--id", "p3", "--set", "site=Ede", "--set", "age_group=<27"],
        capsys,
    )
    assert code == 0 and "participatie-rct deviation --id ID --kind wrong_stratum" in out


def test_export_writes_a_real_workbook_and_refuses_other_extensions(
    desk: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pandas as pd

    _init(desk, capsys)
    path = participants_csv(tmp_path / "d.csv", [f"p{i}" for i in range(5)])
    assert run(["assign", "--db", desk["db"], str(path)], capsys)[0] == 0
    code, _, err = run(["export", "--db", desk["db"], "--out", str(tmp_path / "a.csv")], capsys)
    assert code == 0, err
    code, _, err = run(["export", "--db", desk["db"], "--out", str(tmp_path / "a.xlsx")], capsys)
    assert code == 0, err
    assert (tmp_path / "a.xlsx").read_bytes()[:2] == b"PK"  # a zip container, not CSV text
    workbook = pd.read_excel(tmp_path / "a.xlsx", dtype=str)
    csv = pd.read_csv(tmp_path / "a.csv", dtype=str)
    assert list(workbook.columns) == list(csv.columns)
    assert workbook["participant"].tolist() == csv["participant"].tolist()
    assert workbook["arm"].tolist() == csv["arm"].tolist()
    code, _, err = run(["export", "--db", desk["db"], "--out", str(tmp_path / "a.txt")], capsys)
    assert code == 2 and "CSV (.csv) or an Excel workbook (.xlsx)" in err
    assert not (tmp_path / "a.txt").exists()
