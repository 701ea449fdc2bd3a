"""The table of ITT effects on outflow to work, with the disclosure rules applied.

Each row says what it counts: the arm's own number analysed and the control's number
analysed in separate columns (never their sum under one "N"). An effect is printed only when
the outflow shares it is computed from may be printed (``docs/disclosure-policy.md``, rule 3):
an effect plus one share gives the other share back, so a hidden share hides the effect, its
interval and its p-values, and a sentence under the table says why.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from participatie_rct.report.analyses import Unavailable
from participatie_rct.report.disclosure import HIDDEN, count_text
from participatie_rct.report.disclosure_rules import OutcomeShares, outcome_shares
from participatie_rct.report.i18n import number, p_text
from participatie_rct.report.sections.common import Table, View, effect_records, why_not


def itt_header(view: View) -> tuple[str, ...]:
    """Header of an ITT table: the arm, both group sizes, the effect and its inference."""
    w = view.w
    return (
        w["arm"],
        w["n_arm"],
        w["n_control"].format(control=view.labels[view.control]),
        w["estimate"],
        w["std_error"],
        w["ci"],
        w["p_value"],
        w["p_holm"],
    )


def shares_of(outcomes: pd.DataFrame, column: str, order: Sequence[str]) -> OutcomeShares:
    """Which arms' shares of ``column`` (1 = the outcome) may be printed, among the analysed."""
    known = outcomes[outcomes[column].notna()]
    counts = [int(known.loc[known["arm"] == a, column].sum()) for a in order]
    sizes = [int((known["arm"] == a).sum()) for a in order]
    return outcome_shares(counts, sizes)


def itt_table(
    itt: pd.DataFrame | Unavailable,
    view: View,
    shares: OutcomeShares | None,
    *,
    caption: str = "",
) -> Table:
    """The effects per arm, or the sentence that says why they could not be estimated.

    ``shares`` are the printable outcome shares per arm in ``view.order`` (None when the
    outcome is not a share, such as a score, and the cells rest on no count).
    """
    w = view.w
    if isinstance(itt, Unavailable):
        return Table(itt_header(view), (), note=why_not(itt.reason, w))
    rows: list[tuple[str, ...]] = []
    hidden_arms: list[str] = []
    control = view.order.index(view.control)
    for a in view.order:
        for r in effect_records(itt[itt["arm"] == a]):
            shown = shares is None or bool(shares.effect_shown(view.order.index(a), control))
            sizes = _sizes(r, a, view, hide=shares is not None)
            shown = shown and HIDDEN not in sizes
            if not shown:
                hidden_arms.append(view.labels[a])
                rows.append((view.labels[a], *sizes, *([HIDDEN] * 5)))
                continue
            rows.append((view.labels[a], *sizes, *effect_cells(r, view.language)))
    note = ""
    if hidden_arms:
        note = w["effect_hidden"].format(arms=", ".join(hidden_arms))
    return Table(itt_header(view), tuple(rows), note=note, caption=caption)


def _sizes(r: object, arm: str, view: View, *, hide: bool) -> tuple[str, str]:
    """The printed numbers analysed in the arm and the control (hidden where CONSORT hides
    them, when the table counts the same people as the CONSORT's "analysed")."""
    n_arm = int(getattr(r, "n_arm", 0) or 0)
    n_control = int(getattr(r, "n_control", 0) or 0)
    arm_text = HIDDEN if hide and arm in view.hidden_n else count_text(n_arm)
    control_text = HIDDEN if hide and view.control in view.hidden_n else count_text(n_control)
    return arm_text, control_text


def effect_cells(r: object, language: str) -> tuple[str, ...]:
    """Effect, standard error, interval (percentage points) and both p-values of one row."""
    est, se = float(r.estimate), float(r.std_error)  # type: ignore[attr-defined]
    low, high = float(r.ci_low), float(r.ci_high)  # type: ignore[attr-defined]
    return (
        number(100 * est, language, sign=True),
        number(100 * se, language),
        f"{number(100 * low, language, sign=True)} – {number(100 * high, language, sign=True)}",
        p_text(float(r.p_value), language),  # type: ignore[attr-defined]
        p_text(float(r.p_holm), language),  # type: ignore[attr-defined]
    )
