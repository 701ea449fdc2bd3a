"""Where the service gets its secrets and opens the register: one place for both.

The trial secret (concealed allocation) and the pseudonymisation key are read here and
nowhere else in the service, through :mod:`participatie_rct.keyfiles` as the CLI reads them;
either may be absent (an open trial has no secret, a trial identified by pseudonyms needs no
key).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from participatie_rct.keyfiles import KEY_ENV, SECRET_ENV, optional_key, optional_secret

if TYPE_CHECKING:
    from participatie_rct.registry import Register

__all__ = ["KEY_ENV", "SECRET_ENV", "load_key", "load_secret", "open_register"]


def load_secret(path: Path | None) -> bytes | None:
    """The trial secret from ``path``, else ``$PARTICIPATIE_RCT_SECRET``, else None."""
    return optional_secret(path)


def load_key(path: Path | None) -> bytes | None:
    """The pseudonymisation key from ``path``, else ``$PARTICIPATIE_RCT_KEY``, else None."""
    return optional_key(path)


def open_register(url: str, secret: bytes | None) -> Register:
    """Open the register at ``url`` with the trial secret (None for an open trial)."""
    from participatie_rct.registry import Register

    return Register.open(url, secret=secret)
