"""A BSN typed into the wrong field never comes back: not in an API error, not on a page, not
in the register's audit log. Every refusal passes through ``errors.mask_identifiers``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from participatie_rct.errors import RegistryError
from participatie_rct.registry import Register
from participatie_rct.service.http import error, one_line
from participatie_rct.service.permissions import ForbiddenError

from .helpers import Trial, elfproef_bsns
from .test_roles import signin

BSN = elfproef_bsns(1, start=950_000_000)[0]
#: the BSN in the forms a desk might type it: bare, dotted, with a word before it
SHAPES = (BSN, f"{BSN[:3]}.{BSN[3:6]}.{BSN[6:]}", f"bsn {BSN}", f"Ede {BSN}")


def _leaks(text: str) -> bool:
    """True when the BSN is in ``text`` in any of the shapes, or as its digits run together."""
    return any(shape in text for shape in SHAPES) or BSN in re.sub(r"[ .]", "", text)


def _bodies() -> list[dict[str, Any]]:
    """Assign requests with the BSN in a field where it does not belong."""
    good = elfproef_bsns(1, start=951_000_000)[0]
    out: list[dict[str, Any]] = []
    for shape in SHAPES:
        out += [
            {"id": good, "values": {"site": shape, "age_group": "<27"}},
            {"id": good, "values": {"age_group": shape}},
            {"id": good, "values": {"age_group": shape}, "new_level": True},
            {"id": good, "values": {f"group {shape}": "<27"}},
            {"id": good, "values": {"age_group": "<27"}, "enrolled_on": shape},
            {"id": good, "values": {"age_group": "<27"}, "new_level": shape},
        ]
    return out


def test_one_line_masks_identifiers() -> None:
    assert one_line(f"site {BSN!r}\n is not yours") == "site '*********' is not yours"
    assert BSN not in error(403, f"site {BSN!r}").body.decode()
    assert one_line("line 12, seed = 20180213") == "line 12, seed = 20180213"


@pytest.mark.parametrize("body", _bodies(), ids=lambda b: ",".join(map(str, b)))
def test_the_api_never_sends_a_bsn_back(client: TestClient, trial: Trial, body: dict) -> None:
    headers = {"Authorization": f"Bearer {trial.tokens['ede']}"}
    response = client.post("/api/v1/assign", json=body, headers=headers)
    assert response.status_code in (403, 422), response.text
    assert "error" in response.json()
    assert not _leaks(response.text), response.text


def test_other_endpoints_never_send_a_bsn_back(client: TestClient, trial: Trial) -> None:
    stats = {"Authorization": f"Bearer {trial.tokens['stats']}"}
    ede = {"Authorization": f"Bearer {trial.tokens['ede']}"}
    for shape in SHAPES:
        answers = [
            client.post("/api/v1/lookup", json={"id": shape}, headers=ede),
            client.post("/api/v1/lookup", json={"id": [shape]}, headers=ede),
            client.post("/api/v1/withdraw", json={"id": shape, "reason": shape}, headers=stats),
            client.post("/api/v1/withdraw", json={"id": "x", "reason": shape}, headers=stats),
            client.post("/api/v1/assign-file?name=p.csv", content=f"bsn;site\n{shape};Ede\n",
                        headers=ede),
        ]  # fmt: skip
        for response in answers:
            assert response.status_code >= 400
            assert not _leaks(response.text), response.text


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("field", ["v:age_group", "site", "enrolled_on", "v:unknown"])
def test_the_intake_pages_never_show_a_bsn_back(
    client: TestClient, trial: Trial, field: str
) -> None:
    good = elfproef_bsns(1, start=952_000_000)[0]
    signin(client, trial.tokens["ede"])
    for shape in SHAPES:
        form = client.get("/intake")
        data = {"csrf": _csrf(form.text), "id": good, "site": "Ede", "v:age_group": "<27",
                "enrolled_on": "2018-02-13", field: shape}  # fmt: skip
        page = client.post("/intake/confirm", data=data)
        assert page.status_code in (403, 422), page.text
        assert not _leaks(page.text), page.text
        pending = re.search(r'name="pending" value="([^"]+)"', page.text)
        assert pending is None


@pytest.mark.parametrize("refusal", [ForbiddenError, RegistryError])
def test_a_refusal_at_the_draw_shows_no_bsn(
    client: TestClient, trial: Trial, monkeypatch: pytest.MonkeyPatch, refusal: type
) -> None:
    """Whatever refuses once the intake was confirmed, its message is masked on the page."""
    good = elfproef_bsns(1, start=953_000_000)[0]
    signin(client, trial.tokens["ede"])
    form = client.get("/intake")
    data = {"csrf": _csrf(form.text), "id": good, "site": "Ede", "v:age_group": "<27",
            "enrolled_on": "2018-02-13"}  # fmt: skip
    confirm = client.post("/intake/confirm", data=data)
    pending = re.search(r'name="pending" value="([^"]+)"', confirm.text)
    assert pending is not None

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise refusal(f"participant {BSN!r} cannot be assigned")

    monkeypatch.setattr(client.app.state.service.service, "assign", refuse)  # type: ignore[attr-defined]
    result = client.post(
        "/intake/assign", data={"csrf": _csrf(confirm.text), "pending": pending.group(1)}
    )
    assert result.status_code in (403, 422)
    assert "cannot be assigned" in result.text
    assert not _leaks(result.text), result.text


def test_the_lookup_page_never_shows_a_bsn_back(client: TestClient, trial: Trial) -> None:
    signin(client, trial.tokens["ede"])
    for shape in SHAPES:
        form = client.get("/lookup")
        page = client.post("/lookup", data={"csrf": _csrf(form.text), "id": shape})
        assert page.status_code in (404, 422)
        assert not _leaks(page.text), page.text


def test_no_bsn_reaches_the_audit_log(client: TestClient, trial: Trial) -> None:
    stats = {"Authorization": f"Bearer {trial.tokens['stats']}"}
    ede = {"Authorization": f"Bearer {trial.tokens['ede']}"}
    enrolled = elfproef_bsns(len(SHAPES), start=954_000_000)
    for person, shape in zip(enrolled, SHAPES, strict=True):
        body = {"id": person, "values": {"age_group": "<27"}, "new_level": True}
        assert client.post("/api/v1/assign", json=body, headers=ede).status_code == 200
        reason = f"moved; was registered as {shape}"
        answer = client.post("/api/v1/withdraw", json={"id": person, "reason": reason},
                             headers=stats)  # fmt: skip
        assert answer.status_code == 200, answer.text
    for body in _bodies():
        client.post("/api/v1/assign", json=body, headers=ede)
    with Register.open(trial.url) as reg:
        events = reg.events()
        units = " ".join(reg.assignments()["age_group"].astype(str))
    stored = "\n".join(f"{r} {d}" for r, d in zip(events["reason"], events["details"], strict=True))
    assert stored.count("moved; was registered as") == len(SHAPES)
    assert not _leaks(stored)
    assert not _leaks(units)  # no stratum value was opened with a BSN in it
