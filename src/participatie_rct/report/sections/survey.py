"""Survey section: response and ITT effects on the survey outcomes per follow-up wave."""

from __future__ import annotations

from typing import Any

import pandas as pd

from participatie_rct.report.analyses import SurveyWave, Unavailable
from participatie_rct.report.disclosure import HIDDEN, count_text, share_text
from participatie_rct.report.disclosure_rules import group_verdict
from participatie_rct.report.i18n import number, p_text
from participatie_rct.report.sections.common import Section, Table, View, effect_records, why_not


def survey_section(waves: tuple[SurveyWave, ...], view: View) -> Section:
    """Per follow-up wave: response per arm, and ITT effects on each survey outcome.

    Wave ``k`` (``k >= 1``) is due 12k months after intake; only participants whose wave was
    due by the as-of date count. An outcome whose effects could not be estimated is named
    with the reason under the table.
    """
    return Section({"survey": [_wave(wave, view) for wave in waves]})


def _wave(wave: SurveyWave, view: View) -> dict[str, Any]:
    w, language = view.w, view.language
    data = wave.data
    response_rows = []
    for a in view.order:
        in_arm = data["arm"] == a
        n_due, n_resp = int(in_arm.sum()), int((in_arm & data["responded"]).sum())
        response_rows.append(
            (
                view.labels[a],
                count_text(n_due),
                count_text(n_resp),
                share_text(n_resp, n_due, digits=0, language=language),
            )
        )
    effect_rows: list[tuple[str, ...]] = []
    notes = []
    for outcome, fit in wave.effects.items():
        if isinstance(fit, Unavailable):
            notes.append(f"{w[f'survey_{outcome}']}: {why_not(fit.reason, w)}")
            continue
        effect_rows.extend(_effect_rows(outcome, fit, view))
    header = (
        w["survey_outcome"],
        w["arm"],
        w["n_arm"],
        w["n_control"].format(control=view.labels[view.control]),
        w["difference"],
        w["ci"],
        w["p_value"],
        w["p_holm"],
    )
    return {
        "title": w["survey_wave"].format(k=wave.wave, months=12 * wave.wave),
        "response": Table(
            (w["arm"], w["survey_due"], w["survey_responded"], w["share"]), tuple(response_rows)
        ),
        "effects": Table(
            header,
            tuple(effect_rows),
            numeric_from=2,
            note=" ".join(notes),
            caption=w["population_responding"],
        ),
    }


def _effect_rows(outcome: str, fit: pd.DataFrame, view: View) -> list[tuple[str, ...]]:
    language = view.language
    rows: list[tuple[str, ...]] = []
    for a in view.order:
        for r in effect_records(fit[fit["arm"] == a]):
            low = number(r.ci_low, language, digits=2, sign=True)
            high = number(r.ci_high, language, digits=2, sign=True)
            n_arm, n_control = int(r.n_arm), int(r.n_control)
            sizes = (count_text(n_arm), count_text(n_control))
            if not group_verdict({a: n_arm, view.control: n_control}):
                # a mean of fewer than 10 respondents is not printed (disclosure rule 3)
                rows.append((view.w[f"survey_{outcome}"], view.labels[a], *sizes, *[HIDDEN] * 4))
                continue
            rows.append(
                (
                    view.w[f"survey_{outcome}"],
                    view.labels[a],
                    *sizes,
                    number(r.estimate, language, digits=2, sign=True),
                    f"{low} – {high}",
                    p_text(r.p_value, language),
                    p_text(r.p_holm, language),
                )
            )
    return rows
