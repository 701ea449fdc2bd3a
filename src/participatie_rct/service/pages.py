"""The intake desk's web pages: sign-in, intake, confirmation, result; progress; export; users.

Server-rendered, no JavaScript. The session cookie holds a random id (HttpOnly,
SameSite=Strict, Secure over TLS); every form carries the session's CSRF token; failed
sign-ins are rate-limited per client. The BSN typed at intake is kept in memory only until
the lottery is drawn and is never written back into a page.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from participatie_rct.choices import Role
from participatie_rct.errors import ParticipatieRCTError, mask_identifiers
from participatie_rct.registry import users as user_store
from participatie_rct.registry.users import User
from participatie_rct.service.actions import declared_levels, enrolled_date, intake_values
from participatie_rct.service.auth import SESSION_COOKIE, Session, csrf_ok
from participatie_rct.service.http import form_body, one_line
from participatie_rct.service.i18n import LANGUAGES, TEXT, language
from participatie_rct.service.permissions import Action, ForbiddenError, NotFoundError, may

if TYPE_CHECKING:
    from participatie_rct.service.state import State

_HOME = {
    Role.ASSIGNER: "/intake",
    Role.MONITOR: "/monitor",
    Role.STATISTICIAN: "/monitor",
    Role.ADMIN: "/users",
}
_MAX_PENDING = 5


def _state(request: Request) -> State:
    state: State = request.app.state.service
    return state


def _client(request: Request) -> str:
    # behind a trusted proxy uvicorn has already put the forwarded address here; a header a
    # client writes itself is never read, so it cannot dodge the sign-in limit
    return request.client.host if request.client else "unknown"


def _render(
    request: Request,
    template: str,
    *,
    session: Session | None,
    user: User | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    state = _state(request)
    lang = session.language if session else language(request.headers.get("accept-language"))
    html = state.templates.get_template(template).render(
        lang=lang,
        t=TEXT[lang],
        trial=state.service.protocol.name,
        user=user,
        csrf=session.csrf if session else "",
        **context,
    )
    return HTMLResponse(html, status_code=status)


def _cookie(request: Request, response: Response, sid: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        sid,
        max_age=_state(request).config.session_minutes * 60,
        httponly=True,
        samesite="strict",
        secure=_state(request).config.tls,
        path="/",
    )


def _message(
    request: Request, session: Session | None, user: User | None, status: int, key: str
) -> HTMLResponse:
    lang = session.language if session else "nl"
    return _render(
        request,
        "message.html",
        session=session,
        user=user,
        status=status,
        heading=TEXT[lang]["error"],
        message=TEXT[lang][key],
    )


async def _signed_in(request: Request, action: Action) -> tuple[Session, User] | Response:
    """The session and its (still active) user allowed ``action``, else a 401 or 403 page."""
    state = _state(request)
    session = state.sessions.get(request.cookies.get(SESSION_COOKIE))
    user = None
    if session is not None and session.user is not None:
        user = await run_in_threadpool(
            user_store.current, state.service.register.engine, session.user
        )
    if session is None or user is None or not user.active:
        return _message(request, session, None, 401, "unauthorised")
    if not may(user, action):
        return _message(request, session, user, 403, "forbidden")
    return session, user


async def _signed_in_form(
    request: Request, action: Action
) -> tuple[Session, User, dict[str, str]] | Response:
    """As :func:`_signed_in`, for a posted form: also its fields, else a 400 page when the
    form does not carry the session's CSRF token."""
    found = await _signed_in(request, action)
    if isinstance(found, Response):
        return found
    session, user = found
    form = await form_body(request)
    if not csrf_ok(session, form.get("csrf")):
        return _message(request, session, user, 400, "bad_form")
    return session, user, form


async def home(request: Request) -> Response:
    """``GET /``: the sign-in page, or the signed-in user's own page; ``?lang=`` switches."""
    state = _state(request)
    sid = request.cookies.get(SESSION_COOKIE)
    session = state.sessions.get(sid)
    chosen = request.query_params.get("lang")
    if session is None:
        sid, session = state.sessions.new(
            user=None, language=language(chosen or request.headers.get("accept-language"))
        )
    elif chosen in LANGUAGES:
        session.language = chosen
    if session.user is not None:
        user = await run_in_threadpool(
            user_store.current, state.service.register.engine, session.user
        )
        if user is not None and user.active:
            response: Response = RedirectResponse(_HOME[user.role], status_code=303)
            _cookie(request, response, sid or "")
            return response
    response = _render(request, "signin.html", session=session, message=None)
    _cookie(request, response, sid or "")
    return response


