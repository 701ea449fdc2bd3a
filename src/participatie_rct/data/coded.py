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
        codes, uniques = pd.factorize(cells)
        original = pd.Series(uniques, dtype=TEXT)
        values = text_of(original)
        if not values.equals(original):  # " Ede" and "Ede" are one value
            merged = cls(codes=codes.astype(np.int32), uniques=original).with_uniques(values)
            codes, values = merged.codes, merged.uniques
        drop = (values.fillna("") == "").to_numpy(dtype=bool)
        if missing:
            drop |= values.isin(list(missing)).fillna(False).to_numpy(dtype=bool)
        codes = codes.astype(np.int32, copy=False)
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
        return flags[self.codes]

    def spread(self, values: pd.Series) -> pd.Series:
        """Per-distinct-value results as a column of rows (missing where the row is empty)."""
        return pd.Series(values.array.take(self.codes, allow_fill=True))

    def text(self, row: int) -> str:
        """The text of row ``row`` (which holds a value)."""
        return str(self.uniques.iloc[int(self.codes[row])])

    def value_codes(self, values: pd.Series) -> np.ndarray:
        """Per row, a code of its parsed value (equal values, equal codes; -1 empty)."""
        merged, _ = pd.factorize(values)
        table = np.append(merged.astype(np.int64), -1)
        return table[self.codes]
