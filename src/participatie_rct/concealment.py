"""Allocation concealment: everything a sealed trial derives from its secret, and nothing more.

A sealed trial (``concealment = "sealed"`` in the protocol) has no public seed. Its random
draws, the key of its hash chains and the letters of its blinded reports all come from one
**trial secret** (32 random bytes, :mod:`.keyfiles`) through HKDF-SHA256 (RFC 5869), each
under its own fixed ``info`` string, so knowing one derived value tells nothing about another
or about the secret. The register keeps only a **commitment** to the secret,
``HMAC-SHA256(secret, label || protocol SHA-256)``: it recognises the right secret, binds it to
one protocol text, and reveals nothing a guesser could use (the secret has 256 random bits).

The design and what each promise rests on are in ``docs/threat-model.md``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

_COMMITMENT_LABEL = b"participatie-rct trial secret commitment v1"
_SEED_INFO = b"participatie-rct assignment seed v1"
_CHAIN_INFO = b"participatie-rct chain key v1"
_BLINDING_INFO = b"participatie-rct blinding letters v1"
#: The chain key of an open trial: public, so its chains only guard against accidents and
#: against rewrites that an earlier anchor exposes (``docs/threat-model.md``).
OPEN_CHAIN_KEY = hashlib.sha256(b"participatie-rct open trial chain key v1").digest()


def hkdf_sha256(ikm: bytes, *, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF with SHA-256 (RFC 5869): extract with ``salt``, expand with ``info``.

    >>> okm = hkdf_sha256(bytes([0x0B] * 22), salt=bytes(range(13)),
    ...                   info=bytes(range(0xF0, 0xFA)), length=42)
    >>> okm.hex()  # RFC 5869, appendix A.1 (test case 1): two blocks, cut to 42 bytes
    '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865'
    """
    prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
    out, block = b"", b""
    for counter in range(1, -(-length // 32) + 1):
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
    return out[:length]


def _salt(protocol_sha256: str) -> bytes:
    return bytes.fromhex(protocol_sha256)


def commitment(secret: bytes, protocol_sha256: str) -> str:
    """The register's commitment to ``secret`` for the protocol with this SHA-256 (hex)."""
    return hmac.new(
        secret, _COMMITMENT_LABEL + protocol_sha256.encode("ascii"), hashlib.sha256
    ).hexdigest()


def matches_commitment(secret: bytes, protocol_sha256: str, stored: str | None) -> bool:
    """Whether ``secret`` is the one the register committed to (constant-time compare)."""
    return stored is not None and hmac.compare_digest(commitment(secret, protocol_sha256), stored)


def seed_entropy(secret: bytes, protocol_sha256: str) -> int:
    """The 256-bit seed of a sealed trial's draws: HKDF(secret, protocol SHA-256, fixed info)."""
    okm = hkdf_sha256(secret, salt=_salt(protocol_sha256), info=_SEED_INFO)
    return int.from_bytes(okm, "big")


def sealed_rng(secret: bytes, protocol_sha256: str) -> np.random.Generator:
    """A fresh Generator for a sealed trial's draws (a ``SeedSequence`` of the derived seed)."""
    import numpy as np

    return np.random.default_rng(np.random.SeedSequence(seed_entropy(secret, protocol_sha256)))


def chain_key(secret: bytes | None) -> bytes:
    """The HMAC key of the register's hash chains: from the secret, or public when open."""
    if secret is None:
        return OPEN_CHAIN_KEY
    return hkdf_sha256(secret, salt=b"", info=_CHAIN_INFO)


def blinding_key(secret: bytes) -> bytes:
    """The key that orders a blinded report's letters, from a trial secret or blinding key."""
    return hkdf_sha256(secret, salt=b"", info=_BLINDING_INFO)
