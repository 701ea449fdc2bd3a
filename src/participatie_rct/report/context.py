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
from participatie_rct.errors import ReportError
from participatie_rct.estimate.outcomes import with_intake_start
from participatie_rct.report import analysis, figures
from participatie_rct.report.blinding import blind_mapping, blinding_secret
from participatie_rct.report.consort import consort_counts, consort_svg
from participatie_rct.report.disclosure import (
    HIDDEN,
    THRESHOLD,
    count_text,
    share_text,
    suppress_table,
)
from participatie_rct.report.i18n import METHODS, number, p_clause, p_text, words
from participatie_rct.report.inputs import ReportInputs

#: Baseline characteristics shown in the balance table when the participants table has them.
CATEGORICAL = ("education", "household", "migration_background")

#: Survey outcomes analysed per wave when the survey table has them.
SURVEY_OUTCOMES = ("wellbeing", "health", "self_sufficiency")


@dataclass(frozen=True)
class Table:
    """A printed table: header cells and rows of cells (all text, already disclosure-checked)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric_from: int = 1


@dataclass(frozen=True)
class ReportContext:
    """What the templates render (``values``), the figures (name -> SVG bytes) and the headline."""

    values: Mapping[str, Any]
    figures: Mapping[str, bytes]
    headline: tuple[dict[str, Any], ...]
    settings: Mapping[str, Any] = field(default_factory=dict)


def last_ended_month(as_of: dt.date) -> pd.Period:
    """The last calendar month that had ended by ``as_of`` (the data's end for the report)."""
    month = pd.Period(as_of, freq="M")
    return month if (as_of + dt.timedelta(days=1)).month != as_of.month else month - 1


def _label_maps(
    inputs: ReportInputs, language: str, blinded: bool, key: bytes | None
) -> tuple[list[str], dict[str, str]]:
    protocol = inputs.protocol
    if blinded:
        secret = blinding_secret(key=key, protocol_sha256=protocol.sha256, seed=protocol.seed)
        letters = blind_mapping(protocol.arm_keys, secret=secret)
        order = sorted(protocol.arm_keys, key=lambda a: letters[a])
        return order, letters
    return list(protocol.arm_keys), {a.key: a.label(language) for a in protocol.arms}


def _prepare(inputs: ReportInputs, as_of: dt.date) -> pd.DataFrame:
    """Assignments with intake on or before ``as_of``, with the baseline columns of participants.

    Follow-up is counted from the date of intake, as ``monitor status`` counts it
    (:func:`~participatie_rct.estimate.outcomes.with_intake_start`).
    """
    assigned = with_intake_start(inputs.assignments)
    start = assigned["enrolled_on"]
    assigned = assigned[(start.dt.date <= as_of).to_numpy()].reset_index(drop=True)
    if assigned.empty:
        raise ReportError(
            f"the register has nobody assigned on or before the as-of date {as_of.isoformat()}; "
            "choose a later --as-of."
        )
    people = inputs.participants.drop_duplicates("participant")
    extra = [c for c in people.columns if c not in assigned.columns or c == "participant"]
    return assigned.merge(people[extra], on="participant", how="left")


def build_context(
    inputs: ReportInputs,
    *,
    kind: ReportKind,
    as_of: dt.date,
    language: str,
    blinded: bool,
    key: bytes | None,
    package_version: str,
) -> ReportContext:
    """Run the analyses and render every number a report prints, in ``language``."""
    from participatie_rct.estimate.outcomes import build_outcomes

    w = words(language)
    protocol = inputs.protocol
    plan = protocol.analysis
    horizon = int(plan.horizon_months)
    control = protocol.control
    order, labels = _label_maps(inputs, language, blinded, key)
    control_label = labels[control]
    end = last_ended_month(as_of)

    people = _prepare(inputs, as_of)
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
    consent = None
    invited = inputs.participants
    if "enrolled_on" in invited.columns:  # people invited after the as-of date do not count yet
        on = pd.to_datetime(invited["enrolled_on"], errors="coerce")
        invited = invited.loc[(on.isna() | (on.dt.date <= as_of)).to_numpy()]
    if "consent" in invited.columns:
        consent = invited["consent"].fillna(False).astype(bool).tolist()
    withdrawn = (
        people["withdrawn"].astype(bool)
        if "withdrawn" in people.columns
        else pd.Series(False, index=people.index)
    )
    counts = consort_counts(
        arms=order,
        assigned_arms=people["arm"].tolist(),
        withdrawn=withdrawn.tolist(),
        analysed=analysed.tolist(),
        consent=consent,
    )
    consort_words = {
        k: w[k]
        for k in (
            "invited",
            "declined",
            "consented",
            "randomised",
            "assigned",
            "withdrawn",
            "not_analysed",
            "analysed",
            "unknown",
        )
    }
    consort_words["title"] = w["consort"]
    figs["consort"] = consort_svg(counts, order, labels, consort_words).encode("utf-8")
    stage_rows = [(w[name], *cells, total) for name, cells, total in counts.table(order)]
    values["consort_table"] = Table(
        (w["stage"], *[labels[a] for a in order], w["total"]), tuple(stage_rows)
    )

    # --- intake -------------------------------------------------------------------------
    site = (
        people["site"].astype(str)
        if "site" in people.columns
        else pd.Series("-", index=people.index)
    )
    sites = sorted(site.unique())
    # cumulative intake by week (weeks starting on Monday), from the first to the last week
    week = enrolled.dt.to_period("W-SUN")
    weekly = pd.crosstab(week, site).reindex(columns=sites, fill_value=0).sort_index()
    full = pd.period_range(weekly.index.min(), weekly.index.max(), freq="W-SUN")
    weekly = weekly.reindex(full, fill_value=0).cumsum()
    intake = weekly.stack().reset_index()
    intake.columns = pd.Index(["month", "site", "cumulative"])
    intake["month"] = intake["month"].dt.start_time
    figs["intake"] = figures.intake_figure(
        intake, x_label=w["date"], y_label=w["cumulative_assigned"]
    )
    site_arm = [[int(((site == s) & (people["arm"] == a)).sum()) for a in order] for s in sites]
    values["intake_table"] = _counts_table(
        w["site"], sites, [labels[a] for a in order], site_arm, w["total"]
    )

    # --- balance -------------------------------------------------------------------------
    values["balance_table"] = _balance(outcomes, order, labels, control, language)
    values["joint_table"] = _joint_balance(outcomes, order, labels, control, language, w)

    # --- outflow -------------------------------------------------------------------------
    rows = []
    for a in order:
        shares = outcomes.loc[(outcomes["arm"] == a) & analysed, "outflow_work"]
        n, k = len(shares), int(shares.sum())
        rows.append((labels[a], count_text(n), count_text(k), share_text(k, n, language=language)))
    values["outflow_table"] = Table((w["arm"], w["n"], w["n_out"], w["share"]), tuple(rows))
    values["analysed_n"] = int(analysed.sum())

    max_month = int(min(max(1, outcomes["time"].max() if len(outcomes) else 1), 24))
    work_curves = analysis.incidence_curves(outcomes, order, control, cause=1, months=max_month)
    if not work_curves.empty:
        figs["outflow"] = figures.outflow_figure(
            work_curves,
            {a: labels[a] for a in order},
            x_label=w["months_since"],
            y_label=w["cumulative_outflow"],
        )

    itt_rows = _itt_rows(itt, labels, order, language)
    values["itt_table"] = Table(
        (w["arm"], w["n"], w["estimate"], w["std_error"], w["ci"], w["p_value"], w["p_holm"]),
        tuple(itt_rows),
    )
    values["itt_available"] = bool(len(itt))
    values["itt_long"] = None
    if kind is ReportKind.FINAL:
        values["itt_long"] = _longer_horizon(
            people,
            inputs,
            2 * horizon,
            end,
            order,
            labels,
            control,
            stratum,
            covariates,
            plan,
            language,
            w,
        )

    # --- hazard ratios ---------------------------------------------------------------------
    cox = analysis.cox_frame(outcomes, control)
    cox = cox.set_index("arm").reindex([a for a in order if a in set(cox["arm"])]).reset_index()
    values["cox_table"] = Table(
        (w["arm"], w["hr"], w["ci"], w["p_value"]),
        tuple(
            (
                labels[r.arm],
                number(r.hazard_ratio, language, digits=2),
                f"{number(r.ci_low, language, digits=2)} – {number(r.ci_high, language, digits=2)}",
                p_text(r.p_value, language),
            )
            for r in _records(cox)
        ),
    )
    lr = analysis.logrank_test(outcomes, control)
    gt = analysis.gray(outcomes, control)
    values["gray"] = w["gray"].format(
        stat=number(gt["statistic"], language, digits=2),
        df=number(gt["df"], language, digits=0),
        p=p_clause(gt["p_value"], language),
    )
    values["logrank"] = w["logrank"].format(
        stat=number(lr["statistic"], language, digits=2),
        df=number(lr["df"], language, digits=0),
        p=p_clause(lr["p_value"], language),
    )

    # --- competing exits ---------------------------------------------------------------------
    reasons = [
        (1, w["reason_work"]),
        (2, w["reason_part_time_work"]),
        (3, w["reason_other"]),
        (0, w["reason_none"]),
    ]
    followed = outcomes[outcomes["time"] > 0]
    exit_counts = [
        [int(((followed["arm"] == a) & (followed["event_code"] == code)).sum()) for a in order]
        for code, _ in reasons
    ]
    values["competing_table"] = _counts_table(
        w["reason"],
        [name for _, name in reasons],
        [labels[a] for a in order],
        exit_counts,
        w["total"],
    )
    cause_frames = []
    for code, name in reasons[:3]:
        part = analysis.incidence_curves(outcomes, order, control, cause=code, months=max_month)
        if not part.empty:
            cause_frames.append(part.assign(cause=name))
    if cause_frames:
        figs["competing"] = figures.outflow_figure(
            pd.concat(cause_frames, ignore_index=True),
            {a: labels[a] for a in order},
            x_label=w["months_since"],
            y_label=w["cumulative_incidence"],
            facet="cause",
            facet_order=[name for _, name in reasons[:3]],
        )

    # --- per site and pooled ---------------------------------------------------------------------
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
        for r in _records(per_site_frame[per_site_frame["arm"] == a]):
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
        for r in _records(pooled):
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
        for r in _records(per_site_frame[per_site_frame["arm"] == a]):
            site_rows.append(
                (
                    labels[a],
                    r.site,
                    count_text(r.n),
                    number(100 * r.estimate, language, sign=True),
                    _interval(r.ci_low, r.ci_high, language),
                )
            )
        for r in _records(itt[itt["arm"] == a]):
            site_rows.append(
                (
                    labels[a],
                    w["pooled"],
                    count_text(r.n),
                    number(100 * r.estimate, language, sign=True),
                    _interval(r.ci_low, r.ci_high, language),
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
                for r in _records(het)
            ),
        )

    # --- survey outcomes -----------------------------------------------------------------------
    values["survey"] = _survey(
        people, inputs.survey, order, labels, control, as_of, stratum, plan.se_type, language, w
    )

    # --- interim ---------------------------------------------------------------------------
    settings: dict[str, Any] = {}
    if kind is ReportKind.INTERIM:
        values["interim"] = _interim(
            itt, int(analysed.sum()), len(outcomes), plan, labels, order, language, w
        )
        settings["information_fraction"] = values["interim"]["information"]
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
    values["methods"] = _methods(
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
    )
    values["dq_table"], values["dq_notes"] = _data_quality(
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
        for r in _records(
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


def _counts_table(
    first: str, names: Sequence[str], columns: Sequence[str], body: list[list[int]], total: str
) -> Table:
    """A two-way count table with margins, after primary and secondary suppression."""
    table = suppress_table(body)
    rows = [
        (names[i], *[table.cell(i, j) for j in range(len(columns))], table.row_total(i))
        for i in range(len(names))
    ]
    rows.append((total, *[table.column_total(j) for j in range(len(columns))], table.total_text()))
    return Table((first, *columns, total), tuple(rows))


def _smd(x: pd.Series, y: pd.Series) -> float:
    """Standardised mean difference with the pooled standard deviation (Austin 2009, eq. 1)."""
    sd = np.sqrt((x.var(ddof=1) + y.var(ddof=1)) / 2)
    return float((x.mean() - y.mean()) / sd) if sd > 0 else float("nan")


def _balance(
    data: pd.DataFrame, order: Sequence[str], labels: Mapping[str, str], control: str, language: str
) -> Table:
    w = words(language)
    rows: list[tuple[str, ...]] = []
    by_arm = {a: data[data["arm"] == a] for a in order}
    n_row = [w["n"], *[count_text(len(by_arm[a])) for a in order], ""]
    rows.append(tuple(n_row))

    def add(name: str, column: pd.Series, *, share: bool) -> None:
        cells = []
        smds = []
        for a in order:
            values = column[data["arm"] == a].dropna()
            if share:
                cells.append(
                    share_text(int(values.sum()), len(values), digits=0, language=language)
                )
            else:
                cells.append(
                    number(values.mean(), language) if len(values) >= THRESHOLD else HIDDEN
                )
            if a != control:
                smds.append(
                    abs(
                        _smd(
                            values.astype(float),
                            column[data["arm"] == control].dropna().astype(float),
                        )
                    )
                )
        finite = [s for s in smds if s == s]
        if HIDDEN in cells:
            largest = HIDDEN  # the SMD could give a hidden share away
        else:
            largest = number(max(finite), language, digits=2) if finite else w["na"]
        rows.append((name, *cells, largest))

    if "age" in data.columns:
        add(w["age"], data["age"].astype(float), share=False)
    if "sex" in data.columns:
        sex = data["sex"].astype(str).str.lower()
        add(
            w["female"],
            sex.isin(["v", "female", "f", "vrouw"]).astype(float).where(data["sex"].notna()),
            share=True,
        )
    if "months_on_benefit" in data.columns:
        add(
            w["months_on_benefit"],
            pd.to_numeric(data["months_on_benefit"], errors="coerce"),
            share=False,
        )
    for column in CATEGORICAL:
        if column not in data.columns:
            continue
        for level in sorted(data[column].dropna().astype(str).unique()):
            indicator = (
                (data[column].astype(str) == level).astype(float).where(data[column].notna())
            )
            add(f"{column.replace('_', ' ')}: {level}", indicator, share=True)
    return Table((w["variable"], *[labels[a] for a in order], w["smd_max"]), tuple(rows))


def _longer_horizon(
    people: pd.DataFrame,
    inputs: ReportInputs,
    months: int,
    end: pd.Period,
    order: Sequence[str],
    labels: Mapping[str, str],
    control: str,
    stratum: str | None,
    covariates: Sequence[str],
    plan: Any,
    language: str,
    w: Mapping[str, str],
) -> dict[str, Any] | None:
    """Secondary outcome of a final report: outflow to work within ``months`` (twice the horizon).

    Same estimator as the primary outcome; None when nobody has that much follow-up.
    """
    from participatie_rct.estimate.outcomes import build_outcomes

    longer = build_outcomes(people, inputs.benefit_months, horizon_months=months, as_of=end)
    for c in covariates:
        longer[c] = pd.to_numeric(longer[c], errors="coerce")
    fit = analysis.itt_frame(
        longer,
        outcome="outflow_work",
        arms=order,
        control=control,
        strata=stratum,
        covariates=covariates,
        se_type=plan.se_type,
    )
    if fit.empty:
        return None
    header = (w["arm"], w["n"], w["estimate"], w["std_error"], w["ci"], w["p_value"], w["p_holm"])
    return {
        "title": w["outflow_share"].format(h=months),
        "text": w["itt_long_text"].format(
            h=months, n=count_text(int(longer["outflow_work"].notna().sum()))
        ),
        "table": Table(header, tuple(_itt_rows(fit, labels, order, language))),
    }


def _survey(
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
                for r in _records(fit[fit["arm"] == a]):
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


def _joint_balance(
    data: pd.DataFrame,
    order: Sequence[str],
    labels: Mapping[str, str],
    control: str,
    language: str,
    w: Mapping[str, str],
) -> Table | None:
    """Joint test per arm that the numeric baseline characteristics do not predict the arm.

    :func:`participatie_rct.estimate.balance.balance`: regression of the arm indicator on the
    covariates among the arm and control, HC2 Wald F test; None when it cannot be computed.
    """
    from participatie_rct.errors import EstimationError
    from participatie_rct.estimate.balance import balance

    frame = data.copy()
    covariates = []
    if "age" in frame.columns:
        covariates.append("age")
    if "sex" in frame.columns:
        sex = frame["sex"].astype(str).str.lower()
        frame["female"] = sex.isin(["v", "female", "f", "vrouw"]).astype(float)
        covariates.append("female")
    if "months_on_benefit" in frame.columns:
        frame["months_on_benefit"] = pd.to_numeric(frame["months_on_benefit"], errors="coerce")
        covariates.append("months_on_benefit")
    if not covariates:
        return None
    try:
        joint = balance(
            frame, treatment="arm", covariates=covariates, control=control
        ).joint_frame()
    except EstimationError:
        return None
    rows = []
    for a in order:
        for r in _records(joint[(joint["arm"] == a) & (joint["group"] == "all")]):
            rows.append(
                (
                    labels[a],
                    number(r.statistic, language, digits=2),
                    f"{int(r.df)}, {int(r.df_residual)}",
                    p_text(r.p_value, language),
                )
            )
    return Table((w["arm"], w["f_stat"], w["df"], w["p_value"]), tuple(rows))


def _itt_rows(
    frame: pd.DataFrame, labels: Mapping[str, str], order: Sequence[str], language: str
) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for a in order:
        match = frame[frame["arm"] == a]
        for r in _records(match):
            rows.append(
                (
                    labels[a],
                    count_text(r.n),
                    number(100 * r.estimate, language, sign=True),
                    number(100 * r.std_error, language),
                    f"{number(100 * r.ci_low, language, sign=True)} – "
                    f"{number(100 * r.ci_high, language, sign=True)}",
                    p_text(r.p_value, language),
                    p_text(r.p_holm, language),
                )
            )
    return rows


def _interim(
    frame: pd.DataFrame,
    n_info: int,
    n_total: int,
    plan: Any,
    labels: Mapping[str, str],
    order: Sequence[str],
    language: str,
    w: Mapping[str, str],
) -> dict[str, Any]:
    """Information fraction, the boundary at this look and each arm's z against it."""
    if plan.target_n:  # the planned total, as monitor status counts information
        n_total = int(plan.target_n)
    t = min(1.0, n_info / n_total) if n_total else 0.0
    look = analysis.interim_boundary(t, plan, comparisons=max(1, len(order) - 1))
    rows = []
    points = []
    for a in order:
        for r in _records(frame[frame["arm"] == a]):
            points.append({"label": labels[a], "z": float(r.statistic)})
            rows.append(
                (
                    labels[a],
                    number(r.statistic, language, digits=2),
                    number(look["z"], language, digits=2),
                    w["yes"] if abs(r.statistic) >= look["z"] else w["no"],
                )
            )
    text = w["interim_text"].format(
        t=number(t, language, digits=2),
        n=count_text(n_info),
        N=count_text(n_total),
        h=plan.horizon_months,
        spending=plan.spending,
        z=number(look["z"], language, digits=2),
        p=number(look["p_nominal"], language, digits=5),
    )
    if n_info == 0:
        text = w["interim_none"].format(h=plan.horizon_months)
    return {
        "information": round(t, 6),
        "boundary": float(look["z"]),
        "points": points,
        "text": text,
        "table": Table((w["arm"], w["z"], w["boundary"], w["crossed"]), tuple(rows)),
    }


def _methods(
    inputs: ReportInputs,
    language: str,
    kind: ReportKind,
    n: int,
    withdrawn: int,
    strata: Sequence[str],
    covariates: Sequence[str],
    end: pd.Period,
    k: int,
    control_label: str,
    version: str,
) -> list[str]:
    import plotnine
    import scipy
    import statsmodels

    m = METHODS[language]
    protocol = inputs.protocol
    spec = protocol.assignment
    detail = m["strata"].format(strata=", ".join(spec.strata)) if spec.strata else ""
    if spec.block_sizes:
        detail += m["blocks"].format(blocks=", ".join(str(b) for b in spec.block_sizes))
    paras = [
        m["design"].format(
            method=spec.method.value,
            strata=detail,
            trial=protocol.name,
            seed=protocol.seed,
            sha=protocol.sha256[:16],
            n=count_text(n),
            withdrawn=count_text(withdrawn),
        ),
        m["outcome"].format(h=protocol.analysis.horizon_months, end=str(end)),
        m["estimator"].format(
            fe=m["fe"].format(strata=" × ".join(strata)) if strata else "",
            cov=m["cov"].format(covariates=", ".join(covariates)) if covariates else "",
            k=k,
            control=control_label,
        ),
        m["survival"],
        m["sites"],
        m["survey"],
    ]
    if kind is ReportKind.INTERIM:
        plan = protocol.analysis
        paras.append(
            m["interim"].format(
                spending=plan.spending,
                alpha=number(plan.alpha, language, digits=3),
                looks=plan.interim_looks,
            )
        )
    paras.append(
        m["software"].format(
            version=version,
            numpy=np.__version__,
            pandas=pd.__version__,
            scipy=scipy.__version__,
            statsmodels=statsmodels.__version__,
            plotnine=plotnine.__version__,
        )
    )
    return paras


def _data_quality(
    inputs: ReportInputs,
    outcomes: pd.DataFrame,
    people: pd.DataFrame,
    order: Sequence[str],
    labels: Mapping[str, str],
    horizon: int,
    end: pd.Period,
    w: Mapping[str, str],
) -> tuple[Table, list[str]]:
    matured = outcomes["matured"].astype(bool)
    unknown = matured & outcomes["outflow_work"].isna()
    lines = [
        (
            w["months_missing"].format(h=horizon),
            [int(outcomes.loc[outcomes["arm"] == a, "months_missing"].sum()) for a in order],
        ),
        (
            w["people_missing"],
            [int(((outcomes["arm"] == a) & (outcomes["months_missing"] > 0)).sum()) for a in order],
        ),
        (
            w["not_matured"].format(h=horizon),
            [int(((outcomes["arm"] == a) & ~matured).sum()) for a in order],
        ),
        (w["unknown_outcome"], [int(((outcomes["arm"] == a) & unknown).sum()) for a in order]),
    ]
    months = inputs.benefit_months
    arm_of = people.set_index("participant")["arm"]
    row_arm = months["participant"].map(arm_of)
    stamp = pd.PeriodIndex(
        pd.to_datetime(months["month"].astype(str).str.slice(0, 7) + "-01"), freq="M"
    )
    after = pd.Series(np.asarray(stamp > end), index=months.index)
    lines.append(
        (w["rows_after"], [int(((row_arm == a) & after).sum()) for a in order]),
    )
    rows = []
    for name, body in lines:
        line = suppress_table([body])
        rows.append((name, *[line.cell(0, j) for j in range(len(order))], line.row_total(0)))
    linked = row_arm.notna()
    notes = [f"{w['rows_unlinked']}: {count_text(int((~linked).sum()))}"]
    return Table((w["variable"], *[labels[a] for a in order], w["total"]), tuple(rows)), notes


def _interval(low: float, high: float, language: str) -> str:
    """A 95% interval of proportions in percentage points: ``−1.8 – +11.0``."""
    return f"{number(100 * low, language, sign=True)} – {number(100 * high, language, sign=True)}"


def _records(frame: pd.DataFrame) -> list[Any]:
    """The rows of a frame as objects with one attribute per column (values typed loosely)."""
    from types import SimpleNamespace

    return [
        SimpleNamespace(**{str(k): v for k, v in row.items()}) for row in frame.to_dict("records")
    ]
