"""Sites section: ITT effects per site beside the pooled effect (forest plot and table), and
the heterogeneity between sites when there is more than one."""

from __future__ import annotations

from typing import Any

import pandas as pd

from participatie_rct.report import figures
from participatie_rct.report.analyses import ReportAnalyses, Unavailable
from participatie_rct.report.disclosure import HIDDEN, count_text
from participatie_rct.report.disclosure_rules import OutcomeShares, group_verdict
from participatie_rct.report.i18n import number, p_text
from participatie_rct.report.sections.common import (
    Section,
    Table,
    View,
    effect_records,
    interval_text,
    why_not,
)
from participatie_rct.report.sections.effects import shares_of
from participatie_rct.report.sections.intake import sites_of

_COLUMNS = ["arm", "site", "estimate", "std_error", "ci_low", "ci_high", "n", "n_arm", "n_control"]


def _group_shown(r: object, arm: str, control: str) -> bool:
    """Rule 5 of the disclosure policy: a site's estimate only with >= 10 per arm there."""
    n_arm = int(getattr(r, "n_arm", 0) or 0)
    n_control = int(getattr(r, "n_control", 0) or 0)
    return bool(group_verdict({arm: n_arm, control: n_control}))


def _per_site_frame(analyses: ReportAnalyses) -> pd.DataFrame:
    fitted = [
        frame.assign(site=site)
        for site, frame in analyses.per_site.items()
        if isinstance(frame, pd.DataFrame)
    ]
    return pd.concat(fitted, ignore_index=True) if fitted else pd.DataFrame(columns=_COLUMNS)


def _pooled(analyses: ReportAnalyses) -> pd.DataFrame:
    return (
        analyses.itt if isinstance(analyses.itt, pd.DataFrame) else pd.DataFrame(columns=_COLUMNS)
    )


def _site_shares(analyses: ReportAnalyses, view: View) -> dict[str, OutcomeShares]:
    """Per site (and ``""`` for all sites together) which arms' outflow shares may show."""
    analysed = analyses.outcomes[analyses.analysed]
    site = sites_of(analysed)
    out = {str(s): shares_of(analysed[site == s], "outflow_work", view.order) for s in set(site)}
    out[""] = shares_of(analysed, "outflow_work", view.order)
    return out


def _shown(r: Any, a: str, view: View, shares: OutcomeShares | None) -> bool:
    """Rules 3 and 5: >= 10 per arm in the group, and the shares behind the effect printable."""
    if not _group_shown(r, a, view.control):
        return False
    if shares is None:
        return True
    return bool(shares.effect_shown(view.order.index(a), view.order.index(view.control)))


def _arm_rows(
    a: str, per_site: pd.DataFrame, pooled: pd.DataFrame, view: View, shares: dict[str, Any]
) -> tuple[list[tuple[Any, str, str]], list[tuple[str, ...]], list[str]]:
    """One arm's printable (row, forest label, site) triples, its table rows, hidden names."""
    w, labels = view.w, view.labels
    candidates = [
        (r, r.site, shares.get(str(r.site))) for r in effect_records(per_site[per_site["arm"] == a])
    ]
    candidates += [(r, w["pooled"], shares[""]) for r in effect_records(pooled[pooled["arm"] == a])]
    shown: list[tuple[Any, str, str]] = []
    rows: list[tuple[str, ...]] = []
    hidden: list[str] = []
    for r, site, site_shares in candidates:
        sizes: tuple[str, ...] = (count_text(int(r.n_arm)), count_text(int(r.n_control)))
        if site == w["pooled"]:  # the pooled sizes are CONSORT's "analysed"
            sizes = tuple(
                HIDDEN if arm in view.hidden_n else text
                for arm, text in zip((a, view.control), sizes, strict=True)
            )
        if HIDDEN in sizes or not _shown(r, a, view, site_shares):
            hidden.append(f"{labels[a]} · {site}")
            rows.append((labels[a], site, *sizes, HIDDEN, HIDDEN))
            continue
        shown.append((r, f"{labels[a]} · {site}", str(site)))
        est = number(100 * r.estimate, view.language, sign=True)
        rows.append(
            (labels[a], site, *sizes, est, interval_text(r.ci_low, r.ci_high, view.language))
        )
    return shown, rows, hidden


def sites_section(analyses: ReportAnalyses, view: View) -> Section:
    """The forest figure, the per-site table and, with several sites, the heterogeneity.

    A per-site or pooled effect is shown only when its site has at least 10 people in each
    arm compared and the outflow shares it rests on may be printed; with one site the
    per-site effect is the pooled one's twin and follows the same rule.
    """
    w, labels = view.w, view.labels
    multi = len(analyses.per_site) > 1
    per_site, pooled = _per_site_frame(analyses), _pooled(analyses)
    shares = _site_shares(analyses, view)
    forest_rows: list[dict[str, Any]] = []
    site_rows: list[tuple[str, ...]] = []
    hidden: list[str] = []
    for a in view.order:
        if a == view.control:
            continue
        shown, rows, gone = _arm_rows(a, per_site, pooled, view, shares)
        site_rows.extend(rows)
        hidden.extend(gone)
        for r, label, site in shown:
            if site != w["pooled"] and not multi:
                continue
            forest_rows.append(
                {
                    "label": label,
                    "group": labels[a],
                    "estimate": r.estimate,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                }
            )
    figs: dict[str, bytes] = {}
    if forest_rows:
        palette = figures.colours([labels[a] for a in view.order])
        figs["forest"] = figures.forest_figure(
            pd.DataFrame(forest_rows), x_label=w["forest_x"], palette=palette
        )
    refused = [
        f"{site}: {why_not(fit.reason, w)}"
        for site, fit in analyses.per_site.items()
        if isinstance(fit, Unavailable)
    ]
    if hidden:
        refused.insert(0, w["group_hidden"].format(groups=", ".join(hidden)))
    values: dict[str, Any] = {
        "site_table": Table(
            (
                w["arm"],
                w["site"],
                w["n_arm"],
                w["n_control"].format(control=view.labels[view.control]),
                w["estimate"],
                w["ci"],
            ),
            tuple(site_rows),
            numeric_from=2,
            note=" ".join(refused),
            caption=w["population_sites"],
        ),
        "multi_site": multi,
    }
    if multi:
        values["het_table"] = heterogeneity_table(analyses.heterogeneity, view)
    return Section(values, figs)


def heterogeneity_table(het: pd.DataFrame | None, view: View) -> Table:
    """Cochran's Q, its df and p-value, and I² per arm."""
    w, language = view.w, view.language
    header = (w["arm"], w["q"], w["df"], w["p_value"], w["i2"])
    if het is None:
        return Table(header, ())
    present = set(het["arm"])
    ordered = het.set_index("arm").reindex([a for a in view.order if a in present]).reset_index()
    return Table(
        header,
        tuple(
            (
                view.labels[r.arm],
                number(r.q, language, digits=2),
                number(r.df, language, digits=0),
                p_text(r.p_value, language),
                number(100 * r.i2, language, digits=0) + "%" if r.i2 == r.i2 else w["na"],
            )
            for r in effect_records(ordered)
        ),
    )
