"""A sealed trial (concealed allocation) through the service: the service holds the secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from participatie_rct.errors import ParticipatieRCTError
from participatie_rct.protocol import Protocol
from participatie_rct.registry import Register, users
from participatie_rct.registry.users import Role
from participatie_rct.service import ServiceConfig, create_app

from .helpers import KEY, PROTOCOL, SECRET, elfproef_bsns, sqlite_url
from .test_cli import run

SEALED = PROTOCOL.replace("seed = 20180213", 'concealment = "sealed"')


def _sealed(tmp_path: Path) -> tuple[str, dict[str, str]]:
    url = sqlite_url(tmp_path)
    protocol = Protocol.from_text(SEALED, source="trial.toml")
    tokens = {}
    with Register.create(url, protocol, key=KEY, secret=SECRET) as reg:
        for name, role, sites in (("ede", Role.ASSIGNER, ["Ede"]), ("monitor", Role.MONITOR, [])):
            _user, tokens[name] = users.add_user(reg, name, role, sites, by="test")
    return url, tokens


def test_the_service_draws_a_sealed_trial_with_its_secret(tmp_path: Path) -> None:
    url, tokens = _sealed(tmp_path)
    app = create_app(ServiceConfig(db_url=url, secret=SECRET, key=KEY))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for bsn in elfproef_bsns(4, start=920_000_000):
            response = client.post(
                "/api/v1/assign",
                json={"id": bsn, "values": {"age_group": "<27"}, "new_level": True},
                headers={"Authorization": f"Bearer {tokens['ede']}"},
            )
            assert response.status_code == 200, response.text
            assert set(response.json()) == {"arm", "label", "new"}
        status = client.get(
            "/api/v1/status", headers={"Authorization": f"Bearer {tokens['monitor']}"}
        )
    assert status.status_code == 200 and status.json()["n_assigned"] == 4
    with Register.open(url, secret=SECRET) as reg:  # type: ignore[call-arg]
        assert reg.verify().ok


def test_a_sealed_trial_is_not_served_without_its_secret(tmp_path: Path) -> None:
    url, _tokens = _sealed(tmp_path)
    with pytest.raises(ParticipatieRCTError, match="this trial is sealed"):
        create_app(ServiceConfig(db_url=url, secret=None, key=KEY))


def test_users_of_a_sealed_trial_need_the_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _tokens = _sealed(tmp_path)
    code, _out, err = run(["users", "add", "x", "--role", "monitor", "--db", url], capsys)
    assert code == 2 and "secret" in err