async def signin(request: Request) -> Response:
    """``POST /signin``: check the access code (rate-limited), start a fresh session."""
    state = _state(request)
    old = request.cookies.get(SESSION_COOKIE)
    session = state.sessions.get(old)
    form = await form_body(request)
    if session is None or not csrf_ok(session, form.get("csrf")):
        return _message(request, session, None, 400, "bad_form")
    client = _client(request)
    if state.signins.blocked(client):
        return _render(
            request,
            "signin.html",
            session=session,
            status=429,
            message=TEXT[session.language]["signin_blocked"],
        )
    user = await run_in_threadpool(state.tokens.user, form.get("token", ""))
    if user is None:
        state.signins.failed(client)
        return _render(
            request,
            "signin.html",
            session=session,
            status=401,
            message=TEXT[session.language]["signin_failed"],
        )
    state.sessions.drop(old)
    sid, _fresh = state.sessions.new(user=user.name, language=session.language)
    await run_in_threadpool(state.service.log, user, "sign in")
    response = RedirectResponse(_HOME[user.role], status_code=303)
    _cookie(request, response, sid)
    return response


async def signout(request: Request) -> Response:
    """``POST /signout``: end the session."""
    state = _state(request)
    sid = request.cookies.get(SESSION_COOKIE)
    form = await form_body(request)
    if csrf_ok(state.sessions.get(sid), form.get("csrf")):
        state.sessions.drop(sid)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _fields(state: State) -> list[dict[str, Any]]:
    """The intake form's stratum fields: declared levels, else the register's values, else text."""
    protocol = state.service.protocol
    columns = [c for c in protocol.unit_columns if c != "site"]
    declared = {c: declared_levels(protocol, c) for c in columns}
    missing = [c for c in columns if not declared[c]]
    seen = user_store.unit_values(state.service.register.engine, missing) if missing else {}
    return [
        {"name": c, "choices": [str(v) for v in (declared[c] or seen.get(c) or [])]}
        for c in columns
    ]


def _check_choices(fields: list[dict[str, Any]], values: dict[str, str]) -> None:
    """A posted value must be one the form offered (free text only where it offered none)."""
    for field in fields:
        value = values.get(field["name"], "")
        if not value:
            raise ParticipatieRCTError(f"{field['name']}: choose a value.")
        if field["choices"] and value not in field["choices"]:
            raise ParticipatieRCTError(
                f"{field['name']}: {value!r} is not one of {', '.join(field['choices'])}."
            )


