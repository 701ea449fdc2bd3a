"""Survey section: response and ITT effects on the survey outcomes per follow-up wave."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from participatie_rct.report import analysis
from participatie_rct.report.disclosure import count_text, share_text
from participatie_rct.report.i18n import number, p_text
from participatie_rct.report.sections.common import Table, effect_records

#: Survey outcomes analysed per wave when the survey table has them.
SURVEY_OUTCOMES = ("wellbeing", "health", "self_sufficiency")


def survey_section(
    people: pd.DataFrame,
    survey: pd.DataFrame | None,
    order: Sequence[str],
    labels: Mapping[str, str],
    control: str,
    as_of: dt.date,
    stratum: str | None,
    se_type: str,
    language: str,
    w: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Per follow-up wave: response per arm, and ITT effects on each survey outcome.

    Wave ``k`` (``k >= 1``) is due 12k months after intake; only participants whose wave was
    due by ``as_of`` count. Effects are estimated among respondents, so they hold under
    missingness at random given the arm and stratum; the response table shows whether
    response differs by arm.
    """
    if survey is None or survey.empty or "wave" not in survey.columns:
        return []
    outcomes = [c for c in SURVEY_OUTCOMES if c in survey.columns]
    if not outcomes:
        return []
    waves = sorted(
        {int(k) for k in pd.to_numeric(survey["wave"], errors="coerce").dropna() if k > 0}
    )
    enrolled = pd.to_datetime(people["enrolled_on"])
    blocks = []
    for k in waves:
        due_by = enrolled + pd.DateOffset(months=12 * k)
        due = people.loc[(due_by.dt.date <= as_of).to_numpy()]
        if due.empty:
            continue
        answers = survey[pd.to_numeric(survey["wave"], errors="coerce") == k]
        answers = answers.drop_duplicates("participant")[["participant", *outcomes]]
        data = due.drop(columns=[c for c in outcomes if c in due.columns]).merge(
            answers, on="participant", how="left"
        )
        for c in outcomes:
            data[c] = pd.to_numeric(data[c], errors="coerce")
        responded = data[outcomes].notna().any(axis=1)
        response_rows = []
        for a in order:
            in_arm = data["arm"] == a
            n_due, n_resp = int(in_arm.sum()), int((in_arm & responded).sum())
            response_rows.append(
                (
                    labels[a],
                    count_text(n_due),
                    count_text(n_resp),
                    share_text(n_resp, n_due, digits=0, language=language),
                )
            )
        effect_rows: list[tuple[str, ...]] = []
        for c in outcomes:
            fit = analysis.itt_frame(
                data, outcome=c, arms=order, control=control, strata=stratum, se_type=se_type
            )
            for a in order:
                for r in effect_records(fit[fit["arm"] == a]):
                    low = number(r.ci_low, language, digits=2, sign=True)
                    high = number(r.ci_high, language, digits=2, sign=True)
                    effect_rows.append(
                        (
                            w[f"survey_{c}"],
                            labels[a],
                            count_text(r.n),
                            number(r.estimate, language, digits=2, sign=True),
                            f"{low} – {high}",
                            p_text(r.p_value, language),
                            p_text(r.p_holm, language),
                        )
                    )
        blocks.append(
            {
                "title": w["survey_wave"].format(k=k, months=12 * k),
                "response": Table(
                    (w["arm"], w["survey_due"], w["survey_responded"], w["share"]),
                    tuple(response_rows),
                ),
                "effects": Table(
                    (
                        w["survey_outcome"],
                        w["arm"],
                        w["n"],
                        w["difference"],
                        w["ci"],
                        w["p_value"],
                        w["p_holm"],
                    ),
                    tuple(effect_rows),
                    numeric_from=2,
                ),
            }
        )
    return blocks
