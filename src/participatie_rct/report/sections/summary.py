"""The plain-language summary at the top of a report ("Kernboodschap" / "Key findings").

Per arm one or two sentences a council member reads: the effect on outflow to work with its
interval in words, whether it is significant at the protocol's level after Holm's correction
(final report) or crosses the stopping boundary (interim), and the minimum detectable effect
at the size the trial reached. A result that is not significant is never called "no effect":
the sentence says which effects the trial could not tell apart from zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from participatie_rct.choices import ReportKind
from participatie_rct.report.analyses import ReportAnalyses, Unavailable
from participatie_rct.report.disclosure_rules import OutcomeShares
from participatie_rct.report.i18n import number
from participatie_rct.report.sections.common import Section, View, effect_records


def summary_section(analyses: ReportAnalyses, view: View, shares: OutcomeShares | None) -> Section:
    """The key findings: one item per arm compared with control, or why there are none yet."""
    w = view.w
    itt = analyses.itt
    if not isinstance(itt, pd.DataFrame) or itt.empty:
        return Section({"key_findings": [w["key_none"]]})
    crossed = _crossed(analyses)
    alpha = float(analyses.protocol.analysis.alpha)
    control = view.order.index(view.control)
    items = []
    for a in view.order:
        for r in effect_records(itt[itt["arm"] == a]):
            small = {a, view.control} & view.hidden_n
            if small or (
                shares is not None and not shares.effect_shown(view.order.index(a), control)
            ):
                items.append(_hidden_sentence(a, view, analyses))
                continue
            items.append(_arm_sentence(r, a, view, alpha, crossed, analyses))
    if analyses.kind is ReportKind.INTERIM:
        items.append(w["key_interim"])
    return Section({"key_findings": items})


def _crossed(analyses: ReportAnalyses) -> Mapping[str, bool] | None:
    """Per arm whether its z crossed the boundary at this interim look (None in a final)."""
    interim = analyses.interim
    if interim is None or isinstance(interim.status, Unavailable):
        return None
    return {c.arm: bool(c.crossed) for c in interim.status.comparisons}


def _arm_sentence(
    r: Any,
    arm: str,
    view: View,
    alpha: float,
    crossed: Mapping[str, bool] | None,
    analyses: ReportAnalyses,
) -> str:
    w, language = view.w, view.language
    est = 100 * float(r.estimate)
    words = {
        "arm": view.labels[arm],
        "control": view.labels[view.control],
        "size": number(abs(est), language),
        "low": number(100 * float(r.ci_low), language, sign=True),
        "high": number(100 * float(r.ci_high), language, sign=True),
        "level": number(100 * alpha, language, digits=0),
    }
    key = "key_more" if est > 0 else "key_less" if est < 0 else "key_same"
    text = w["key_effect"].format(direction=w[key].format(control=words["control"]), **words)
    if crossed is not None:
        verdict = w["key_crossed"] if crossed.get(arm) else w["key_not_crossed"]
        return f"{text} {verdict}"
    significant = math.isfinite(float(r.p_holm)) and float(r.p_holm) < alpha
    if significant:
        return f"{text} {w['key_significant'].format(**words)}"
    text = f"{text} {w['key_not_significant'].format(**words)}"
    mde = analyses.mde.get(arm)
    if isinstance(mde, float) and math.isfinite(mde):
        text = f"{text} {w['key_mde'].format(mde=number(100 * mde, language, digits=0))}"
    return text


def _hidden_sentence(arm: str, view: View, analyses: ReportAnalyses) -> str:
    """An arm whose effect is suppressed: why, and still what the trial could have detected."""
    w = view.w
    text = w["key_hidden"].format(arm=view.labels[arm])
    mde = analyses.mde.get(arm)
    if isinstance(mde, float) and math.isfinite(mde):
        mde_text = number(100 * mde, view.language, digits=0)
        text = f"{text} {w['key_mde_only'].format(mde=mde_text)}"
    return text
