"""Blinded reports: arms appear as A, B, C, ... under a fixed mapping that readers cannot know.

An interim report may go to people who must not yet learn which arm does best (a steering
group, the council). In a blinded report every arm, the control arm included, is shown by a
letter. The letters are a permutation of the arms drawn from a keyed hash under a key derived
from the trial secret (``--secret-file``; for an open trial the same option takes a separate
blinding key), never from anything a report or the register prints. The same trial always
gets the same letters, so successive blinded reports stay comparable, while the protocol order
(which readers may know) does not give the mapping away. The mapping itself is never written
into the report folder; whoever holds the secret can recompute it with :func:`blind_mapping`.

An open trial blinded without a key falls back to the protocol's hash and seed, which any
reader of the protocol can recompute: such a report says that its blinding is not concealed.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from collections.abc import Sequence

from participatie_rct.errors import ReportError

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


def blinding_secret(
    *, key: bytes | None, protocol_sha256: str, seed: int | None
) -> tuple[bytes, bool]:
    """The secret behind the letters and whether it is concealed from readers.

    ``key`` is the blinding key derived from the trial secret
    (:func:`participatie_rct.concealment.blinding_key`). Without one, a sealed trial cannot be
    blinded (nothing printed may order the letters); an open trial falls back to its protocol
    hash and seed, which is not concealed.
    """
    if key is not None:
        return hmac.new(key, _LABEL, hashlib.sha256).digest(), True
    if seed is None:
        raise ReportError(
            "a blinded report of a sealed trial needs the trial secret (--secret-file FILE or "
            "$PARTICIPATIE_RCT_SECRET): its letters come from it, so no reader can undo them."
        )
    public = _LABEL + protocol_sha256.encode("ascii") + str(int(seed)).encode("ascii")
    return hashlib.sha256(public).digest(), False
