"""Counts in printed tables written as the report's language writes them: ``1.230`` / ``1,230``.

Every table a section returns holds text only, and a count is a cell of bare digits (the
output of :func:`participatie_rct.report.disclosure.count_text` or of a suppressed table). A
statistic never is: estimates, shares, p-values and intervals carry a sign, a decimal mark or
a percent sign, and dates and degrees of freedom hold spaces or commas. :func:`group_counts`
therefore gives every bare-digit cell of 1000 or more the language's thousands separator, in
every table of the report at once, so that no section can forget it. Counts in sentences are
written by ``count_text(..., language=...)`` where the sentence is made.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from participatie_rct.report.disclosure import grouped
from participatie_rct.report.sections.common import Table

#: a cell that is a count of 1000 or more, written without separators
_BARE_COUNT = re.compile(r"[1-9][0-9]{3,}")


def group_cell(cell: str, language: str) -> str:
    """``cell`` with the thousands separator when it is a bare count of 1000 or more.

    >>> group_cell("1230", "nl"), group_cell("1230", "en"), group_cell("12.3", "en")
    ('1.230', '1,230', '12.3')
    """
    return grouped(int(cell), language) if _BARE_COUNT.fullmatch(cell) else cell


def group_table(table: Table, language: str) -> Table:
    """The table with every bare count of 1000 or more grouped (header untouched)."""
    rows = tuple(tuple(group_cell(c, language) for c in row) for row in table.rows)
    return dataclasses.replace(table, rows=rows)


def group_counts(values: Any, language: str) -> Any:
    """``values`` (a section's values: dicts, lists, tuples, tables) with every table grouped."""
    if isinstance(values, Table):
        return group_table(values, language)
    if isinstance(values, Mapping):
        return {k: group_counts(v, language) for k, v in values.items()}
    if isinstance(values, list):
        return [group_counts(v, language) for v in values]
    return values
