"""Who is asking: bearer tokens, browser sessions, CSRF tokens and the sign-in rate limit.

A token is checked with scrypt once and then remembered by its SHA-256 for the life of the
process; the user's row is still read on every request, so a revocation takes effect at the
next request. Browser sessions live in this process only (a restart signs everyone out): the
cookie holds a random session id, never the token, and each session has its own CSRF token.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from participatie_rct.registry import users
from participatie_rct.registry.users import User

SESSION_COOKIE = "prct_session"
#: sessions kept at most; beyond it the oldest not signed in are dropped first
MAX_SESSIONS = 10_000
#: seconds a session lives before anyone signs in with it
ANONYMOUS_S = 15 * 60.0


class TokenCache:
    """Bearer tokens already verified (by SHA-256) -> user name; the row is re-read each time."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._known: dict[str, str] = {}
        self._lock = threading.Lock()

    def user(self, token: str) -> User | None:
        """The active user holding ``token``, else None."""
        digest = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
        with self._lock:
            name = self._known.get(digest)
        if name is not None:
            found = users.current(self._engine, name)
            return found if found is not None and found.active else None
        found = users.authenticate(self._engine, token)
        if found is not None:
            with self._lock:
                self._known[digest] = found.name
        return found


@dataclass
class Session:
    """One browser's session: who signed in (None before sign-in), its CSRF token, its language."""

    user: str | None
    csrf: str
    language: str
    expires: float
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)


class Sessions:
    """Browser sessions kept in memory, with expiry."""

    def __init__(self, minutes: int) -> None:
        self._seconds = minutes * 60.0
        self._items: dict[str, Session] = {}
        self._lock = threading.Lock()

    def new(self, *, user: str | None, language: str) -> tuple[str, Session]:
        """A fresh session (a new id at sign-in, so an id planted earlier is useless)."""
        sid = secrets.token_urlsafe(32)
        lifetime = self._seconds if user is not None else min(self._seconds, ANONYMOUS_S)
        session = Session(user, secrets.token_urlsafe(32), language, time.time() + lifetime)
        with self._lock:
            self._purge()
            self._items[sid] = session
        return sid, session

    def get(self, sid: str | None) -> Session | None:
        """The live session with id ``sid``, else None."""
        if not sid:
            return None
        with self._lock:
            session = self._items.get(sid)
            if session is None or session.expires < time.time():
                self._items.pop(sid, None)
                return None
            return session

    def drop(self, sid: str | None) -> None:
        """End a session (sign-out)."""
        with self._lock:
            self._items.pop(sid or "", None)

    def __len__(self) -> int:
        return len(self._items)

    def _purge(self) -> None:
        """Drop expired sessions; past :data:`MAX_SESSIONS`, the oldest anonymous ones, then
        the oldest of all (a flood of sign-in pages cannot exhaust memory)."""
        now = time.time()
        for sid in [s for s, v in self._items.items() if v.expires < now]:
            del self._items[sid]
        if len(self._items) < MAX_SESSIONS:
            return
        anonymous = [s for s, v in self._items.items() if v.user is None]
        for sid in anonymous[: len(self._items) - MAX_SESSIONS + 1]:
            del self._items[sid]
        while len(self._items) >= MAX_SESSIONS:
            del self._items[next(iter(self._items))]


def csrf_ok(session: Session | None, sent: str | None) -> bool:
    """True when the form carried this session's CSRF token."""
    return bool(session and sent and secrets.compare_digest(session.csrf, sent))


class RateLimit:
    """At most ``attempts`` failed sign-ins per client within ``window`` seconds."""

    def __init__(self, attempts: int, window: float) -> None:
        self._attempts = attempts
        self._window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, client: str) -> bool:
        """True while ``client`` has used up its attempts."""
        with self._lock:
            recent = self._recent(client)
            return len(recent) >= self._attempts

    def failed(self, client: str) -> None:
        """Count one failed attempt of ``client``."""
        with self._lock:
            self._recent(client).append(time.monotonic())

    def _recent(self, client: str) -> deque[float]:
        queue = self._failures.setdefault(client, deque())
        cutoff = time.monotonic() - self._window
        while queue and queue[0] < cutoff:
            queue.popleft()
        return queue
