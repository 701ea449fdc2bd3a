"""Disclosure control for published tables: no cell of fewer than 10 people is printed.

Statistical offices (CBS microdata rules, Eurostat's SDC handbook, Hundepool et al. 2012,
ch. 5) publish a count only when it is at least a threshold, here 10 people. Hiding a small
cell is *primary* suppression. When a table also prints its totals, one hidden cell in a row
or column could be recomputed as total minus the others, so a second cell of that line is
hidden as well: *secondary* (complementary) suppression. :func:`suppress_table` applies both,
treating every row, every column and the margins as sums that a reader could subtract.

Zero is printed as 0: a structural or empty cell reveals nobody. Shares follow their counts:
:func:`share_text` prints a percentage only when both the people with and without the
characteristic number at least the threshold, because ``n`` and a share reveal the count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Smallest number of people a printed cell may describe.
THRESHOLD = 10

#: How a suppressed count is printed.
SUPPRESSED = "<10"

#: How a cell hidden by secondary suppression, a hidden share or statistic is printed.
HIDDEN = "·"


def is_small(count: int, *, threshold: int = THRESHOLD) -> bool:
    """True when ``count`` people are too few to print (1 up to ``threshold - 1``)."""
    return 0 < int(count) < threshold


def count_text(count: int, *, threshold: int = THRESHOLD, language: str | None = None) -> str:
    """A count as printed: the number, or ``<10`` when it is too small.

    With a ``language`` a count of 1000 or more is written with that language's thousands
    separator (``1.230`` in Dutch, ``1,230`` in English; :func:`grouped`).
    """
    if is_small(count, threshold=threshold):
        return f"<{threshold}"
    return grouped(int(count), language) if language else f"{int(count)}"


#: The thousands separator of each report language.
THOUSANDS = {"nl": ".", "en": ","}


def grouped(count: int, language: str | None) -> str:
    """A whole number with the thousands separator of ``language``: ``1.230`` / ``1,230``.

    >>> grouped(1230, "nl"), grouped(1230, "en"), grouped(999, "nl"), grouped(-12345, "en")
    ('1.230', '1,230', '999', '-12,345')
    """
    text = f"{int(count):,}"
    return text.replace(",", THOUSANDS.get(language or "", ""))


def share_text(
    count: int, n: int, *, digits: int = 1, threshold: int = THRESHOLD, language: str = "en"
) -> str:
    """``count / n`` as a percentage, hidden when either ``count`` or ``n - count`` is too small.

    Printing ``n`` and the share of 9 out of ``n`` would reveal the 9; so would the share of
    ``n - 9``. Both groups must therefore reach the threshold. Dutch (``language="nl"``)
    writes a decimal comma.
    """
    count, n = int(count), int(n)
    if n <= 0:
        return HIDDEN
    if is_small(count, threshold=threshold) or is_small(n - count, threshold=threshold):
        return HIDDEN
    text = f"{100.0 * count / n:.{digits}f}%"
    return text.replace(".", ",") if language == "nl" else text


@dataclass(frozen=True)
class SuppressedTable:
    """A table of counts with its totals, and which cells may be printed.

    ``counts`` is the body (rows x columns), ``row_totals``, ``column_totals`` and ``total``
    its margins; each ``*_hidden`` mirrors its values with True where the cell is suppressed.
    """

    counts: tuple[tuple[int, ...], ...]
    row_totals: tuple[int, ...]
    column_totals: tuple[int, ...]
    total: int
    hidden: tuple[tuple[bool, ...], ...]
    row_totals_hidden: tuple[bool, ...]
    column_totals_hidden: tuple[bool, ...]
    total_hidden: bool
    #: True when no suppression pattern protects every small cell: nothing of the body and its
    #: hidden margins is printed, not even the ``<10`` markers (their bounds would pin a cell).
    withheld: bool = False

    def cell(self, i: int, j: int) -> str:
        """The printed text of body cell ``(i, j)``."""
        return _text(self.counts[i][j], self.hidden[i][j], self.withheld)

    def row_total(self, i: int) -> str:
        """The printed text of row ``i``'s total."""
        return _text(self.row_totals[i], self.row_totals_hidden[i], self.withheld)

    def column_total(self, j: int) -> str:
        """The printed text of column ``j``'s total."""
        return _text(self.column_totals[j], self.column_totals_hidden[j], self.withheld)

    def total_text(self) -> str:
        """The printed text of the grand total."""
        return _text(self.total, self.total_hidden, self.withheld)

    @property
    def n_primary(self) -> int:
        """How many cells (body and margins) were too small themselves."""
        values = (
            [v for row in self.counts for v in row]
            + list(self.row_totals)
            + list(self.column_totals)
        )
        return sum(is_small(v) for v in [*values, self.total])

    @property
    def n_hidden(self) -> int:
        """How many cells (body and margins) are hidden in all."""
        flags = [f for row in self.hidden for f in row] + list(self.row_totals_hidden)
        return sum(flags) + sum(self.column_totals_hidden) + int(self.total_hidden)


