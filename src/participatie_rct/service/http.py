"""HTTP plumbing shared by the API and the pages: security headers, errors, request bodies."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from participatie_rct.errors import ParticipatieRCTError, mask_identifiers

#: no inline script or style, nothing from elsewhere, no framing, forms post only here
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
MAX_FORM_BYTES = 64 * 1024
MAX_FILE_BYTES = 20 * 2**20


class SecurityHeaders:
    """Pure ASGI middleware: the same security headers on every response.

    Responses that may show an arm (everything under ``/api`` and every page) are never
    cached; only the stylesheet may be.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in {b"server", b"cache-control"}
                ]
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"max-age=3600" if cacheable else b"no-store"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def one_line(text: object) -> str:
    """A message on one line, as the CLI prints it, with anything that could be a BSN masked.

    Every refusal the API sends and every message a page shows passes through here
    (:func:`participatie_rct.errors.mask_identifiers`), whatever raised it: a BSN typed into
    the wrong field never comes back in a response, a page or a log line.
    """
    return mask_identifiers(" ".join(str(text).split()))


def error(status: int, message: object, **headers: str) -> JSONResponse:
    """``{"error": message}`` with ``status``."""
    return JSONResponse({"error": one_line(message)}, status_code=status, headers=headers or None)


class TooLargeError(ParticipatieRCTError):
    """A request body beyond the limit (reading stops there; nothing is kept)."""


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body, refused with :class:`TooLargeError` as soon as it passes ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLargeError(f"the request body has {declared} bytes; at most {limit}.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLargeError(f"the request body is larger than {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; a :class:`ParticipatieRCTError` names what is wrong."""
    raw = await read_limited(request, MAX_FORM_BYTES)
    try:
        body = json.loads(raw or b"null")
    except json.JSONDecodeError as exc:
        raise ParticipatieRCTError(f"the request body is not JSON ({exc.msg}).") from None
    except ValueError:
        raise ParticipatieRCTError("the request body is not UTF-8 JSON.") from None
    if not isinstance(body, dict):
        raise ParticipatieRCTError('the request body must be a JSON object, such as {"id": ...}.')
    return body


async def form_body(request: Request) -> dict[str, str]:
    """A URL-encoded form as name -> last value (bodies over 64 KiB are read as empty)."""
    try:
        raw = await read_limited(request, MAX_FORM_BYTES)
    except TooLargeError:
        return {}
    parsed = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[-1] for k, v in parsed.items()}


def text_field(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    """``body[name]`` as text; refused naming the field when missing or not text."""
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ParticipatieRCTError(
            f'{name}: give it as a non-empty text, e.g. {{"{name}": "..."}}.'
        )
    return value


Endpoint = Callable[[Request], Awaitable[Any]]


class DropQueryString(logging.Filter):
    """Access-log filter: log the path without its query string.

    The API never takes identifiers in URLs, but a client may still put one there by mistake;
    the access log then keeps only the path.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def access_log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with :class:`DropQueryString` on the access log."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["drop_query"] = {"()": f"{__name__}.DropQueryString"}
    config["handlers"]["access"]["filters"] = ["drop_query"]
    return config
