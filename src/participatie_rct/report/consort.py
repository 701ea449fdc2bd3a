"""The CONSORT flow of a trial: who was invited, consented, assigned, withdrew and was analysed.

:class:`ConsortCounts` holds the numbers (counted from the register by
:func:`participatie_rct.trial.consort.consort_from_register`); the diagram
(:func:`consort_svg`) is SVG text written here, so no graph tool or network is needed and
the bytes are stable. Counts pass through disclosure control before they are
drawn: a box never shows fewer than 10 people (Schulz, Altman and Moher 2010, CONSORT 2010
statement, fig. 1, is the layout followed).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from participatie_rct.report.disclosure import HIDDEN, count_text, suppress_table

_STROKE = 'stroke="#333333" stroke-width="1.2"'


@dataclass(frozen=True)
class ConsortCounts:
    """Counts of the flow; ``None`` where the data do not say (e.g. no consent column)."""

    invited: int | None
    declined: int | None
    consented: int | None
    assigned: Mapping[str, int]
    withdrawn: Mapping[str, int]
    not_analysed: Mapping[str, int]
    analysed: Mapping[str, int]
    deviated: Mapping[str, int] = field(default_factory=dict)

    @property
    def n_assigned(self) -> int:
        """Everyone assigned, all arms together."""
        return int(sum(self.assigned.values()))

    def summary(self) -> str:
        """The flow as lines a person reads (exact counts: for the analyst, not for print)."""
        unknown = "unknown"
        lines = [
            f"invited {self.invited if self.invited is not None else unknown}, declined "
            f"{self.declined if self.declined is not None else unknown}, assigned "
            f"{self.n_assigned}"
        ]
        stages = [
            ("assigned", self.assigned),
            ("withdrawn", self.withdrawn),
            ("deviated", self.deviated),
            ("not analysed", self.not_analysed),
            ("analysed", self.analysed),
        ]
        for name, values in stages:
            cells = ", ".join(f"{arm} {count}" for arm, count in values.items())
            lines.append(f"  {name}: {cells}")
        return "\n".join(lines)

    def hidden_analysed(self, arms: Sequence[str]) -> frozenset[str]:
        """The arms whose number analysed the CONSORT table hides (with the assigned number
        public, it would give a small "not analysed" count away); every other table must
        hide it too, and whatever rests on it."""
        rows = self.table(arms)
        return frozenset(a for a, cell in zip(arms, rows[-1][1], strict=True) if cell == HIDDEN)

    def table(self, arms: Sequence[str]) -> list[tuple[str, list[str], str]]:
        """Per stage, the printed counts per arm and the total, after disclosure control."""
        stages = [
            ("assigned", self.assigned),
            ("withdrawn", self.withdrawn),
            ("not_analysed", self.not_analysed),
            ("analysed", self.analysed),
        ]
        if any(self.deviated.values()):  # only trials that recorded deviations show the line
            stages.insert(2, ("deviated", self.deviated))
        body = [[int(values.get(a, 0)) for a in arms] for _, values in stages]
        rows = []
        # "not analysed" and "analysed" add up to "assigned" in every arm: they are suppressed
        # together, with the assigned counts as public column totals, so that no hidden cell
        # follows from the other two rows (disclosure policy, rule 2)
        split = suppress_table(body[-2:], public_column_totals=True)
        for i, (name, _) in enumerate(stages):
            if i >= len(stages) - 2:
                k = i - (len(stages) - 2)
                cells = [split.cell(k, j) for j in range(len(arms))]
                rows.append((name, cells, split.row_total(k)))
                continue
            # the other stages are lines of their own: their columns do not add up
            line = suppress_table([body[i]])
            rows.append((name, [line.cell(0, j) for j in range(len(arms))], line.row_total(0)))
        return rows


def _box(
    x: float, y: float, w: float, h: float, lines: Sequence[str], *, bold_first: bool = True
) -> str:
    parts = [
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}" rx="6" '
        f'fill="#ffffff" {_STROKE}/>'
    ]
    for i, line in enumerate(lines):
        weight = ' font-weight="bold"' if (i == 0 and bold_first) else ""
        parts.append(
            f'<text x="{x + w / 2:.0f}" y="{y + 18 + 16 * i:.0f}" text-anchor="middle"{weight}>'
            f"{escape(line)}</text>"
        )
    return "\n".join(parts)


def _arrow(x1: float, y1: float, x2: float, y2: float) -> str:
    return _line(x1, y1, x2, y2, arrow=True)


def _line(x1: float, y1: float, x2: float, y2: float, *, arrow: bool = False) -> str:
    head = ' marker-end="url(#arrow)"' if arrow else ""
    return f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" {_STROKE}{head}/>'


def consort_svg(
    counts: ConsortCounts,
    arms: Sequence[str],
    arm_labels: Mapping[str, str],
    words: Mapping[str, str],
    *,
    language: str | None = None,
) -> str:
    """The flow diagram as SVG text; ``words`` holds the translated box titles.

    With a ``language`` counts of 1000 or more carry its thousands separator, as the tables do.

    Keys of ``words``: ``invited``, ``declined``, ``consented``, ``randomised``, ``assigned``,
    ``withdrawn``, ``not_analysed``, ``analysed``, ``unknown``, ``title``.
    """
    from participatie_rct.report.numbers import group_cell

    def shown(cell: str) -> str:
        return group_cell(cell, language) if language else cell

    k = len(arms)
    col_w = 170.0
    gap = 14.0
    width = max(620.0, k * col_w + (k + 1) * gap)
    box_w = 260.0
    cx = width / 2
    y = 10.0
    out: list[str] = []
    if counts.invited is not None:
        out.extend(_invitation_boxes(counts, words, width, y, language=language))
        y += 120
    consented = (
        count_text(counts.consented, language=language)
        if counts.consented is not None
        else words["unknown"]
    )
    out.append(_box(cx - box_w / 2, y, box_w, 44, [words["consented"], consented]))
    out.append(_arrow(cx, y + 44, cx, y + 76))
    y += 76
    table = counts.table(arms)
    out.append(_box(cx - box_w / 2, y, box_w, 44, [words["randomised"], shown(table[0][2])]))
    y_split = y + 60
    out.append(_line(cx, y + 44, cx, y_split))
    left = (width - (k * col_w + (k - 1) * gap)) / 2
    centres = [left + i * (col_w + gap) + col_w / 2 for i in range(k)]
    out.append(_line(centres[0], y_split, centres[-1], y_split))
    y = y_split + 16
    stage_words = {
        "assigned": words["assigned"],
        "withdrawn": words["withdrawn"],
        "not_analysed": words["not_analysed"],
        "analysed": words["analysed"],
        "deviated": words.get("deviated", "deviated"),
    }
    for j, arm in enumerate(arms):
        x = centres[j] - col_w / 2
        out.append(_arrow(centres[j], y_split, centres[j], y))
        out.append(_box(x, y, col_w, 44, textwrap.wrap(arm_labels[arm], 22)[:2]))
        yy = y + 56
        for i, (stage, cells, _) in enumerate(table):
            out.append(
                _box(x, yy, col_w, 44, [stage_words[stage], shown(cells[j])], bold_first=False)
            )
            if i < len(table) - 1:
                out.append(_arrow(centres[j], yy + 44, centres[j], yy + 58))
            yy += 58
    height = y + 56 + 58 * len(table) + 4
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="DejaVu Sans, Arial, sans-serif" '
        f'font-size="12" role="img" aria-label="{escape(words["title"])}">\n'
        '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z" fill="#333333"/></marker></defs>\n'
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>\n'
    )
    return head + "\n".join(out) + "\n</svg>\n"


def _invitation_boxes(
    counts: ConsortCounts,
    words: Mapping[str, str],
    width: float,
    y: float,
    *,
    language: str | None,
) -> list[str]:
    """The top of the flow: those invited, the side box of those who declined, the arrows."""
    gap, box_w, cx = 14.0, 260.0, width / 2
    invited = [words["invited"], count_text(counts.invited or 0, language=language)]
    declined = [words["declined"], count_text(counts.declined or 0, language=language)]
    return [
        _box(cx - box_w / 2, y, box_w, 44, invited),
        _box(width - gap - 200, y + 60, 200, 44, declined),
        _line(cx, y + 82, width - gap - 200, y + 82, arrow=True),
        _arrow(cx, y + 44, cx, y + 120),
    ]
