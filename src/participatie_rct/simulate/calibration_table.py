"""Simulated against published figures, per scenario: the table of docs/simulation_tables.md.

Every figure a scenario claims (``published.DESIGNS``, plus the figures every scenario shares:
the survival of work spells, re-entry, and the presets' effects) is measured on one large
simulated cohort of the scenario's design and set beside the published value, the model's
exact value, and the sampling error. A figure holds when the simulated value lies within
``Z`` standard errors of the published one, plus the published figure's own rounding (an
"about 13%" is not a point).

Run ``python -m participatie_rct.simulate.calibration_table docs/simulation_tables.md`` to
write the table; the tests in tests/simulate/test_calibration.py check the same rows.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from participatie_rct.simulate.chain import BACK_ON_BENEFIT_18, SURVIVE_6, SURVIVE_18
from participatie_rct.simulate.published import DESIGNS
from participatie_rct.simulate.scenarios import scenario_spec
from participatie_rct.simulate.trial import simulate_trial

if TYPE_CHECKING:
    from participatie_rct.simulate.result import SimulatedTrial

#: Standard errors a simulated figure may lie from the published one (one false alarm in
#: about 150,000 checks under the model).
Z = 4.5
#: The preset each scenario's table is drawn under: the one its published figures describe.
TABLE_PRESET = {"wageningen": "seed", "utrecht": "late_exemption"}
_SOURCE_SYNTHESIS = "Sanders et al. 2020; Kamerstuk 34 352, N (May 2020)"
_CPB = "CPB 2022 (Verlaat and Zulkarnain)"


@dataclass(frozen=True)
class Figure:
    """One published figure beside its simulated value."""

    scenario: str
    name: str
    published: float
    source: str
    simulated: float
    model: float | None
    std_error: float
    rounding: float = 0.0

    @property
    def holds(self) -> bool:
        return abs(self.simulated - self.published) <= Z * self.std_error + self.rounding + 1e-12


def _se(p: float, n: int) -> float:
    return math.sqrt(max(p * (1.0 - p), 1e-12) / max(n, 1))


def _work_spells(trial: SimulatedTrial) -> dict[str, tuple[float, int]]:
    """From the written monthly table: among participants whose first exit is to work in
    months 1..6, the share working 12 hours or more in every month from the exit to 6 and 18
    months later, and the share on benefit in any of the 18 months after it."""
    months = trial.benefit_months
    assert months is not None
    out = trial.outcomes.set_index("id")
    leavers = out[(out["exit_reason"] == "work") & (out["exit_month"] <= 6)]
    rows = months[months["id"].isin(leavers.index)]
    exit_k = leavers["exit_month"].reindex(rows["id"]).to_numpy()
    k = rows.groupby("id", sort=False).cumcount().to_numpy()  # months after intake
    since = k - exit_k
    working = rows["hours_band"].isin(["12_to_27", "over_27"]).to_numpy()
    person = rows["id"].to_numpy()

    def all_working(until: int) -> float:
        window = (since >= 0) & (since <= until)
        broken = set(person[window & ~working])
        return 1.0 - len(broken) / len(leavers)

    window = (since >= 1) & (since <= 18)
    back = len(set(person[window & rows["on_benefit"].to_numpy()])) / len(leavers)
    n = len(leavers)
    return {"s6": (all_working(6), n), "s18": (all_working(18), n), "back": (back, n)}


def _common(scenario: str, trial: SimulatedTrial) -> list[Figure]:
    """The job-survival figures every scenario shares (docs/domain.md, 'staying in work')."""
    spells = _work_spells(trial)
    model = trial.truth["model"]
    rows = []
    for key, name, value, exact in (
        ("s6", "still working 6 months after leaving for work", SURVIVE_6,
         model["still_working_6_months_after_work"]),
        ("s18", "still working 18 months after leaving for work", SURVIVE_18,
         model["still_working_18_months_after_work"]),
        ("back", "back on benefit within 18 months of leaving for work", BACK_ON_BENEFIT_18,
         model["back_on_benefit_18_months_after_work"]),
    ):  # fmt: skip
        share, n = spells[key]
        rows.append(Figure(scenario, name, value, "CBS outflow statistics (docs/domain.md)", share,
                           exact, _se(value, n)))  # fmt: skip
    return rows


def _arm_share(trial: SimulatedTrial, arm: str, column: str) -> tuple[float, int, float]:
    """(sample share, n, exact cohort truth) of an outcome column in one arm."""
    rows = trial.outcomes[trial.outcomes["arm"] == arm]
    key = column
    return float(rows[column].mean()), len(rows), trial.truth["arms"][arm]["cohort_itt"][key]


def _difference(trial: SimulatedTrial, arm: str, column: str) -> tuple[float, float, float]:
    """(sample difference against control, its standard error, exact cohort difference)."""
    a, na, _ = _arm_share(trial, arm, column)
    c, nc, _ = _arm_share(trial, "control", column)
    exact = trial.truth["arms"][arm]["cohort_itt_difference"][column]
    return a - c, math.hypot(_se(a, na), _se(c, nc)), exact


def _design(scenario: str, trial: SimulatedTrial, large: SimulatedTrial) -> list[Figure]:
    """The published design figures (sizes, consent, drop-out, waves, arms)."""
    rows: list[Figure] = []
    for name, value, source in DESIGNS[scenario].published:
        if name == "n":
            got, se, exact = float(trial.truth["n"]), 0.0, float(trial.spec.n)
        elif name == "consent_rate":
            t = large.truth
            got, se, exact = t["n"] / t["n_invited"], _se(value, t["n_invited"]), None
        elif name == "withdrawal_rate":
            got = large.truth["n_withdrawn"] / large.truth["n"]
            se, exact = _se(value, large.truth["n"]), large.spec.withdrawal_rate
        elif name == "waves":
            got, se, exact = float(trial.participants["enrolled_on"].nunique()), 0.0, None
        elif name == "arms":
            got, se, exact = float(len(trial.protocol.arm_keys)), 0.0, None
        elif name == "start":
            first = str(trial.participants["enrolled_on"].min())
            got, se, exact = int(first[:4]) + int(first[5:7]) / 100, 0.0, None
        else:
            continue  # effect figures: see _effects
        rows.append(Figure(scenario, name, float(value), source, got, exact, se))
    return rows


def _effects(scenario: str, large: SimulatedTrial) -> list[Figure]:
    """The effect figures of the scenario's table preset."""
    preset = large.spec.effects
    arms = [a for a in large.spec.arms if a != "control"]
    rows: list[Figure] = []
    if preset == "seed" and scenario == "wageningen":
        c, n, exact = _arm_share(large, "control", "work_12")
        rows.append(Figure(scenario, "control: out to work within 12 months", 0.06,
                           "Wageningen council member, interim (docs/domain.md)", c, exact,
                           _se(0.06, n)))  # fmt: skip
        for arm in ("intensive_support", "no_application_duty"):
            s, n, exact = _arm_share(large, arm, "work_12")
            rows.append(Figure(scenario, f"{arm}: out to work within 12 months", 0.115,
                               "Wageningen council member, interim (docs/domain.md)", s, exact,
                               _se(0.115, n)))  # fmt: skip
        pooled = large.outcomes
        work18 = float(((pooled["exit_reason"] == "work") & (pooled["exit_month"] <= 18)).mean())
        left18 = float(
            (pooled["exit_reason"].isin(["work", "other"]) & (pooled["exit_month"] <= 18)).mean()
        )
        source = "Wageningen trial population, ~18 months (docs/domain.md)"
        rows.append(Figure(scenario, "all arms: to paid work within 18 months", 0.13, source,
                           work18, None, _se(0.13, len(pooled)), rounding=0.01))  # fmt: skip
        rows.append(Figure(scenario, "all arms: left benefit within 18 months", 0.27, source,
                           left18, None, _se(0.27, len(pooled)), rounding=0.015))  # fmt: skip
        return rows
    if preset == "late_exemption":
        c, n, exact = _arm_share(large, "control", "working_12h_24")
        rows.append(Figure(scenario, "control: working >= 12 h at 24 months", 0.15,
                           _CPB, c, exact, _se(0.15, n)))  # fmt: skip
        s, n, exact = _arm_share(large, "no_application_duty", "working_12h_24")
        rows.append(Figure(scenario, "exemption: working >= 12 h at 24 months", 0.24,
                           _CPB, s, exact, _se(0.24, n)))  # fmt: skip
    for arm in arms:
        d, se, exact = _difference(large, arm, "working_27h_24")
        if "no_application_duty" in arm and preset == "late_exemption":
            continue  # the late exemption effect moves full-time work too
        rows.append(Figure(scenario, f"{arm}: effect on working > 27 h at 24 months", 0.0,
                           _SOURCE_SYNTHESIS + ": no arm raised full-time work", d, exact, se,
                           rounding=0.005))  # fmt: skip
    for arm in ("intensive_support", "earn_more"):
        if arm in arms:
            d, se, exact = _difference(large, arm, "working_12h_24")
            rows.append(Figure(scenario, f"{arm}: effect on working >= 12 h at 24 months",
                               0.03, _SOURCE_SYNTHESIS + ": +2 to +4 points part-time", d,
                               exact, se, rounding=0.01))  # fmt: skip
    return rows


