"""The commands of the service: users add/list/revoke, serve's address rule, assign --server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from participatie_rct.registry import Register, users
from participatie_rct.registry.migrations import SCHEMA_VERSION
from participatie_rct.service import check_bind
from participatie_rct.service.config import ServiceError
from participatie_rct.service.loadtest import running_service

from .helpers import Trial, elfproef_bsns, make_trial, sqlite_url, write_key_files


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from participatie_rct.cli import main

    with pytest.raises(SystemExit) as caught:
        main(args)
    out, err = capsys.readouterr()
    return int(caught.value.code or 0), out, err


def test_users_add_prints_the_token_once_and_stores_only_a_hash(
    trial: Trial, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(
        ["users", "add", "j.jansen", "--role", "assigner", "--site", "Ede", "--site", "Tiel",
         "--db", trial.url, "--format", "json"],
        capsys,
    )  # fmt: skip
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == {"user", "role", "sites", "token"}
    assert payload["sites"] == ["Ede", "Tiel"] and payload["role"] == "assigner"
    token = payload["token"]
    code, listed, _err = run(["users", "list", "--db", trial.url, "--format", "json"], capsys)
    assert code == 0 and token not in listed
    assert "j.jansen" in listed
    database = Path(trial.url.removeprefix("sqlite:///")).read_bytes()
    assert token.encode() not in database
    assert token.split("_", 2)[2].encode() not in database
    with Register.open(trial.url) as reg:
        assert users.authenticate(reg.engine, token) is not None
        events = reg.events()
    added = events[events["kind"] == "user_added"]
    assert "j.jansen" in set(d["user"] for d in added["details"])


def test_users_revoke_and_refusals(trial: Trial, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["users", "revoke", "ede", "--db", trial.url], capsys)
    assert code == 0 and "no longer works" in out
    code, _, err = run(["users", "revoke", "ede", "--db", trial.url], capsys)
    assert code == 2 and "already revoked" in err
    code, _, err = run(["users", "add", "ede", "--role", "monitor", "--db", trial.url], capsys)
    assert code == 2 and "names are not reused" in err
    code, _, err = run(["users", "add", "x", "--role", "boss", "--db", trial.url], capsys)
    assert (
        code == 2 and "'boss' is not one of 'assigner', 'monitor', 'statistician', 'admin'" in err
    )
    code, _, err = run(["users", "add", "x", "--role", "assigner", "--db", trial.url], capsys)
    assert code == 2 and "give --site SITE" in err
    code, _, err = run(
        ["users", "add", "x", "--role", "monitor", "--site", "Ede", "--db", trial.url], capsys
    )
    assert code == 2 and "--site is for assigners" in err


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "rct.example.nl"])
def test_serve_refuses_the_network_without_tls(
    host: str, trial: Trial, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ServiceError, match="refusing to listen beyond this machine"):
        check_bind(host, tls=False, behind_proxy=False)
    check_bind(host, tls=True, behind_proxy=False)
    check_bind(host, tls=False, behind_proxy=True)
    code, _out, err = run(["serve", "--db", trial.url, "--host", host], capsys)
    assert code == 2
    assert "--ssl-certfile and --ssl-keyfile, or --behind-proxy" in err


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_needs_nothing(host: str) -> None:
    check_bind(host, tls=False, behind_proxy=False)


def test_serve_needs_both_tls_files(trial: Trial, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(
        ["serve", "--db", trial.url, "--host", "0.0.0.0", "--ssl-certfile", "c.pem"], capsys
    )
    assert code == 2 and "needs both --ssl-certfile and --ssl-keyfile" in err


def test_assign_through_the_service(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trial = make_trial(sqlite_url(tmp_path))
    key_file, secret_file = write_key_files(tmp_path)
    token_file = tmp_path / "ede.token"
    token_file.write_text(trial.tokens["ede"] + "\n", encoding="utf-8")
    one, *more = elfproef_bsns(4, start=800_000_000)
    people = tmp_path / "people.csv"
    people.write_text(
        "bsn;site;age_group;consent;startdatum\n"
        + "".join(f"{b};Ede;27-44;ja;2024-03-01\n" for b in more),
        encoding="utf-8",
    )
    log = tmp_path / "service.log"
    with running_service(
        trial.url, key_file=key_file, secret_file=secret_file, log_path=log
    ) as base:
        common = ["assign", "--server", base, "--token-file", str(token_file)]
        # the file first: its values are then known at intake
        code, out, err = run([*common, str(people)], capsys)
        assert code == 0, err
        assert "3 newly assigned" in out
        code, out, err = run([*common, "--id", one, "--set", "age_group=27-44"], capsys)
        assert code == 0, err
        assert out.startswith("assigned: arm ") and one not in out
        code, out, err = run(
            [*common, "--id", one, "--set", "age_group=27-44", "--format", "json"], capsys
        )
        assert code == 0 and json.loads(out)["new"] is False
        code, _out, err = run([*common, "--id", one, "--set", "agegroup=<27"], capsys)
        assert code == 2 and "refused (422): --set agegroup: the protocol assigns by" in err
        code, _out, err = run(
            [*common, "--id", one, "--set", "site=Tiel", "--set", "age_group=<27"], capsys
        )
        assert code == 2 and "refused (403)" in err
    with Register.open(trial.url) as reg:
        assert len(reg.assignments()) == 4
        intakes = reg.events().query("kind == 'intake'")
    # the file, the new participant and the one asked for again: each names its user
    assert [d.get("user") for d in intakes["details"]] == ["ede", "ede", "ede"]


def test_assign_client_refuses_plain_http_beyond_this_machine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token_file = tmp_path / "t"
    token_file.write_text("prct_x", encoding="utf-8")
    code, _out, err = run(
        ["assign", "--server", "http://rct.example.nl", "--token-file", str(token_file),
         "--id", "1"],
        capsys,
    )  # fmt: skip
    assert code == 2 and "Use https://" in err
    code, _out, err = run(["assign", "--server", "https://rct.example.nl", "--id", "1"], capsys)
    assert code == 2 and "--server needs --token-file FILE" in err


def test_an_older_register_gets_the_users_table(tmp_path: Path) -> None:
    trial = make_trial(sqlite_url(tmp_path))
    engine = sa.create_engine(trial.url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE service_user")
        conn.exec_driver_sql("DELETE FROM schema_migration WHERE version >= 5")
    engine.dispose()
    with Register.open(trial.url) as reg:
        assert reg.status()["schema_version"] == SCHEMA_VERSION
        assert users.list_users(reg.engine) == []
