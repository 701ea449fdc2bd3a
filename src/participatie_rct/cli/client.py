"""The command line as a client of the randomization service (``assign --server URL``).

Researchers who assign from the command line then get concealment too: the server holds the
trial secret and the key; the client holds only an access token. The identifier travels in
the request body over HTTPS (plain HTTP only to this machine), never in the URL.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import typer

from participatie_rct.choices import OutputFormat
from participatie_rct.cli.common import echo_json
from participatie_rct.errors import RegistryError

TIMEOUT_S = 60.0


def read_token(path: Path | None) -> str:
    """The access token from ``--token-file`` (surrounding white space ignored)."""
    if path is None:
        raise RegistryError(
            "--server needs --token-file FILE: the access token that "
            "'participatie-rct users add' printed."
        )
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read the token file ({exc.strerror}).") from None
    if not token:
        raise RegistryError(f"{path}: the token file is empty; put the access token in it.")
    return token


def _base(server: str) -> str:
    parsed = urllib.parse.urlsplit(server.strip())
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise RegistryError(
            f"--server {server!r}: give the service's address, such as https://rct.example.nl "
            "or http://127.0.0.1:8000."
        )
    if parsed.scheme == "http" and not _loopback(parsed.hostname):
        raise RegistryError(
            f"--server {server!r}: plain http would send the token and the identifier readable "
            "over the network. Use https://."
        )
    return f"{parsed.scheme}://{parsed.netloc}{parsed.path.rstrip('/')}"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def request(
    server: str,
    token: str,
    path: str,
    *,
    body: bytes,
    content_type: str = "application/json",
) -> dict[str, Any]:
    """POST ``body`` to ``server`` + ``path``: the JSON answer, or the error as one line."""
    url = _base(server) + path
    call = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": content_type,
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(call, timeout=TIMEOUT_S) as response:
            answer: dict[str, Any] = json.loads(response.read() or b"{}")
            return answer
    except urllib.error.HTTPError as exc:
        try:
            said = json.loads(exc.read() or b"{}").get("error") or exc.reason
        except ValueError:
            said = exc.reason
        raise RegistryError(f"{_base(server)} refused ({exc.code}): {said}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RegistryError(
            f"cannot reach the service at {_base(server)} ({reason}). Check --server and that "
            "the service runs."
        ) from None


def assign_remote(
    server: str,
    token_file: Path | None,
    *,
    file: Path | None,
    participant_id: str | None,
    values: dict[str, str],
    enrolled_on: str | None,
    output: OutputFormat,
    new_level: bool = False,
) -> None:
    """``assign --server``: one participant or a file through the service; print the answer."""
    token = read_token(token_file)
    if file is not None:
        try:
            content = Path(file).read_bytes()
        except OSError as exc:
            raise RegistryError(f"{file}: cannot read the file ({exc.strerror}).") from None
        name = urllib.parse.quote(Path(file).name)
        answer = request(
            server,
            token,
            f"/api/v1/assign-file?name={name}",
            body=content,
            content_type="application/octet-stream",
        )
        if output is OutputFormat.JSON:
            echo_json(answer)
            return
        typer.echo(
            f"{Path(file).name}: {answer.get('n_new', 0)} newly assigned, "
            f"{answer.get('n_existing', 0)} assigned before (kept their arm), "
            f"{answer.get('n_declined', 0)} declined (not assigned)."
        )
        for arm, n in (answer.get("by_arm") or {}).items():
            typer.echo(f"  {arm}  {n}")
        return
    payload: dict[str, Any] = {"id": participant_id or "", "values": values}
    if enrolled_on is not None:
        payload["enrolled_on"] = enrolled_on
    if new_level:
        payload["new_level"] = True
    answer = request(server, token, "/api/v1/assign", body=json.dumps(payload).encode())
    if output is OutputFormat.JSON:
        echo_json(answer)
        return
    state = "assigned" if answer.get("new") else "already assigned (unchanged)"
    typer.echo(f"{state}: arm {answer.get('arm')} ({answer.get('label')})")
