"""One simulated trial: the cohort assigned through the protocol's own procedure, followed
month by month, with its tables, withdrawals and truth (:func:`simulate_trial`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from participatie_rct.choices import AssignmentMethod, EffectPreset, Scenario
from participatie_rct.protocol import Protocol
from participatie_rct.seeds import seed_of
from participatie_rct.simulate.model import _Calibration, _calibration, _People
from participatie_rct.simulate.months_table import MonthsPanel, chunk_streams
from participatie_rct.simulate.panel import (
    _B,
    _FULL_HOURS,
    _P,
    _PART,
    _W,
    _WORK,
    first_exit,
    simulate_months,
)
from participatie_rct.simulate.population import (
    _EDUCATION,
    _HOUSEHOLD,
    _MIGRATION,
    _SEX,
    _age_group,
    _Cohort,
    _draw_cohort,
)
from participatie_rct.simulate.result import SimulatedTrial, Withdrawal
from participatie_rct.simulate.scenarios import (
    FREE_CHOICE,
    ScenarioSpec,
    _components,
    protocol_toml,
    scenario_spec,
    state_horizons,
)
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

    from participatie_rct.assignment import procedure_from_protocol
    from participatie_rct.concealment import sealed_rng

    procedure = procedure_from_protocol(protocol)
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
    return _shared(np.array([d.arm for d in draws], dtype=object).astype(str))


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
    waves: Sequence[int] | None = None,
    follow_up_months: int | None = None,
    tables: bool = True,
    secret: bytes | None = None,
) -> SimulatedTrial:
    """Simulate one trial of ``scenario`` (see :func:`scenario_spec` for the options).

    Deterministic for the state of ``rng``. ``tables=False`` skips the monthly and survey
    tables and the decliners (power by simulation needs only ``outcomes``). With a trial
    ``secret`` the protocol is sealed and the arms are drawn from the secret, as a sealed
    register draws them.

    >>> import numpy as np
    >>> trial = simulate_trial("apeldoorn", rng=np.random.default_rng(1), tables=False)
    >>> int(trial.truth["n"]), sorted(trial.truth["arms"])
    (450, ['control', 'intensive_support', 'no_application_duty'])
    """
    spec = (
        scenario
        if isinstance(scenario, ScenarioSpec)
        else scenario_spec(
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
            waves=waves,
            follow_up_months=follow_up_months,
        )
    )
    return _simulate(spec, rng, tables=tables, secret=secret)


def _simulate(
    spec: ScenarioSpec, rng: np.random.Generator, *, tables: bool, secret: bytes | None = None
) -> SimulatedTrial:
    """The steps of :func:`simulate_trial`: cohort, lottery, drop-out, months, tables, truth."""
    seed, spawn_key = seed_of(rng)
    calibration = _calibration(spec)
    protocol_seed = int(rng.integers(0, 2**31 - 1))
    s_cohort, s_withdraw, s_months, s_earn, s_survey, s_decline, s_pref = rng.spawn(7)
    protocol = Protocol.from_text(
        protocol_toml(spec, seed=None if secret is not None else protocol_seed),
        source="protocol.toml",
    )

    cohort = _draw_cohort(spec, s_cohort)
    participants = _participants_frame(spec, cohort, s_pref)
    index = np.flatnonzero(cohort.consent)
    members = cohort.take(index)
    units = participants.iloc[index].reset_index(drop=True)
    arm = _assign(protocol, units, intake=spec.intake, secret=secret)
    withdrawn, withdrawals = _withdraw(spec, calibration, members, arm, s_withdraw)
    received = _received(arm, withdrawn, units)
    people = _people(calibration, members, received)
    month0 = members.enrolled_on.astype("datetime64[M]").astype(int)
    follow_up = _last_month(spec) - month0
    states, events, hours = simulate_months(
        calibration.base_work, people, int(follow_up.max()), s_months
    )
    assignments, outcomes = _tables(spec, members, units, arm, withdrawn, received, follow_up)
    _add_outcomes(outcomes, spec, follow_up, states, events, hours)

    panel = survey = None
    if tables:
        panel = _panel(spec, calibration, cohort, index, received, (states, events, hours),
                       s_decline, s_earn)  # fmt: skip
        survey = _simulate_survey(
            members, received, received != "control", withdrawn, states, s_survey
        )

    truth = _truth(spec, calibration, members, protocol, seed, spawn_key, cohort.ids.size)
    truth["n_withdrawn"] = len(withdrawals)
    truth["withdrawals"] = [w.to_dict() for w in withdrawals]
    return SimulatedTrial(
        participants=participants,
        panel=panel,
        survey=survey,
        assignments=assignments,
        outcomes=outcomes,
        withdrawals=withdrawals,
        truth=truth,
        protocol=protocol,
        spec=spec,
        seed=seed,
    )


def _last_month(spec: ScenarioSpec) -> int:
    """The last simulated calendar month (months since 1970-01): the follow-up counted from
    the last month of intake."""
    start = int(np.datetime64(spec.intake_start, "M").astype(int))
    last_intake = spec.waves[-1] if spec.waves else spec.intake_months - 1
    return start + last_intake + spec.follow_up_months


def _participants_frame(
    spec: ScenarioSpec, cohort: _Cohort, rng: np.random.Generator
) -> pd.DataFrame:
    """Everyone invited, in id order; with a free-choice arm, each person's stated preference
    (asked at intake, before the lottery)."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "id": cohort.ids,
            "site": cohort.site,
            "enrolled_on": _date_text(cohort.enrolled_on),
            "birth_year": cohort.enrolled_on.astype("datetime64[Y]").astype(int)
            + 1970
            - cohort.age,
            "sex": _labels([s[0] for s in _SEX], cohort.sex_idx),
            "age_group": _age_group(cohort.age_idx),
            "months_on_benefit": cohort.months_on_benefit,
            "education": _labels([e[0] for e in _EDUCATION], cohort.edu_idx),
            "household": _labels([h[0] for h in _HOUSEHOLD], cohort.hh_idx),
            "migration_background": _labels([m[0] for m in _MIGRATION], cohort.mig_idx),
            "consent": cohort.consent,
        }
    )
    if FREE_CHOICE in spec.arms:
        names = [m for m, _ in spec.preferences]
        shares = np.array([w for _, w in spec.preferences])
        picked = rng.choice(len(names), size=len(frame), p=shares / shares.sum())
        frame["preferred_measure"] = np.where(cohort.consent, np.array(names)[picked], "")
    return frame


