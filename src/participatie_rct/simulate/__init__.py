"""Synthetic trials that look like the Participatiewet experiments, with the truth built in.

:func:`simulate_trial` draws a cohort of bijstand recipients, invites them until the target
number has consented, assigns the consenting participants through the trial's own declared
assignment procedure (the protocol it generates, in arrival order), and follows them month by
month through a discrete-time competing-risks model of leaving benefit. It returns a frozen
:class:`SimulatedTrial` with the three input tables of docs/cli-contract.md (``participants``,
``benefit_months``, ``survey``), the protocol, the withdrawals and ``truth``: the effects it
built in and the outflow shares they imply, computed exactly from the model.
:func:`write_simulation` writes it to a folder. Same seed, same bytes.

The model (docs/simulation.md gives every figure, its source, and what is assumed):

* **Scenarios**: one per published experiment (Wageningen, Apeldoorn, Tilburg, Utrecht/Zeist,
  Groningen, Nijmegen, Deventer) with its sites, size, arms (combinations, a free-choice arm),
  consent, intake (one batch, waves or rolling) and drop-out, and a generic one
  (:mod:`.published`).
* **States** per person and month: on benefit (perhaps with a small job under 12 hours),
  part-time work of 12-27 hours with benefit, a fragile or a lasting job off benefit (12-27 or
  more than 27 hours), off benefit without work. Leaving benefit is a set of competing monthly
  intensities shifted by covariates and falling with time on benefit (:mod:`.model`); jobs end
  as published, 82% still working after 6 months and 72% after 18, 9% back on benefit within 18
  (:mod:`.chain`).
* **Calibration**: control meets the scenario's control figure; each arm's effects are solved
  so its intention-to-treat shares hit the preset's targets (``seed``: 6% -> 11.5% out to work;
  ``evaluation``: no full-time effect, +3 points part-time; ``late_exemption``: Utrecht's
  exemption effect in the second year, 24% vs 15% working 12 hours or more). Effects are half
  as large from age 45 and may follow a profile by month since assignment.
* **Selection**: consent rises with nearness to work; those who drew control withdraw more
  often; decliners are followed as a non-participant reference group.
* **Tables**: ``benefit_months`` with hours bands and the benefit after the earnings disregard
  (the earn-more rule is a parameter), written in chunks (:mod:`.months_table`); survey waves
  with non-response that depends on covariates, benefit status and withdrawal (:mod:`.survey`);
  ``truth.json`` with exact shares from a forward pass of the chain (:mod:`.truth`) and
  ``truth_arms.csv`` with everyone's arm.
"""

from participatie_rct.seeds import seed_of
from participatie_rct.simulate.files import SIMULATION_FILES, simulation_files, write_simulation
from participatie_rct.simulate.result import SimulatedTrial, Withdrawal
from participatie_rct.simulate.scenarios import (
    FOLLOW_UP_MAX,
    FREE_CHOICE,
    HORIZONS,
    INTAKE_MONTHS_MAX,
    MEASURES,
    N_MAX,
    ScenarioSpec,
    protocol_toml,
    scenario_spec,
)
from participatie_rct.simulate.trial import simulate_trial
from participatie_rct.simulate.truth import expected_outflow

__all__ = [
    "FOLLOW_UP_MAX",
    "FREE_CHOICE",
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
