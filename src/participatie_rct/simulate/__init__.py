"""Synthetic trials that look like the Participatiewet experiments, with the truth built in.

:func:`simulate_trial` draws a cohort of bijstand recipients, invites them until the target
number has consented, assigns the consenting participants through the trial's own declared
assignment procedure (the protocol it generates, in arrival order), and follows them month by
month through a discrete-time competing-risks model of leaving benefit. It returns a frozen
:class:`SimulatedTrial` with the three input tables of CONTRACT.md (``participants``,
``benefit_months``, ``survey``), the protocol, the withdrawals and ``truth``: the effects it
built in and the outflow shares they imply, computed exactly from the model.
:func:`write_simulation` writes it to a folder. Same seed, same bytes.

The model (every figure from DOMAIN.md, "Numbers to calibrate the simulator"):

* **States** per person and calendar month: on benefit without work (B), part-time work
  combined with benefit (P, at least 12 hours a week; earnings kept beside the benefit), off
  benefit to work (W), off benefit for another reason (O: moving, partner, other benefit).
* **Monthly hazards** from B: to work, to part-time work, to other exit; from P: to work
  (twice the rate from B: part-time work is a stepping stone), to other exit, back to B.
  They are cause-specific intensities ``lambda_k`` that are constant within a month; the
  probability of leaving by cause k in that month is ``lambda_k / Lambda * (1 - exp(-Lambda))``
  with ``Lambda`` their sum (the exact discrete-time form of competing risks with piecewise
  constant hazards, Kalbfleisch and Prentice 2002, ch. 8).
* **Work hazard falls with time on benefit** (DOMAIN.md: 0.6-1.0% a month for long-term
  recipients, falling with time on benefit): a factor by months-on-benefit group at intake
  and a slow decline ``(1 + t/12)^-0.3`` over the months of the trial.
* **Covariates** (age group, sex, education, household, migration background) shift the log
  hazards; their distributions are independent categorical distributions, so the population
  expectation of any outflow share is an exact finite sum over covariate cells.
* **Calibration**: the base work hazard is solved so that the share out to work within 12
  months in control equals the scenario's rate (seed figure: 6%, Wageningen); the arm effects
  are solved so the arms' intention-to-treat shares hit the preset's targets (seed preset:
  11.5% for intensive support and no application duty, earn-more half-way; evaluation
  preset: no full-time effect, +3 points part-time work for intensive support and earn-more,
  exemption nil). Effects are half as large on the log-hazard scale for people aged 45 or
  over (heterogeneity). Participants who withdraw after learning their arm (~4%, Wageningen
  and Apeldoorn) get no treatment but stay in the intention-to-treat analysis.
* **Re-entry**: after leaving for work, ~9% are back on benefit within 18 months (DOMAIN.md:
  "staying in work ... ~9% back on benefit within 18 months").
* **Survey** waves at intake, 12 and 24 months with non-response that depends on covariates
  and on having left benefit (missing at random, not completely at random).
"""

from participatie_rct.seeds import seed_of
from participatie_rct.simulate.files import SIMULATION_FILES, simulation_files, write_simulation
from participatie_rct.simulate.scenarios import (
    HORIZONS,
    INTAKE_MONTHS_MAX,
    MEASURES,
    N_MAX,
    ScenarioSpec,
    protocol_toml,
    scenario_spec,
)
from participatie_rct.simulate.trial import SimulatedTrial, Withdrawal, simulate_trial
from participatie_rct.simulate.truth import expected_outflow

__all__ = [
    "HORIZONS",
    "INTAKE_MONTHS_MAX",
    "MEASURES",
    "N_MAX",
    "SIMULATION_FILES",
    "ScenarioSpec",
    "SimulatedTrial",
    "Withdrawal",
    "expected_outflow",
    "protocol_toml",
    "scenario_spec",
    "seed_of",
    "simulate_trial",
    "simulation_files",
    "write_simulation",
]
