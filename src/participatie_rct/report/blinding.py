"""Blinded reports: arms appear as A, B, C, ... under a fixed mapping that readers cannot know.

An interim report may go to people who must not yet learn which arm does best (a steering
group, the council). In a blinded report every arm, the control arm included, is shown by a
letter. The letters are a permutation of the arms drawn from a keyed hash: with the
pseudonymisation key (``--key-file``) when there is one, otherwise from the register's
protocol hash and seed. The same trial always gets the same letters, so successive blinded
reports stay comparable, while the protocol order (which readers may know) does not give the
mapping away. The mapping itself is never written into the report folder; whoever holds the
key and the register can recompute it with :func:`blind_mapping`.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from collections.abc import Sequence

_LABEL = b"participatie-rct blinded arm letters v1"


def blind_mapping(arm_keys: Sequence[str], *, secret: bytes) -> dict[str, str]:
    """Arm key -> letter (``A``, ``B``, ...), a permutation fixed by ``secret``.

    Arms are ordered by ``HMAC-SHA256(secret, label | arm key)`` and lettered in that order,
    so the letters depend on the secret and the keys, never on the order the protocol lists
    the arms in.
    """
    if len(arm_keys) > len(string.ascii_uppercase):
        raise ValueError(
            "blinding letters run from A to Z: a trial with more than 26 arms cannot be blinded."
        )
    ranked = sorted(
        arm_keys,
        key=lambda k: hmac.new(secret, _LABEL + k.encode("utf-8"), hashlib.sha256).digest(),
    )
    return {key: string.ascii_uppercase[i] for i, key in enumerate(ranked)}


def blinding_secret(*, key: bytes | None, protocol_sha256: str, seed: int) -> bytes:
    """The secret behind the letters: the key if given, else the protocol's hash and seed."""
    if key is not None:
        return hmac.new(key, _LABEL, hashlib.sha256).digest()
    return hashlib.sha256(
        _LABEL + protocol_sha256.encode("ascii") + str(int(seed)).encode("ascii")
    ).digest()
