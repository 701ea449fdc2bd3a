"""The JSON API of docs/cli-contract.md: ``/healthz`` and ``/api/v1/...`` with bearer tokens.

Identifiers travel only in request bodies, never in URLs, so the access log never holds a
BSN. 401: no or bad token; 403: the role or site may not; 404: nothing this user may see;
422: bad input, with the one-line message the CLI gives.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from participatie_rct.errors import ParticipatieRCTError
from participatie_rct.service.http import (
    MAX_FILE_BYTES,
    TooLargeError,
    error,
    json_body,
    read_limited,
    text_field,
)
from participatie_rct.service.i18n import language
from participatie_rct.service.permissions import ForbiddenError, NotFoundError

if TYPE_CHECKING:
    from participatie_rct.registry.users import User
    from participatie_rct.service.state import State

log = logging.getLogger("participatie_rct.service")
_NO_TOKEN = "no valid access token: send Authorization: Bearer TOKEN."
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _run(
    request: Request, work: Callable[[User, dict[str, Any]], Response], *, body: bool
) -> Response:
    """Authenticate, read the body, run ``work``, map errors to statuses.

    The token check and ``work`` run in one call off the event loop: a request waits for a
    worker thread once, not twice. A bad token is answered with 401 before anything about
    the body is said (its error, if any, is kept until the user is known).
    """
    token = _bearer(request)
    if token is None:
        return error(401, _NO_TOKEN, **_CHALLENGE)
    state: State = request.app.state.service
    payload: dict[str, Any] = {}
    problem: ParticipatieRCTError | None = None
    if body:
        try:
            payload = await json_body(request)
        except ParticipatieRCTError as exc:  # TooLargeError included
            problem = exc

    def call() -> Response:
        user = state.tokens.user(token)
        if user is None:
            return error(401, _NO_TOKEN, **_CHALLENGE)
        if problem is not None:
            raise problem
        return work(user, payload)

    try:
        result: Response = await run_in_threadpool(call)
    except ForbiddenError as exc:
        return error(403, exc)
    except NotFoundError as exc:
        return error(404, exc)
    except TooLargeError as exc:
        return error(413, exc)
    except ParticipatieRCTError as exc:
        return error(422, exc)
    except sa.exc.SQLAlchemyError as exc:
        log.error("register error: %s", type(exc).__name__)
        return error(503, "the register cannot be reached; try again or tell the administrator.")
    return result


def _lang(request: Request) -> str:
    return language(request.headers.get("accept-language"))


async def healthz(request: Request) -> Response:
    """Liveness: no token needed, nothing revealed."""
    return JSONResponse({"status": "ok"})


async def assign(request: Request) -> Response:
    """``POST /api/v1/assign``: ``{"id", "values", "enrolled_on"?}`` -> arm, label, new."""
    service = request.app.state.service.service
    lang = _lang(request)

    def work(user: User, body: dict[str, Any]) -> Response:
        identifier = text_field(body, "id") or ""
        new_level = body.get("new_level", False)
        if not isinstance(new_level, bool):
            raise ParticipatieRCTError("new_level: give true or false.")
        result = service.assign(
            user,
            identifier,
            body.get("values") or {},
            enrolled_on=body.get("enrolled_on"),
            language=lang,
            new_level=new_level,
        )
        return JSONResponse(result)

    return await _run(request, work, body=True)


async def lookup(request: Request) -> Response:
    """``POST /api/v1/lookup``: ``{"id"}`` -> arm, label, withdrawn (404 when not to be seen)."""
    service = request.app.state.service.service
    lang = _lang(request)

    def work(user: User, body: dict[str, Any]) -> Response:
        return JSONResponse(service.lookup(user, text_field(body, "id") or "", language=lang))

    return await _run(request, work, body=True)


async def status(request: Request) -> Response:
    """``GET /api/v1/status``: the body of ``status --format json``."""
    service = request.app.state.service.service
    return await _run(request, lambda user, _body: JSONResponse(service.status(user)), body=False)


async def export(request: Request) -> Response:
    """``GET /api/v1/export``: the export CSV."""
    service = request.app.state.service.service
    return await _run(
        request,
        lambda user, _body: PlainTextResponse(service.export_csv(user), media_type="text/csv"),
        body=False,
    )


async def withdraw(request: Request) -> Response:
    """``POST /api/v1/withdraw``: ``{"id", "reason"}`` -> 200."""
    service = request.app.state.service.service

    def work(user: User, body: dict[str, Any]) -> Response:
        identifier = text_field(body, "id") or ""
        reason = text_field(body, "reason") or ""
        return JSONResponse(service.withdraw(user, identifier, reason))

    return await _run(request, work, body=True)


async def users(request: Request) -> Response:
    """``GET /api/v1/users``: the users (never tokens), for an admin."""
    service = request.app.state.service.service
    return await _run(
        request, lambda user, _body: JSONResponse({"users": service.users(user)}), body=False
    )


async def assign_file(request: Request) -> Response:
    """``POST /api/v1/assign-file?name=FILE``: a participants file as the body, all or nothing."""
    service = request.app.state.service.service
    name = request.query_params.get("name") or "participants.csv"
    if _bearer(request) is None:
        return error(401, _NO_TOKEN, **_CHALLENGE)
    try:
        content = await read_limited(request, MAX_FILE_BYTES)
    except TooLargeError as exc:
        return error(413, f"{name}: {exc}")

    def work(user: User, _body: dict[str, Any]) -> Response:
        return JSONResponse(service.assign_file(user, name, content))

    return await _run(request, work, body=False)


ROUTES = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/api/v1/assign", assign, methods=["POST"]),
    Route("/api/v1/assign-file", assign_file, methods=["POST"]),
    Route("/api/v1/lookup", lookup, methods=["POST"]),
    Route("/api/v1/status", status, methods=["GET"]),
    Route("/api/v1/export", export, methods=["GET"]),
    Route("/api/v1/withdraw", withdraw, methods=["POST"]),
    Route("/api/v1/users", users, methods=["GET"]),
]
