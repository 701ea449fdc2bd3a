"""Smaller promises: the CLI's and the API's messages agree, declared levels, where the
secrets come from (blinded letters: ``test_blinding.py``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest
from starlette.testclient import TestClient

from participatie_rct.errors import ParticipatieRCTError
from participatie_rct.protocol import Protocol
from participatie_rct.service import keys, pages

from .helpers import (
    KEY,
    KEY_TEXT,
    PROTOCOL,
    SECRET,
    SECRET_TEXT,
    Trial,
    elfproef_bsns,
    write_key_files,
)
from .test_cli import run


@pytest.mark.parametrize(
    ("identifier", "settings", "enrolled_on"),
    [
        ("12345", {"age_group": "<27"}, None),
        ("111111111", {"age_group": "<27"}, None),
        ("GOOD", {"agegroup": "<27"}, None),
        ("GOOD", {}, None),
        ("GOOD", {"age_group": "<27"}, (dt.date.today() + dt.timedelta(days=3)).isoformat()),
    ],
)
def test_the_api_refuses_with_the_clis_line(
    client: TestClient,
    trial: Trial,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    identifier: str,
    settings: dict[str, str],
    enrolled_on: str | None,
) -> None:
    if identifier == "GOOD":
        identifier = elfproef_bsns(1, start=600_000_000)[0]
    key_file, _secret_file = write_key_files(tmp_path)
    args = ["assign", "--db", trial.url, "--key-file", str(key_file), "--id", identifier,
            "--set", "site=Ede", *(f"--set={c}={v}" for c, v in settings.items())]  # fmt: skip
    if enrolled_on:
        args += ["--enrolled-on", enrolled_on]
    code, _out, err = run(args, capsys)
    assert code == 2
    cli_line = err.strip().removeprefix("participatie-rct: error: ")
    body = {"id": identifier, "values": settings}
    if enrolled_on:
        body["enrolled_on"] = enrolled_on
    response = client.post(
        "/api/v1/assign", json=body, headers={"Authorization": f"Bearer {trial.tokens['ede']}"}
    )
    assert response.status_code == 422
    assert response.json() == {"error": cli_line}
    assert identifier not in cli_line


def test_intake_fields_use_declared_levels_first(client: TestClient) -> None:
    state = client.app.state.service  # type: ignore[attr-defined]
    for levels in (("<27", "27-44", "45+"), ("18-44", "45+")):
        declared = Protocol.from_text(
            f"{PROTOCOL}\n[assignment.levels]\nage_group = {list(levels)!r}\n".replace("'", '"')
        )
        fake = SimpleNamespace(service=SimpleNamespace(protocol=declared, register=None))
        assert pages._fields(fake) == [{"name": "age_group", "choices": list(levels)}]
    # without declared levels and with an empty register: free text
    assert pages._fields(state) == [{"name": "age_group", "choices": []}]


def test_secret_and_key_come_from_files_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file, secret_file = write_key_files(tmp_path)
    monkeypatch.delenv(keys.SECRET_ENV, raising=False)
    monkeypatch.delenv(keys.KEY_ENV, raising=False)
    assert keys.load_secret(None) is None and keys.load_key(None) is None
    assert keys.load_secret(secret_file) == SECRET
    assert keys.load_key(key_file) == KEY
    monkeypatch.setenv(keys.SECRET_ENV, SECRET_TEXT)
    monkeypatch.setenv(keys.KEY_ENV, KEY_TEXT)
    assert keys.load_secret(None) == SECRET and keys.load_key(None) == KEY
    with pytest.raises(ParticipatieRCTError):
        keys.load_secret(tmp_path / "missing")


def test_a_flood_of_sign_in_pages_cannot_exhaust_the_sessions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from participatie_rct.service import auth

    monkeypatch.setattr(auth, "MAX_SESSIONS", 50)
    sessions = auth.Sessions(minutes=60)
    signed_in, _ = sessions.new(user="ede", language="nl")
    for _ in range(500):
        sessions.new(user=None, language="nl")
    assert len(sessions) <= 50
    assert sessions.get(signed_in) is not None  # the anonymous ones went first


def test_the_sign_in_limit_ignores_a_forwarded_header_sent_by_the_client(
    client: TestClient,
) -> None:
    import re

    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]
    codes = [
        client.post(
            "/signin",
            data={"csrf": csrf, "token": "wrong"},
            headers={"X-Forwarded-For": f"10.0.0.{i}"},
        ).status_code
        for i in range(6)
    ]
    assert codes[-1] == 429


def test_a_race_with_another_site_does_not_reveal_the_arm(
    client: TestClient, trial: Trial, monkeypatch: pytest.MonkeyPatch
) -> None:
    from participatie_rct.registry import users

    bsn = elfproef_bsns(1, start=610_000_000)[0]
    body = {"id": bsn, "values": {"age_group": "<27"}, "new_level": True}
    tiel = client.post(
        "/api/v1/assign", json=body, headers={"Authorization": f"Bearer {trial.tokens['tiel']}"}
    )
    assert tiel.status_code == 200
    real = users.participant_record
    calls: list[int] = []

    def late(engine, participant):  # the first look happens before Tiel's commit
        calls.append(1)
        return None if len(calls) == 1 else real(engine, participant)

    monkeypatch.setattr(users, "participant_record", late)
    ede = client.post(
        "/api/v1/assign", json=body, headers={"Authorization": f"Bearer {trial.tokens['ede']}"}
    )
    assert len(calls) == 2
    assert ede.status_code == 403 and "arm" not in ede.json()


def test_an_api_request_waits_for_a_worker_thread_once(
    client: TestClient, trial: Trial, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token check and the work share one trip off the event loop (a thread each is a
    wait each, which under load is what a desk feels)."""
    from participatie_rct.service import api

    calls: list[object] = []
    real = api.run_in_threadpool

    async def counted(func, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(api, "run_in_threadpool", counted)
    bsn = elfproef_bsns(1, start=620_000_000)[0]
    headers = {"Authorization": f"Bearer {trial.tokens['ede']}"}
    body = {"id": bsn, "values": {"age_group": "<27"}, "new_level": True}
    assert client.post("/api/v1/assign", json=body, headers=headers).status_code == 200
    assert len(calls) == 1
    forged = {"Authorization": "Bearer prct_0000000000000000_" + "x" * 43}
    assert client.post("/api/v1/assign", json=body, headers=forged).status_code == 401
    bad = client.post("/api/v1/assign", content=b"{", headers=forged)
    assert bad.status_code == 401  # a bad token is answered before the body's fault
    assert client.post("/api/v1/assign", content=b"{", headers=headers).status_code == 422
