"""Everything a report shows, rendered from the analyses into one plain structure for templates.

:func:`build_context` receives the results of a trial's analyses
(:class:`~participatie_rct.report.analyses.ReportAnalyses`, computed by
:class:`participatie_rct.trial.Trial`) and turns them into printed text: translated, blinded
where asked, and passed through disclosure control (counts below 10 as ``<10``, shares that
would reveal them hidden). It computes no statistics. Each section returns its own values and
figures; no section reads what another wrote. Templates receive only strings and lists of
strings, so nothing identifying and no unchecked count can slip into a document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from participatie_rct.choices import ReportKind
from participatie_rct.errors import ReportError
from participatie_rct.report.analyses import ReportAnalyses, Unavailable
from participatie_rct.report.disclosure_rules import OutcomeShares
from participatie_rct.report.i18n import date_text, words
from participatie_rct.report.numbers import group_cell, group_counts
from participatie_rct.report.sections.balance import balance_section
from participatie_rct.report.sections.common import Section, Table, View, effect_records, why_not
from participatie_rct.report.sections.consort import consort_section
from participatie_rct.report.sections.effects import shares_of
from participatie_rct.report.sections.families import families_section
from participatie_rct.report.sections.gather import label_maps, last_ended_month
from participatie_rct.report.sections.intake import intake_section
from participatie_rct.report.sections.interim import interim_section
from participatie_rct.report.sections.looks import effect_shown, looks_section
from participatie_rct.report.sections.methods import concealment_text, methods_section
from participatie_rct.report.sections.outflow import outflow_section
from participatie_rct.report.sections.quality import data_quality_section
from participatie_rct.report.sections.reference import reference_section
from participatie_rct.report.sections.sites import sites_section
from participatie_rct.report.sections.summary import summary_section
from participatie_rct.report.sections.survey import survey_section
from participatie_rct.report.sections.survival import competing_section, survival_section

__all__ = [
    "ReportContext",
    "Table",
    "build_context",
    "last_ended_month",
]


@dataclass(frozen=True)
class ReportContext:
    """What the templates render (``values``), the figures (name -> SVG bytes) and the headline."""

    values: Mapping[str, Any]
    figures: Mapping[str, bytes]
    headline: tuple[dict[str, Any], ...]
    settings: Mapping[str, Any] = field(default_factory=dict)


def build_context(
    analyses: ReportAnalyses,
    *,
    language: str,
    blinded: bool,
    key: bytes | None,
    package_version: str,
) -> ReportContext:
    """Render every result a report shows, in ``language``."""
    w = words(language)
    protocol = analyses.protocol
    order, labels = label_maps(protocol, language, blinded, key)
    hidden_n = analyses.consort.hidden_analysed(order)
    view = View(tuple(order), labels, protocol.control, language, w, hidden_n)
    kind = analyses.kind
    analysed = analyses.outcomes[analyses.analysed]
    shares = shares_of(analysed, "outflow_work", view.order)
    sections = [
        _front(analyses, view, blinded, package_version),
        summary_section(analyses, view, shares),
        consort_section(analyses.consort, view),
        intake_section(analyses.people, view),
        balance_section(
            _n_by_arm(analyses),
            analyses.baseline,
            analyses.joint_balance,
            view,
            analyses.characteristic_labels,
        ),
        outflow_section(analyses, view),
        survival_section(analyses, view),
        competing_section(analyses, view),
        sites_section(analyses, view),
        families_section(analyses, view),
        reference_section(analyses, view, shares),
        survey_section(analyses.survey, view),
        _methods(analyses, view, package_version, blinded=blinded, key=key),
        data_quality_section(analyses, view),
    ]
    if analyses.interim is not None:
        sections.append(interim_section(analyses.interim, protocol.analysis, view, shares))
    sections.append(looks_section(analyses, view, shares))
    values, figs = _merge(sections)
    values = group_counts(values, view.language)  # 1.230 / 1,230 in every table
    headline = _headline(analyses, view, shares)
    return ReportContext(
        values=values, figures=figs, headline=headline, settings=_settings(analyses, kind)
    )


def _n_by_arm(analyses: ReportAnalyses) -> dict[str, int]:
    counts = analyses.outcomes["arm"].astype(str).value_counts()
    return {str(arm): int(n) for arm, n in counts.items()}


def _merge(sections: list[Section]) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The sections' values and figures side by side; two sections may not claim one key."""
    values: dict[str, Any] = {}
    figs: dict[str, bytes] = {}
    for section in sections:
        for target, part in ((values, section.values), (figs, section.figures)):
            clash = set(target) & set(part)
            if clash:  # a programming error, never a user's: sections own their keys
                raise ReportError(f"report sections both define {sorted(clash)}")
            target.update(part)
    return values, figs


