"""The role matrix: every role against every endpoint and page (allowed, 401, 403, 404).

docs/service.md shows the same matrix. Assigners are further limited to their sites: an
assigner for Ede cannot enrol at Tiel, cannot see a Tiel participant's arm, and a revoked
token stops working at the next request.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from participatie_rct.registry import Register, users
from participatie_rct.service import ServiceConfig, create_app

from .helpers import KEY, SECRET, Trial, elfproef_bsns, make_trial, sqlite_url

ROLES = ["ede", "monitor", "stats", "admin"]
_BSNS = iter(elfproef_bsns(400, start=200_000_000))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Trial, TestClient]]:
    trial = make_trial(sqlite_url(tmp_path_factory.mktemp("roles")))
    app = create_app(ServiceConfig(db_url=trial.url, secret=SECRET, key=KEY))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield trial, client


def _auth(trial: Trial, who: str | None) -> dict[str, str]:
    if who is None:
        return {}
    if who == "forged":
        return {"Authorization": "Bearer prct_0123456789abcdef_" + "A" * 43}
    return {"Authorization": f"Bearer {trial.tokens[who]}"}


def _enrolled(trial: Trial, client: TestClient, site: str = "Ede") -> str:
    """A participant freshly assigned at ``site`` by that site's assigner."""
    bsn = next(_BSNS)
    who = "ede" if site == "Ede" else "tiel"
    response = client.post(
        "/api/v1/assign",
        json={"id": bsn, "values": {"age_group": "<27"}, "new_level": True},
        headers=_auth(trial, who),
    )
    assert response.status_code == 200, response.text
    return bsn


def _call(trial: Trial, client: TestClient, endpoint: str, who: str | None):
    headers = _auth(trial, who)
    if endpoint == "assign":
        body = {"id": next(_BSNS), "values": {"age_group": "45+"}, "new_level": True}
        return client.post("/api/v1/assign", json=body, headers=headers)
    if endpoint == "lookup":
        return client.post("/api/v1/lookup", json={"id": _enrolled(trial, client)}, headers=headers)
    if endpoint == "withdraw":
        body = {"id": _enrolled(trial, client), "reason": "moved away"}
        return client.post("/api/v1/withdraw", json=body, headers=headers)
    if endpoint == "assign-file":
        content = f"bsn;site;age_group;enrolled_on\n{next(_BSNS)};Ede;27-44;2024-03-01\n".encode()
        return client.post("/api/v1/assign-file?name=p.csv", content=content, headers=headers)
    return client.get(f"/api/v1/{endpoint}", headers=headers)


ALLOWED = {
    "assign": {"ede"},
    "assign-file": {"ede"},
    "lookup": {"ede", "stats"},
    "status": {"monitor", "stats"},
    "export": {"stats"},
    "withdraw": {"stats"},
    "users": {"admin"},
}


@pytest.mark.parametrize(
    ("endpoint", "who"),
    list(itertools.product(sorted(ALLOWED), [*ROLES, None, "forged", "gone"])),
)
def test_api_role_matrix(world, endpoint: str, who: str | None) -> None:
    trial, client = world
    response = _call(trial, client, endpoint, who)
    expected = 401 if who in (None, "forged", "gone") else 200 if who in ALLOWED[endpoint] else 403
    assert response.status_code == expected, (endpoint, who, response.text)
    if expected != 200:
        assert set(response.json()) == {"error"}
        assert response.json()["error"].strip()
    if expected == 401:
        assert response.headers["www-authenticate"] == "Bearer"


def test_healthz_needs_no_token(world) -> None:
    _trial, client = world
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_assigner_answer_shows_arm_and_label_only(world) -> None:
    trial, client = world
    response = client.post(
        "/api/v1/assign",
        json={"id": next(_BSNS), "values": {"age_group": "<27"}, "new_level": True},
        headers=_auth(trial, "ede"),
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"arm", "label", "new"}
    assert body["new"] is True
    assert body["label"] in {"Controlgroep", "Bijverdienen"}
    english = client.post(
        "/api/v1/lookup",
        json={"id": _enrolled(trial, client)},
        headers={**_auth(trial, "ede"), "Accept-Language": "en-GB,en;q=0.8"},
    )
    assert english.json()["label"] in {"Control", "Earn more"}
    assert set(english.json()) == {"arm", "label", "withdrawn"}


def test_assigner_for_ede_cannot_enrol_at_tiel(world) -> None:
    trial, client = world
    response = client.post(
        "/api/v1/assign",
        json={"id": next(_BSNS), "values": {"site": "Tiel", "age_group": "<27"}},
        headers=_auth(trial, "ede"),
    )
    assert response.status_code == 403
    assert "'Tiel' is not one of your sites (Ede)" in response.json()["error"]


