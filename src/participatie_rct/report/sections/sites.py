"""Sites section: ITT effects per site beside the pooled effect (forest plot and table), and
the heterogeneity between sites when there is more than one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from participatie_rct.report import analysis, figures
from participatie_rct.report.disclosure import count_text
from participatie_rct.report.i18n import number, p_text
from participatie_rct.report.inputs import ReportInputs
from participatie_rct.report.sections.common import Table, effect_records, interval_text


def sites_section(
    inputs: ReportInputs,
    outcomes: pd.DataFrame,
    itt: pd.DataFrame,
    site: pd.Series,
    sites: Sequence[str],
    order: Sequence[str],
    labels: Mapping[str, str],
    control: str,
    language: str,
    w: Mapping[str, str],
    values: dict[str, Any],
    figs: dict[str, bytes],
) -> None:
    """Add the forest figure, the per-site table and, with several sites, the heterogeneity."""
    protocol = inputs.protocol
    plan = protocol.analysis
    per_site = []
    for s in sites:
        sub = outcomes.loc[site == s] if len(sites) > 1 else outcomes
        fit = analysis.itt_frame(
            sub,
            outcome="outflow_work",
            arms=protocol.arm_keys,
            control=control,
            se_type=plan.se_type,
        )
        if len(fit):
            per_site.append(fit.assign(site=s))
    per_site_frame = (
        pd.concat(per_site, ignore_index=True)
        if per_site
        else pd.DataFrame(
            columns=["arm", "site", "estimate", "std_error", "ci_low", "ci_high", "n"]
        )
    )
    forest_rows = []
    for a in order:
        if a == control:
            continue
        for r in effect_records(per_site_frame[per_site_frame["arm"] == a]):
            if len(sites) > 1:
                forest_rows.append(
                    {
                        "label": f"{labels[a]} · {r.site}",
                        "group": labels[a],
                        "estimate": r.estimate,
                        "ci_low": r.ci_low,
                        "ci_high": r.ci_high,
                    }
                )
        pooled = itt[itt["arm"] == a]
        for r in effect_records(pooled):
            forest_rows.append(
                {
                    "label": f"{labels[a]} · {w['pooled']}",
                    "group": labels[a],
                    "estimate": r.estimate,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                }
            )
    if forest_rows:
        palette = figures.colours([labels[a] for a in order])
        figs["forest"] = figures.forest_figure(
            pd.DataFrame(forest_rows), x_label=w["forest_x"], palette=palette
        )
    site_rows = []
    for a in order:
        if a == control:
            continue
        for r in effect_records(per_site_frame[per_site_frame["arm"] == a]):
            site_rows.append(
                (
                    labels[a],
                    r.site,
                    count_text(r.n),
                    number(100 * r.estimate, language, sign=True),
                    interval_text(r.ci_low, r.ci_high, language),
                )
            )
        for r in effect_records(itt[itt["arm"] == a]):
            site_rows.append(
                (
                    labels[a],
                    w["pooled"],
                    count_text(r.n),
                    number(100 * r.estimate, language, sign=True),
                    interval_text(r.ci_low, r.ci_high, language),
                )
            )
    values["site_table"] = Table(
        (w["arm"], w["site"], w["n"], w["estimate"], w["ci"]), tuple(site_rows), numeric_from=2
    )
    values["multi_site"] = len(sites) > 1
    if len(sites) > 1:
        het = analysis.heterogeneity(per_site_frame)
        het = het.set_index("arm").reindex([a for a in order if a in set(het["arm"])]).reset_index()
        values["het_table"] = Table(
            (w["arm"], w["q"], w["df"], w["p_value"], w["i2"]),
            tuple(
                (
                    labels[r.arm],
                    number(r.q, language, digits=2),
                    number(r.df, language, digits=0),
                    p_text(r.p_value, language),
                    number(100 * r.i2, language, digits=0) + "%" if r.i2 == r.i2 else w["na"],
                )
                for r in effect_records(het)
            ),
        )