def _labels(values: Sequence[str], index: np.ndarray) -> np.ndarray:
    """Text by category index as an object array whose rows share one string per category
    (a national cohort would otherwise hold a separate string per row)."""
    labels: np.ndarray = np.asarray(values, dtype=object)[index]
    return labels


def _shared(values: np.ndarray) -> np.ndarray:
    """Text values as an object array with one shared string per distinct value."""
    unique, inverse = np.unique(values, return_inverse=True)
    return _labels([str(u) for u in unique], inverse)


def _date_text(days: np.ndarray) -> np.ndarray:
    """ISO dates as shared strings (few distinct intake dates, many people)."""
    unique, inverse = np.unique(days, return_inverse=True)
    return _labels([str(d) for d in np.datetime_as_string(unique, unit="D")], inverse)


def _withdraw(
    spec: ScenarioSpec,
    calibration: _Calibration,
    members: _Cohort,
    arm: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, tuple[Withdrawal, ...]]:
    """Who leaves after learning their arm (at each arm's own rate) and when."""
    rate = np.array([calibration.withdrawal_rate(a) for a in spec.arms])
    position = {a: i for i, a in enumerate(spec.arms)}
    chance = rate[np.array([position[a] for a in arm], dtype=int)] if arm.size else rate[:0]
    withdrawn = rng.random(arm.size) < chance
    lag = rng.integers(7, 61, size=arm.size).astype("timedelta64[D]")
    withdrawn_on = np.datetime_as_string(members.enrolled_on + lag, unit="D")
    withdrawals = tuple(
        Withdrawal(id=str(members.ids[i]), arm=str(arm[i]), withdrawn_on=str(withdrawn_on[i]))
        for i in np.flatnonzero(withdrawn)
    )
    return withdrawn, withdrawals


def _received(arm: np.ndarray, withdrawn: np.ndarray, units: pd.DataFrame) -> np.ndarray:
    """The regime each participant actually gets: the arm, the preferred measure in a
    free-choice arm, control for those who withdrew."""
    got = arm.astype(object)
    if "preferred_measure" in units.columns:
        got = np.where(arm == FREE_CHOICE, units["preferred_measure"].to_numpy(), got)
    return _shared(np.where(withdrawn, "control", got).astype(str))


def _people(calibration: _Calibration, members: _Cohort, received: np.ndarray) -> _People:
    """Covariates and per-person effects of the regimes received."""
    regimes = sorted(set(received.tolist()))
    effect = {r: calibration.effect(r) for r in regimes}
    pick = {
        name: np.array([getattr(effect[r], name) for r in regimes])[
            np.searchsorted(regimes, received)
        ]
        for name in ("work", "part", "onset_start", "onset_full")
    }
    lp = members.linear_predictors()
    return _People(
        lp[0], lp[1], lp[2], members.older, pick["work"], pick["part"],
        pick["onset_start"], pick["onset_full"],
    )  # fmt: skip


