"""The published designs of the Participatiewet experiments, one entry per scenario.

Each design lists what the evaluation reports (sites, size, arms, consent, intake, drop-out)
and, separately, what it does not report and the simulator has to assume. The sources and
the assumptions are spelled out per experiment in ``docs/simulation.md``; the figures come
from the decree (Stb. 2017, 69), the national synthesis (Sanders et al., 2020), the CPB
follow-up (Verlaat and Zulkarnain, 2022) and the municipal final reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

_FOUR = ("control", "earn_more", "intensive_support", "no_application_duty")


@dataclass(frozen=True)
class PublishedDesign:
    """One experiment's design: ``base`` holds :class:`ScenarioSpec` fields; ``published``
    the figures the scenario claims (name -> value, source), which the calibration tests and
    the table of ``docs/`` check; ``assumed`` what the simulator had to assume."""

    base: dict[str, Any]
    published: tuple[tuple[str, float, str], ...] = ()
    assumed: tuple[str, ...] = field(default_factory=tuple)


DESIGNS: dict[str, PublishedDesign] = {
    "wageningen": PublishedDesign(
        base=dict(
            trial_name="Bijstand experiment Wageningen (simulated)",
            id_prefix="WAG",
            sites=(("Wageningen", 1.0),),
            arms=_FOUR,
            n=410,
            consent_rate=0.51,
            withdrawal_rate=0.04,
            intake="rolling",
            intake_start=date(2017, 10, 1),
            intake_months=3,
            block_sizes=(4, 8),
        ),
        published=(
            (
                "n",
                410,
                "Wageningen final report 'Vertrouwen werkt'; docs/domain.md, The experiments",
            ),
            ("consent_rate", 0.51, "over half of ~800 recipients took part (Wageningen)"),
            ("withdrawal_rate", 0.04, "~4% left after assignment (Wageningen, Apeldoorn)"),
            ("control_work_12", 0.06, "a council member's interim figure, 6% (docs/domain.md)"),
            (
                "treated_work_12",
                0.115,
                "interim figure, 11.5% in two treated groups (docs/domain.md)",
            ),
        ),
        assumed=(
            "intake spread over three months from 1 October 2017",
            "consent independent of arm; nearness to work raises consent (see the model)",
        ),
    ),
    "apeldoorn": PublishedDesign(
        base=dict(
            trial_name="Participatie-experiment Apeldoorn en Epe (simulated)",
            id_prefix="APD",
            sites=(("Apeldoorn", 0.8), ("Epe", 0.2)),
            arms=("control", "intensive_support", "no_application_duty"),
            n=450,
            consent_rate=0.85,
            withdrawal_rate=0.04,
            intake="rolling",
            intake_start=date(2017, 11, 1),
            intake_months=6,
            block_sizes=(3, 6),
        ),
        published=(
            ("n", 450, "Apeldoorn interim report (docs/domain.md)"),
            ("consent_rate", 0.85, "85% of those approached agreed (docs/domain.md)"),
            ("withdrawal_rate", 0.04, "about 4% left after learning their arm (docs/domain.md)"),
        ),
        assumed=("site shares Apeldoorn 80%, Epe 20%", "start 1 November 2017"),
    ),
    "tilburg": PublishedDesign(
        base=dict(
            trial_name="Experiment Participatiewet Tilburg (simulated)",
            id_prefix="TLB",
            sites=(("Tilburg", 1.0),),
            arms=(*_FOUR, "earn_more_and_no_application_duty"),
            n=780,
            consent_rate=0.25,
            withdrawal_rate=0.04,
            intake="rolling",
            intake_start=date(2017, 9, 1),
            intake_months=6,
            block_sizes=(5, 10),
        ),
        published=(
            ("n", 780, "Tilburg final report; docs/domain.md, The experiments"),
            ("start", 2017.09, "from September 2017 (Tilburg final report)"),
        ),
        assumed=(
            "which measures the combination arm joins (earn more with exemption)",
            "consent 25%, the top of 10-25% for a whole caseload (docs/domain.md)",
            "six months of rolling intake",
        ),
    ),
    "utrecht": PublishedDesign(
        base=dict(
            trial_name="Weten wat werkt Utrecht en Zeist (simulated)",
            id_prefix="UTR",
            sites=(("Utrecht", 0.85), ("Zeist", 0.15)),
            arms=_FOUR,
            n=752,
            consent_rate=0.2,
            withdrawal_rate=0.04,
            intake="batch",
            intake_start=date(2018, 6, 1),
            intake_months=1,
            block_sizes=(4, 8),
            control_target=("working_12h", 24, 0.15),
        ),
        published=(
            ("n", 752, "Utrecht 'Weten wat werkt'; randomized in one batch, June 2018"),
            ("control_working_12h_24", 0.15, "CPB 2022: 15% of control worked > 12 h"),
            ("exemption_working_12h_24", 0.24, "CPB 2022: 24% of the exempted (late preset)"),
        ),
        assumed=(
            "site shares Utrecht 85%, Zeist 15%",
            "consent 20% (docs/domain.md: 10-25% for a whole caseload)",
            "the exemption effect starts after 12 months and is full from 18 (late preset)",
        ),
    ),
    "groningen": PublishedDesign(
        base=dict(
            trial_name="Bijstand op Maat Groningen (simulated)",
            id_prefix="GRO",
            sites=(("Groningen", 1.0),),
            arms=(*_FOUR, "free_choice"),
            n=890,
            consent_rate=0.2,
            withdrawal_rate=0.04,
            intake="rolling",
            intake_start=date(2017, 12, 1),
            intake_months=6,
            block_sizes=(5, 10),
        ),
        published=(
            ("n", 890, "Groningen 'Bijstand op Maat': 890 in five groups"),
            ("arms", 5, "five groups, one of them free choice of arm"),
        ),
        assumed=(
            "stated preferences split equally over the three measures",
            "consent 20%, start 1 December 2017, six months of rolling intake",
        ),
    ),
    "nijmegen": PublishedDesign(
        base=dict(
            trial_name="Experiment Participatiewet Nijmegen (simulated)",
            id_prefix="NIJ",
            sites=(("Nijmegen", 1.0),),
            arms=_FOUR,
            n=304,
            consent_rate=304 / 366,
            withdrawal_rate=0.04,
            intake="waves",
            intake_start=date(2017, 10, 1),
            intake_months=1,
            waves=(0, 6),
            block_sizes=(4, 8),
        ),
        published=(
            ("n", 304, "Nijmegen final report: 304 of 366 invited"),
            ("consent_rate", 304 / 366, "304 of 366 invited took part"),
            ("waves", 2, "two recruitment rounds"),
        ),
        assumed=("the rounds start in October 2017 and April 2018, half the intake each",),
    ),
    "deventer": PublishedDesign(
        base=dict(
            trial_name="Experiment Participatiewet Deventer (simulated)",
            id_prefix="DEV",
            sites=(("Deventer", 1.0),),
            arms=_FOUR,
            n=364,
            consent_rate=364 / 1584,
            withdrawal_rate=0.04,
            intake="waves",
            intake_start=date(2017, 10, 1),
            intake_months=1,
            waves=(0, 6),
            block_sizes=(4, 8),
        ),
        published=(
            ("n", 364, "Deventer final report: 364 of 1,584 invited"),
            ("consent_rate", 364 / 1584, "364 of 1,584 invited took part"),
            ("waves", 2, "two waves, fewer than 100 per group"),
        ),
        assumed=("the waves start in October 2017 and April 2018, half the intake each",),
    ),
    "generic": PublishedDesign(
        base=dict(
            trial_name="Bijstand experiment (simulated)",
            id_prefix="GEN",
            sites=(("Gemeente", 1.0),),
            arms=_FOUR,
            n=600,
            consent_rate=1.0,
            withdrawal_rate=0.04,
            intake="batch",
            intake_start=date(2018, 6, 1),
            intake_months=1,
            block_sizes=(),
        ),
        assumed=("every invited person takes part unless --consent-rate says otherwise",),
    ),
}
