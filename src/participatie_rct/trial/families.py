"""The protocol's outcome families, estimated on a trial: ITT per outcome, Holm within a family,
and in a final report Westfall-Young and Romano-Wolf over each secondary family.

A family (``[[analysis.families]]``, :mod:`participatie_rct.outcome_families`) is fixed before
the data. Each of its outcomes is estimated with the report's ITT model (the plan's strata,
covariates and standard errors); the p-values are adjusted with Holm's procedure over the
family's arms x outcomes, every declared outcome counted even when the data cannot give it
(``docs/inference.md``). A secondary family of a final report also gets the resampling
adjustments of :func:`~participatie_rct.estimate.family.family_p_values`, from re-draws of the
registered design (the protocol's procedure over the intake batches, in arrival order), or
from a stratified bootstrap when the table cannot replay the design.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from participatie_rct.errors import EstimationError
from participatie_rct.report.analyses import FamilyEstimates, Unavailable
from participatie_rct.trial import estimates
from participatie_rct.trial.family_outcomes import (
    SUSTAINED_MONTHS,
    month_grid,
    months_receiving_benefit,
    part_time_share,
    sustained_outflow,
)

if TYPE_CHECKING:
    from participatie_rct.protocol import OutcomeFamily
    from participatie_rct.trial.core import Trial

#: Per outcome of ``protocol.ANALYSIS_OUTCOMES``: a ``share`` (0/1), a ``fraction`` (a mean
#: of shares, printed in percentage points), a ``mean`` or an ``amount`` (euros); the report
#: applies the disclosure rule of each kind.
KINDS: dict[str, str] = {
    "outflow_work": "share",
    "outflow_work_long": "share",
    "outflow_any": "share",
    "part_time_share": "fraction",
    "working_12h": "share",
    "working_27h": "share",
    "ever_working_12h": "share",
    "months_working_12h": "mean",
    "earnings": "amount",
    "benefit_followup": "amount",
    "months_receiving_benefit": "mean",
    "months_off_benefit": "mean",
    "sustained_outflow": "share",
    "reentry": "share",
    "wellbeing": "mean",
    "health": "mean",
    "self_sufficiency": "mean",
}
#: Outcomes read from the outcome table under another column name.
COLUMNS = {"earnings": "earnings_followup"}
#: Outcomes from the survey (its latest wave with answers).
SURVEY = ("wellbeing", "health", "self_sufficiency")
#: Outcomes built here from the benefit months (:mod:`.family_outcomes`).
FROM_MONTHS = ("part_time_share", "months_receiving_benefit", "sustained_outflow")
#: Why an outcome cannot be given, by the data column it needs (i18n keys of the report).
NEEDS = {
    "working_12h": "family_no_hours",
    "working_27h": "family_no_hours",
    "ever_working_12h": "family_no_hours",
    "months_working_12h": "family_no_hours",
    "benefit_followup": "family_no_amount",
    "part_time_share": "family_no_earnings",
    "earnings": "family_no_earnings",
}
#: Re-draws of the design for Westfall-Young and Romano-Wolf (p-values to 1 / 1001).
FAMILY_DRAWS = 1000


def family_data(
    trial: Trial, outcomes: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, str], dict[str, int]]:
    """The outcome table with one column per outcome of ``outcomes`` (named as the outcome),
    the i18n key of the reason for each outcome the data cannot give, and the survey wave
    used per survey outcome."""
    data = trial.outcomes()
    missing: dict[str, str] = {}
    waves: dict[str, int] = {}
    horizon = int(trial.plan.horizon_months)
    wanted = set(outcomes)
    if wanted & set(FROM_MONTHS):
        data = data.assign(**_from_months(trial, data, horizon))
    if "outflow_work_long" in wanted:
        longer = trial.outcomes(2 * horizon).set_index("participant")["outflow_work"]
        data["outflow_work_long"] = data["participant"].map(longer).astype(float)
    if wanted & set(SURVEY):
        data, waves = _survey(trial, data, [o for o in outcomes if o in SURVEY])
    for name in outcomes:
        column = COLUMNS.get(name, name)
        if column not in data.columns:
            missing[name] = NEEDS.get(
                name, "family_no_survey" if name in SURVEY else "family_not_yet"
            )
            continue
        data[name] = pd.to_numeric(data[column], errors="coerce").astype(float)
        if not data[name].notna().any():
            needs = NEEDS.get(name)
            lacks = needs == "family_no_earnings" and not _has_earnings(trial)
            missing[name] = needs if lacks and needs else "family_not_yet"
    return data, missing, waves


def _has_earnings(trial: Trial) -> bool:
    months = trial.inputs.benefit_months
    return "earnings" in months.columns and bool(months["earnings"].notna().any())


def _from_months(trial: Trial, data: pd.DataFrame, horizon: int) -> dict[str, np.ndarray]:
    """Part-time share, months on benefit and sustained outflow from the benefit months."""
    from participatie_rct.months import month_index

    months = trial.inputs.benefit_months
    if "participant" not in months.columns and "id" in months.columns:
        months = months.rename(columns={"id": "participant"})
    month0 = month_index(data["assigned_month"], table="outcomes", column="assigned_month")
    end = int(month_index(pd.Series([trial.end]), table="as_of", column="as_of").iloc[0])
    width = horizon + SUSTAINED_MONTHS - 1
    people, m0 = data["participant"], month0.to_numpy()
    on = month_grid(people, m0, months, end=end, width=width)
    # as for outflow to work: known only once its whole window has passed, so that a run
    # seen early does not count while a broken one is still unknown (that would favour arms
    # whose exits come early)
    matured = end - m0 >= width
    out = {
        "months_receiving_benefit": months_receiving_benefit(on, horizon),
        "sustained_outflow": np.where(matured, sustained_outflow(on, horizon), np.nan),
    }
    if "earnings" in months.columns:
        earnings = month_grid(people, m0, months, end=end, width=width, column="earnings")
        out["part_time_share"] = part_time_share(on, earnings, horizon)
    return out


def _survey(
    trial: Trial, data: pd.DataFrame, outcomes: list[str]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The answers of each survey outcome's latest wave with answers, by participant."""
    survey = trial.inputs.survey
    waves: dict[str, int] = {}
    if survey is None or survey.empty or "wave" not in survey.columns:
        return data, waves
    wave = pd.to_numeric(survey["wave"], errors="coerce")
    for name in [o for o in outcomes if o in survey.columns]:
        values = pd.to_numeric(survey[name], errors="coerce")
        answered = wave[(wave > 0) & values.notna()]
        if answered.empty:
            continue
        k = int(answered.max())
        rows = survey.loc[wave == k].assign(_value=values[wave == k])
        answers = rows.drop_duplicates("participant").set_index("participant")["_value"]
        data[name] = data["participant"].map(answers).astype(float)
        waves[name] = k
    return data, waves


