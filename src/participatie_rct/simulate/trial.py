"""One simulated trial: the cohort assigned through the protocol's own procedure, followed
month by month, with its tables, withdrawals and truth (:func:`simulate_trial`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from participatie_rct.choices import AssignmentMethod, EffectPreset, Scenario
from participatie_rct.protocol import Protocol
from participatie_rct.seeds import seed_of
from participatie_rct.simulate.model import (
    _B,
    _P,
    _PART,
    _W,
    _WORK,
    _calibration,
    _first_exit,
    _simulate_months,
)
from participatie_rct.simulate.population import (
    _EDUCATION,
    _HOUSEHOLD,
    _MIGRATION,
    _SEX,
    _age_group,
    _draw_cohort,
)
from participatie_rct.simulate.scenarios import ScenarioSpec, protocol_toml, scenario_spec
from participatie_rct.simulate.survey import _simulate_survey
from participatie_rct.simulate.truth import _truth

if TYPE_CHECKING:
    import pandas as pd


def _assign(
    protocol: Protocol, units: pd.DataFrame, *, intake: str, secret: bytes | None = None
) -> np.ndarray:
    """Arms of the consenting participants, drawn by the protocol's own procedure.

    Arrival order is the row order of ``units`` (intake date, then id). The sequencer is
    built as the register builds it, from ``numpy.random.default_rng(protocol.seed)`` with no
    history; rolling intake assigns one arrival at a time (``next``, as ``assign --id``), a
    batch is assigned together (``next_batch``, as ``assign FILE``). So a register that
    enrols the same participants in the same order draws the same arms. With permuted
    blocks the arm of the k-th arrival in a stratum depends only on the seed, the stratum and
    k, so rolling arrivals are handed to ``next_batch`` in arrival order too: the same arms
    as one ``next`` per arrival (tested against the register), twenty times faster.
    """
    import numpy.random as npr

    from participatie_rct.concealment import sealed_rng

    procedure = protocol.procedure()
    columns = list(protocol.unit_columns)
    frame = units[columns].astype(str).reset_index(drop=True)
    rng = (
        sealed_rng(secret, protocol.sha256)
        if protocol.sealed and secret is not None
        else npr.default_rng(protocol.seed)
    )
    sequencer = procedure.sequencer(rng=rng, history=None)
    if intake == "batch" or protocol.assignment.method is AssignmentMethod.PERMUTED_BLOCKS:
        draws = sequencer.next_batch(frame)
    else:
        records = [{str(k): v for k, v in unit.items()} for unit in frame.to_dict("records")]
        draws = [sequencer.next(unit) for unit in records]
    return np.array([d.arm for d in draws], dtype=object).astype(str)


# --------------------------------------------------------------------------------------------
# The result and the public functions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Withdrawal:
    """A participant who left the trial after learning their arm (the register records it)."""

    id: str
    arm: str
    withdrawn_on: str
    reason: str = "disagrees with the assigned group"

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "arm": self.arm,
            "withdrawn_on": self.withdrawn_on,
            "reason": self.reason,
        }


@dataclass(frozen=True, eq=False)
class SimulatedTrial:
    """A synthetic trial: the three input tables, the protocol, and the truth built in.

    * ``participants``: everyone invited (``consent`` false for those who declined), in id order;
    * ``benefit_months``: one row per consenting participant and calendar month, from the
      month of intake to the end of follow-up (None when simulated with ``tables=False``);
    * ``survey``: one row per participant and wave answered (None with ``tables=False``);
    * ``assignments``: consenting participants in arrival order with ``sequence``, ``arm``
      and ``withdrawn``: the arms the protocol's procedure drew;
    * ``outcomes``: one row per consenting participant: first outflow (``exit_month`` months
      after the month of intake, 0 if none; ``exit_reason`` ``work``, ``part_time_work``,
      ``other`` or empty), ``follow_up_months``, and 0/1 indicators ``work_12``, ``work_24``,
      ``part_time_12``, ``any_exit_12`` (first outflow of that kind within the months);
    * ``withdrawals``: who left after learning their arm, for the register's ``withdraw``;
    * ``truth``: JSON-ready dict of the effects and the exact outflow shares they imply.
    """

    participants: pd.DataFrame
    benefit_months: pd.DataFrame | None
    survey: pd.DataFrame | None
    assignments: pd.DataFrame
    outcomes: pd.DataFrame
    withdrawals: tuple[Withdrawal, ...]
    truth: dict[str, Any]
    protocol: Protocol
    spec: ScenarioSpec
    seed: int | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per arm and outcome: ``arm``, ``outcome``, ``n``, ``truth`` (the expected
        intention-to-treat share for this cohort), ``population`` (the population share) and
        ``sample`` (the share observed in this trial)."""
        import pandas as pd

        rows = []
        for arm in self.protocol.arm_keys:
            mine = self.outcomes[self.outcomes["arm"] == arm]
            spec = self.truth["arms"][arm]
            for outcome in ("work_12", "work_24", "part_time_12", "any_exit_12"):
                rows.append(
                    {
                        "arm": arm,
                        "outcome": outcome,
                        "n": len(mine),
                        "truth": spec["cohort_itt"][outcome],
                        "population": spec["itt"][outcome],
                        "sample": float(mine[outcome].mean()) if len(mine) else float("nan"),
                    }
                )
        return pd.DataFrame(rows)

    def glance(self) -> dict[str, Any]:
        """Trial-level facts: scenario, effects, seeds, invited, consented, withdrawn."""
        keys = ("scenario", "effects", "seed", "protocol_seed", "n_invited", "n", "n_withdrawn")
        return {k: self.truth[k] for k in keys}

    def summary(self) -> str:
        """A few lines a person reads: who was invited, who took part, the effects built in."""
        t = self.truth
        lines = [
            f"Simulated trial: scenario {t['scenario']}, effects {t['effects']}, seed {t['seed']}",
            f"invited {t['n_invited']}, consented {t['n']}, withdrew after assignment "
            f"{t['n_withdrawn']}",
            "arm                              n   work<=12m (truth)  work<=12m (sample)",
        ]
        frame = self.to_frame()
        for row in frame[frame["outcome"] == "work_12"].to_dict("records"):
            lines.append(
                f"{row['arm']:<30} {row['n']:>4}   {row['truth']:>10.4f}         "
                f"{row['sample']:>10.4f}"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The truth, JSON-ready (what ``truth.json`` holds)."""
        return self.truth


def simulate_trial(
    scenario: str | Scenario | ScenarioSpec = "wageningen",
    *,
    rng: np.random.Generator,
    effects: str | EffectPreset = "seed",
    n: int | None = None,
    arms: Sequence[str] | None = None,
    ratios: Sequence[int] | None = None,
    control_rate: float | None = None,
    arm_rates: Mapping[str, float] | None = None,
    intake: str | None = None,
    intake_months: int | None = None,
    intake_start: date | None = None,
    consent_rate: float | None = None,
    withdrawal_rate: float | None = None,
    sites: Sequence[str] | None = None,
    tables: bool = True,
    secret: bytes | None = None,
) -> SimulatedTrial:
    """Simulate one trial of ``scenario`` (see :func:`scenario_spec` for the options).

    Deterministic for the state of ``rng``. ``tables=False`` skips the monthly and survey
    tables (power by simulation needs only ``outcomes``). With a trial ``secret`` the protocol
    is sealed and the arms are drawn from the secret, as a sealed register draws them.

    >>> import numpy as np
    >>> trial = simulate_trial("apeldoorn", rng=np.random.default_rng(1), tables=False)
    >>> int(trial.truth["n"]), sorted(trial.truth["arms"])
    (450, ['control', 'intensive_support', 'no_application_duty'])
    """
    import pandas as pd

    if isinstance(scenario, ScenarioSpec):
        spec = scenario
    else:
        spec = scenario_spec(
            scenario,
            effects=effects,
            n=n,
            arms=arms,
            ratios=ratios,
            control_rate=control_rate,
            arm_rates=arm_rates,
            intake=intake,
            intake_months=intake_months,
            intake_start=intake_start,
            consent_rate=consent_rate,
            withdrawal_rate=withdrawal_rate,
            sites=sites,
        )
    seed, spawn_key = seed_of(rng)
    calibration = _calibration(spec)
    protocol_seed = int(rng.integers(0, 2**31 - 1))
    s_cohort, s_withdraw, s_months, s_earn, s_survey = rng.spawn(5)
    protocol = Protocol.from_text(
        protocol_toml(spec, seed=None if secret is not None else protocol_seed),
        source="protocol.toml",
    )

    cohort = _draw_cohort(spec, s_cohort)
    age_group = _age_group(cohort.age_idx)
    enrolled_text = np.datetime_as_string(cohort.enrolled_on, unit="D")
    participants = pd.DataFrame(
        {
            "id": cohort.ids,
            "site": cohort.site,
            "enrolled_on": enrolled_text,
            "birth_year": cohort.enrolled_on.astype("datetime64[Y]").astype(int)
            + 1970
            - cohort.age,
            "sex": np.array([s[0] for s in _SEX])[cohort.sex_idx],
            "age_group": age_group,
            "months_on_benefit": cohort.months_on_benefit,
            "education": np.array([e[0] for e in _EDUCATION])[cohort.edu_idx],
            "household": np.array([h[0] for h in _HOUSEHOLD])[cohort.hh_idx],
            "migration_background": np.array([m[0] for m in _MIGRATION])[cohort.mig_idx],
            "consent": cohort.consent,
        }
    )

    # assignment: consenting participants in arrival order (intake date, then id)
    index = np.flatnonzero(cohort.consent)
    members = cohort.take(index)
    units = participants.iloc[index].reset_index(drop=True)
    arm = _assign(protocol, units, intake=spec.intake, secret=secret)
    size = index.size
    withdrawn = s_withdraw.random(size) < spec.withdrawal_rate
    lag = s_withdraw.integers(7, 61, size=size).astype("timedelta64[D]")
    withdrawn_on = np.datetime_as_string(members.enrolled_on + lag, unit="D")
    withdrawals = tuple(
        Withdrawal(id=str(members.ids[i]), arm=str(arm[i]), withdrawn_on=str(withdrawn_on[i]))
        for i in np.flatnonzero(withdrawn)
    )
    assignments = pd.DataFrame(
        {
            "id": members.ids,
            "site": members.site,
            "age_group": age_group[index],
            "enrolled_on": enrolled_text[index],
            "sequence": np.arange(1, size + 1),
            "arm": arm,
            "withdrawn": withdrawn,
        }
    )

    # the monthly model: treatment effects only for those who stayed in a treated arm
    effect = {a: calibration.effect(a) for a in spec.arms}
    treated = ~withdrawn & (arm != "control")
    eff_work = np.where(treated, np.array([effect[a].work for a in arm]), 0.0)
    eff_part = np.where(treated, np.array([effect[a].part for a in arm]), 0.0)
    lp = members.linear_predictors()
    older = members.older
    month0 = members.enrolled_on.astype("datetime64[M]").astype(int)
    end = (
        int(np.datetime64(spec.intake_start, "M").astype(int))
        + spec.intake_months
        - 1
        + spec.follow_up_months
    )
    follow_up = end - month0
    states, events = _simulate_months(
        calibration.base_work, lp, older, eff_work, eff_part, int(follow_up.max()), s_months
    )
    exit_month, exit_cause = _first_exit(events)
    in_follow_up = exit_month <= follow_up
    exit_month = np.where(in_follow_up, exit_month, 0)
    exit_cause = np.where(in_follow_up, exit_cause, 0)
    reason_text = np.array(["", "work", "part_time_work", "other"])
    outcomes = pd.DataFrame(
        {
            "id": members.ids,
            "site": members.site,
            "age_group": age_group[index],
            "arm": arm,
            "withdrawn": withdrawn,
            "enrolled_on": enrolled_text[index],
            "months_on_benefit": members.months_on_benefit,
            "birth_year": participants["birth_year"].to_numpy()[index],
            "follow_up_months": follow_up,
            "exit_month": exit_month,
            "exit_reason": reason_text[exit_cause],
            "work_12": ((exit_cause == _WORK) & (exit_month <= 12)).astype(int),
            "work_24": ((exit_cause == _WORK) & (exit_month <= 24)).astype(int),
            "part_time_12": ((exit_cause == _PART) & (exit_month <= 12)).astype(int),
            "any_exit_12": ((exit_cause > 0) & (exit_month <= 12)).astype(int),
        }
    )

    benefit_months = survey = None
    if tables:
        benefit_months = _benefit_table(members.ids, month0, follow_up, states, events, s_earn)
        survey = _simulate_survey(members, arm, treated, states, s_survey)

    truth = _truth(spec, calibration, members, protocol, seed, spawn_key, cohort.ids.size)
    truth["n_withdrawn"] = len(withdrawals)
    truth["withdrawals"] = [w.to_dict() for w in withdrawals]
    return SimulatedTrial(
        participants=participants,
        benefit_months=benefit_months,
        survey=survey,
        assignments=assignments,
        outcomes=outcomes,
        withdrawals=withdrawals,
        truth=truth,
        protocol=protocol,
        spec=spec,
        seed=seed,
    )


def _benefit_table(
    ids: np.ndarray,
    month0: np.ndarray,
    follow_up: np.ndarray,
    states: np.ndarray,
    events: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Rows per person and month in id and month order; earnings from work, else 0."""
    import pandas as pd

    n = ids.size
    lengths = follow_up + 1
    person = np.repeat(np.arange(n), lengths)
    starts = np.cumsum(lengths) - lengths
    t = np.arange(int(lengths.sum())) - np.repeat(starts, lengths)
    state = states[t, person]
    event = events[t, person]
    month = month0[person] + t
    first = int(month.min())
    labels = np.array(
        [f"{1970 + m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, int(month.max()) + 1)]
    )
    # monthly pay: full-time around EUR 1,900 net, part-time (>= 12 h a week) around EUR 650
    full = np.exp(rng.normal(math.log(1900.0), 0.25, size=n))
    part = np.exp(rng.normal(math.log(650.0), 0.30, size=n))
    wobble = 1.0 + 0.05 * rng.standard_normal(person.size)
    earnings = (
        np.where(state == _W, full[person], np.where(state == _P, part[person], 0.0)) * wobble
    )
    return pd.DataFrame(
        {
            "id": ids[person],
            "month": labels[month - first],
            "on_benefit": np.isin(state, (_B, _P)),
            "exit_reason": np.array(["", "work", "part_time_work", "other"])[event],
            "earnings": np.round(np.maximum(earnings, 0.0), 2),
        }
    )
