"""The analyses a report shows, run once on a :class:`~participatie_rct.trial.Trial`.

:func:`report_analyses` fills :class:`~participatie_rct.report.analyses.ReportAnalyses`: the
ITT at the horizon (and at twice the horizon in a final report), per site with the
heterogeneity between sites, cumulative incidence per exit, hazard ratios, the log-rank and
Gray tests, the joint balance test, the survey waves, the CONSORT flow and the interim look.
The report then only renders these results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from participatie_rct.choices import ReportKind, parse_choice
from participatie_rct.report.analyses import (
    FamilyEstimates,
    Interim,
    ReportAnalyses,
    SurveyWave,
    Unavailable,
)
from participatie_rct.report.sections.intake import sites_of
from participatie_rct.trial import estimates
from participatie_rct.trial.reference import reference_group

if TYPE_CHECKING:
    from participatie_rct.trial.core import Trial

#: Survey outcomes analysed per wave when the survey table has them.
SURVEY_OUTCOMES = ("wellbeing", "health", "self_sufficiency")
#: Exit codes of the outcome table: work, part-time work combined with benefit, other.
CAUSES = (1, 2, 3)


def report_analyses(
    trial: Trial,
    kind: ReportKind | str,
    *,
    looks_done: int | None = None,
    previous_information: Sequence[float] = (),
) -> ReportAnalyses:
    """Run every analysis of an interim or final report on ``trial``."""
    from participatie_rct.trial.consort import missing_from_participants
    from participatie_rct.trial.monitoring import final_boundary

    kind = parse_choice(ReportKind, kind, parameter="kind")
    protocol, plan, control = trial.protocol, trial.plan, trial.control
    arms = list(protocol.arm_keys)
    outcomes = trial.outcomes()
    stratum = trial.stratum_column()
    covariates = trial.covariates(outcomes)
    fit: dict[str, Any] = {"arms": arms, "control": control, "se_type": plan.se_type}
    final = kind is ReportKind.FINAL
    families = _families(trial, stratum, covariates, final=final)
    return ReportAnalyses(
        protocol=protocol,
        kind=kind,
        as_of=trial.as_of,
        end=trial.end,
        people=trial.people,
        outcomes=outcomes,
        benefit_months=trial.inputs.benefit_months,
        consort=trial.consort(),
        **_effects(trial, outcomes, fit, stratum, covariates, final=final, families=families),
        **_survival(outcomes, arms, control),
        baseline=estimates.baseline_table(outcomes, arms, control),
        joint_balance=estimates.joint_balance(outcomes, control),
        survey=_survey(trial, stratum, covariates),
        interim=None if final else _interim(trial, looks_done, previous_information),
        strata=trial.strata(),
        covariates=covariates,
        missing_baseline=missing_from_participants(trial.people, trial.inputs.participants),
        characteristic_labels=estimates.characteristic_labels(outcomes),
        final_boundary=final_boundary(plan, len(arms) - 1, trial.looks_held(through=True))
        if final
        else None,
        looks=trial.looks_held(through=True) if final else (),
        mde=estimates.detectable_effects(outcomes, arms, control, alpha=plan.alpha),
        unsealed=bool(trial.inputs.register.get("unsealed")),
        unsealed_secret=trial.inputs.unsealed_secret,
        reference=reference_group(
            trial.inputs.seen,
            trial.inputs.benefit_months,
            horizon=int(plan.horizon_months),
            as_of=trial.as_of,
            end=trial.end,
        ),
        families=families,
    )


def _families(
    trial: Trial, stratum: str | None, covariates: tuple[str, ...], *, final: bool
) -> tuple[FamilyEstimates, ...]:
    """The protocol's outcome families (none unless it declares them); a final report adds
    Westfall-Young and Romano-Wolf to each secondary family."""
    if not trial.plan.families:
        return ()
    from participatie_rct.trial.families import estimate_family

    return tuple(
        estimate_family(
            trial,
            family,
            stratum=stratum,
            covariates=covariates,
            resample=final and family.role == "secondary",
        )
        for family in trial.plan.outcome_families()
    )


def _effects(
    trial: Trial,
    outcomes: pd.DataFrame,
    fit: dict[str, Any],
    stratum: str | None,
    covariates: tuple[str, ...],
    *,
    final: bool,
    families: tuple[FamilyEstimates, ...] = (),
) -> dict[str, Any]:
    """The ITT on outflow to work at the horizon (and at twice it in a final report), per site
    with the heterogeneity between sites. When the primary family holds more outcomes, the
    headline's Holm p-values are the family's."""
    from participatie_rct.estimate.heterogeneity import cochran_q

    adjust = {"strata": stratum, "covariates": covariates, **fit}
    itt = estimates.itt_frame(outcomes, outcome="outflow_work", **adjust)
    if families and len(families[0].family.outcomes) > 1:
        itt = families[0].effects["outflow_work"]
    itt_long: pd.DataFrame | Unavailable | None = None
    longer: pd.DataFrame | None = None
    if final:
        longer = trial.outcomes(2 * int(trial.plan.horizon_months))
        itt_long = estimates.itt_frame(longer, outcome="outflow_work", **adjust)
    per_site = _per_site(outcomes, fit)
    fitted = [f.assign(site=s) for s, f in per_site.items() if isinstance(f, pd.DataFrame)]
    heterogeneity = (
        cochran_q(pd.concat(fitted, ignore_index=True)) if len(per_site) > 1 and fitted else None
    )
    return {
        "itt": itt,
        "itt_long": itt_long,
        "n_long": 0 if longer is None else int(longer["outflow_work"].notna().sum()),
        "outcomes_long": longer,
        "per_site": per_site,
        "heterogeneity": heterogeneity,
    }


def _survival(outcomes: pd.DataFrame, arms: list[str], control: str) -> dict[str, Any]:
    """Cumulative incidence per exit, hazard ratios, and the log-rank and Gray tests."""
    max_month = int(min(max(1, outcomes["time"].max() if len(outcomes) else 1), 24))
    return {
        "curves": {
            c: estimates.incidence_curves(outcomes, arms, control, cause=c, months=max_month)
            for c in CAUSES
        },
        "max_month": max_month,
        "cox": estimates.cox_frame(outcomes, control),
        "logrank": estimates.logrank_test(outcomes, control),
        "gray": estimates.gray(outcomes, control),
    }


def _per_site(outcomes: pd.DataFrame, fit: dict[str, Any]) -> dict[str, pd.DataFrame | Unavailable]:
    site = sites_of(outcomes)
    sites = sorted(site.unique())
    return {
        s: estimates.itt_frame(
            outcomes.loc[site == s] if len(sites) > 1 else outcomes, outcome="outflow_work", **fit
        )
        for s in sites
    }


def _survey(trial: Trial, stratum: str | None, covariates: Sequence[str]) -> tuple[SurveyWave, ...]:
    """Per follow-up wave ``k`` (due 12k months after intake): who was due, who answered, effects.

    Effects are estimated among respondents with the primary analysis's model (strata and
    covariates), so a wave's effects are the ones the analysis plan's survey family shows;
    they hold under missingness at random given the arm, stratum and covariates. The
    response per arm shows whether response differs by arm.
    """
    survey = trial.inputs.survey
    if survey is None or survey.empty or "wave" not in survey.columns:
        return ()
    outcomes = [c for c in SURVEY_OUTCOMES if c in survey.columns]
    if not outcomes:
        return ()
    wave = pd.to_numeric(survey["wave"], errors="coerce")
    people = trial.people
    adjusters = trial.outcomes()[["participant", *covariates]]
    enrolled = pd.to_datetime(people["enrolled_on"])
    waves = []
    for k in sorted({int(v) for v in wave.dropna() if v > 0}):
        due_by = enrolled + pd.DateOffset(months=12 * k)
        due = people.loc[(due_by.dt.date <= trial.as_of).to_numpy()]
        if due.empty:
            continue
        answers = survey[wave == k].drop_duplicates("participant")[["participant", *outcomes]]
        data = (
            due.drop(columns=[c for c in (*outcomes, *covariates) if c in due.columns])
            .merge(adjusters, on="participant", how="left")
            .merge(answers, on="participant", how="left")
        )
        for c in outcomes:
            data[c] = pd.to_numeric(data[c], errors="coerce")
        data["responded"] = data[outcomes].notna().any(axis=1)
        effects = {
            c: estimates.itt_frame(
                data,
                outcome=c,
                arms=list(trial.protocol.arm_keys),
                control=trial.control,
                strata=stratum,
                covariates=covariates,
                se_type=trial.plan.se_type,
            )
            for c in outcomes
        }
        waves.append(SurveyWave(wave=k, data=data, effects=effects))
    return tuple(waves)


def _interim(
    trial: Trial, looks_done: int | None, previous_information: Sequence[float]
) -> Interim:
    """The interim look as ``monitor status`` computes it; a sentence when nothing has matured.

    The earlier looks are the register's unless ``looks_done`` or ``previous_information``
    override them (:func:`participatie_rct.trial.monitoring.earlier_looks`)."""
    from participatie_rct.trial.monitoring import earlier_looks

    previous, source = earlier_looks(
        looks_done, previous_information, int(trial.plan.interim_looks) + 1, trial.looks_held()
    )
    outcomes = trial.outcomes()
    if not (outcomes["matured"].astype(bool) & outcomes["outflow_work"].notna()).any():
        reason = "nobody has a matured outcome yet"
        return Interim(Unavailable(reason), previous, source == "assumed", source)
    status = trial.monitor(previous_information=previous)
    return Interim(status, previous, source == "assumed", source)
