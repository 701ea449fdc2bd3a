"""Everything a report shows, gathered into one plain structure for the templates.

:func:`build_context` runs the analyses on :class:`~participatie_rct.report.inputs.ReportInputs`
and turns their results into printed text: translated, blinded where asked, and passed
through disclosure control (counts below 10 as ``<10``, shares that would reveal them
hidden). Templates receive only strings and lists of strings, so nothing identifying and no
unchecked count can slip into a document. Figures are returned as SVG bytes beside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from participatie_rct.choices import ReportKind
from participatie_rct.report import analysis, figures
from participatie_rct.report.i18n import words
from participatie_rct.report.inputs import ReportInputs
from participatie_rct.report.sections.balance import (
    CATEGORICAL,
    balance_section,
    joint_balance_section,
)
from participatie_rct.report.sections.common import Table, effect_records
from participatie_rct.report.sections.consort import consort_section
from participatie_rct.report.sections.gather import (
    label_maps,
    last_ended_month,
    prepare_assignments,
)
from participatie_rct.report.sections.intake import intake_section
from participatie_rct.report.sections.interim import interim_section
from participatie_rct.report.sections.methods import methods_section
from participatie_rct.report.sections.outflow import outflow_section
from participatie_rct.report.sections.quality import data_quality_section
from participatie_rct.report.sections.sites import sites_section
from participatie_rct.report.sections.survey import SURVEY_OUTCOMES, survey_section
from participatie_rct.report.sections.survival import competing_section, survival_section

__all__ = [
    "CATEGORICAL",
    "SURVEY_OUTCOMES",
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
    inputs: ReportInputs,
    *,
    kind: ReportKind,
    as_of: dt.date,
    language: str,
    blinded: bool,
    key: bytes | None,
    package_version: str,
    looks_done: int = 0,
    previous_information: Sequence[float] = (),
) -> ReportContext:
    """Run the analyses and render every number a report prints, in ``language``.

    ``looks_done`` and ``previous_information`` describe the interim looks taken before this
    one (see :func:`participatie_rct.report.analysis.earlier_looks`); they change only the
    interim boundary and its text.
    """
    from participatie_rct.estimate.outcomes import build_outcomes

    w = words(language)
    protocol = inputs.protocol
    plan = protocol.analysis
    horizon = int(plan.horizon_months)
    control = protocol.control
    order, labels = label_maps(inputs, language, blinded, key)
    control_label = labels[control]
    end = last_ended_month(as_of)

    people = prepare_assignments(inputs, as_of)
    enrolled = pd.to_datetime(people["enrolled_on"])
    people["enrolled_month"] = enrolled.dt.to_period("M")
    outcomes = build_outcomes(people, inputs.benefit_months, horizon_months=horizon, as_of=end)
    if "birth_year" in outcomes.columns:
        outcomes["age"] = enrolled.dt.year.to_numpy() - pd.to_numeric(
            outcomes["birth_year"], errors="coerce"
        )
    analysed = outcomes["outflow_work"].notna()
    strata = tuple(s for s in protocol.assignment.strata if s in outcomes.columns)
    stratum = "stratum" if strata and "stratum" in outcomes.columns else None
    covariates = tuple(c for c in plan.covariates if c in outcomes.columns)
    for c in covariates:
        outcomes[c] = pd.to_numeric(outcomes[c], errors="coerce")

    itt = analysis.itt_frame(
        outcomes,
        outcome="outflow_work",
        arms=protocol.arm_keys,
        control=control,
        strata=stratum,
        covariates=covariates,
        se_type=plan.se_type,
    )
    values: dict[str, Any] = {"w": w, "language": language, "blinded": blinded, "kind": kind.value}
    values["title"] = w["title_interim"] if kind is ReportKind.INTERIM else w["title_final"]
    values["trial"] = protocol.name
    values["as_of"] = as_of.isoformat()
    values["horizon"] = horizon
    values["control_label"] = control_label
    figs: dict[str, bytes] = {}

    # --- CONSORT -----------------------------------------------------------------------
    withdrawn = consort_section(inputs, people, analysed, as_of, order, labels, w, values, figs)

    # --- intake -------------------------------------------------------------------------
    site, sites = intake_section(people, enrolled, order, labels, w, values, figs)

    # --- balance -------------------------------------------------------------------------
    values["balance_table"] = balance_section(outcomes, order, labels, control, language)
    values["joint_table"] = joint_balance_section(outcomes, order, labels, control, language, w)

    # --- outflow -------------------------------------------------------------------------
    max_month = outflow_section(
        inputs=inputs,
        people=people,
        outcomes=outcomes,
        analysed=analysed,
        itt=itt,
        kind=kind,
        horizon=horizon,
        end=end,
        order=order,
        labels=labels,
        control=control,
        stratum=stratum,
        covariates=covariates,
        plan=plan,
        language=language,
        w=w,
        values=values,
        figs=figs,
    )

    # --- hazard ratios ---------------------------------------------------------------------
    survival_section(outcomes, max_month, order, labels, control, language, w, values)

    # --- competing exits ---------------------------------------------------------------------
    competing_section(outcomes, max_month, order, labels, control, w, values, figs)

    # --- per site and pooled ---------------------------------------------------------------------
    sites_section(
        inputs, outcomes, itt, site, sites, order, labels, control, language, w, values, figs
    )

    # --- survey outcomes -----------------------------------------------------------------------
    values["survey"] = survey_section(
        people, inputs.survey, order, labels, control, as_of, stratum, plan.se_type, language, w
    )

    # --- interim ---------------------------------------------------------------------------
    settings: dict[str, Any] = {}
    if kind is ReportKind.INTERIM:
        previous = analysis.earlier_looks(looks_done, previous_information, plan)
        values["interim"] = interim_section(
            itt,
            int(analysed.sum()),
            len(outcomes),
            plan,
            labels,
            order,
            language,
            w,
            previous_information=previous,
            assumed=bool(previous) and not previous_information,
        )
        settings["information_fraction"] = values["interim"]["information"]
        if previous:  # recorded only when there were earlier looks (first-look manifests unchanged)
            settings["looks_done"] = len(previous)
            settings["previous_information"] = list(previous)
        points = values["interim"]["points"]
        if points and np.isfinite(values["interim"]["boundary"]):
            figs["boundary"] = figures.boundary_figure(
                pd.DataFrame(points),
                boundary=values["interim"]["boundary"],
                palette=figures.colours([labels[a] for a in order]),
                y_label=w["z"],
                boundary_label=w["boundary"],
            )

    # --- methods and data quality -------------------------------------------------------------
    values["methods"] = methods_section(
        inputs,
        language,
        kind,
        len(outcomes),
        int(withdrawn.sum()),
        strata,
        covariates,
        end,
        len(itt),
        control_label,
        package_version,
        blinded=blinded,
    )
    values["dq_table"], values["dq_notes"] = data_quality_section(
        inputs, outcomes, people, order, labels, horizon, end, w
    )
    values["disclosure"] = w["disclosure"]
    values["footer"] = w["footer"].format(version=package_version, sha=protocol.sha256[:16])
    values["blinded_note"] = w["blinded_note"] if blinded else ""

    headline = tuple(
        {
            "arm": labels[r.arm],
            "estimate": float(r.estimate),
            "ci_low": float(r.ci_low),
            "ci_high": float(r.ci_high),
            "p_holm": float(r.p_holm),
            "n": int(r.n),
        }
        for r in effect_records(
            itt.set_index("arm").reindex([a for a in order if a in set(itt["arm"])]).reset_index()
        )
    )
    if len(itt):
        values["headline"] = w["headline_text"].format(
            h=horizon, n=values["analysed_n"], control=control_label
        )
    else:
        values["headline"] = w["headline_none"].format(h=horizon)
    settings.update(
        {
            "horizon_months": horizon,
            "data_end": str(end),
            "n_assigned": len(outcomes),
            "n_analysed": int(analysed.sum()),
        }
    )
    return ReportContext(values=values, figures=figs, headline=headline, settings=settings)
