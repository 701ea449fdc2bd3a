"""Everything one running service holds: the register and key, tokens, sessions, templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from participatie_rct.service.actions import Service
from participatie_rct.service.auth import RateLimit, Sessions, TokenCache
from participatie_rct.service.config import ServiceConfig, ServiceError
from participatie_rct.service.keys import open_register

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class State:
    """The service's state, built once at start-up (:meth:`build`)."""

    config: ServiceConfig
    service: Service
    tokens: TokenCache
    sessions: Sessions
    signins: RateLimit
    templates: jinja2.Environment

    @classmethod
    def build(cls, config: ServiceConfig) -> State:
        """Open the register (with the secret) and set up sessions and templates."""
        register = open_register(config.db_url, config.secret)
        if register.protocol.sealed and config.secret is None:
            register.close()
            raise ServiceError(
                f"{register.url}: this trial is sealed, so only the trial secret can draw its "
                "arms. Give --secret-file FILE (or set $PARTICIPATIE_RCT_SECRET) to serve it."
            )
        environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        return cls(
            config=config,
            service=Service.open(register, key=config.key, secret=config.secret),
            tokens=TokenCache(register.engine),
            sessions=Sessions(config.session_minutes),
            signins=RateLimit(config.signin_attempts, config.signin_window_s),
            templates=environment,
        )

    def close(self) -> None:
        """Release the register's connections."""
        self.service.register.close()