def test_assigner_for_ede_cannot_see_a_tiel_participant(world) -> None:
    trial, client = world
    bsn = _enrolled(trial, client, site="Tiel")
    looked = client.post("/api/v1/lookup", json={"id": bsn}, headers=_auth(trial, "ede"))
    assert looked.status_code == 404
    again = client.post(
        "/api/v1/assign",
        json={"id": bsn, "values": {"age_group": "<27"}, "new_level": True},
        headers=_auth(trial, "ede"),
    )
    assert again.status_code == 403
    assert "arm" not in again.text
    # the Tiel assigner and the statistician do see the arm
    own = client.post("/api/v1/lookup", json={"id": bsn}, headers=_auth(trial, "tiel"))
    stats = client.post("/api/v1/lookup", json={"id": bsn}, headers=_auth(trial, "stats"))
    assert own.status_code == stats.status_code == 200
    assert own.json()["arm"] == stats.json()["arm"]


def test_assigner_at_two_sites_must_say_which(world) -> None:
    trial, client = world
    response = client.post(
        "/api/v1/assign",
        json={"id": next(_BSNS), "values": {"age_group": "<27"}, "new_level": True},
        headers=_auth(trial, "both"),
    )
    assert response.status_code == 422
    assert response.json()["error"].startswith("site: you enrol at Ede, Tiel")


def test_revoking_stops_a_token_at_the_next_request(tmp_path: Path) -> None:
    trial = make_trial(sqlite_url(tmp_path))
    app = create_app(ServiceConfig(db_url=trial.url, secret=SECRET, key=KEY))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        headers = _auth(trial, "stats")
        assert client.get("/api/v1/status", headers=headers).status_code == 200
        with Register.open(trial.url) as reg:
            users.revoke_user(reg, "stats", by="test")
        assert client.get("/api/v1/status", headers=headers).status_code == 401


# ------------------------------------------------------------------ pages
PAGES = {
    "/intake": {"ede"},
    "/lookup": {"ede", "stats"},
    "/monitor": {"monitor", "stats"},
    "/export": {"stats"},
    "/users": {"admin"},
}


def signin(client: TestClient, token: str) -> None:
    """Sign in through the form (GET / for the CSRF token, then POST /signin)."""
    page = client.get("/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    response = client.post(
        "/signin", data={"csrf": csrf.group(1), "token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


@pytest.mark.parametrize(("page", "who"), list(itertools.product(sorted(PAGES), [*ROLES, None])))
def test_page_role_matrix(world, page: str, who: str | None) -> None:
    trial, _client = world
    with TestClient(_client.app, base_url="http://127.0.0.1") as client:
        if who is not None:
            signin(client, trial.tokens[who])
        response = client.get(page, follow_redirects=False)
    expected = 401 if who is None else 200 if who in PAGES[page] else 403
    assert response.status_code == expected, (page, who)


def test_a_revoked_user_is_signed_out_at_the_next_page(tmp_path: Path) -> None:
    trial = make_trial(sqlite_url(tmp_path))
    app = create_app(ServiceConfig(db_url=trial.url, secret=SECRET, key=KEY))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        signin(client, trial.tokens["ede"])
        assert client.get("/intake").status_code == 200
        with Register.open(trial.url) as reg:
            users.revoke_user(reg, "ede", by="test")
        assert client.get("/intake").status_code == 401


def test_a_revoked_token_cannot_sign_in(world) -> None:
    trial, _client = world
    with TestClient(_client.app, base_url="http://127.0.0.1") as client:
        page = client.get("/")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        response = client.post("/signin", data={"csrf": csrf, "token": trial.tokens["gone"]})
    assert response.status_code == 401


def test_oversized_bodies_are_refused_before_they_are_read(world) -> None:
    trial, client = world
    headers = _auth(trial, "ede")
    big = client.post(
        "/api/v1/assign", content=b'{"id": "' + b"1" * 70_000 + b'"}', headers=headers
    )
    assert big.status_code == 413 and "at most 65536" in big.json()["error"]
    huge = client.post(
        "/api/v1/assign-file?name=p.csv", content=b"x" * (21 * 2**20), headers=headers
    )
    assert huge.status_code == 413
    anonymous = client.post("/api/v1/assign-file?name=p.csv", content=b"x" * 100)
    assert anonymous.status_code == 401


def test_a_token_spliced_from_two_users_is_refused(world) -> None:
    trial, client = world
    _prefix, ede_id, _secret = trial.tokens["ede"].split("_", 2)
    _prefix, _stats_id, stats_secret = trial.tokens["stats"].split("_", 2)
    spliced = f"prct_{ede_id}_{stats_secret}"
    response = client.get("/api/v1/status", headers={"Authorization": f"Bearer {spliced}"})
    assert response.status_code == 401


def test_a_file_with_a_row_at_another_site_assigns_nobody(world) -> None:
    trial, client = world
    here, there = next(_BSNS), next(_BSNS)
    content = (
        f"bsn;site;age_group;consent;enrolled_on\n{here};Ede;27-44;ja;2024-03-01\n"
        f"{there};Tiel;27-44;ja;2024-03-01\n"
    )
    response = client.post(
        "/api/v1/assign-file?name=p.csv", content=content.encode(), headers=_auth(trial, "ede")
    )
    assert response.status_code == 403 and "'Tiel' is not one of your sites" in response.text
    for bsn in (here, there):
        looked = client.post("/api/v1/lookup", json={"id": bsn}, headers=_auth(trial, "stats"))
        assert looked.status_code == 404
