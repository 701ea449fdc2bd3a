"""Power of a full trial design by simulation: what the formulas of :mod:`.power` leave out.

Closed-form power (``power.prop.test``) assumes one comparison, equal arms and no strata. A
real Participatiewet trial has strata, rolling intake, withdrawals after assignment, several
arms against one control, a survival outcome and interim looks. :func:`simulated_power`
simulates the trial many times with :func:`participatie_rct.simulate.simulate_trial` and runs
the declared analysis on each:

1. **Primary analysis** at every look: intention to treat on outflow to work within 12
   months (or another ``outcome``) by :func:`participatie_rct.estimate.itt` (OLS, HC2,
   strata fixed effects on site x age group), every arm against control.
2. **Interim looks**: look k analyses the first ``ceil(t_k n)`` participants in arrival order,
   those whose outcome is complete when the k-th share of the information is in (rolling
   intake). Two-sided Lan-DeMets boundaries come from
   :func:`participatie_rct.design.group_sequential_boundaries`.
3. **Multiplicity**: Holm's procedure combined with the group-sequential boundaries as in
   Maurer and Bretz (2013, "Multiple testing in group sequential trials using graphical
   approaches", Stat Biopharm Res 5:311): an arm is rejected at look k when its p-value is at
   most the nominal level of boundaries computed at ``alpha / (m - r)``, where r arms are
   already rejected; each rejection passes its level on, and the look is tested again.
   Bonferroni keeps ``alpha / m``; none tests each arm at ``alpha``. With one look this is
   exactly Holm (Bonferroni, unadjusted) on the final p-values.
4. **Survival** (optional): a stratified log-rank test of time to the first outflow to work
   (other outflows censor), each arm against control at the final analysis, Holm-adjusted.

Trial i draws from the i-th child of the seed's ``SeedSequence``, so the result is identical
for any number of worker processes. Work is spread over ``ProcessPoolExecutor`` workers (all
cores by default); the library reports progress through a callback, never by printing.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from participatie_rct.choices import Correction, Spending, parse_choice
from participatie_rct.errors import DesignError, EstimationError
from participatie_rct.tidy import TidyResult, records

if TYPE_CHECKING:
    import pandas as pd

    from participatie_rct.simulate import ScenarioSpec

__all__ = ["SimulatedPower", "simulated_power"]

Progress = Callable[[int, int], None]

#: Most simulated trials in one run (each takes a few milliseconds of every worker).
TRIALS_MAX = 100_000

#: Primary outcomes a simulated trial can be analysed on (columns of ``SimulatedTrial.outcomes``).
_OUTCOMES: dict[str, str] = {
    "work_12": "first outflow to work within 12 months",
    "work_24": "first outflow to work within 24 months",
    "part_time_12": "first outflow to part-time work with benefit within 12 months",
    "any_exit_12": "any first outflow within 12 months",
    "working_12h_24": "working 12 hours a week or more 24 months after intake",
    "working_27h_24": "working more than 27 hours a week 24 months after intake",
    "ever_working_12h_24": "working 12 hours or more in any of the 24 months after intake",
}


@dataclass(frozen=True)
class _Plan:
    """What every simulated trial is analysed with (picklable, sent to the workers)."""

    spec: ScenarioSpec
    fractions: tuple[float, ...]
    #: nominal two-sided p-value levels per look, for r = 0, 1, ..., m-1 arms rejected
    levels: tuple[tuple[float, ...], ...]
    correction: str
    alpha: float
    survival: bool
    outcome: str


@dataclass(frozen=True, repr=False, eq=False)
class SimulatedPower(TidyResult):
    """Operating characteristics of a design, estimated from ``n_trials`` simulated trials.

    ``trials`` holds one row per trial and arm: ``trial``, ``arm``, ``estimate``,
    ``std_error`` and ``p_value`` at the look where the trial ended for that arm, ``rejected``,
    ``look`` (1-based look of rejection, 0 if never), and ``logrank_rejected`` with
    ``survival``. ``truth`` maps arms to the true intention-to-treat difference in the
    outcome's share (exact, from the model).
    """

    _title = "Simulated power"

    trials: pd.DataFrame
    truth: dict[str, float]
    settings: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per arm: ``arm``, ``true_effect``, ``power`` (share of trials rejecting) and its
        Monte Carlo ``power_mcse``, ``mean_estimate``, ``bias``, ``rmse``, ``coverage`` of the 95%
        interval (single look only), ``rejected_at_interim``, ``logrank_power`` (with survival)."""
        import pandas as pd

        rows = []
        k = len(self.settings["information"])
        z = 1.959963984540054
        for arm, part in self.trials.groupby("arm", sort=False):
            truth = self.truth[str(arm)]
            power = float(part["rejected"].mean())
            est = part["estimate"].to_numpy(dtype=float)
            se = part["std_error"].to_numpy(dtype=float)
            row = {
                "arm": arm,
                "true_effect": truth,
                "power": power,
                "power_mcse": math.sqrt(power * (1 - power) / len(part)),
                "mean_estimate": _nanmean(est),
                "bias": _nanmean(est) - truth,
                "rmse": math.sqrt(_nanmean((est - truth) ** 2)),
                "coverage": _nanmean(np.where(np.isnan(est), np.nan, np.abs(est - truth) <= z * se))
                if k == 1
                else float("nan"),
                "rejected_at_interim": float(((part["look"] > 0) & (part["look"] < k)).mean()),
            }
            if "logrank_rejected" in part:
                row["logrank_power"] = float(part["logrank_rejected"].mean())
            rows.append(row)
        return pd.DataFrame(rows)

    def glance(self) -> dict[str, Any]:
        """Design-level facts: the settings and the chance to reject at least one / every arm."""
        by_trial = self.trials.groupby("trial")["rejected"]
        stops = self.trials.groupby("trial")["look"].agg(
            lambda s: s.max() if (s > 0).all() else len(self.settings["information"])
        )
        return {
            **self.settings,
            "power_any_arm": float(by_trial.any().mean()),
            "power_all_arms": float(by_trial.all().mean()),
            "mean_stopping_look": float(stops.mean()),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"arms": [...], "power_any_arm", "power_all_arms", "settings": {...}}``."""
        glance = self.glance()
        frame = self.to_frame()
        return {
            "arms": records(frame),
            "power_any_arm": glance["power_any_arm"],
            "power_all_arms": glance["power_all_arms"],
            "mean_stopping_look": glance["mean_stopping_look"],
            "settings": self.settings,
        }

    def summary(self) -> str:
        """A table a person reads."""
        s = self.settings
        g = self.glance()
        looks = ", ".join(f"{t:g}" for t in s["information"])
        lines = [
            f"Power by simulation: scenario {s['scenario']} ({s['effects']} effects), "
            f"n = {s['n']}, {s['n_trials']} trials, seed {s['seed']}",
            f"primary: ITT on {s['outcome']} ({_OUTCOMES[s['outcome']]}), HC2, "
            f"strata fixed effects; {s['correction']} across arms, alpha {s['alpha']:g}; "
            f"looks at information {looks}"
            + (f" ({s['spending']})" if len(s["information"]) > 1 else ""),
            f"{'arm':<32} {'true effect':>11} {'power':>7} {'+/-':>6} {'mean est.':>9}"
            + (f" {'log-rank':>9}" if s["survival"] else ""),
        ]
        for row in self.to_frame().to_dict("records"):
            lines.append(
                f"{row['arm']:<32} {row['true_effect']:>11.4f} {row['power']:>7.3f} "
                f"{row['power_mcse']:>6.3f} {row['mean_estimate']:>9.4f}"
                + (f" {row['logrank_power']:>9.3f}" if "logrank_power" in row else "")
            )
        lines.append(
            f"at least one arm: {g['power_any_arm']:.3f}; every arm: {g['power_all_arms']:.3f}"
        )
        return "\n".join(lines)


def _nanmean(values: np.ndarray) -> float:
    """Mean over the trials that gave an estimate; NaN (not a warning) when none did, as in
    trials too small for the analysis."""
    kept = values[~np.isnan(values)]
    return float(kept.mean()) if kept.size else float("nan")


def _levels(
    fractions: Sequence[float], m: int, *, alpha: float, correction: Correction, spending: Spending
) -> tuple[tuple[float, ...], ...]:
    """Nominal p-value levels per look for r = 0..m-1 arms already rejected."""
    from participatie_rct.design.boundaries import group_sequential_boundaries

    def nominal(level: float) -> tuple[float, ...]:
        if len(fractions) == 1:
            return (level,)
        bounds = group_sequential_boundaries(information=fractions, alpha=level, spending=spending)
        return tuple(look.p_nominal for look in bounds.looks)

    if correction is Correction.HOLM:
        return tuple(nominal(alpha / (m - r)) for r in range(m))
    single = nominal(alpha / m if correction is Correction.BONFERRONI else alpha)
    return tuple(single for _ in range(m))


def simulated_power(
    design: ScenarioSpec | str,
    *,
    n_trials: int,
    rng: np.random.Generator,
    effects: str = "seed",
    workers: int | None = None,
    looks: int = 1,
    information: Sequence[float] | None = None,
    spending: str | Spending = Spending.OBRIEN_FLEMING,
    correction: str | Correction = Correction.HOLM,
    alpha: float = 0.05,
    survival: bool = False,
    outcome: str = "work_12",
    progress: Progress | None = None,
) -> SimulatedPower:
    """Power of ``design`` (a scenario name or a :class:`~participatie_rct.simulate.ScenarioSpec`)
    by ``n_trials`` simulated trials; see the module docstring for the analysis.

    ``rng`` seeds everything: trial i uses its i-th spawned child, so ``workers`` (default
    all cores; 1 runs in this process) never changes the result. ``outcome`` is the primary
    outcome: ``work_12`` (default), ``work_24``, ``part_time_12`` or ``any_exit_12``.
    ``looks`` equally spaced looks, or the ``information`` fractions (ending at 1).
    ``progress(done, total)`` is called as trials finish.
    """
    from participatie_rct.seeds import seed_of
    from participatie_rct.simulate import ScenarioSpec, expected_outflow, scenario_spec

    spec = design if isinstance(design, ScenarioSpec) else scenario_spec(design, effects=effects)
    _check_run(n_trials, workers=workers, alpha=alpha)
    corr = parse_choice(Correction, correction, parameter="correction")
    kind = parse_choice(Spending, spending, parameter="spending")
    fractions = _fractions(looks, information)
    if outcome not in _OUTCOMES:
        allowed = ", ".join(repr(o) for o in _OUTCOMES)
        raise DesignError(f"outcome must be one of {allowed}; got {outcome!r}.")
    m = len(spec.arms) - 1
    plan = _Plan(
        spec=spec,
        fractions=tuple(fractions),
        levels=_levels(fractions, m, alpha=alpha, correction=corr, spending=kind),
        correction=corr.value,
        alpha=alpha,
        survival=survival,
        outcome=outcome,
    )
    seed, spawn_key = seed_of(rng)
    children: list[Any] = [child.bit_generator.seed_seq for child in rng.spawn(n_trials)]
    records = _run(plan, children, workers=workers, progress=progress)

    import pandas as pd

    trials = pd.DataFrame.from_records(records).sort_values(["trial", "order"], kind="mergesort")
    trials = trials.drop(columns="order").reset_index(drop=True)
    shares = expected_outflow(spec)
    control = shares["control"][outcome]
    truth = {arm: shares[arm][outcome] - control for arm in spec.arms if arm != "control"}
    settings = {
        "scenario": spec.scenario,
        "effects": spec.effects,
        "n": spec.n,
        "arms": list(spec.arms),
        "intake": spec.intake,
        "n_trials": n_trials,
        "seed": seed,
        "spawn_key": list(spawn_key),
        "information": list(fractions),
        "spending": kind.value,
        "correction": corr.value,
        "alpha": alpha,
        "survival": survival,
        "outcome": outcome,
        "outcome_label": _OUTCOMES[outcome],
        "analysis": "itt: OLS, HC2, strata fixed effects (site x age group)",
    }
    return SimulatedPower(trials=trials, truth=truth, settings=settings)


def _check_run(n_trials: int, *, workers: int | None, alpha: float) -> None:
    """Refuse a number of trials or workers that is not a whole number in range, or an alpha
    outside (0, 1)."""
    if (
        not isinstance(n_trials, int)
        or isinstance(n_trials, bool)
        or not 1 <= n_trials <= TRIALS_MAX
    ):
        raise DesignError(
            f"n_trials must be a whole number from 1 to {TRIALS_MAX:,}; got {n_trials!r}. "
            "A thousand trials give the power to within about 1.5 points."
        )
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise DesignError(f"workers must be a whole number >= 1; got {workers!r}.")
    if not 0 < alpha < 1:
        raise DesignError(f"alpha must lie between 0 and 1; got {alpha!r}.")


def _fractions(looks: int, information: Sequence[float] | None) -> tuple[float, ...]:
    """The information fractions of the looks: as given, or ``looks`` equally spaced.

    Refuses fractions whose number disagrees with ``looks`` (when both are given) and
    fractions that do not end with the final analysis at 1.
    """
    from participatie_rct.design.boundaries import equally_spaced

    fractions = (
        tuple(float(t) for t in information) if information is not None else equally_spaced(looks)
    )
    if information is not None and looks != 1 and len(fractions) != looks:
        raise DesignError(
            f"looks = {looks} but {len(fractions)} information fractions were given "
            f"({', '.join(f'{t:g}' for t in fractions)}); give one fraction per look."
        )
    if not fractions or fractions[-1] != 1.0:
        raise DesignError(
            f"the information fractions are {list(fractions)}; a planned design ends with "
            "the final analysis at 1 (e.g. information=[0.5, 1])."
        )
    return fractions


def _run(
    plan: _Plan,
    children: list[np.random.SeedSequence],
    *,
    workers: int | None,
    progress: Progress | None,
) -> list[dict[str, Any]]:
    total = len(children)
    workers = min(workers or os.cpu_count() or 1, total)
    records: list[dict[str, Any]] = []
    if workers == 1:
        for i, child in enumerate(children):
            records.extend(_one_trial(plan, i, child))
            if progress is not None:
                progress(i + 1, total)
        return records
    size = max(1, min(50, total // (workers * 4)))
    chunks = [list(range(start, min(start + size, total))) for start in range(0, total, size)]
    done = 0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(_chunk, plan, [(i, children[i]) for i in chunk]): len(chunk)
            for chunk in chunks
        }
        for future in as_completed(futures):
            records.extend(future.result())
            done += futures[future]
            if progress is not None:
                progress(done, total)
    return records


def _chunk(plan: _Plan, items: list[tuple[int, np.random.SeedSequence]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, child in items:
        out.extend(_one_trial(plan, i, child))
    return out


def _one_trial(plan: _Plan, index: int, child: np.random.SeedSequence) -> list[dict[str, Any]]:
    """Simulate trial ``index`` and run the declared analysis at every look."""
    from participatie_rct.estimate import itt
    from participatie_rct.simulate import simulate_trial

    trial = simulate_trial(plan.spec, rng=np.random.Generator(np.random.PCG64(child)), tables=False)
    data = trial.outcomes
    data = data.assign(stratum=data["site"] + "/" + data["age_group"])
    arms = [a for a in plan.spec.arms if a != "control"]
    n = len(data)
    state = {
        a: {
            "rejected": False,
            "look": 0,
            "estimate": np.nan,
            "std_error": np.nan,
            "p_value": np.nan,
        }
        for a in arms
    }
    for k, fraction in enumerate(plan.fractions):
        if all(s["rejected"] for s in state.values()):
            break
        subset = data.iloc[: max(1, math.ceil(fraction * n - 1e-9))]
        try:
            frame = itt(
                subset, outcome=plan.outcome, treatment="arm", strata="stratum", correction="none"
            ).to_frame()
        except EstimationError:
            continue  # too few at an early look to estimate: no test at this look
        p: dict[str, float] = {}
        columns = zip(
            frame["arm"].astype(str),
            frame["estimate"].to_numpy(dtype=float),
            frame["std_error"].to_numpy(dtype=float),
            frame["p_value"].to_numpy(dtype=float),
            strict=True,
        )
        for arm, estimate, std_error, p_value in columns:
            if state[arm]["rejected"]:
                continue
            state[arm].update(estimate=estimate, std_error=std_error, p_value=p_value)
            p[arm] = float(p_value)
        # step down (Maurer and Bretz 2013): a rejection raises the others' level, test again
        while True:
            r = sum(1 for s in state.values() if s["rejected"])
            level = plan.levels[min(r, len(plan.levels) - 1)][k]
            newly = [a for a, pv in p.items() if not state[a]["rejected"] and pv <= level]
            if not newly:
                break
            for a in newly:
                state[a].update(rejected=True, look=k + 1)
            if plan.correction == "holm":
                continue
            break
    logrank = _logrank_decisions(data, arms, plan) if plan.survival else {}
    return [
        {
            "trial": index,
            "order": j,
            "arm": a,
            **state[a],
            **({"logrank_rejected": logrank[a]} if logrank else {}),
        }
        for j, a in enumerate(arms)
    ]


def _logrank_decisions(data: pd.DataFrame, arms: list[str], plan: _Plan) -> dict[str, bool]:
    """Stratified log-rank, each arm against control, of time to first outflow to work."""
    from participatie_rct.estimate.logrank import logrank
    from participatie_rct.estimate.multiplicity import bonferroni, holm

    frame = data.assign(
        time=np.where(data["exit_month"] > 0, data["exit_month"], data["follow_up_months"]),
        work=(data["exit_reason"] == "work").astype(int),
    )
    p = []
    for arm in arms:
        pair = frame[frame["arm"].isin(["control", arm])]
        try:
            p.append(
                logrank(
                    pair,
                    time="time",
                    event="work",
                    treatment="arm",
                    strata="stratum",
                    control="control",
                ).p_value
            )
        except EstimationError:
            p.append(1.0)
    adjusted = {"holm": holm, "bonferroni": bonferroni}.get(plan.correction, np.asarray)(p)
    return {
        arm: bool(q <= plan.alpha)
        for arm, q in zip(arms, np.asarray(adjusted, dtype=float), strict=True)
    }
