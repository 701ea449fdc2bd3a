"""The final report's interim looks: the looks held, the alpha they spent, the final test.

The looks come from the register (``look`` events, read by the trial); the final boundary
accounts for exactly those looks (:func:`participatie_rct.design.looks.boundary_after_looks`).
Without recorded looks the text says so and falls back on the protocol's planned looks. Each
arm's repeated confidence interval at the final analysis is its ITT effect plus and minus the
final critical value times its standard error (:mod:`participatie_rct.design.rci`); like the
effect itself it is withheld where the disclosure rules hide that effect.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from participatie_rct.design.rci import repeated_confidence_interval
from participatie_rct.report.analyses import ReportAnalyses
from participatie_rct.report.disclosure import HIDDEN
from participatie_rct.report.disclosure_rules import OutcomeShares
from participatie_rct.report.i18n import date_text, number, p_bound, term, words
from participatie_rct.report.looks_i18n import look_words
from participatie_rct.report.sections.common import Section, Table, View, effect_records


def effect_shown(arm: str, view: View, shares: OutcomeShares | None) -> bool:
    """Whether the report may print ``arm``'s effect on outflow to work (and so anything on the
    effect's scale: its interval, its repeated interval): the same rule as the ITT table."""
    if {arm, view.control} & view.hidden_n:
        return False
    if shares is None:
        return True
    return bool(shares.effect_shown(view.order.index(arm), view.order.index(view.control)))


def rci_cell(estimate: float, std_error: float, critical: float, language: str) -> str:
    """A repeated confidence interval in percentage points, ``−1.8 – +11.0``."""
    if not (math.isfinite(std_error) and std_error > 0 and critical > 0):
        return words(language)["na"]
    low, high = repeated_confidence_interval(estimate, std_error, critical)
    return f"{number(100 * low, language, sign=True)} – {number(100 * high, language, sign=True)}"


def looks_section(analyses: ReportAnalyses, view: View, shares: OutcomeShares | None) -> Section:
    """A final report's looks held, the alpha they spent, the final critical value and each
    arm's repeated interval; nothing in an interim report or without a group-sequential plan."""
    boundary = analyses.final_boundary
    if boundary is None:
        return Section({"looks": None})
    language, plan = view.language, analyses.protocol.analysis
    lw = look_words(language)
    k = max(1, len(view.order) - 1)
    interim, final = boundary.looks[:-1], boundary.looks[-1]
    fields: dict[str, Any] = {
        "spending": term(plan.spending, language),
        "alpha": number(float(plan.alpha) / k, language, digits=4),
        "k": k,
        "spent": number(interim[-1].alpha_cumulative if interim else 0.0, language, digits=5),
        "z": number(final.z, language, digits=2),
        "p": p_bound(final.p_nominal, language),
    }
    if analyses.looks:
        text = lw["looks_held"].format(n=len(analyses.looks), **fields)
    else:
        fractions = "; ".join(number(look.information, language, digits=2) for look in interim)
        text = lw["looks_planned"].format(looks=len(interim), fractions=fractions, **fields)
    text = f"{text} {lw['looks_full'].format(full=number(float(plan.alpha), language, digits=2))}"
    return Section(
        {
            "looks": {
                "text": text,
                "table": _held_table(analyses, view, final.z, final.alpha_cumulative),
                "rci": _final_rci(analyses, view, shares, final.z),
            }
        }
    )


def _held_table(analyses: ReportAnalyses, view: View, final_z: float, alpha: float) -> Table:
    """One row per look held (from the register), then the final analysis."""
    language = view.language
    lw = look_words(language)
    header = (
        lw["look"],
        lw["date"],
        lw["information"],
        lw["boundary"],
        lw["alpha_spent"],
        lw["decision"],
        lw["adjusted"],
    )
    rows = [
        (
            str(look.look),
            date_text(look.as_of, language),
            number(look.information, language, digits=3),
            number(look.boundary, language, digits=2),
            number(look.alpha_cumulative, language, digits=5),
            lw[look.decision],
            lw["yes" if look.adjusted else "no"],
        )
        for look in analyses.looks
    ]
    rows.append(
        (
            lw["final"],
            date_text(analyses.as_of, language),
            number(1.0, language, digits=3),
            number(final_z, language, digits=2),
            number(alpha, language, digits=5),
            "",
            "",
        )
    )
    return Table(header, tuple(rows), numeric_from=2)


def _final_rci(
    analyses: ReportAnalyses, view: View, shares: OutcomeShares | None, critical: float
) -> Table:
    """Each arm's ITT effect and its repeated interval at the final critical value."""
    w, lw = view.w, look_words(view.language)
    header = (w["arm"], w["estimate"], w["ci"], lw["rci"])
    itt = analyses.itt
    if not isinstance(itt, pd.DataFrame) or itt.empty:
        return Table(header, ())
    rows = []
    for arm in view.order:
        for r in effect_records(itt[itt["arm"] == arm]):
            if not effect_shown(arm, view, shares):
                rows.append((view.labels[arm], HIDDEN, HIDDEN, HIDDEN))
                continue
            est, se = float(r.estimate), float(r.std_error)
            rows.append(
                (
                    view.labels[arm],
                    number(100 * est, view.language, sign=True),
                    f"{number(100 * float(r.ci_low), view.language, sign=True)} – "
                    f"{number(100 * float(r.ci_high), view.language, sign=True)}",
                    rci_cell(est, se, critical, view.language),
                )
            )
    return Table(header, tuple(rows))
