"""Random streams derived from a seed and a name, never from list position.

Every random number an assignment procedure uses comes from a stream that is a function of
(1) the *root*: the seed of the Generator the caller passed in, (2) a tag naming the
procedure's use of it, and (3) integers such as a batch or chunk number and the SHA-256 of a
stratum key. Streams are built with :class:`numpy.random.SeedSequence` (entropy = the root's
entropy, ``spawn_key`` = the root's spawn key followed by these words) and the PCG64 bit
generator, so an auditor who knows the protocol's seed can recompute each one, and a new
stratum or a restart changes no other stream.

The root of a Generator:

* a *fresh* Generator (its state is still the one its ``SeedSequence`` gave it, as for
  ``numpy.random.default_rng(protocol.seed)`` or ``rng.spawn(n)``) contributes its
  ``SeedSequence`` itself, so the draw is a pure function of that seed;
* a Generator that has been used already, or has no ``SeedSequence``, contributes four
  64-bit words drawn from it.

Either way the Generator is advanced (by one raw word, or by the four it gave), so calling a
procedure twice with the same Generator object gives two different, independent draws (as
randomization inference needs), while two Generators made from the same seed give the
same draw. The streams themselves use only ``SeedSequence`` and PCG64's raw output (see
:class:`Stream`), which NumPy keeps identical across versions.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

#: Tags that separate the uses of one root (arbitrary constants, fixed forever: changing one
#: changes every draw and needs a new procedure version).
TAG_BATCH = 0x62617463  # "batc": complete and stratified randomization
TAG_BLOCKS = 0x626C6F63  # "bloc": permuted blocks
TAG_MINIMIZATION = 0x6D696E69  # "mini": minimization
TAG_SIMULATION = 0x73696D75  # "simu": re-draws that estimate marginal probabilities


def root_sequence(rng: np.random.Generator) -> np.random.SeedSequence:
    """The root ``SeedSequence`` of ``rng`` (see the module docstring); advances ``rng``."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(seed)); got "
            f"{type(rng).__name__}"
        )
    bit_generator = rng.bit_generator
    seed_seq = getattr(bit_generator, "seed_seq", None) or getattr(bit_generator, "_seed_seq", None)
    if isinstance(seed_seq, np.random.SeedSequence) and _is_fresh(bit_generator, seed_seq):
        bit_generator.random_raw(1)
        return seed_seq
    words = bit_generator.random_raw(4)
    return np.random.SeedSequence(entropy=[int(w) for w in words])


def _is_fresh(bit_generator: Any, seed_seq: np.random.SeedSequence) -> bool:
    """Whether ``bit_generator`` is still in the state its ``seed_seq`` put it in."""
    try:
        initial = type(bit_generator)(seed_seq).state
    except Exception:  # an exotic bit generator that cannot be rebuilt this way
        return False
    return _same(initial, bit_generator.state)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(a, b))
    return bool(a == b)


def key_words(key: str) -> tuple[int, ...]:
    """Four 32-bit words of the SHA-256 of ``key`` (UTF-8): a stratum's name as seed material."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "big") for i in range(0, 16, 4))


def stream(root: np.random.SeedSequence, *words: int) -> Stream:
    """The stream named by ``words`` under ``root``."""
    seq = np.random.SeedSequence(
        entropy=root.entropy,
        spawn_key=(*root.spawn_key, *words),
        pool_size=root.pool_size,
    )
    return Stream(np.random.PCG64(seq))


class Stream:
    """Random numbers made from the raw 64-bit outputs of a PCG64 bit generator only.

    NumPy guarantees that ``SeedSequence`` and the PCG64 bit generator give the same raw
    outputs in every version, but not that ``Generator`` methods (``permutation``,
    ``integers``, ...) keep their algorithms. A register must replay its draws for years,
    so everything here is built from ``random_raw`` with algorithms fixed in this file:

    * ``integers(bound, n)``: rejection sampling: a raw word ``w`` is accepted when
      ``w < bound * floor(2^64 / bound)`` and gives ``w mod bound``: exactly uniform;
    * ``uniforms(n)``: ``(w >> 11) * 2^-53``, the 53-bit doubles of ``[0, 1)``;
    * ``sort_keys(n)``: raw words whose stable ``argsort`` is a uniformly random
      permutation (ties between 64-bit words, probability below ``n^2 / 2^65``, keep the
      earlier position first).
    """

    def __init__(self, bit_generator: np.random.PCG64):
        self.bit_generator = bit_generator

    def raw(self, n: int) -> np.ndarray:
        """``n`` raw 64-bit words."""
        return np.asarray(self.bit_generator.random_raw(n), dtype=np.uint64)

    def integers(self, bound: int, n: int) -> np.ndarray:
        """``n`` integers, uniform on ``{0, ..., bound - 1}``."""
        if bound < 1:
            raise ValueError("bound must be at least 1")
        limit = (2**64 // bound) * bound  # accept words below this multiple of bound
        out = np.empty(n, dtype=np.int64)
        filled = 0
        while filled < n:
            words = self.raw(n - filled)
            kept = words[words < np.uint64(limit)] if limit < 2**64 else words
            take = kept[: n - filled]
            out[filled : filled + len(take)] = (take % np.uint64(bound)).astype(np.int64)
            filled += len(take)
        return out

    def uniforms(self, n: int) -> np.ndarray:
        """``n`` doubles, uniform on the 53-bit grid of ``[0, 1)``."""
        return (self.raw(n) >> np.uint64(11)).astype(np.float64) * (1.0 / 2**53)

    def sort_keys(self, n: int) -> np.ndarray:
        """``n`` raw words to sort by: their stable ``argsort`` is a random permutation."""
        return self.raw(n)

    def permutation(self, n: int) -> np.ndarray:
        """A uniformly random permutation of ``0 .. n-1``."""
        return np.argsort(self.sort_keys(n), kind="stable")


def root_description(root: np.random.SeedSequence) -> dict[str, Any]:
    """The root as plain data (entropy and spawn key), for results that record their seed."""
    entropy: Any = root.entropy
    if isinstance(entropy, (list, tuple, np.ndarray)):
        entropy = [int(e) for e in entropy]
    elif entropy is not None:
        entropy = int(entropy)
    return {"entropy": entropy, "spawn_key": [int(k) for k in root.spawn_key]}