def _text(value: int, hidden: bool, withheld: bool = False) -> str:
    """``<10`` for a small cell, ``·`` for a cell hidden to protect another, else the number.

    In a withheld table every hidden cell is ``·``: the markers themselves would give bounds.
    """
    if not hidden:
        return str(value)
    if withheld:
        return HIDDEN
    return SUPPRESSED if is_small(value) else HIDDEN


def suppress_table(
    counts: Sequence[Sequence[int]],
    *,
    threshold: int = THRESHOLD,
    public_column_totals: bool = False,
) -> SuppressedTable:
    """Primary and secondary suppression of a two-way table of counts printed with its totals.

    The table is seen as a system of sums: every row adds up to its row total, every column
    to its column total, and the row totals and the column totals each add up to the grand
    total. Any sum with exactly one hidden term would give that term away, so the smallest
    other positive term of that sum is hidden too; this repeats until no sum has exactly one
    hidden term (the usual greedy heuristic for complementary suppression, Hundepool et al.
    2012, sec. 5.3). Zeros are never used to protect a cell: hiding a zero protects nothing
    when the reader can guess it.

    The greedy pass is not enough on its own: a reader also knows that ``<10`` means 1 to 9
    and ``·`` at least 10, and such bounds can pin a hidden cell down (a row of 10 and 1
    hidden beside a total of 11, where the 10 cannot be below 10). So the table is then
    audited as an attacker would: for every small hidden cell the smallest and largest value
    consistent with everything printed are computed (two linear programs; the sums of a
    two-way table make their vertices integral), and while one is pinned, one more cell of
    its sums is hidden. ``public_column_totals=True`` says that the column totals are printed
    elsewhere (the CONSORT counts per arm): they are then never hidden and the audit treats
    them as known.
    """
    body = [[int(v) for v in row] for row in counts]
    n_rows = len(body)
    n_cols = len(body[0]) if body else 0
    if any(len(row) != n_cols for row in body):
        raise ValueError(
            "suppress_table needs a rectangular table: every row must have as many cells."
        )
    if any(v < 0 for row in body for v in row):
        raise ValueError("suppress_table needs counts of people, which are never negative.")
    row_totals = [sum(row) for row in body]
    col_totals = [sum(body[i][j] for i in range(n_rows)) for j in range(n_cols)]
    total = sum(row_totals)

    # One index space for every printed number: body cells, row totals, column totals, total.
    values: dict[tuple[str, int, int], int] = {}
    for i in range(n_rows):
        for j in range(n_cols):
            values[("cell", i, j)] = body[i][j]
        values[("row", i, 0)] = row_totals[i]
    for j in range(n_cols):
        values[("col", 0, j)] = col_totals[j]
    values[("all", 0, 0)] = total

    sums: list[list[tuple[str, int, int]]] = []
    for i in range(n_rows):
        sums.append([("cell", i, j) for j in range(n_cols)] + [("row", i, 0)])
    for j in range(n_cols):
        sums.append([("cell", i, j) for i in range(n_rows)] + [("col", 0, j)])
    sums.append([("row", i, 0) for i in range(n_rows)] + [("all", 0, 0)])
    sums.append([("col", 0, j) for j in range(n_cols)] + [("all", 0, 0)])

    public = {k for k in values if k[0] == "col"} if public_column_totals else set()
    withheld = False
    hidden = {k for k, v in values.items() if is_small(v, threshold=threshold)} - public
    while True:
        _complete_sums(hidden, values, sums, public)
        pinned = _pinned_cell(hidden, values, sums, threshold)
        if pinned is None:
            break
        extra = sorted(
            (values[k], _order(k), k)
            for members in sums
            if pinned in members
            for k in members
            if k not in hidden and k not in public and values[k] > 0
        ) or sorted(
            (values[k], _order(k), k)
            for k in values
            if k not in hidden and k not in public and values[k] > 0
        )
        if not extra:
            # every cell is hidden or public and the markers still pin one: print nothing
            withheld = True
            break
        hidden.add(extra[0][2])

    return SuppressedTable(
        counts=tuple(tuple(row) for row in body),
        row_totals=tuple(row_totals),
        column_totals=tuple(col_totals),
        total=total,
        hidden=tuple(tuple(("cell", i, j) in hidden for j in range(n_cols)) for i in range(n_rows)),
        row_totals_hidden=tuple(("row", i, 0) in hidden for i in range(n_rows)),
        column_totals_hidden=tuple(("col", 0, j) in hidden for j in range(n_cols)),
        total_hidden=("all", 0, 0) in hidden,
        withheld=withheld,
    )


