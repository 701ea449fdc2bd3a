"""The monitor's page reads counts, never the participants: the same numbers as ``status``
and the CONSORT flow, at the cost of a few aggregate queries."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from participatie_rct.registry import Register
from participatie_rct.registry.reading import RegisterReads

from .helpers import Trial, elfproef_bsns
from .test_roles import signin


def _fill(client: TestClient, trial: Trial) -> list[str]:
    """Five assigned (three at Ede, two at Tiel), one withdrawn, two declined in a file."""
    bsns = elfproef_bsns(7, start=960_000_000)
    for bsn, who in zip(bsns[:5], ["ede", "ede", "ede", "tiel", "tiel"], strict=True):
        body = {"id": bsn, "values": {"age_group": "<27"}, "new_level": True}
        answer = client.post(
            "/api/v1/assign", json=body, headers={"Authorization": f"Bearer {trial.tokens[who]}"}
        )
        assert answer.status_code == 200, answer.text
    content = "bsn;site;age_group;consent;enrolled_on\n" + "".join(
        f"{b};Ede;<27;nee;2019-03-01\n" for b in bsns[5:]
    )
    answer = client.post(
        "/api/v1/assign-file?name=p.csv",
        content=content.encode(),
        headers={"Authorization": f"Bearer {trial.tokens['ede']}"},
    )
    assert answer.status_code == 200, answer.text
    answer = client.post(
        "/api/v1/withdraw",
        json={"id": bsns[0], "reason": "moved"},
        headers={"Authorization": f"Bearer {trial.tokens['stats']}"},
    )
    assert answer.status_code == 200, answer.text
    return bsns


def _statements(engine: sa.Engine) -> list[str]:
    seen: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_the_monitor_counts_without_reading_the_participants(
    client: TestClient, trial: Trial, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(client, trial)
    with Register.open(trial.url) as reg:
        flow = reg.participants()
        status = reg.status()

    def refuse(*_args: object) -> None:
        raise AssertionError("the monitor's page read the whole register")

    for name in ("participants", "assignments", "events", "status"):
        monkeypatch.setattr(RegisterReads, name, refuse)
    service = client.app.state.service.service  # type: ignore[attr-defined]
    statements = _statements(service.register.engine)
    signin(client, trial.tokens["stats"])
    with Register.open(trial.url) as reg:
        anchor = reg.anchor()
    heads = re.findall(r"=\d+:([0-9a-f]+)", anchor)
    statements.clear()
    page = client.get("/monitor")
    assert page.status_code == 200
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # aggregates and the anchor's two heads; no query returns the rows of the assignments
    assert all("count(" in s.lower() or "limit" in s.lower() for s in reads if "assignment" in s)
    assert all("service_user" in s or "count(" in s.lower() or "limit" in s.lower() for s in reads)
    rows = dict(
        (site, (int(a), int(b)))
        for site, a, b in re.findall(
            r"<tr><td>(Ede|Tiel)</td><td>(\d+)</td><td>(\d+)</td>", page.text
        )
    )
    assert {site: sum(n) for site, n in rows.items()} == {"Ede": 3, "Tiel": 2}
    assert sum(a for a, _b in rows.values()) == status["by_arm"]["control"]
    expected = {
        "Aangemeld": len(flow),
        "Ingeloot": int(flow["assigned"].sum()),
        "Geen toestemming": int((~flow["consent"]).sum()),
        "Teruggetrokken": int(flow["withdrawn"].sum()),
    }
    assert expected == {"Aangemeld": 7, "Ingeloot": 5, "Geen toestemming": 2, "Teruggetrokken": 1}
    for heading, n in expected.items():
        assert re.search(rf"<th>{heading}</th><td>{n}</td>", page.text), heading
    assert len(heads) == 2 and f"{heads[0]} / {heads[1]}" in page.text
