"""The role matrix: which role may do what. The one place the service decides access.

docs/service.md shows the same matrix for people; ``tests/service/test_roles.py`` checks every
role against every endpoint and page.
"""

from __future__ import annotations

from enum import StrEnum

from participatie_rct.choices import Role
from participatie_rct.registry.users import User


class Action(StrEnum):
    """Everything the service can be asked to do."""

    ASSIGN = "assign"
    LOOKUP = "lookup"
    STATUS = "status"
    EXPORT = "export"
    WITHDRAW = "withdraw"
    USERS = "users"


#: action -> roles allowed (least privilege; an assigner is further limited to their sites)
MATRIX: dict[Action, frozenset[Role]] = {
    Action.ASSIGN: frozenset({Role.ASSIGNER}),
    Action.LOOKUP: frozenset({Role.ASSIGNER, Role.STATISTICIAN}),
    Action.STATUS: frozenset({Role.MONITOR, Role.STATISTICIAN}),
    Action.EXPORT: frozenset({Role.STATISTICIAN}),
    Action.WITHDRAW: frozenset({Role.STATISTICIAN}),
    Action.USERS: frozenset({Role.ADMIN}),
}


class ForbiddenError(Exception):
    """The user is known but may not do this (HTTP 403)."""


class NotFoundError(Exception):
    """Nothing to show to this user (HTTP 404)."""


def may(user: User, action: Action) -> bool:
    """True when ``user``'s role allows ``action``."""
    return user.role in MATRIX[action]


def require(user: User, action: Action) -> None:
    """Refuse with :class:`ForbiddenError` unless ``user``'s role allows ``action``."""
    if not may(user, action):
        allowed = ", ".join(sorted(r.value for r in MATRIX[action]))
        raise ForbiddenError(
            f"a {user.role.value} may not {action.value}; this needs the role {allowed}."
        )


def require_site(user: User, site: str | None) -> None:
    """An assigner acts only at their own sites; other roles work on the whole trial."""
    if user.role is Role.ASSIGNER and (site is None or site not in user.sites):
        raise ForbiddenError(
            f"site {site!r} is not one of your sites ({', '.join(user.sites)}); you may "
            "enrol only there."
        )
