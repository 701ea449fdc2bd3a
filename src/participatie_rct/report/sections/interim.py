"""Interim section: the look as ``monitor status`` computes it, shown for the reader.

The information fraction, the stopping boundary at this look and each arm's z against it come
from one :class:`~participatie_rct.design.monitor.MonitorStatus` (built by
:meth:`participatie_rct.trial.Trial.monitor`), so the report and the command cannot differ.
The text says whether the z is covariate-adjusted.

What is shown where an arm's effect is withheld (blinding or disclosure control): the z, the
information fraction, the boundary, the crossing, the conditional power and whether the z is
adjusted are always shown for the primary comparison, because they are what the trial's
stopping rule reads and none of them gives the effect back without its standard error. The
difference and its repeated confidence interval are on the effect's scale, so they follow the
ITT table's rule (:func:`participatie_rct.report.sections.looks.effect_shown`) and are
withheld with it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from participatie_rct.report import figures
from participatie_rct.report.analyses import Interim, Unavailable
from participatie_rct.report.disclosure import HIDDEN, count_text
from participatie_rct.report.disclosure_rules import OutcomeShares
from participatie_rct.report.i18n import number, p_bound, term
from participatie_rct.report.looks_i18n import look_words
from participatie_rct.report.sections.common import Section, Table, View
from participatie_rct.report.sections.looks import effect_shown, rci_cell

if TYPE_CHECKING:
    from participatie_rct.design.monitor import MonitorStatus


def interim_section(
    interim: Interim, plan: Any, view: View, shares: OutcomeShares | None = None
) -> Section:
    """Information fraction, the boundary at this look and each arm's z against it.

    When earlier looks were taken (``interim.previous_information``, ``assumed`` when they
    are the plan's rather than observed) the text says that the boundary accounts for the
    alpha they spent. No arm is named in the text, so it is safe in blinded reports.
    """
    w, language = view.w, view.language
    lw = look_words(language)
    status = interim.status
    header = (
        w["arm"],
        w["z"],
        w["boundary"],
        w["crossed"],
        w["conditional_power"],
        w["estimate"],
        lw["rci"],
    )
    if isinstance(status, Unavailable):
        text = w["interim_none"].format(h=plan.horizon_months)
        values = {"information": 0.0, "boundary": math.inf, "points": [], "text": text}
        return Section({"interim": {**values, "table": Table(header, ())}})
    look = status.boundary.looks[-1]
    rows, points, withheld = _rows(status, view, shares)
    text = f"{_text(interim, status, plan, view)} {lw['interim_rci']}"
    note = lw["interim_withheld"].format(arms=", ".join(withheld)) if withheld else ""
    values = {
        "information": round(status.information, 6),
        "boundary": float(look.z),
        "adjusted": status.adjusted,
        "points": points,
        "text": text,
        "table": Table(header, tuple(rows), note=note),
    }
    figs: dict[str, bytes] = {}
    if points and math.isfinite(look.z):
        import pandas as pd

        figs["boundary"] = figures.boundary_figure(
            pd.DataFrame(points),
            boundary=look.z,
            palette=figures.colours([view.labels[a] for a in view.order]),
            y_label=w["z"],
            boundary_label=w["boundary"],
        )
    return Section({"interim": values}, figs)


def _rows(
    status: MonitorStatus, view: View, shares: OutcomeShares | None
) -> tuple[list[tuple[str, ...]], list[dict[str, Any]], list[str]]:
    """Per arm its row (z, boundary, crossing, conditional power, then the difference and its
    repeated interval where the effect may be shown), its point for the figure, and the
    labels of the arms whose effect is withheld."""
    w, language = view.w, view.language
    look = status.boundary.looks[-1]
    by_arm = {c.arm: c for c in status.comparisons}
    rows: list[tuple[str, ...]] = []
    points: list[dict[str, Any]] = []
    withheld: list[str] = []
    for a in view.order:
        if a not in by_arm:
            continue
        c = by_arm[a]
        power = c.conditional_power_trend
        points.append({"label": view.labels[a], "z": float(c.statistic)})
        shown = effect_shown(a, view, shares)
        if not shown:
            withheld.append(view.labels[a])
        rows.append(
            (
                view.labels[a],
                number(c.statistic, language, digits=2),
                number(c.critical, language, digits=2),
                w["yes"] if c.crossed else w["no"],
                number(100 * power, language, digits=0) + "%" if power == power else w["na"],
                number(100 * c.estimate, language, sign=True) if shown else HIDDEN,
                rci_cell(c.estimate, c.std_error, look.z, language) if shown else HIDDEN,
            )
        )
    return rows, points, withheld


def _text(interim: Interim, status: MonitorStatus, plan: Any, view: View) -> str:
    """The look's sentence: information, boundary, the earlier looks and where they came
    from (the register, the user, or the plan's fractions assumed), and whether z is adjusted."""
    w, language = view.w, view.language
    look = status.boundary.looks[-1]
    text = w["interim_text"].format(
        t=number(status.information, language, digits=2),
        n=count_text(status.n_observed, language=language),
        N=count_text(status.target_n, language=language),
        h=plan.horizon_months,
        spending=term(plan.spending, language),
        z=number(look.z, language, digits=2),
        p=p_bound(look.p_nominal, language),
    )
    if interim.previous_information:
        phrase = (
            w["interim_earlier_planned"]
            if interim.assumed
            else look_words(language)["interim_earlier_register"]
            if interim.source == "register"
            else w["interim_earlier"]
        )
        earlier = phrase.format(
            look=len(interim.previous_information) + 1,
            k=len(interim.previous_information),
            fractions="; ".join(
                number(v, language, digits=3) for v in interim.previous_information
            ),
        )
        text = f"{text} {earlier}"
    return f"{text} {w['interim_adjusted' if status.adjusted else 'interim_unadjusted']}"
