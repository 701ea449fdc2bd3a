"""Shared pieces of the report sections: the printed table, what a section returns, and the
view every section renders for (arm order and labels, language, words)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from participatie_rct.report.disclosure import suppress_table
from participatie_rct.report.i18n import number
from participatie_rct.report.reasons import reason_in


@dataclass(frozen=True)
class Table:
    """A printed table: header cells and rows of cells (all text, already disclosure-checked)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric_from: int = 1
    #: a sentence shown instead of the table when the analysis behind it could not run
    note: str = ""
    #: the population the table counts (analysed, with full follow-up, responding)
    caption: str = ""


@dataclass(frozen=True)
class View:
    """How a report shows the arms: their order, printed labels, the control, the language."""

    order: tuple[str, ...]
    labels: Mapping[str, str]
    control: str
    language: str
    w: Mapping[str, str]
    #: arms whose number analysed is hidden in the CONSORT flow, so hidden everywhere
    hidden_n: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Section:
    """What one section shows: template values and figures (name -> SVG bytes), its own keys."""

    values: Mapping[str, Any]
    figures: Mapping[str, bytes] = field(default_factory=dict)


def why_not(reason: str, w: Mapping[str, str]) -> str:
    """The sentence that says why an analysis could not run, in the report's language."""
    return w["not_estimable"].format(reason=reason_in(reason, w["language"]))


def not_estimable(header: Sequence[str], reason: str, w: Mapping[str, str]) -> Table:
    """A table whose analysis could not run: no rows, and the sentence that says why."""
    return Table(tuple(header), (), note=why_not(reason, w))


def counts_table(
    first: str, names: Sequence[str], columns: Sequence[str], body: list[list[int]], total: str
) -> Table:
    """A two-way count table with margins, after primary and secondary suppression."""
    table = suppress_table(body)
    rows = [
        (names[i], *[table.cell(i, j) for j in range(len(columns))], table.row_total(i))
        for i in range(len(names))
    ]
    rows.append((total, *[table.column_total(j) for j in range(len(columns))], table.total_text()))
    return Table((first, *columns, total), tuple(rows))


def interval_text(low: float, high: float, language: str) -> str:
    """A 95% interval of proportions in percentage points: ``−1.8 – +11.0``."""
    return f"{number(100 * low, language, sign=True)} – {number(100 * high, language, sign=True)}"


def effect_records(frame: pd.DataFrame) -> list[Any]:
    """The rows of a frame as objects with one attribute per column (values typed loosely)."""
    from types import SimpleNamespace

    return [
        SimpleNamespace(**{str(k): v for k, v in row.items()}) for row in frame.to_dict("records")
    ]
