"""What a result records about the random generator it was given, so the run can be repeated.

Randomness enters as a ``numpy.random.Generator`` (docs/conventions.md, rule 1); results record the
seed it was made from (the entropy of its ``SeedSequence``) and its spawn key. Deriving random
streams from a generator is the assignment engine's job (``assignment/streams.py``).
"""

from __future__ import annotations

import numpy as np


def seed_of(rng: np.random.Generator) -> tuple[int | None, tuple[int, ...]]:
    """The seed (entropy, None when unknown) and spawn key of ``rng``.

    >>> seed_of(np.random.default_rng(7))
    (7, ())
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(seed)); got "
            f"{type(rng).__name__}."
        )
    seq = getattr(rng.bit_generator, "seed_seq", None)
    entropy = getattr(seq, "entropy", None)
    key = tuple(int(k) for k in getattr(seq, "spawn_key", ()))
    return (int(entropy) if isinstance(entropy, int | np.integer) else None), key


def entropy_of(rng: np.random.Generator | None) -> int | None:
    """The seed ``rng`` was made from, or None (no generator, or an unknown seed)."""
    return None if rng is None else seed_of(rng)[0]
