"""Where the service gets its secrets and opens the register: one place for both.

The trial secret (concealed allocation) and the pseudonymisation key are read here and
nowhere else in the service; either may be absent (an open trial has no secret, a trial
identified by pseudonyms needs no key). When the package provides
:mod:`participatie_rct.keyfiles` (``optional_secret``, ``optional_key``) and a
``Register.open`` that takes the secret, they are used; otherwise the key is read as the CLI
reads it and the register is opened without a secret.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import TYPE_CHECKING

from participatie_rct.errors import KeyMissingError

if TYPE_CHECKING:
    from participatie_rct.registry import Register

SECRET_ENV = "PARTICIPATIE_RCT_SECRET"
KEY_ENV = "PARTICIPATIE_RCT_KEY"


def _keyfiles() -> object | None:
    try:
        from participatie_rct import keyfiles
    except ImportError:
        return None
    return keyfiles


def load_secret(path: Path | None) -> bytes | None:
    """The trial secret from ``path``, else ``$PARTICIPATIE_RCT_SECRET``, else None."""
    keyfiles = _keyfiles()
    if keyfiles is not None and hasattr(keyfiles, "optional_secret"):
        secret: bytes | None = keyfiles.optional_secret(path)
        return secret
    if path is not None:
        try:
            return Path(path).read_bytes().strip() or None
        except OSError as exc:
            raise KeyMissingError(
                f"{path}: cannot read the secret file ({exc.strerror})."
            ) from None
    value = os.environ.get(SECRET_ENV, "").strip()
    return value.encode("utf-8") if value else None


def load_key(path: Path | None) -> bytes | None:
    """The pseudonymisation key from ``path``, else ``$PARTICIPATIE_RCT_KEY``, else None."""
    keyfiles = _keyfiles()
    if keyfiles is not None and hasattr(keyfiles, "optional_key"):
        key: bytes | None = keyfiles.optional_key(path)
        return key
    from participatie_rct.data.pseudonym import load_key as read

    return read(key_file=path, environ=os.environ)


def open_register(url: str, secret: bytes | None) -> Register:
    """Open the register at ``url``, handing it the trial secret when it takes one."""
    from participatie_rct.registry import Register

    if "secret" in inspect.signature(Register.open).parameters:
        return Register.open(url, secret=secret)  # type: ignore[call-arg,unused-ignore]
    return Register.open(url)
