"""The outcome families of the protocol: one table per family, with the disclosure rules applied.

Each row is one arm on one outcome of the family: the numbers analysed in the arm and the
control, the difference with its interval, the p-value and Holm's adjustment within the
family, and for a final report's secondary family the Westfall-Young and Romano-Wolf
adjustments. An effect is printed only when what it rests on may be printed
(``docs/disclosure-policy.md``, rule 3): for an outcome that is a share, both shares (counts
with and without the outcome, suppressed with the arm sizes public); for a mean or an amount,
at least 10 people in the arm and the control, and none or at least 10 with a value other
than zero (a mean of a few earners is close to their earnings). A hidden effect hides its
interval and every p-value of its row, and a sentence under the table names it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from participatie_rct.report.analyses import FamilyEstimates, ReportAnalyses, Unavailable
from participatie_rct.report.disclosure import HIDDEN, THRESHOLD, count_text
from participatie_rct.report.disclosure_rules import group_verdict
from participatie_rct.report.i18n import number, p_text
from participatie_rct.report.reasons import reason_in
from participatie_rct.report.sections.common import Section, Table, View, effect_records, why_not
from participatie_rct.report.sections.effects import shares_of

#: Survey outcomes: their numbers are respondents, not the people analysed in CONSORT.
SURVEY = ("wellbeing", "health", "self_sufficiency")


def families_section(analyses: ReportAnalyses, view: View) -> Section:
    """One block per declared family (none when the protocol declares no families)."""
    horizon = int(analyses.protocol.analysis.horizon_months)
    blocks = [_block(f, view, horizon) for f in analyses.families]
    return Section({"families": blocks})


def outcome_label(name: str, view: View, horizon: int, wave: int | None = None) -> str:
    """An outcome's printed name (with its survey wave, when it has one)."""
    label = view.w[f"outcome_{name}"].format(h=horizon, h2=2 * horizon)
    return label if wave is None else view.w["outcome_wave"].format(outcome=label, k=wave)


def family_title(estimates: FamilyEstimates, view: View) -> str:
    """The family's label (its own, a known family's, or its name) and its role."""
    family = estimates.family
    own = family.label(view.language) or view.w.get(f"family_{family.name}", "")
    name = own or family.name.replace("_", " ").capitalize()
    return f"{name} ({view.w[f'role_{family.role}'].lower()})"


def _block(estimates: FamilyEstimates, view: View, horizon: int) -> dict[str, Any]:
    w = view.w
    adjusted = estimates.adjusted
    resampled = isinstance(adjusted, pd.DataFrame)
    header = [
        w["survey_outcome"],
        w["arm"],
        w["n_arm"],
        w["n_control"].format(control=view.labels[view.control]),
        w["difference"],
        w["ci"],
        w["p_value"],
        w["p_holm"],
    ]
    if resampled:
        header += [w["p_wy"], w["p_rw"]]
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    hidden: dict[str, list[str]] = {}
    for outcome in estimates.family.outcomes:
        label = outcome_label(outcome, view, horizon, estimates.waves.get(outcome))
        if outcome in estimates.missing:
            reason = w.get(estimates.missing[outcome], "")
            notes.append(f"{label}: {w['not_estimable'].format(reason=reason)}")
            continue
        fit = estimates.effects[outcome]
        if isinstance(fit, Unavailable):
            notes.append(f"{label}: {why_not(fit.reason, w)}")
            continue
        rows.extend(_rows(estimates, outcome, label, fit, view, hidden))
    if hidden:
        arms = "; ".join(f"{label} ({', '.join(names)})" for label, names in hidden.items())
        notes.append(w["effect_hidden"].format(arms=arms))
    if isinstance(adjusted, Unavailable):
        notes.append(
            w["families_unadjusted"].format(reason=reason_in(adjusted.reason, w["language"]))
        )
    return {
        "title": family_title(estimates, view),
        "table": Table(
            tuple(header),
            tuple(rows),
            numeric_from=2,
            note=" ".join(n if n.endswith(".") else f"{n}." for n in notes),
        ),
        "resampling": w["families_resampling"].format(
            n=count_text(estimates.n_draws, language=view.language),
            how=w[f"families_{estimates.resampling}"],
        )
        if resampled
        else "",
    }


def _rows(
    estimates: FamilyEstimates,
    outcome: str,
    label: str,
    fit: pd.DataFrame,
    view: View,
    hidden: dict[str, list[str]],
) -> list[tuple[str, ...]]:
    """The rows of one outcome, each arm's effect hidden where its cells would reveal few."""
    data = estimates.data
    known = data[data[outcome].notna()]
    shares = shares_of(known, outcome, view.order) if estimates.kinds[outcome] == "share" else None
    adjusted = estimates.adjusted
    control = view.order.index(view.control)
    survey = outcome in SURVEY
    rows: list[tuple[str, ...]] = []
    for arm in view.order:
        for r in effect_records(fit[fit["arm"] == arm]):
            n_arm, n_control = int(r.n_arm), int(r.n_control)
            small_n = not survey and bool({arm, view.control} & view.hidden_n)
            sizes = (HIDDEN, HIDDEN) if small_n else (count_text(n_arm), count_text(n_control))
            if shares is not None:
                shown = bool(shares.effect_shown(view.order.index(arm), control))
            else:
                shown = _mean_shown(known, outcome, arm, view.control)
            extra = 2 if isinstance(adjusted, pd.DataFrame) else 0
            if small_n or not shown:
                hidden.setdefault(label, []).append(view.labels[arm])
                rows.append((label, view.labels[arm], *sizes, *[HIDDEN] * (4 + extra)))
                continue
            cells = _effect_cells(r, estimates.kinds[outcome], view.language)
            if isinstance(adjusted, pd.DataFrame):
                cells += _resampled_cells(adjusted, arm, outcome, view.language)
            rows.append((label, view.labels[arm], *sizes, *cells))
    return rows


def _mean_shown(known: pd.DataFrame, outcome: str, arm: str, control: str) -> bool:
    """A difference of means only with >= 10 people in the arm and the control, and none or
    >= 10 of them with a value other than zero."""
    groups = {a: known.loc[known["arm"] == a, outcome] for a in (arm, control)}
    if not group_verdict({a: len(v) for a, v in groups.items()}):
        return False
    nonzero = [int((v != 0).sum()) for v in groups.values()]
    return all(k == 0 or k >= THRESHOLD for k in nonzero)


def _effect_cells(r: Any, kind: str, language: str) -> tuple[str, ...]:
    """Difference, interval, p and Holm: shares and fractions in percentage points, amounts in
    whole euros, other means with two decimals."""
    scale, digits = {"share": (100.0, 1), "fraction": (100.0, 1), "amount": (1.0, 0)}.get(
        kind, (1.0, 2)
    )

    def text(value: float) -> str:
        return number(scale * float(value), language, digits=digits, sign=True)

    return (
        text(r.estimate),
        f"{text(r.ci_low)} – {text(r.ci_high)}",
        p_text(float(r.p_value), language),
        p_text(float(r.p_holm), language),
    )


def _resampled_cells(
    adjusted: pd.DataFrame, arm: str, outcome: str, language: str
) -> tuple[str, str]:
    row = adjusted[(adjusted["arm"] == arm) & (adjusted["outcome"] == outcome)]
    if row.empty:
        return p_text(float("nan"), language), p_text(float("nan"), language)
    return (
        p_text(float(row["p_westfall_young"].iloc[0]), language),
        p_text(float(row["p_romano_wolf"].iloc[0]), language),
    )