def calibration_figures(scenario: str, *, n_large: int = 20_000, seed: int = 2017) -> list[Figure]:
    """Every figure the scenario claims, measured on a trial of its published size (design
    figures) and on a large cohort of the same design (rates and effects)."""
    effects = TABLE_PRESET.get(scenario, "evaluation")
    trial = simulate_trial(scenario, effects=effects, rng=np.random.default_rng(seed))
    large = simulate_trial(
        scenario_spec(scenario, effects=effects, n=n_large), rng=np.random.default_rng(seed + 1)
    )
    return _design(scenario, trial, large) + _effects(scenario, large) + _common(scenario, large)


def _markdown(scenario: str, figures: list[Figure]) -> list[str]:
    preset = TABLE_PRESET.get(scenario, "evaluation")
    lines = [
        f"## {scenario} (effects: {preset})",
        "",
        "| figure | published | simulated | model | SE | holds | source |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in figures:
        model = "" if f.model is None else f"{f.model:.4g}"
        lines.append(
            f"| {f.name} | {f.published:.6g} | {f.simulated:.6g} | {model} | {f.std_error:.2g} "
            f"| {'yes' if f.holds else 'NO'} | {f.source} |"
        )
    assumed = DESIGNS[scenario].assumed
    if assumed:
        lines += ["", "Assumed (not published): " + "; ".join(assumed) + "."]
    return [*lines, ""]


def write_tables(path: str, *, n_large: int = 20_000) -> None:
    """Write the tables of every scenario to ``path`` (markdown)."""
    lines = [
        "# Simulated against published figures",
        "",
        "Generated by `python -m participatie_rct.simulate.calibration_table "
        "docs/simulation_tables.md`; do not edit by hand. Design figures come from one trial "
        f"of the published size, rates and effects from a cohort of {n_large:,} participants of "
        f"the same design. A figure holds when the simulated value lies within {Z} standard "
        "errors of the published one (plus the published figure's rounding). 'model' is the "
        "model's exact value (no sampling). Sources: docs/simulation.md.",
        "",
    ]
    for scenario in DESIGNS:
        lines += _markdown(scenario, calibration_figures(scenario, n_large=n_large))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


if __name__ == "__main__":  # pragma: no cover - a script entry point
    write_tables(sys.argv[1] if len(sys.argv) > 1 else "docs/simulation_tables.md")
