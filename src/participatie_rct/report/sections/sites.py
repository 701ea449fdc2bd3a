"""Sites section: ITT effects per site beside the pooled effect (forest plot and table), and
the heterogeneity between sites when there is more than one."""

from __future__ import annotations

from typing import Any

import pandas as pd

from participatie_rct.report import figures
from participatie_rct.report.analyses import ReportAnalyses, Unavailable
from participatie_rct.report.disclosure import count_text
from participatie_rct.report.i18n import number, p_text
from participatie_rct.report.sections.common import (
    Section,
    Table,
    View,
    effect_records,
    interval_text,
)

_COLUMNS = ["arm", "site", "estimate", "std_error", "ci_low", "ci_high", "n"]


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


def sites_section(analyses: ReportAnalyses, view: View) -> Section:
    """The forest figure, the per-site table and, with several sites, the heterogeneity."""
    w, labels = view.w, view.labels
    multi = len(analyses.per_site) > 1
    per_site, pooled = _per_site_frame(analyses), _pooled(analyses)
    forest_rows: list[dict[str, Any]] = []
    site_rows: list[tuple[str, ...]] = []
    for a in view.order:
        if a == view.control:
            continue
        here = [
            (r, f"{labels[a]} · {r.site}", r.site)
            for r in effect_records(per_site[per_site["arm"] == a])
        ]
        together = [
            (r, f"{labels[a]} · {w['pooled']}", w["pooled"])
            for r in effect_records(pooled[pooled["arm"] == a])
        ]
        for r, label, _ in (here if multi else []) + together:
            forest_rows.append(
                {
                    "label": label,
                    "group": labels[a],
                    "estimate": r.estimate,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                }
            )
        for r, _, site in here + together:
            site_rows.append(
                (
                    labels[a],
                    site,
                    count_text(r.n),
                    number(100 * r.estimate, view.language, sign=True),
                    interval_text(r.ci_low, r.ci_high, view.language),
                )
            )
    figs: dict[str, bytes] = {}
    if forest_rows:
        palette = figures.colours([labels[a] for a in view.order])
        figs["forest"] = figures.forest_figure(
            pd.DataFrame(forest_rows), x_label=w["forest_x"], palette=palette
        )
    refused = [
        f"{site}: {w['not_estimable'].format(reason=fit.reason)}"
        for site, fit in analyses.per_site.items()
        if isinstance(fit, Unavailable)
    ]
    values: dict[str, Any] = {
        "site_table": Table(
            (w["arm"], w["site"], w["n"], w["estimate"], w["ci"]),
            tuple(site_rows),
            numeric_from=2,
            note=" ".join(refused),
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