_Key = tuple[str, int, int]


def _complete_sums(
    hidden: set[_Key], values: dict[_Key, int], sums: list[list[_Key]], public: set[_Key]
) -> None:
    """Greedy complementary suppression: no sum may have exactly one hidden term."""
    changed = True
    while changed:
        changed = False
        for members in sums:
            exposed = [k for k in members if k in hidden]
            if len(exposed) != 1:
                continue
            candidates = sorted(
                (values[k], _order(k), k)
                for k in members
                if k not in hidden and k not in public and values[k] > 0
            )
            if candidates:
                hidden.add(candidates[0][2])
                changed = True


def _pinned_cell(
    hidden: set[_Key], values: dict[_Key, int], sums: list[list[_Key]], threshold: int
) -> _Key | None:
    """A small hidden cell whose value a reader can compute exactly, or None.

    The reader's knowledge: every printed value, every sum, and the bounds the markers give
    (``<10``: 1 to ``threshold - 1``; ``·``: at least ``threshold``). Each small hidden cell is
    minimised and maximised over that set; equal bounds pin it.
    """
    small = sorted((k for k in hidden if is_small(values[k], threshold=threshold)), key=_order)
    if not small:
        return None
    import numpy as np
    from scipy.optimize import linprog

    unknown = sorted(hidden, key=_order)
    index = {k: i for i, k in enumerate(unknown)}
    rows: list[list[float]] = []
    rhs: list[float] = []
    for members in sums:
        # the last member of each sum is its total: body (or sub-totals) minus total = 0
        coef = [0.0] * len(unknown)
        constant = 0.0
        for position, k in enumerate(members):
            sign = -1.0 if position == len(members) - 1 else 1.0
            if k in index:
                coef[index[k]] += sign
            else:
                constant += sign * values[k]
        if any(coef):
            rows.append(coef)
            rhs.append(-constant)
    bounds = [
        (1, threshold - 1) if is_small(values[k], threshold=threshold) else (threshold, None)
        for k in unknown
    ]
    a_eq = np.asarray(rows) if rows else None
    b_eq = np.asarray(rhs) if rows else None
    for k in small:
        c = np.zeros(len(unknown))
        c[index[k]] = 1.0
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if low.status == 0 and high.status == 0 and -high.fun - low.fun < 0.5:
            return k
    return None


def _order(key: tuple[str, int, int]) -> tuple[int, int, int]:
    """Prefer hiding body cells over margins when values tie, then by position."""
    rank = {"cell": 0, "row": 1, "col": 1, "all": 2}[key[0]]
    return (rank, key[1], key[2])


def suppress_counts(counts: Sequence[int], *, threshold: int = THRESHOLD) -> tuple[list[str], str]:
    """One line of counts printed with its total: the texts of the cells and of the total."""
    table = suppress_table([list(counts)], threshold=threshold)
    return [table.cell(0, j) for j in range(len(counts))], table.row_total(0)