def _front(analyses: ReportAnalyses, view: View, blinded: bool, version: str) -> Section:
    """Title, trial, date, the headline sentence, footer and notes."""
    w, protocol = view.w, analyses.protocol
    horizon = int(protocol.analysis.horizon_months)
    control_label = view.labels[view.control]
    analysed = int(analyses.analysed.sum())
    if isinstance(analyses.itt, pd.DataFrame) and len(analyses.itt):
        n_text = group_cell(analyses.consort.table(view.order)[-1][2], view.language)
        headline = w["headline_text"].format(h=horizon, n=n_text, control=control_label)
    elif isinstance(analyses.itt, Unavailable) and analysed:  # data, but the estimator refused
        headline = why_not(analyses.itt.reason, w)
    else:
        headline = w["headline_none"].format(h=horizon)
    kind = analyses.kind
    return Section(
        {
            "w": w,
            "language": view.language,
            "blinded": blinded,
            "kind": kind.value,
            "title": w["title_interim"] if kind is ReportKind.INTERIM else w["title_final"],
            "trial": protocol.name,
            "as_of": date_text(analyses.as_of, view.language),
            "horizon": horizon,
            "control_label": control_label,
            "headline": headline,
            "disclosure": w["disclosure"],
            "footer": w["footer"].format(version=version, sha=protocol.sha256[:16]),
            "blinded_note": w["blinded_note"] if blinded else "",
        }
    )


def _methods(
    analyses: ReportAnalyses, view: View, version: str, *, blinded: bool, key: bytes | None
) -> Section:
    people = analyses.people
    withdrawn = int(people["withdrawn"].astype(bool).sum()) if "withdrawn" in people else 0
    k = len(analyses.itt) if isinstance(analyses.itt, pd.DataFrame) else 0
    paragraphs = methods_section(
        analyses.protocol,
        view.language,
        analyses.kind,
        len(analyses.outcomes),
        withdrawn,
        analyses.strata,
        analyses.covariates,
        analyses.end,
        k,
        view.labels[view.control],
        version,
        survey_ran=bool(analyses.survey),
        concealment=concealment_text(analyses, view.language, blinded=blinded, key=key),
    )
    return Section({"methods": paragraphs})


def _headline(
    analyses: ReportAnalyses, view: View, shares: OutcomeShares
) -> tuple[dict[str, Any], ...]:
    """Each arm's effect on outflow to work, for the command's summary and JSON.

    The same disclosure rule as the report's ITT table (``docs/disclosure-policy.md``): an arm
    whose effect the report hides is listed with ``hidden`` and no numbers, so the terminal
    never shows what the documents withhold.
    """
    itt = analyses.itt
    if not isinstance(itt, pd.DataFrame) or itt.empty:
        return ()
    present = set(itt["arm"])
    ordered = itt.set_index("arm").reindex([a for a in view.order if a in present]).reset_index()
    rows: list[dict[str, Any]] = []
    for r in effect_records(ordered):
        if not effect_shown(str(r.arm), view, shares):
            rows.append({"arm": view.labels[r.arm], "hidden": True})
            continue
        rows.append(
            {
                "arm": view.labels[r.arm],
                "hidden": False,
                "estimate": float(r.estimate),
                "ci_low": float(r.ci_low),
                "ci_high": float(r.ci_high),
                "p_holm": float(r.p_holm),
                "n": int(r.n),
            }
        )
    return tuple(rows)


def _settings(analyses: ReportAnalyses, kind: ReportKind) -> dict[str, Any]:
    """What the manifest records about the analyses (no identifiers)."""
    settings: dict[str, Any] = {}
    interim = analyses.interim
    if kind is ReportKind.INTERIM and interim is not None:
        status = interim.status
        settings["information_fraction"] = (
            0.0 if isinstance(status, Unavailable) else round(float(status.information), 6)
        )
        if interim.previous_information:  # recorded only after earlier looks
            settings["looks_done"] = len(interim.previous_information)
            settings["previous_information"] = list(interim.previous_information)
    settings.update(
        {
            "horizon_months": int(analyses.protocol.analysis.horizon_months),
            "data_end": str(analyses.end),
            "n_assigned": len(analyses.outcomes),
            "n_analysed": int(analyses.analysed.sum()),
        }
    )
    return settings
