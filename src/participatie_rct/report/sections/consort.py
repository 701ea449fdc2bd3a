"""CONSORT section: the flow of participants from invitation to analysis, as figure and table."""

from __future__ import annotations

from participatie_rct.report.consort import ConsortCounts, consort_svg
from participatie_rct.report.sections.common import Section, Table, View

_WORDS = (
    "invited",
    "declined",
    "consented",
    "randomised",
    "assigned",
    "withdrawn",
    "deviated",
    "not_analysed",
    "analysed",
    "unknown",
)


def consort_section(counts: ConsortCounts, view: View) -> Section:
    """The CONSORT figure and table of ``counts`` (counted from the register)."""
    w, order, labels = view.w, view.order, view.labels
    consort_words = {k: w[k] for k in _WORDS}
    consort_words["title"] = w["consort"]
    figure = consort_svg(counts, order, labels, consort_words, language=view.language).encode(
        "utf-8"
    )
    stage_rows = [(w[name], *cells, total) for name, cells, total in counts.table(order)]
    table = Table((w["stage"], *[labels[a] for a in order], w["total"]), tuple(stage_rows))
    return Section({"consort_table": table}, {"consort": figure})
