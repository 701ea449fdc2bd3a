"""``Trial``: one register and its data, walked once from records to outcomes to analyses.

A :class:`Trial` holds the register's records and the data tables as frames
(:func:`~participatie_rct.trial.inputs.load_inputs` reads them), an ``as_of`` date and the
pseudonym key. It builds the per-participant outcome table once per horizon (cached) and
offers the analyses on it: the ITT family, the survival family, balance, the CONSORT flow
(from the register), the interim look and randomization inference, and the analyses a report
renders. The command line, the report and a statistician's script all go through it::

    trial = Trial.open("sqlite:///trial.db", "data/", as_of="2019-06-30")
    trial.itt().summary()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from participatie_rct.choices import Correction
from participatie_rct.errors import ReportError
from participatie_rct.report.inputs import ReportInputs
from participatie_rct.report.sections.gather import last_ended_month

if TYPE_CHECKING:
    import numpy as np

    from participatie_rct.choices import ReportKind
    from participatie_rct.design.looks import RecordedLook
    from participatie_rct.design.monitor import MonitorStatus
    from participatie_rct.estimate import (
        BalanceResult,
        CoxResult,
        CumulativeIncidenceResult,
        ITTResult,
        KaplanMeierResult,
        RandomizationResult,
        SurvivalAnalysis,
    )
    from participatie_rct.protocol import AnalysisPlan, Protocol
    from participatie_rct.report.analyses import ReportAnalyses
    from participatie_rct.report.consort import ConsortCounts
    from participatie_rct.report.context import ReportContext
    from participatie_rct.report.writer import ReportResult


class Trial:
    """A register and its data at one ``as_of`` date: outcomes, analyses, CONSORT, monitoring."""

    def __init__(
        self,
        inputs: ReportInputs,
        *,
        as_of: dt.date | str | None = None,
        key: bytes | None = None,
    ) -> None:
        from participatie_rct.report.writer import default_as_of, parse_as_of

        self.inputs = inputs
        self.key = key
        self.as_of: dt.date = parse_as_of(as_of, default=default_as_of(inputs))
        self._outcomes: dict[int, pd.DataFrame] = {}

    @classmethod
    def open(
        cls,
        db_url: str,
        data_dir: str | Path | None = None,
        *,
        key: bytes | None = None,
        as_of: dt.date | str | None = None,
        participants: str | Path | None = None,
        benefit_months: str | Path | None = None,
        survey: str | Path | None = None,
        required: tuple[str, ...] = ("participants", "benefit_months"),
        secret: bytes | None = None,
    ) -> Trial:
        """Read the register at ``db_url`` and the data (a folder, or files named one by one).

        ``secret`` (the trial secret) orders a blinded report's letters; the register is
        opened read-only and checks it against its commitment.
        """
        from participatie_rct.trial.inputs import load_inputs

        inputs = load_inputs(
            db_url,
            data_dir,
            key=key,
            participants=participants,
            benefit_months=benefit_months,
            survey=survey,
            required=required,
            secret=secret,
        )
        return cls(inputs, as_of=as_of, key=key)

    def __repr__(self) -> str:
        return (
            f"Trial({self.protocol.name!r}, as_of={self.as_of.isoformat()}, "
            f"assigned={len(self.inputs.assignments)})"
        )

    # --- the data ----------------------------------------------------------------------------

    @property
    def protocol(self) -> Protocol:
        """The protocol the register holds."""
        return self.inputs.protocol

    @property
    def plan(self) -> AnalysisPlan:
        """The protocol's ``[analysis]`` table."""
        return self.inputs.protocol.analysis

    @property
    def control(self) -> str:
        """The protocol's control arm."""
        return self.inputs.protocol.control

    @property
    def end(self) -> pd.Period:
        """The last calendar month that had ended by ``as_of``: the data's end."""
        return last_ended_month(self.as_of)

    @cached_property
    def people(self) -> pd.DataFrame:
        """The assigned with intake on or before ``as_of``, with the participants' baseline columns.

        Follow-up is counted from the date of intake
        (:func:`~participatie_rct.estimate.outcomes.with_intake_start`).
        """
        from participatie_rct.estimate.outcomes import with_intake_start

        participants = self.inputs.participants
        dates = (
            participants.drop_duplicates("participant").set_index("participant")["enrolled_on"]
            if "enrolled_on" in participants.columns and "participant" in participants.columns
            else None
        )
        assigned = with_intake_start(self.inputs.assignments, dates)
        start = assigned["enrolled_on"]
        assigned = assigned[(start.dt.date <= self.as_of).to_numpy()].reset_index(drop=True)
        if assigned.empty:
            raise ReportError(
                f"the register has nobody assigned on or before the as-of date "
                f"{self.as_of.isoformat()}; choose a later as-of date."
            )
        baseline = self.inputs.participants.drop_duplicates("participant")
        extra = [c for c in baseline.columns if c not in assigned.columns or c == "participant"]
        joined: pd.DataFrame = assigned.merge(baseline[extra], on="participant", how="left")
        return joined

    def outcomes(self, horizon: int | None = None) -> pd.DataFrame:
        """One row per assigned participant: outcomes at ``horizon`` months (the plan's by default).

        :func:`~participatie_rct.estimate.outcomes.build_outcomes` on :attr:`people` up to
        :attr:`end`, with ``age`` at intake and the plan's covariates as numbers. Built once
        per horizon; a copy is returned so callers cannot change the cache.
        """
        return self._table(horizon).copy()

    def _table(self, horizon: int | None = None) -> pd.DataFrame:
        """The cached outcome table itself: for reading only (:meth:`outcomes` hands out copies)."""
        from participatie_rct.estimate.outcomes import build_outcomes

        months = int(horizon if horizon is not None else self.plan.horizon_months)
        if months not in self._outcomes:
            people = self.people
            table = build_outcomes(
                people, self.inputs.benefit_months, horizon_months=months, as_of=self.end
            )
            if "birth_year" in table.columns:
                enrolled = pd.to_datetime(people["enrolled_on"])
                table["age"] = enrolled.dt.year.to_numpy() - pd.to_numeric(
                    table["birth_year"], errors="coerce"
                )
            for c in self.covariates(table):
                table[c] = pd.to_numeric(table[c], errors="coerce")
            self._outcomes[months] = table
        return self._outcomes[months]

    def _followed(self) -> pd.DataFrame:
        """The outcome table's people with follow-up (``time`` > 0): the survival analyses' data."""
        table = self._table()
        return table[table["time"] > 0]

    def covariates(self, table: pd.DataFrame | None = None) -> tuple[str, ...]:
        """The plan's covariates that the outcome table has."""
        columns = (table if table is not None else self._table()).columns
        return tuple(c for c in self.plan.covariates if c in columns)

    def strata(self) -> tuple[str, ...]:
        """The protocol's strata that the outcome table has."""
        columns = self._table().columns
        return tuple(s for s in self.protocol.assignment.strata if s in columns)

    def stratum_column(self) -> str | None:
        """``stratum`` (the register's stratum per person) if assignment was stratified."""
        return "stratum" if self.strata() and "stratum" in self._table().columns else None

    # --- the analyses ------------------------------------------------------------------------

    def itt(
        self,
        outcome: str = "outflow_work",
        *,
        horizon: int | None = None,
        covariates: Sequence[str] | None = None,
    ) -> ITTResult:
        """ITT of every arm against control: the plan's estimator, strata and covariates.

        Rows with a missing outcome (not yet matured) are left out; the plan's ``se_type``
        is used and, when assignment was stratified, stratum fixed effects.
        """
        from participatie_rct.estimate.itt import itt
        from participatie_rct.trial.estimates import usable_strata

        table = self._table(horizon)
        chosen = tuple(covariates) if covariates is not None else self.covariates(table)
        use = table.dropna(subset=[outcome, *chosen])
        return itt(
            use,
            outcome=outcome,
            treatment="arm",
            control=self.control,
            strata=usable_strata(use, self.stratum_column()),
            covariates=list(chosen),
            se_type=self.plan.se_type,
        )

    def cox(self, *, cause: int = 1) -> CoxResult:
        """Cause-specific Cox hazard ratios of each arm against control (other exits censored)."""
        from participatie_rct.estimate.cox import cause_specific_cox

        return cause_specific_cox(
            self._followed(),
            time="time",
            event="event_code",
            treatment="arm",
            event_of_interest=cause,
            control=self.control,
        )

    def cumulative_incidence(
        self, *, cause: int = 1, times: Sequence[float] | None = None
    ) -> CumulativeIncidenceResult:
        """Cumulative incidence of exit ``cause`` per arm, with the other exits competing."""
        from participatie_rct.estimate.competing import cumulative_incidence

        return cumulative_incidence(
            self._followed(),
            time="time",
            event="event_code",
            treatment="arm",
            event_of_interest=cause,
            times=list(times) if times is not None else None,
            control=self.control,
        )

    def survival(self, *, cause: int = 1, times: Sequence[float] | None = None) -> SurvivalAnalysis:
        """The survival family in one call: Kaplan-Meier, log-rank and Cox on every exit, and
        for exit ``cause`` (1 work) cumulative incidence, Gray's test and Fine-Gray."""
        from participatie_rct.estimate.survival_analysis import survival_analysis

        return survival_analysis(
            self._followed(),
            time="time",
            event="event_code",
            treatment="arm",
            control=self.control,
            event_of_interest=cause,
            times=list(times) if times is not None else None,
        )

    def kaplan_meier(self, *, cause: int = 1) -> KaplanMeierResult:
        """Kaplan-Meier curves per arm: time on benefit until exit ``cause`` (others censored)."""
        from participatie_rct.estimate.km import kaplan_meier

        table = self._followed()
        return kaplan_meier(
            table.assign(_event=(table["event_code"] == cause).astype(int)),
            time="time",
            event="_event",
            treatment="arm",
            control=self.control,
        )

    def balance(self, covariates: Sequence[str] | None = None) -> BalanceResult:
        """Baseline balance by arm (age, female, months on benefit unless named)."""
        from participatie_rct.estimate.balance import balance
        from participatie_rct.trial.estimates import BALANCE_COVARIATES, baseline_numeric

        frame = baseline_numeric(self.outcomes())
        default = [c for c in BALANCE_COVARIATES if c in frame.columns]
        chosen = list(covariates) if covariates is not None else default
        return balance(frame, treatment="arm", covariates=chosen, control=self.control)

    def consort(self) -> ConsortCounts:
        """The CONSORT flow counted from the register's records up to ``as_of``."""
        from participatie_rct.trial.consort import consort_from_register

        return consort_from_register(
            arms=self.protocol.arm_keys,
            people=self.people,
            analysed=self._table()["outflow_work"].notna(),
            seen=self.inputs.seen,
            events=self.inputs.events,
            as_of=self.as_of,
        )

    def looks_held(self, *, through: bool = False) -> tuple[RecordedLook, ...]:
        """The interim looks the register records before ``as_of`` (on or before it with
        ``through``), in order."""
        from participatie_rct.trial.monitoring import recorded_looks

        before = self.as_of + dt.timedelta(days=1) if through else self.as_of
        return recorded_looks(self.inputs.events, before=before)

    def monitor(
        self,
        *,
        looks_done: int | None = None,
        previous_information: Sequence[float] = (),
        target_n: int | None = None,
        planned_effect: float | None = None,
        gamma: float | None = None,
        correction: Correction | str = Correction.HOLM,
    ) -> MonitorStatus:
        """The interim look now: what ``monitor status`` prints and the interim report shows.

        The earlier looks are the register's (those recorded before ``as_of``) unless
        ``looks_done`` or ``previous_information`` say otherwise
        (:func:`~participatie_rct.trial.monitoring.earlier_looks`).
        """
        from participatie_rct.trial.monitoring import earlier_looks, interim_look

        previous, _ = earlier_looks(
            looks_done,
            previous_information,
            int(self.plan.interim_looks) + 1,
            self.looks_held(),
        )
        return interim_look(
            self.outcomes(),
            self.protocol,
            n_assigned=len(self.inputs.assignments),
            previous_information=previous,
            target_n=target_n,
            planned_effect=planned_effect,
            gamma=gamma,
            correction=correction,
        )

    def randomization_inference(
        self,
        outcome: str | None = "outflow_work",
        *,
        n_draws: int,
        rng: np.random.Generator,
        **options: Any,
    ) -> RandomizationResult:
        """Randomization p-values, re-drawing the protocol's own procedure in arrival order,
        batch by batch; ``options`` (statistic, covariates, time, event, batch, conf_level)
        as :func:`~participatie_rct.estimate.inference.randomization_inference`."""
        from participatie_rct.trial.ri import registered_inference

        return registered_inference(
            self.outcomes(), self.protocol, outcome=outcome, n_draws=n_draws, rng=rng, **options
        )

    # --- the report --------------------------------------------------------------------------

    def report_analyses(
        self,
        kind: ReportKind | str,
        *,
        looks_done: int | None = None,
        previous_information: Sequence[float] = (),
    ) -> ReportAnalyses:
        """Every analysis an interim or final report shows
        (:class:`~participatie_rct.report.analyses.ReportAnalyses`)."""
        from participatie_rct.trial.analyses import report_analyses

        return report_analyses(
            self, kind, looks_done=looks_done, previous_information=previous_information
        )

    def report_context(
        self,
        kind: ReportKind | str,
        *,
        language: str = "nl",
        blinded: bool = False,
        looks_done: int | None = None,
        previous_information: Sequence[float] = (),
        package_version: str | None = None,
    ) -> ReportContext:
        """What a report shows, rendered for the templates (values, figures, headline)."""
        from participatie_rct import __version__
        from participatie_rct.report.context import build_context

        analyses = self.report_analyses(
            kind, looks_done=looks_done, previous_information=previous_information
        )
        return build_context(
            analyses,
            language=language,
            blinded=blinded,
            key=self.inputs.blinding_key,  # blinded letters come from the trial secret
            package_version=package_version if package_version is not None else __version__,
        )

    def write_report(self, out_dir: str | Path, **options: Any) -> ReportResult:
        """Analyse and write the report folder ``out_dir``
        (see :func:`participatie_rct.trial.report.write_trial_report` for the options)."""
        from participatie_rct.trial.report import write_trial_report

        return write_trial_report(self, out_dir, **options)
