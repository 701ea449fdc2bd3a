"""Uniform random arrangements of many rows at once, by sorting random keys.

A re-draw places a fixed multiset of arms over a group of units in a uniformly random order.
``Generator.permuted`` does that by Fisher-Yates, one bounded random number and one swap per
element in a loop over every row; sorting is cheaper per element in numpy (a vectorized sort
of unsigned integers). Each element is packed into one unsigned integer::

    group | random key | arm

(high bits to low): the group (a cell of units) keeps every element inside its own segment of
the row, the key orders the elements of a group at random, and the arm rides along in the low
bits. After sorting a row, each group's segment holds its arms in the order of their keys.

Exactness. With keys independent and uniform, the order of a group's keys is a uniformly
random permutation whenever the keys are distinct. A row in which two keys of one group
are equal (the packed values then agree above the arm bits) is given new keys and sorted
again until no key is tied; the event "no tie" is symmetric in the elements, so conditioning
on it keeps every order equally likely. The result is exactly the uniform arrangement of
each group, as ``permuted`` gives (``docs/inference.md``).

The key width is chosen from the expected number of tied pairs per row: 32-bit values when
that is small (the sort is then about twice as fast), else 64-bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: largest expected number of tied pairs per row for 32-bit values (the share of rows sorted
#: twice is at most about this)
MAX_TIES_32 = 0.25
#: fewest key bits a layout may have (64-bit values with more groups than this allows are
#: refused rather than re-drawn almost forever)
MIN_KEY_BITS = 24


@dataclass(frozen=True)
class KeyLayout:
    """How groups, keys and arms share one unsigned integer."""

    dtype: type[np.unsignedinteger]
    arm_bits: int
    group_shift: int  # the group occupies the bits from here up

    @property
    def arm_mask(self) -> int:
        return (1 << self.arm_bits) - 1

    @property
    def key_mask(self) -> int:
        return (1 << self.group_shift) - 1 - self.arm_mask


def key_layout(n_groups: int, n_arms: int, group_sizes: np.ndarray) -> KeyLayout:
    """The narrowest layout for ``n_groups`` groups of ``group_sizes`` elements and arm codes
    below ``n_arms`` in which ties are rare (see :data:`MAX_TIES_32`)."""
    arm_bits = max(1, (max(n_arms, 1) - 1).bit_length())
    group_bits = (max(n_groups, 1) - 1).bit_length()
    sizes = np.asarray(group_sizes, dtype=np.float64)
    pairs = float(np.sum(sizes * (sizes - 1) / 2))
    for dtype, width in ((np.uint32, 32), (np.uint64, 64)):
        key_bits = width - group_bits - arm_bits
        if key_bits >= MIN_KEY_BITS and (width == 64 or pairs / 2.0**key_bits <= MAX_TIES_32):
            return KeyLayout(dtype, arm_bits, width - group_bits)
    raise ValueError(f"{n_groups} groups and {n_arms} arms leave too few bits for sort keys.")


def random_keys(shape: tuple[int, ...], layout: KeyLayout, rng: np.random.Generator) -> np.ndarray:
    """Uniform random bits of the layout's type, masked to the key bits.

    Drawn as full-range 64-bit integers (the bit generator's raw output, for any generator)
    and viewed as the layout's type.
    """
    count = int(np.prod(shape))
    per_word = 8 // np.dtype(layout.dtype).itemsize
    words = rng.integers(
        0, np.iinfo(np.uint64).max, size=-(-count // per_word), dtype=np.uint64, endpoint=True
    )
    keys = words.view(layout.dtype)[:count].reshape(shape)
    keys &= layout.dtype(layout.key_mask)
    return keys


def keyed(
    labels: np.ndarray, shape: tuple[int, ...], layout: KeyLayout, rng: np.random.Generator
) -> np.ndarray:
    """``labels`` (each element's group and arm, key bits zero; broadcast to ``shape``) with
    random keys filled in: the values :func:`arrange` sorts."""
    values = random_keys(shape, layout, rng)
    values |= labels
    return values


def arrange(values: np.ndarray, layout: KeyLayout, rng: np.random.Generator) -> np.ndarray:
    """Arm codes (int8, the shape of ``values``) of each row's groups in a uniformly random
    order within each group; rows are independent.

    ``values`` are :func:`keyed` labels; they are used as work space (their content is
    lost). Groups must be contiguous and in increasing order along the last axis for the
    output to keep them in place.
    """
    rows = values.reshape(-1, values.shape[-1]) if values.ndim != 2 else values
    rows.sort(axis=1)
    todo = np.flatnonzero(_tied(rows, layout))
    while todo.size:
        again = rows[todo]
        again &= layout.dtype(~layout.key_mask & np.iinfo(layout.dtype).max)
        again |= random_keys(again.shape, layout, rng)
        again.sort(axis=1)
        rows[todo] = again
        todo = todo[_tied(again, layout)]
    rows &= layout.dtype(layout.arm_mask)
    return rows.astype(np.int8).reshape(values.shape)


def _tied(rows: np.ndarray, layout: KeyLayout) -> np.ndarray:
    """Per sorted row: whether two neighbours share group and key (they differ only in arm)."""
    above = rows >> layout.dtype(layout.arm_bits)
    return np.asarray((above[:, 1:] == above[:, :-1]).any(axis=1))


def arrival_positions(order: np.ndarray) -> np.ndarray | None:
    """Where each unit sits in a row grouped by ``order`` (a stable argsort of the units'
    groups), so that ``np.take(row, positions)`` returns the units to arrival order; None
    when the grouping keeps arrival order and no look-up is needed."""
    if (order == np.arange(order.size)).all():
        return None
    positions = np.empty(order.size, dtype=np.int64)
    positions[order] = np.arange(order.size)
    return positions