async def _intake_form(
    request: Request,
    session: Session,
    user: User,
    *,
    message: str | None = None,
    chosen: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    fields = await run_in_threadpool(_fields, _state(request))
    return _render(
        request,
        "intake.html",
        session=session,
        user=user,
        status=status,
        message=message,
        fields=fields,
        sites=list(user.sites),
        # a value typed back into the form is masked like any message: it may hold a BSN
        chosen={k: mask_identifiers(v) for k, v in (chosen or {}).items()},
        today=dt.date.today().isoformat(),
    )


async def intake(request: Request) -> Response:
    """``GET /intake``: the intake form (assigners)."""
    found = await _signed_in(request, Action.ASSIGN)
    if isinstance(found, Response):
        return found
    return await _intake_form(request, *found)


async def confirm(request: Request) -> Response:
    """``POST /intake/confirm``: check the details and show them back (never the BSN)."""
    posted = await _signed_in_form(request, Action.ASSIGN)
    if isinstance(posted, Response):
        return posted
    session, user, form = posted
    values = {k[2:]: v.strip() for k, v in form.items() if k.startswith("v:")}
    values["site"] = form.get("site", "").strip()
    service = _state(request).service
    try:
        intake_values(values)
        enrolled_date(form.get("enrolled_on") or None)
        await run_in_threadpool(service.intake_site, user, values)
        await run_in_threadpool(service.check_identifier, form.get("id", ""))
        _check_choices(await run_in_threadpool(_fields, _state(request)), values)
    except (ParticipatieRCTError, ForbiddenError) as exc:
        status = 403 if isinstance(exc, ForbiddenError) else 422
        return await _intake_form(
            request, session, user, message=one_line(exc), chosen=values, status=status
        )
    pending = secrets.token_urlsafe(16)
    while len(session.pending) >= _MAX_PENDING:
        session.pending.pop(next(iter(session.pending)))
    session.pending[pending] = {
        "id": form.get("id", ""),
        "values": values,
        "enrolled_on": form.get("enrolled_on") or None,
    }
    shown = [(c, values[c]) for c in service.protocol.unit_columns if c != "site"]
    return _render(
        request,
        "confirm.html",
        session=session,
        user=user,
        site=values["site"],
        values=shown,
        enrolled_on=form.get("enrolled_on") or dt.date.today().isoformat(),
        pending=pending,
    )


async def draw(request: Request) -> Response:
    """``POST /intake/assign``: draw the lottery for the confirmed intake; show the label."""
    posted = await _signed_in_form(request, Action.ASSIGN)
    if isinstance(posted, Response):
        return posted
    session, user, form = posted
    pending = session.pending.pop(form.get("pending", ""), None)
    if pending is None:
        return _message(request, session, user, 410, "expired")
    service = _state(request).service

    def work() -> dict[str, Any]:
        return service.assign(
            user,
            str(pending["id"]),
            pending["values"],
            enrolled_on=pending["enrolled_on"],
            language=session.language,
            # the values were checked against the form's choices at confirmation, and the
            # site is one the administrator gave this user: a new level here is not a typo
            new_level=True,
        )

    try:
        result = await run_in_threadpool(work)
    except (ParticipatieRCTError, ForbiddenError) as exc:
        status = 403 if isinstance(exc, ForbiddenError) else 422
        return await _intake_form(request, session, user, message=one_line(exc), status=status)
    text = TEXT[session.language]
    return _render(
        request,
        "result.html",
        session=session,
        user=user,
        label=result["label"],
        new=result["new"],
        tell=text["tell_text"].format(label=result["label"]),
    )


async def lookup(request: Request) -> Response:
    """``GET``/``POST /lookup``: the group of one participant (assigners: their sites only)."""
    found = await _signed_in(request, Action.LOOKUP)
    if isinstance(found, Response):
        return found
    session, user = found
    if request.method == "GET":
        return _render(request, "lookup.html", session=session, user=user, message=None, label=None)
    form = await form_body(request)
    if not csrf_ok(session, form.get("csrf")):
        return _message(request, session, user, 400, "bad_form")
    service = _state(request).service
    try:
        result = await run_in_threadpool(
            lambda: service.lookup(user, form.get("id", ""), language=session.language)
        )
    except (ParticipatieRCTError, NotFoundError) as exc:
        status = 404 if isinstance(exc, NotFoundError) else 422
        return _render(
            request, "lookup.html", session=session, user=user, status=status,
            message=one_line(exc), label=None,
        )  # fmt: skip
    return _render(
        request, "lookup.html", session=session, user=user, message=None,
        label=result["label"], withdrawn=result["withdrawn"],
    )  # fmt: skip


async def monitor(request: Request) -> Response:
    """``GET /monitor``: intake per site and arm, the CONSORT counts and the register's anchor."""
    found = await _signed_in(request, Action.STATUS)
    if isinstance(found, Response):
        return found
    session, user = found
    view = await run_in_threadpool(_state(request).service.monitor, user)
    return _render(
        request,
        "monitor.html",
        session=session,
        user=user,
        arms=view["arms"],
        by_site=view["by_site"],
        consort=view["consort"],
        anchor=view["anchor"],
        may_export=may(user, Action.EXPORT),
    )


async def export(request: Request) -> Response:
    """``GET /export``: the export CSV as a download (statisticians)."""
    found = await _signed_in(request, Action.EXPORT)
    if isinstance(found, Response):
        return found
    _session, user = found
    text = await run_in_threadpool(_state(request).service.export_csv, user)
    return PlainTextResponse(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="export.csv"'},
    )


async def people(request: Request) -> Response:
    """``GET /users``: who may use the service (admins; tokens are never shown)."""
    found = await _signed_in(request, Action.USERS)
    if isinstance(found, Response):
        return found
    session, user = found
    listed = await run_in_threadpool(_state(request).service.users, user)
    return _render(request, "users.html", session=session, user=user, people=listed)


ROUTES = [
    Route("/", home, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
    Route("/intake", intake, methods=["GET"]),
    Route("/intake/confirm", confirm, methods=["POST"]),
    Route("/intake/assign", draw, methods=["POST"]),
    Route("/lookup", lookup, methods=["GET", "POST"]),
    Route("/monitor", monitor, methods=["GET"]),
    Route("/export", export, methods=["GET"]),
    Route("/users", people, methods=["GET"]),
]
