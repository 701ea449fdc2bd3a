"""The secret, the key, the tokens and any BSN appear in no response, page, header, cookie or
log line, access log included. The service runs as ``participatie-rct serve`` in its own
process; every role uses the API and the pages, including requests that fail."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import httpx

from participatie_rct.service.loadtest import running_service

from .helpers import SECRET_NEEDLES, elfproef_bsns, make_trial, sqlite_url, write_key_files


def _needles(bsns: list[str], tokens: list[str]) -> list[str]:
    out = [*SECRET_NEEDLES, *tokens]
    for bsn in bsns:
        out += [bsn, hashlib.sha256(bsn.encode()).hexdigest()]
    return out


def _seen(response: httpx.Response) -> str:
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.multi_items())
    return f"{response.status_code}\n{headers}\n{response.text}"


def _browse(base: str, token: str, bsns: list[str]) -> list[str]:
    """Sign in, enrol two people through the pages (one with a bad BSN), open every page."""
    seen: list[str] = []
    with httpx.Client(base_url=base) as client:
        page = client.get("/")
        seen.append(_seen(page))
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        seen.append(_seen(client.post("/signin", data={"csrf": csrf, "token": token})))
        for path in ("/intake", "/monitor", "/export", "/users", "/?lang=en"):
            seen.append(_seen(client.get(path)))
        for bsn in bsns:
            form = client.get("/intake")
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
            data = {"csrf": csrf, "id": bsn, "site": "Ede", "v:age_group": "<27"}
            confirm = client.post("/intake/confirm", data=data)
            seen.append(_seen(confirm))
            pending = re.search(r'name="pending" value="([^"]+)"', confirm.text)
            if pending:
                data = {"csrf": csrf, "pending": pending.group(1)}
                seen.append(_seen(client.post("/intake/assign", data=data)))
        seen.append(" ".join(f"{c.name}={c.value}" for c in client.cookies.jar))
    return seen


def _api(base: str, tokens: dict[str, str], bsns: list[str]) -> list[str]:
    seen: list[str] = []
    for token in tokens.values():
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers) as client:
            for bsn in bsns:
                body = {"id": bsn, "values": {"age_group": "45+"}, "new_level": True}
                seen.append(_seen(client.post("/api/v1/assign", json=body)))
                seen.append(_seen(client.post("/api/v1/lookup", json={"id": bsn})))
                body = {"id": bsn, "reason": "moved"}
                seen.append(_seen(client.post("/api/v1/withdraw", json=body)))
            for path in ("/api/v1/status", "/api/v1/export", "/api/v1/users", "/healthz"):
                seen.append(_seen(client.get(path)))
            # an identifier in the URL is not how the API works, but must not echo either
            seen.append(_seen(client.get(f"/api/v1/lookup?id={bsns[0]}")))
    return seen


def test_nothing_secret_in_any_response_or_log_line(tmp_path: Path) -> None:
    trial = make_trial(sqlite_url(tmp_path))
    key_file, secret_file = write_key_files(tmp_path)
    good = elfproef_bsns(3, start=700_000_000)
    bad = ["700000001", "12345"]  # fails the elfproef; too short
    log = tmp_path / "service.log"
    with running_service(
        trial.url, key_file=key_file, secret_file=secret_file, log_path=log
    ) as base:
        seen = _browse(base, trial.tokens["ede"], [good[0], bad[0]])
        seen += _api(base, trial.tokens, [*good, *bad])
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "POST /api/v1/assign" in text and "POST /signin" in text  # the access log is there
    needles = _needles([*good, *bad], list(trial.tokens.values()))
    everything = "\n".join(seen)
    assert any("Controlgroep" in s or "Bijverdienen" in s for s in seen)  # it did assign
    leaked = [n for n in needles if n in everything or n in text]
    assert leaked == []
