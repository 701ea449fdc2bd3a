"""Hostile input to the register: each refusal is one line naming the place and the fix.

Also the protocol's own identifier column (``[identifiers] column = "klantnummer"``) end to end,
and line numbers as the user sees them (quoted newlines in a CSV, rows of a sheet).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from participatie_rct.data import load_table
from participatie_rct.errors import InputFileError, RegistryError
from participatie_rct.registry import Register
from trial_protocols import KEY_BYTES

from .helpers import elfproef_bsns, make_protocol, run

TEAM = 'method = "permuted_blocks"\nstrata = ["team"]\nblock_sizes = [4]'
KLANTNUMMER = 'column = "klantnummer"\nkind = "pseudonym"'
KEY = KEY_BYTES


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'trial.db'}"


def test_the_protocols_own_identifier_column_is_read_as_the_id(tmp_path: Path, url: str) -> None:
    path = tmp_path / "klanten.csv"
    path.write_text(
        "Klantnummer,startdatum,site,team\nk1,2024-03-01,Ede,A\nk2,2024-03-01,Tiel,B\n",
        encoding="utf-8",
    )
    frame = load_table(path, "participants", id_kind="pseudonym", id_column="klantnummer")
    assert list(frame["participant"]) == ["k1", "k2"]
    assert "Klantnummer" in frame.columns and "id" not in frame.columns
    with Register.create(url, make_protocol(TEAM, identifiers=KLANTNUMMER), key=None) as reg:
        outcome = reg.assign_file(path, key=None)
        assert outcome.n_new == 2
        assert set(reg.assignments()["participant"]) == {"k1", "k2"}


def test_an_own_identifier_column_of_kind_bsn_is_checked_and_pseudonymised(
    tmp_path: Path, url: str
) -> None:
    good, bad = elfproef_bsns(1)[0], "123456789"
    path = tmp_path / "klanten.csv"
    path.write_text(
        f"klantnummer,startdatum,site,team\n{good},2024-03-01,Ede,A\n{bad},2024-03-01,Ede,B\n",
        encoding="utf-8",
    )
    ids = 'column = "klantnummer"\nkind = "bsn"'
    with Register.create(url, make_protocol(TEAM, identifiers=ids), key=KEY) as reg:
        with pytest.raises(
            InputFileError, match=r"klanten\.csv, column 'klantnummer': 1 BSN fails .*\(line 3;"
        ):
            reg.assign_file(path, key=KEY)
        path.write_text(
            f"klantnummer,startdatum,site,team\n{good},2024-03-01,Ede,A\n", encoding="utf-8"
        )
        reg.assign_file(path, key=KEY)
        stored = reg.assignments()["participant"].iloc[0]
    assert stored != good and len(stored) == 64


def test_a_file_without_the_identifier_column_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "klanten.csv"
    path.write_text("nr,site\nk1,Ede\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"no identifier column 'klantnummer'.*Rename"):
        load_table(path, "participants", id_kind="pseudonym", id_column="klantnummer")
    path.write_text("klantnummer,id,site\nk1,x,Ede\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"also has a column 'id'"):
        load_table(path, "participants", id_kind="pseudonym", id_column="klantnummer")


def test_refusals_name_the_physical_line_and_leave_the_register_unchanged(
    tmp_path: Path, url: str
) -> None:
    path = tmp_path / "klanten.csv"
    # the quoted site spans two lines, so the row with the empty team stands on line 5
    path.write_text(
        'klantnummer,site,team,startdatum\nk1,"Ede\nWest",A,2024-03-01\nk2,Ede,,2024-03-01\n'
        "k3,Tiel,B,2024-03-01\n",
        encoding="utf-8",
    )
    Register.create(url, make_protocol(TEAM, identifiers=KLANTNUMMER), key=None).close()
    before = (tmp_path / "trial.db").read_bytes()
    with (
        Register.open(url) as reg,
        pytest.raises(
            RegistryError, match=r"klanten\.csv, column 'team': 1 row is empty \(line 4\)"
        ),
    ):
        reg.assign_file(path, key=None)
    path.write_text(
        'klantnummer,site,team,startdatum\nk1,"Ede\nWest",A,2024-03-01\nk2,Ede,B,2024-03-01\n'
        "k3,Tiel,,2024-03-01\n",
        encoding="utf-8",
    )
    with Register.open(url) as reg, pytest.raises(RegistryError, match=r"\(line 5\)"):
        reg.assign_file(path, key=None)
    assert (tmp_path / "trial.db").read_bytes() == before


def test_sheet_refusals_count_rows_not_lines(tmp_path: Path, url: str) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (
        ["klantnummer", "startdatum", "site", "team"],
        ["k1", "2024-03-01", "Ede", "A"],
        ["k2", "2024-03-01", "Ede", None],
    ):
        sheet.append(row)
    book.save(tmp_path / "klanten.xlsx")
    protocol = make_protocol(TEAM, identifiers=KLANTNUMMER)
    with (
        Register.create(url, protocol, key=None) as reg,
        pytest.raises(RegistryError, match=r"column 'team': 1 row is empty \(row 3\)"),
    ):
        reg.assign_file(tmp_path / "klanten.xlsx", key=None)


def test_a_returning_client_with_other_values_keeps_the_arm_and_is_told(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "trial.toml").write_text(
        make_protocol(TEAM, identifiers=KLANTNUMMER).text, encoding="utf-8"
    )
    assert run(["init", "--protocol", str(tmp_path / "trial.toml"), "--db", url], capsys)[0] == 0
    code, first, _ = run(["assign", "--db", url, "--id", "k1", "--set", "team=A"], capsys)
    assert code == 0 and first.startswith("assigned: arm ")
    code, again, _ = run(
        ["assign", "--db", url, "--id", "k1", "--set", "team=B", "--format", "json"], capsys
    )
    payload = json.loads(again)
    assert code == 0 and payload["is_new"] is False and payload["changed"] == ["team"]
    assert payload["stratum"] == "team=A" and f"arm {payload['arm']} (" in first
    code, text, _ = run(["assign", "--db", url, "--id", "k1", "--set", "team=B"], capsys)
    assert "note: team differs from the values recorded" in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--set", "tema=A"], r"--set tema: the protocol assigns by team, so 'tema' is not used"),
        (["--set", "team"], r"--set 'team': write COLUMN=VALUE"),
        ([], r"no value for team\. Give --set team=VALUE"),
    ],
)
def test_bad_set_options_are_refused(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    Register.create(url, make_protocol(TEAM, identifiers=KLANTNUMMER), key=None).close()
    code, _, err = run(["assign", "--db", url, "--id", "k1", *extra], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert re.search(message, err)


def test_a_file_that_is_not_a_database_is_one_line_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "junk.db").write_bytes(b"this is not sqlite\n" * 10)
    code, _, err = run(["status", "--db", f"sqlite:///{tmp_path / 'junk.db'}"], capsys)
    assert code == 2 and "internal error" not in err
    assert "cannot open the register (file is not a database)" in err


def test_export_into_a_missing_folder_names_the_reason(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with Register.create(url, make_protocol(TEAM, identifiers=KLANTNUMMER), key=None) as reg:
        reg.assign_one("k1", {"team": "A"}, key=None)
    target = tmp_path / "missing" / "export.csv"
    code, _, err = run(["export", "--db", url, "--out", str(target)], capsys)
    assert code == 2 and "None" not in err
    assert "cannot write the export (" in err and "Check that the folder exists" in err
    assert not target.parent.exists()


def test_init_into_a_missing_folder_names_the_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing' / 'trial.db'}"
    with pytest.raises(RegistryError, match=r"the folder .*missing does not exist\. Create it"):
        Register.create(url, make_protocol(TEAM, identifiers=KLANTNUMMER), key=None)
    assert not (tmp_path / "missing").exists()


def test_a_file_with_returning_clients_whose_values_changed_keeps_their_arms(
    tmp_path: Path, url: str
) -> None:
    path = tmp_path / "klanten.csv"
    path.write_text(
        "klantnummer,startdatum,site,team\nk1,2024-03-01,Ede,A\nk2,2024-03-01,Ede,B\n",
        encoding="utf-8",
    )
    with Register.create(url, make_protocol(TEAM, identifiers=KLANTNUMMER), key=None) as reg:
        first = reg.assign_file(path, key=None).frame.set_index("participant")
        path.write_text(
            "klantnummer,startdatum,site,team\nk1,2024-03-01,Ede,B\nk2,2024-03-01,Ede,B\n",
            encoding="utf-8",
        )
        again = reg.assign_file(path, key=None)
    frame = again.frame.set_index("participant")
    assert (again.n_new, again.n_existing, again.n_changed) == (0, 2, 1)
    assert list(frame["changed"]) == ["team", ""]
    assert frame.at["k1", "arm"] == first.at["k1", "arm"]
    assert frame.at["k1", "stratum"] == "team=A"
    assert "note: 1 assigned before now has other stratum values" in again.summary()
    assert again.to_dict()["n_changed"] == 1


def test_a_postgresql_server_that_never_answers_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    from participatie_rct.registry import engine

    seen: list[dict[str, object]] = []
    monkeypatch.setattr(engine.sa, "create_engine", lambda url, **kw: seen.append(kw))
    engine.make_engine("postgresql+psycopg://u@10.255.255.1/db")
    engine.make_engine("postgresql+psycopg://u@10.255.255.1/db?connect_timeout=3")
    assert seen[0]["connect_args"] == {"connect_timeout": engine.PG_CONNECT_TIMEOUT_S}
    assert seen[1]["connect_args"] == {}  # the URL's own timeout is passed on by the driver
