"""How the service is configured, and the rule about which addresses it may listen on."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from participatie_rct.errors import ParticipatieRCTError


class ServiceError(ParticipatieRCTError):
    """The service cannot start as asked (an unsafe address, missing TLS files, ...)."""


@dataclass(frozen=True)
class ServiceConfig:
    """What :func:`~participatie_rct.service.create_app` needs.

    ``secret`` and ``key`` stay inside the process: no response, page or log line holds them.
    ``tls`` marks cookies ``Secure``; ``behind_proxy`` says a reverse proxy you run sits in
    front (uvicorn then takes the client's address from the proxy's ``X-Forwarded-For``).
    """

    db_url: str
    secret: bytes | None = None
    key: bytes | None = None
    tls: bool = False
    behind_proxy: bool = False
    session_minutes: int = 480
    signin_attempts: int = 5
    signin_window_s: float = 300.0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, *, tls: bool, behind_proxy: bool) -> None:
    """Refuse to listen beyond this machine without TLS or an explicit reverse proxy.

    Tokens, session cookies and BSNs travel in every request; over plain HTTP on a network
    anyone on the way could read them.
    """
    if _is_loopback(host) or tls or behind_proxy:
        return
    raise ServiceError(
        f"--host {host}: refusing to listen beyond this machine over plain HTTP, because access "
        "tokens, session cookies and BSNs would cross the network readable by anyone on the "
        "way. Give --ssl-certfile and --ssl-keyfile, or --behind-proxy when a reverse proxy "
        "that terminates TLS forwards to this address."
    )
