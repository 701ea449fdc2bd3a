"""The ASGI application: the API routes, the intake pages and the security headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from participatie_rct.service import api, pages
from participatie_rct.service.config import ServiceConfig
from participatie_rct.service.http import SecurityHeaders
from participatie_rct.service.state import State

STATIC = Path(__file__).parent / "static"


def create_app(config: ServiceConfig) -> Starlette:
    """The service for ``config``: opens the register now, closes it at shutdown."""
    state = State.build(config)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        state.close()

    app = Starlette(
        routes=[
            *api.ROUTES,
            *pages.ROUTES,
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[Middleware(SecurityHeaders)],
        lifespan=lifespan,
    )
    app.state.service = state
    return app
