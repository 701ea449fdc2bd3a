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
from participatie_rct.keyfiles import KEY_ENV as ENV_VAR
from participatie_rct.keyfiles import key_fingerprint, optional_key

__all__ = [
    "ENV_VAR",
    "key_fingerprint",
    "load_key",
    "pseudonym",
    "pseudonymise",
    "require_key",
]


def load_key(*, key_file: Path | str | None, environ: Mapping[str, str]) -> bytes | None:
    """The key from ``key_file`` if given, else from ``$PARTICIPATIE_RCT_KEY``; None if neither.

    Only keys made by ``participatie-rct keygen`` are accepted, and a key file that others may
    read is refused (see :mod:`participatie_rct.keyfiles`).
    """
    return optional_key(key_file, environ=environ)


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