def estimate_family(
    trial: Trial,
    family: OutcomeFamily,
    *,
    stratum: str | None,
    covariates: Sequence[str],
    resample: bool,
) -> FamilyEstimates:
    """ITT of every arm on each outcome of ``family``, Holm over the family's arms x outcomes;
    with ``resample`` Westfall-Young and Romano-Wolf too."""
    protocol = trial.protocol
    data, missing, waves = family_data(trial, family.outcomes)
    fit: dict[str, Any] = {
        "arms": list(protocol.arm_keys),
        "control": trial.control,
        "strata": stratum,
        "covariates": covariates,
        "se_type": trial.plan.se_type,
    }
    effects = {
        o: estimates.itt_frame(data, outcome=o, **fit) for o in family.outcomes if o not in missing
    }
    effects = with_family_holm(effects, family.outcomes, protocol.arm_keys, trial.control)
    estimable = [o for o, f in effects.items() if isinstance(f, pd.DataFrame)]
    adjusted: pd.DataFrame | Unavailable | None = None
    resampling = ""
    if resample and estimable:
        adjusted, resampling = resampled(trial, data, estimable, family, covariates, stratum)
    kept = ["participant", "arm", *[o for o in family.outcomes if o in data.columns]]
    return FamilyEstimates(
        family=family,
        effects=effects,
        data=data[kept].reset_index(drop=True),
        kinds={o: KINDS[o] for o in family.outcomes},
        missing=missing,
        adjusted=adjusted,
        resampling=resampling,
        n_draws=FAMILY_DRAWS if resampling else 0,
        waves=waves,
    )