def _tables(
    spec: ScenarioSpec,
    members: _Cohort,
    units: pd.DataFrame,
    arm: np.ndarray,
    withdrawn: np.ndarray,
    received: np.ndarray,
    follow_up: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The assignments (arrival order) and the first columns of the outcomes."""
    import pandas as pd

    common = {
        "id": members.ids,
        "site": members.site,
        "age_group": units["age_group"].to_numpy(),
        "enrolled_on": units["enrolled_on"].to_numpy(),
    }
    assignments = pd.DataFrame(
        {**common, "sequence": np.arange(1, arm.size + 1), "arm": arm, "withdrawn": withdrawn}
    )
    outcomes = pd.DataFrame(
        {
            **{k: common[k] for k in ("id", "site", "age_group")},
            "arm": arm,
            "withdrawn": withdrawn,
            "received": received,
            "enrolled_on": common["enrolled_on"],
            "months_on_benefit": members.months_on_benefit,
            "birth_year": units["birth_year"].to_numpy(),
            "follow_up_months": follow_up,
        }
    )
    return assignments, outcomes


def _add_outcomes(
    outcomes: pd.DataFrame,
    spec: ScenarioSpec,
    follow_up: np.ndarray,
    states: np.ndarray,
    events: np.ndarray,
    hours: np.ndarray,
) -> None:
    """First outflow (the old definition, kept where asked for) and the evaluations'
    point-in-time work outcomes, added in place."""
    exit_month, exit_cause = first_exit(events)
    seen = exit_month <= follow_up
    exit_month = np.where(seen, exit_month, 0)
    exit_cause = np.where(seen, exit_cause, 0)
    outcomes["exit_month"] = exit_month
    outcomes["exit_reason"] = np.array(["", "work", "part_time_work", "other"])[exit_cause]
    outcomes["work_12"] = ((exit_cause == _WORK) & (exit_month <= 12)).astype(int)
    outcomes["work_24"] = ((exit_cause == _WORK) & (exit_month <= 24)).astype(int)
    outcomes["part_time_12"] = ((exit_cause == _PART) & (exit_month <= 12)).astype(int)
    outcomes["any_exit_12"] = ((exit_cause > 0) & (exit_month <= 12)).astype(int)
    working = (states == _P) | (states == _W)
    ever = np.maximum.accumulate(working, axis=0)
    for h in state_horizons(spec):
        outcomes[f"working_12h_{h}"] = working[h].astype(int)
        outcomes[f"working_27h_{h}"] = (hours[h] == _FULL_HOURS).astype(int)
        outcomes[f"ever_working_12h_{h}"] = ever[h].astype(int)
        outcomes[f"on_benefit_{h}"] = ((states[h] == _B) | (states[h] == _P)).astype(int)


def _panel(
    spec: ScenarioSpec,
    calibration: _Calibration,
    cohort: _Cohort,
    index: np.ndarray,
    received: np.ndarray,
    simulated: tuple[np.ndarray, np.ndarray, np.ndarray],
    decline_rng: np.random.Generator,
    earn_rng: np.random.Generator,
) -> MonthsPanel:
    """Participants and decliners (followed under the regular regime from the day they were
    invited: the non-participant reference group) in one panel, in id order."""
    month0 = cohort.enrolled_on.astype("datetime64[M]").astype(int)
    follow_up = _last_month(spec) - month0
    months = int(follow_up.max())
    n = cohort.ids.size
    arrays = [np.zeros((months + 1, n), dtype=np.int8) for _ in range(3)]
    for whole, part in zip(arrays, simulated, strict=True):
        whole[: part.shape[0], index] = part
    declined = np.flatnonzero(~cohort.consent)
    if declined.size:
        others = cohort.take(declined)
        control = np.full(declined.size, "control")
        done = simulate_months(
            calibration.base_work, _people(calibration, others, control), months, decline_rng
        )
        for whole, part in zip(arrays, done, strict=True):
            whole[:, declined] = part
    earn_more = np.zeros(n, dtype=bool)
    earn_more[index] = np.array(["earn_more" in _components(r) for r in received], dtype=bool)
    return MonthsPanel(
        ids=cohort.ids, month0=month0, follow_up=follow_up, states=arrays[0],
        events=arrays[1], hours=arrays[2], household=cohort.hh_idx, earn_more=earn_more,
        earn_more_rule=spec.earn_more_rule, streams=chunk_streams(n, earn_rng),
    )  # fmt: skip
