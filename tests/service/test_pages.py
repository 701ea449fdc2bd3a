"""The intake pages: sign-in, CSRF, rate limit, the intake flow, headers and cookies."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from participatie_rct.registry import Register

from .helpers import Trial, elfproef_bsns
from .test_roles import signin


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def test_session_cookie_is_httponly_and_strict(client: TestClient, trial: Trial) -> None:
    page = client.get("/")
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain HTTP on 127.0.0.1; TLS adds Secure
    response = client.post(
        "/signin",
        data={"csrf": _csrf(page.text), "token": trial.tokens["ede"]},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/intake"
    fresh = response.headers["set-cookie"]
    # a new session id at sign-in: an id planted before sign-in is worth nothing
    assert fresh.split(";")[0] != cookie.split(";")[0]
    assert trial.tokens["ede"] not in fresh


def test_secure_cookie_over_tls(trial: Trial) -> None:
    from participatie_rct.service import ServiceConfig, create_app

    from .helpers import KEY, SECRET

    app = create_app(ServiceConfig(db_url=trial.url, secret=SECRET, key=KEY, tls=True))
    with TestClient(app, base_url="https://127.0.0.1") as client:
        assert "Secure" in client.get("/").headers["set-cookie"]


def test_signin_without_the_forms_csrf_token_is_refused(client: TestClient, trial: Trial) -> None:
    client.get("/")
    response = client.post("/signin", data={"csrf": "guess", "token": trial.tokens["ede"]})
    assert response.status_code == 400
    assert client.get("/intake").status_code == 401


def test_signin_is_rate_limited(client: TestClient, trial: Trial) -> None:
    csrf = _csrf(client.get("/").text)
    codes = [
        client.post("/signin", data={"csrf": csrf, "token": f"wrong-{i}"}).status_code
        for i in range(7)
    ]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    # even the right token waits until the window has passed
    blocked = client.post("/signin", data={"csrf": csrf, "token": trial.tokens["ede"]})
    assert blocked.status_code == 429


def _intake(client: TestClient, bsn: str, age_group: str = "<27"):
    form = client.get("/intake")
    assert form.status_code == 200
    confirm = client.post(
        "/intake/confirm",
        data={
            "csrf": _csrf(form.text),
            "id": bsn,
            "site": "Ede",
            "v:age_group": age_group,
            "enrolled_on": "2018-02-13",
        },
    )
    return form, confirm


def test_the_intake_flow_shows_the_label_and_never_the_bsn(
    client: TestClient, trial: Trial
) -> None:
    signin(client, trial.tokens["ede"])
    bsn = elfproef_bsns(1, start=300_000_000)[0]
    _form, confirm = _intake(client, bsn)
    assert confirm.status_code == 200, confirm.text
    assert "De loting is definitief" in confirm.text
    assert bsn not in confirm.text
    pending = re.search(r'name="pending" value="([^"]+)"', confirm.text).group(1)  # type: ignore[union-attr]
    result = client.post("/intake/assign", data={"csrf": _csrf(confirm.text), "pending": pending})
    assert result.status_code == 200
    label = re.search(r'id="label">([^<]+)<', result.text).group(1)  # type: ignore[union-attr]
    assert label in {"Controlgroep", "Bijverdienen"}
    assert "Wat vertelt u de deelnemer" in result.text
    assert result.headers["cache-control"] == "no-store"
    assert bsn not in result.text
    with Register.open(trial.url) as reg:
        frame = reg.assignments()
    assert len(frame) == 1 and frame["site"].iloc[0] == "Ede"
    # the confirmation is used once: posting it again draws nothing
    again = client.post("/intake/assign", data={"csrf": _csrf(confirm.text), "pending": pending})
    assert again.status_code == 410


def test_the_intake_form_offers_the_registers_levels(client: TestClient, trial: Trial) -> None:
    signin(client, trial.tokens["ede"])
    first = client.get("/intake").text
    assert 'name="v:age_group" type="text"' in first  # nothing known yet: free text
    bsn = elfproef_bsns(1, start=310_000_000)[0]
    _form, confirm = _intake(client, bsn, age_group="45+")
    pending = re.search(r'name="pending" value="([^"]+)"', confirm.text).group(1)  # type: ignore[union-attr]
    client.post("/intake/assign", data={"csrf": _csrf(confirm.text), "pending": pending})
    later = client.get("/intake").text
    assert '<select id="f-age_group" name="v:age_group" required>' in later
    assert '<option value="45+">45+</option>' in later


def test_a_bad_bsn_is_refused_on_the_form_without_echoing_it(
    client: TestClient, trial: Trial
) -> None:
    signin(client, trial.tokens["ede"])
    _form, confirm = _intake(client, "123456789")
    assert confirm.status_code == 422
    assert "elfproef" in confirm.text
    assert "123456789" not in confirm.text


def test_confirm_without_csrf_is_refused(client: TestClient, trial: Trial) -> None:
    signin(client, trial.tokens["ede"])
    response = client.post(
        "/intake/confirm", data={"csrf": "x", "id": "1", "site": "Ede", "v:age_group": "<27"}
    )
    assert response.status_code == 400


def test_pages_in_english(client: TestClient, trial: Trial) -> None:
    page = client.get("/?lang=en")
    assert "Sign in" in page.text and '<html lang="en">' in page.text
    signin(client, trial.tokens["ede"])
    assert "Every field is required" in client.get("/intake").text


def test_security_headers_on_every_page(client: TestClient, trial: Trial) -> None:
    for path in ("/", "/intake", "/healthz", "/api/v1/status"):
        headers = client.get(path).headers
        assert headers["x-frame-options"] == "DENY"
        assert "script-src" not in headers["content-security-policy"]
        assert "default-src 'none'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["cache-control"] == "no-store"
    assert "<script" not in client.get("/").text


def test_monitor_page_shows_counts_per_site_and_consort(client: TestClient, trial: Trial) -> None:
    bsns = elfproef_bsns(3, start=320_000_000)
    for bsn, who in zip(bsns, ["ede", "ede", "tiel"], strict=True):
        client.post(
            "/api/v1/assign",
            json={"id": bsn, "values": {"age_group": "<27"}, "new_level": True},
            headers={"Authorization": f"Bearer {trial.tokens[who]}"},
        )
    signin(client, trial.tokens["monitor"])
    page = client.get("/monitor").text
    rows = re.findall(r"<tr><td>(Ede|Tiel)</td><td>(\d+)</td><td>(\d+)</td></tr>", page)
    assert {site: int(a) + int(b) for site, a, b in rows} == {"Ede": 2, "Tiel": 1}
    assert re.search(r"<th>Ingeloot</th><td>3</td>", page)
    assert "/export" not in page  # a monitor gets no export link


def test_the_lookup_page_shows_own_sites_only(client: TestClient, trial: Trial) -> None:
    ede_bsn, tiel_bsn = elfproef_bsns(2, start=330_000_000)
    for bsn, who in ((ede_bsn, "ede"), (tiel_bsn, "tiel")):
        response = client.post(
            "/api/v1/assign",
            json={"id": bsn, "values": {"age_group": "<27"}, "new_level": True},
            headers={"Authorization": f"Bearer {trial.tokens[who]}"},
        )
        assert response.status_code == 200
    signin(client, trial.tokens["ede"])
    form = client.get("/lookup")
    own = client.post("/lookup", data={"csrf": _csrf(form.text), "id": ede_bsn})
    assert own.status_code == 200
    assert re.search(r'id="label">(Controlgroep|Bijverdienen)<', own.text)
    assert ede_bsn not in own.text
    other = client.post("/lookup", data={"csrf": _csrf(form.text), "id": tiel_bsn})
    assert other.status_code == 404
    assert 'id="label"' not in other.text and tiel_bsn not in other.text


def test_a_value_the_form_did_not_offer_is_refused(client: TestClient, trial: Trial) -> None:
    signin(client, trial.tokens["ede"])
    bsn, other = elfproef_bsns(2, start=340_000_000)
    _form, confirm = _intake(client, bsn, age_group="45+")
    pending = re.search(r'name="pending" value="([^"]+)"', confirm.text).group(1)  # type: ignore[union-attr]
    client.post("/intake/assign", data={"csrf": _csrf(confirm.text), "pending": pending})
    _form, forged = _intake(client, other, age_group="45 +")
    assert forged.status_code == 422
    assert "age_group: &#39;45 +&#39; is not one of 45+" in forged.text


def test_the_form_offers_the_protocols_declared_levels(tmp_path) -> None:
    from participatie_rct.service import ServiceConfig, create_app

    from .helpers import KEY, PROTOCOL, SECRET, make_trial, sqlite_url

    text = PROTOCOL.replace(
        "block_sizes = [4]", 'block_sizes = [4]\n\n[assignment.levels]\nage_group = ["<27", "27+"]'
    )
    trial = make_trial(sqlite_url(tmp_path), text)
    app = create_app(ServiceConfig(db_url=trial.url, secret=SECRET, key=KEY))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        signin(client, trial.tokens["ede"])
        form = client.get("/intake").text
        assert '<option value="&lt;27">&lt;27</option><option value="27+">27+</option>' in form
        bsn = elfproef_bsns(1, start=350_000_000)[0]
        _form, confirm = _intake(client, bsn, age_group="27+")
        assert confirm.status_code == 200
        pending = re.search(r'name="pending" value="([^"]+)"', confirm.text).group(1)  # type: ignore[union-attr]
        result = client.post(
            "/intake/assign", data={"csrf": _csrf(confirm.text), "pending": pending}
        )
        assert result.status_code == 200 and 'id="label"' in result.text
