"""Pseudonymisation of BSNs with a secret key (HMAC-SHA256), and the key's fingerprint.

A BSN is never stored, logged or printed: it becomes ``HMAC-SHA256(key, bsn)`` on the way in.
Without the key nobody can recompute the pseudonym from a BSN (a plain SHA-256 of a
9-digit number would be reversed by trying all 10^9 of them in minutes). The key lives outside
the register; the register keeps only its fingerprint, a differently-labelled HMAC, so a
wrong key is refused while the fingerprint reveals nothing about the key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from pathlib import Path

from participatie_rct.errors import KeyMissingError

ENV_VAR = "PARTICIPATIE_RCT_KEY"
MIN_KEY_BYTES = 16
_FINGERPRINT_LABEL = b"participatie-rct key fingerprint v1"


def load_key(*, key_file: Path | str | None, environ: Mapping[str, str]) -> bytes | None:
    """The key from ``key_file`` if given, else from ``$PARTICIPATIE_RCT_KEY``; None if neither.

    Surrounding white space (a trailing newline in a key file) is ignored. A key shorter than
    16 bytes is refused: it could be guessed.
    """
    if key_file is not None:
        path = Path(key_file)
        try:
            key = path.read_bytes().strip()
        except OSError as exc:
            raise KeyMissingError(f"{path}: cannot read the key file ({exc.strerror}).") from None
        source = str(path)
    elif environ.get(ENV_VAR):
        key = environ[ENV_VAR].strip().encode("utf-8")
        source = f"${ENV_VAR}"
    else:
        return None
    if len(key) < MIN_KEY_BYTES:
        raise KeyMissingError(
            f"{source}: the key has {len(key)} bytes; use at least {MIN_KEY_BYTES} random bytes "
            "(for example: python3 -c 'import secrets; print(secrets.token_hex(32))' > trial.key)."
        )
    return key


def require_key(key: bytes | None, *, purpose: str) -> bytes:
    """Return ``key`` or refuse, saying where a key comes from."""
    if key is None:
        raise KeyMissingError(
            f"{purpose} needs the pseudonymisation key: pass --key-file FILE or set ${ENV_VAR}. "
            "Keep the key outside the register and use the same key for every file of the trial."
        )
    return key


def pseudonym(key: bytes, bsn: str) -> str:
    """The pseudonym of one BSN: hex HMAC-SHA256 under ``key``."""
    return hmac.new(key, bsn.strip().encode("ascii"), hashlib.sha256).hexdigest()


def pseudonymise(key: bytes, values: Iterable[str]) -> list[str]:
    """Pseudonyms of many BSNs, in order."""
    return [pseudonym(key, v) for v in values]


def key_fingerprint(key: bytes) -> str:
    """A fingerprint of the key that the register stores to refuse a wrong key later."""
    return hmac.new(key, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()