def with_family_holm(
    effects: dict[str, pd.DataFrame | Unavailable],
    outcomes: Sequence[str],
    arms: Sequence[str],
    control: str,
) -> dict[str, pd.DataFrame | Unavailable]:
    """``effects`` with ``p_holm`` recomputed over the family: every (outcome, arm) declared
    counts, those without a p-value too (``holm(p, n=outcomes x arms)``)."""
    from participatie_rct.estimate.multiplicity import holm

    compared = [a for a in arms if a != control]
    keys = [(o, a) for o in outcomes for a in compared]
    p = []
    for o, a in keys:
        frame = effects.get(o)
        row = frame[frame["arm"] == a] if isinstance(frame, pd.DataFrame) else None
        p.append(float(row["p_value"].iloc[0]) if row is not None and len(row) else np.nan)
    adjusted = dict(zip(keys, holm(p, n=len(keys)).tolist(), strict=True))
    out: dict[str, pd.DataFrame | Unavailable] = {}
    for o, frame in effects.items():
        if isinstance(frame, pd.DataFrame):
            frame = frame.assign(p_holm=[adjusted.get((o, a), np.nan) for a in frame["arm"]])
        out[o] = frame
    return out


def resampled(
    trial: Trial,
    data: pd.DataFrame,
    outcomes: Sequence[str],
    family: OutcomeFamily,
    covariates: Sequence[str],
    stratum: str | None,
) -> tuple[pd.DataFrame | Unavailable, str]:
    """Westfall-Young and Romano-Wolf p-values per (arm, outcome), and how they were drawn:
    re-draws of the registered design where the table allows it, else a stratified bootstrap.

    The generator is seeded from the protocol's SHA-256 and the family's name, so a report
    made again gives the same p-values."""
    from participatie_rct.assignment import procedure_from_protocol
    from participatie_rct.estimate.family import family_p_values
    from participatie_rct.trial.ri import DEFAULT_BATCH, arrival_order, check_units

    protocol = trial.protocol
    digest = hashlib.sha256(f"{protocol.sha256}:{family.name}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest, "big"))
    options: dict[str, Any] = {
        "outcomes": list(outcomes),
        "treatment": "arm",
        "n_draws": FAMILY_DRAWS,
        "rng": rng,
        "covariates": list(covariates),
        "arms": list(protocol.arm_keys),
        "control": trial.control,
    }
    try:
        try:
            ordered, _ = arrival_order(data, None, "outcomes")
            check_units(ordered, protocol, "outcomes")
        except EstimationError:  # the table cannot replay the design: bootstrap instead
            result = family_p_values(data, resampling="bootstrap", strata=stratum, **options)
        else:
            batch = DEFAULT_BATCH if DEFAULT_BATCH in ordered.columns else None
            procedure = procedure_from_protocol(protocol)
            result = family_p_values(
                ordered, procedure=procedure, units=ordered, batch=batch, **options
            )
    except EstimationError as exc:
        return Unavailable(str(exc)), ""
    except estimates.NUMERIC_FAILURES:
        return Unavailable(estimates.SINGULAR.format(what="resampling adjustment")), ""
    frame = result.to_frame()[["arm", "outcome", "p_westfall_young", "p_romano_wolf"]]
    return frame, str(result.settings["resampling"])
