"""A column as its distinct values and, per row, which value it holds.

A benefit_months file of 24 million rows holds a few hundred thousand ids, sixty months,
two on_benefit words and four exit reasons. Checking and parsing each distinct value once
and spreading the result to the rows by index (:meth:`Coded.rows`, :meth:`Coded.spread`)
makes validation cost about one pass of compiled code over the column, however slow the
parser of one value is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from participatie_rct.data.values import TEXT, text_of


@dataclass(frozen=True)
class Coded:
    """``uniques``: distinct filled values (``TEXT``); ``codes[i]``: row ``i``'s value, -1 empty."""

    codes: np.ndarray
    uniques: pd.Series

    @classmethod
    def of(cls, cells: pd.Series, missing: Sequence[str] = ()) -> Coded:
        """Encode text cells; blank cells and the ``missing`` spellings become empty (-1)."""
        codes, original = _factorize(cells)
        values = text_of(original)
        if not values.equals(original):  # " Ede" and "Ede" are one value
            merged = cls(codes=codes, uniques=original).with_uniques(values)
            codes, values = merged.codes, merged.uniques
        drop = (values.fillna("") == "").to_numpy(dtype=bool)
        if missing:
            drop |= values.isin(list(missing)).fillna(False).to_numpy(dtype=bool)
        if drop.any():
            renumber = np.where(drop, -1, np.cumsum(~drop) - 1).astype(np.int32)
            codes = np.where(codes >= 0, renumber[codes], -1).astype(np.int32)
            values = values[~drop]
        return cls(codes=codes, uniques=values.reset_index(drop=True))

    def with_uniques(self, uniques: pd.Series) -> Coded:
        """The same rows with other distinct values (normalized text), merged if now equal."""
        merged, distinct = pd.factorize(uniques)
        codes = np.where(self.codes >= 0, merged.astype(np.int32)[self.codes], -1)
        return Coded(codes=codes.astype(np.int32), uniques=pd.Series(distinct, dtype=TEXT))

    @property
    def filled(self) -> np.ndarray:
        """Mask of rows that hold a value."""
        return self.codes >= 0

    def rows(self, mask: pd.Series | np.ndarray) -> np.ndarray:
        """Mask of rows whose value is flagged in ``mask`` (one flag per distinct value)."""
        flags = np.append(np.asarray(mask, dtype=bool), False)
        selected: np.ndarray = flags[self.codes]
        return selected

    def spread(self, values: pd.Series) -> pd.Series:
        """Per-distinct-value results as a column of rows (missing where the row is empty)."""
        return pd.Series(values.array.take(self.codes, allow_fill=True))

    def text(self, row: int) -> str:
        """The text of row ``row`` (which holds a value)."""
        return str(self.uniques.iloc[int(self.codes[row])])

    def text_rows(self, values: pd.Series | None = None) -> pd.Series:
        """Per row, its distinct value (or ``values[code]``) as Python text; ``None`` when empty.

        Rows holding the same value share one string object: 24 million rows of 400,000 ids
        cost their pointers, not 24 million strings.
        """
        distinct = self.uniques if values is None else values
        table = np.append(
            np.asarray(distinct.astype(object).where(distinct.notna(), None)),
            np.array([None], dtype=object),
        )
        return pd.Series(table[self.codes], dtype=object)

    def value_codes(self, values: pd.Series) -> np.ndarray:
        """Per row, a code of its parsed value (equal values, equal codes; -1 empty)."""
        merged, _ = pd.factorize(values)
        table = np.append(merged.astype(np.int32), np.int32(-1))
        row_codes: np.ndarray = table[self.codes]
        return row_codes


def _factorize(cells: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """int32 codes (-1 missing) and distinct values of a text column, in first-seen order.

    Arrow's hash kernel keeps one dictionary across the chunks of a column, so its indices
    are the codes; pandas' own factorize of the same column is several times slower.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    array = getattr(cells.array, "_pa_array", None)
    if array is not None and _is_text_dictionary(array.type):
        return _dictionary_codes(array)
    if array is None or not (
        pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
    ):
        found, distinct = pd.factorize(cells)
        return found.astype(np.int32), pd.Series(distinct, dtype=TEXT)
    encoded = pc.dictionary_encode(array)
    if isinstance(encoded, pa.ChunkedArray):
        chunks = encoded.chunks
        dictionary = chunks[0].dictionary if chunks else pa.array([], pa.large_string())
        indices = pa.chunked_array([c.indices for c in chunks], type=pa.int32())
        codes = pc.fill_null(indices, -1).to_numpy()
    else:
        dictionary = encoded.dictionary
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    dictionary = dictionary.cast(pa.large_string())  # small: distinct values only
    uniques = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([dictionary])), dtype=TEXT)
    return codes.astype(np.int32, copy=False), uniques


def _is_text_dictionary(kind: Any) -> bool:
    """Whether an Arrow type is a dictionary of text (a parquet column read as its encoding)."""
    import pyarrow as pa

    return bool(
        pa.types.is_dictionary(kind)
        and (pa.types.is_string(kind.value_type) or pa.types.is_large_string(kind.value_type))
    )


def _dictionary_codes(array: Any) -> tuple[np.ndarray, pd.Series]:
    """:func:`_factorize` of a column that is a dictionary already: no row is hashed.

    Parquet stores text as a dictionary per row group; read as such
    (:func:`participatie_rct.data.readers.read_raw` with ``typed``), the row groups'
    dictionaries are unified into one and its indices are the codes. Entries no row uses are
    dropped, so the distinct values are those of the rows, in first-seen order as the hash
    kernel would give them.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    unified = pa.table({"c": array}).unify_dictionaries().column(0)
    chunks = unified.chunks
    if not chunks:
        return np.zeros(0, dtype=np.int32), pd.Series([], dtype=TEXT)
    dictionary = chunks[0].dictionary.cast(pa.large_string())
    indices = pa.chunked_array([c.indices.cast(pa.int32()) for c in chunks], type=pa.int32())
    codes = np.asarray(pc.fill_null(indices, -1).to_numpy(), dtype=np.int32)
    used = np.bincount(codes[codes >= 0], minlength=len(dictionary)) > 0
    if not used.all():  # a writer may keep values no row holds
        renumber = np.append(np.where(used, np.cumsum(used) - 1, -1), -1).astype(np.int32)
        codes = renumber[codes]
        dictionary = dictionary.filter(pa.array(used))
    uniques = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([dictionary])), dtype=TEXT)
    return codes, uniques
