"""Blinded monitoring: in a sealed trial a monitor sees the arms as the letters a blinded
report of the same trial prints, under a mapping keyed by the trial secret."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from participatie_rct.concealment import blinding_key
from participatie_rct.protocol import Protocol
from participatie_rct.report.sections.gather import label_maps
from participatie_rct.service import ServiceConfig, actions, create_app

from .helpers import (
    KEY,
    PROTOCOL,
    SEALED,
    SECRET,
    Trial,
    elfproef_bsns,
    make_trial,
    sqlite_url,
)
from .test_roles import signin

#: arms of four, so that a mapping in protocol order is one of 24 (and a chance match rare)
FOUR = SEALED.replace(
    "[assignment]",
    '[[arms]]\nkey = "intensive"\n\n[[arms]]\nkey = "no_duty"\n\n[assignment]',
)


def _secret(i: int) -> bytes:
    return hashlib.sha256(f"participatie-rct service tests: blinding {i}".encode()).digest()


def _report_letters(protocol: Protocol, secret: bytes) -> dict[str, str]:
    """The letters a blinded report of this trial prints (``report --blinded --secret-file``)."""
    _order, letters = label_maps(protocol, "nl", True, blinding_key(secret))
    return letters


def _in_protocol_order(protocol: Protocol) -> dict[str, str]:
    return {arm: chr(ord("A") + i) for i, arm in enumerate(protocol.arm_keys)}


def test_only_a_sealed_trial_is_blinded() -> None:
    assert actions.blinded(Protocol.from_text(SEALED)) is True
    assert actions.blinded(Protocol.from_text(PROTOCOL)) is False  # anyone can replay an open one


@pytest.mark.parametrize("text", [SEALED, FOUR])
def test_the_letters_are_the_blinded_reports_letters(text: str) -> None:
    protocol = Protocol.from_text(text)
    shuffled = 0
    for i in range(12):
        letters = actions.arm_letters(protocol, _secret(i))
        assert letters == _report_letters(protocol, _secret(i))
        assert sorted(letters.values()) == [chr(ord("A") + k) for k in range(len(letters))]
        shuffled += letters != _in_protocol_order(protocol)
    # the protocol's order (which monitors may know) does not give the mapping away
    assert shuffled > 0


def _sealed_client(tmp_path: Path, secret: bytes) -> tuple[TestClient, dict[str, str]]:
    trial = make_trial(sqlite_url(tmp_path), SEALED, secret=secret)
    app = create_app(ServiceConfig(db_url=trial.url, secret=secret, key=KEY))
    return TestClient(app, base_url="http://127.0.0.1"), trial.tokens


def test_a_monitor_of_a_sealed_trial_sees_the_reports_letters(tmp_path: Path) -> None:
    protocol = Protocol.from_text(SEALED)
    # a secret whose letters are not the protocol's order: a mapping by position would fail
    secret = next(
        s for s in map(_secret, range(50)) if actions.arm_letters(protocol, s)["control"] != "A"
    )
    letters = _report_letters(protocol, secret)
    client, tokens = _sealed_client(tmp_path, secret)
    with client:
        # three in one stratum: a block of four holds them 2 + 1, so the counts tell arms apart
        for bsn in elfproef_bsns(3, start=930_000_000):
            response = client.post(
                "/api/v1/assign",
                json={"id": bsn, "values": {"age_group": "<27"}, "new_level": True},
                headers={"Authorization": f"Bearer {tokens['ede']}"},
            )
            assert response.status_code == 200, response.text
        seen = {
            who: client.get(
                "/api/v1/status", headers={"Authorization": f"Bearer {tokens[who]}"}
            ).json()["by_arm"]
            for who in ("monitor", "stats")
        }
        signin(client, tokens["monitor"])
        page = client.get("/monitor").text
    assert sorted(seen["stats"].values()) == [1, 2]
    assert seen["monitor"] == {letters[arm]: n for arm, n in seen["stats"].items()}
    # listed by letter, never in the protocol's order (which would tell which is control)
    assert list(seen["monitor"]) == ["A", "B"]
    headers = re.findall(r"<th>([^<]*)</th>", page.split("</thead>")[0])
    assert headers[1:] == ["A", "B"]
    row = re.search(r"<tr><td>Ede</td><td>(\d+)</td><td>(\d+)</td></tr>", page)
    assert row is not None
    by_letter = {letters[arm]: n for arm, n in seen["stats"].items()}
    assert [int(row.group(1)), int(row.group(2))] == [by_letter["A"], by_letter["B"]]
    assert "control" not in page and "earn_more" not in page


def test_an_open_trials_monitor_sees_arm_keys(client: TestClient, trial: Trial) -> None:
    tokens = trial.tokens
    response = client.get(
        "/api/v1/status", headers={"Authorization": f"Bearer {tokens['monitor']}"}
    )
    assert set(response.json()["by_arm"]) == {"control", "earn_more"}


def test_the_service_works_out_the_letters_once(tmp_path: Path) -> None:
    client, _tokens = _sealed_client(tmp_path, SECRET)
    with client:
        service = client.app.state.service.service  # type: ignore[attr-defined]
        assert service.letters == actions.arm_letters(service.protocol, SECRET)
        assert service.letters == _report_letters(service.protocol, SECRET)
