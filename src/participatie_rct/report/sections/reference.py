"""The non-participants beside the trial: outflow of those who declined, clearly not an effect.

One small table: the invitees who declined (from the register's ``declined`` records, followed
in the benefit data from the date of their invitation) beside all participants of the trial
pooled, each with the number with full follow-up and the share that left benefit for work
within the horizon. The heading and the text say that the comparison is not randomized. The
shares follow the disclosure rules: the decliners' share needs both counts at 10 or more, and
the trial's pooled share is printed only when the outcome table's audit allows its margin
(otherwise it would give a hidden arm's count back).
"""

from __future__ import annotations

from participatie_rct.report.analyses import ReportAnalyses
from participatie_rct.report.disclosure import HIDDEN, count_text
from participatie_rct.report.disclosure_rules import OutcomeShares, share_verdict
from participatie_rct.report.i18n import number
from participatie_rct.report.sections.common import Section, Table, View


def reference_section(analyses: ReportAnalyses, view: View, trial: OutcomeShares) -> Section:
    """``reference`` (a table and its note), or None when there is no reference group."""
    group = analyses.reference
    if group is None or group.n == 0:
        return Section({"reference": None})
    w = view.w
    own = _share(group.n_outflow, group.n_matured, view.language)
    if not share_verdict(group.n_outflow, group.n_matured):
        own = HIDDEN
    table = trial.table
    pooled_n = table.total
    pooled = (
        _share(table.row_totals[0], pooled_n, view.language)
        if trial.pooled_shown and pooled_n > 0
        else HIDDEN
    )
    header = (w["reference_group"], w["reference_n"], w["reference_share"].format(h=group.horizon))
    rows = (
        (w["reference_declined"], count_text(group.n_matured), own),
        (w["reference_trial"], count_text(pooled_n) if trial.pooled_shown else HIDDEN, pooled),
    )
    return Section(
        {
            "reference": {
                "table": Table(header, rows, caption=w["reference_caption"]),
                "text": w["reference_text"].format(
                    n=count_text(group.n, language=view.language), h=group.horizon
                ),
            }
        }
    )


def _share(count: int, n: int, language: str) -> str:
    return f"{number(100.0 * count / n, language)}%" if n else HIDDEN
