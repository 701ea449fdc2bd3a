"""The simulated population: covariate distributions, the exact covariate cells, and the
cohort of invited recipients (consent, covariates, intake dates).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from participatie_rct.months import add_months
from participatie_rct.simulate.scenarios import ScenarioSpec

# --------------------------------------------------------------------------------------------
# Covariate distributions: (value, share, log-HR work, log-HR part-time, log-HR other exit).
# Shares describe a municipal long-term caseload (Rotterdam's long-term group averages 51
# years of age and 11 years on benefit; docs/domain.md); hazard ratios are plausible orders of
# magnitude, not estimates: the calibration pins the overall levels.
# --------------------------------------------------------------------------------------------
_AGE = (  # (group, lowest age, highest age, share, work, part, other)
    ("18-29", 18, 29, 0.18, 0.00, 0.10, 0.30),
    ("30-44", 30, 44, 0.32, -0.10, 0.05, 0.00),
    ("45-54", 45, 54, 0.26, -0.45, -0.10, -0.20),
    ("55-66", 55, 66, 0.24, -0.90, -0.40, -0.20),
)
_SEX = (("v", 0.52, 0.00, 0.10, 0.0), ("m", 0.47, 0.10, -0.10, 0.0), ("x", 0.01, 0.00, 0.00, 0.0))
_EDUCATION = (
    ("low", 0.55, 0.00, 0.00, 0.0),
    ("middle", 0.33, 0.30, 0.20, 0.0),
    ("high", 0.12, 0.50, 0.30, 0.1),
)
_HOUSEHOLD = (
    ("single", 0.55, 0.00, 0.00, 0.0),
    ("single_parent", 0.25, -0.20, 0.20, 0.1),
    ("couple", 0.08, 0.10, 0.00, 0.2),
    ("couple_with_children", 0.12, 0.00, 0.10, 0.2),
)
_MIGRATION = (
    ("none", 0.45, 0.00, 0.00, 0.0),
    ("western", 0.10, 0.00, 0.00, 0.2),
    ("non_western", 0.45, -0.15, -0.10, 0.0),
)
#: Months on benefit at intake: (lowest, highest, share, work duration factor).
_DURATION = (
    (0, 11, 0.12, 2.2),
    (12, 35, 0.22, 1.4),
    (36, 59, 0.20, 1.0),
    (60, 119, 0.26, 0.75),
    (120, 240, 0.20, 0.5),
)
_OLDER = (2, 3)  # age groups 45+: treatment effects halved on the log-hazard scale


@dataclass(frozen=True)
class _Cells:
    """Every combination of the categorical covariates, with its population weight."""

    weight: np.ndarray
    lp_work: np.ndarray
    lp_part: np.ndarray
    lp_other: np.ndarray
    older: np.ndarray  # bool: aged 45 or over


@lru_cache(maxsize=1)
def _population_cells() -> _Cells:
    tables = [
        [(a[3], a[4], a[5], a[6], i in _OLDER) for i, a in enumerate(_AGE)],
        [(s[1], s[2], s[3], s[4], False) for s in _SEX],
        [(e[1], e[2], e[3], e[4], False) for e in _EDUCATION],
        [(h[1], h[2], h[3], h[4], False) for h in _HOUSEHOLD],
        [(m[1], m[2], m[3], m[4], False) for m in _MIGRATION],
        [(d[2], math.log(d[3]), 0.0, 0.0, False) for d in _DURATION],
    ]
    weight = np.ones(1)
    lps = [np.zeros(1), np.zeros(1), np.zeros(1)]
    older = np.zeros(1, dtype=bool)
    for table in tables:
        w = np.array([row[0] for row in table])
        weight = np.multiply.outer(weight, w).ravel()
        for k in range(3):
            v = np.array([row[k + 1] for row in table])
            lps[k] = np.add.outer(lps[k], v).ravel()
        older = np.logical_or.outer(older, np.array([row[4] for row in table])).ravel()
    return _Cells(weight / weight.sum(), lps[0], lps[1], lps[2], older)


# --------------------------------------------------------------------------------------------
# The cohort: invitation, consent, covariates, intake dates
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cohort:
    """Every invited person (arrays in invitation order = id order)."""

    ids: np.ndarray
    site: np.ndarray
    enrolled_on: np.ndarray  # datetime64[D]
    consent: np.ndarray
    age: np.ndarray
    age_idx: np.ndarray
    sex_idx: np.ndarray
    edu_idx: np.ndarray
    hh_idx: np.ndarray
    mig_idx: np.ndarray
    dur_idx: np.ndarray
    months_on_benefit: np.ndarray

    def take(self, index: np.ndarray) -> _Cohort:
        return _Cohort(**{k: getattr(self, k)[index] for k in self.__dataclass_fields__})

    def cell_index(self) -> np.ndarray:
        """Each person's covariate cell: the row of :func:`_population_cells` (its tables are
        crossed in the order age, sex, education, household, migration, duration)."""
        index = np.zeros(self.ids.size, dtype=np.int64)
        for table, idx in (
            (_AGE, self.age_idx), (_SEX, self.sex_idx), (_EDUCATION, self.edu_idx),
            (_HOUSEHOLD, self.hh_idx), (_MIGRATION, self.mig_idx), (_DURATION, self.dur_idx),
        ):  # fmt: skip
            index = index * len(table) + idx
        return index

    def linear_predictors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Log hazard shifts (work, part-time, other) of each person's covariates."""
        out = []
        for k in range(3):
            lp = np.array([a[4 + k] for a in _AGE])[self.age_idx]
            for table, idx in (
                (_SEX, self.sex_idx),
                (_EDUCATION, self.edu_idx),
                (_HOUSEHOLD, self.hh_idx),
                (_MIGRATION, self.mig_idx),
            ):
                lp = lp + np.array([row[2 + k] for row in table])[idx]
            if k == 0:
                lp = lp + np.log(np.array([d[3] for d in _DURATION]))[self.dur_idx]
            out.append(lp)
        return out[0], out[1], out[2]

    @property
    def older(self) -> np.ndarray:
        return np.isin(self.age_idx, _OLDER)


@lru_cache(maxsize=32)
def _consent_intercept(consent_rate: float, selection: float) -> float:
    """Intercept of the consent logit that makes the invited population consent at
    ``consent_rate`` on average."""
    from scipy.optimize import brentq

    cells = _population_cells()
    nearness = cells.lp_work - float(cells.weight @ cells.lp_work)

    def gap(alpha: float) -> float:
        return float(cells.weight @ _logistic(alpha + selection * nearness)) - consent_rate

    return float(brentq(gap, -60.0, 60.0, xtol=1e-13))


def _logistic(x: np.ndarray) -> np.ndarray:
    p: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return p


def consent_probability(lp_work: np.ndarray, consent_rate: float, selection: float) -> np.ndarray:
    """Each invited person's chance of consenting: a logit that rises by ``selection`` per unit
    of the person's log work hazard (nearer to work, more often willing: the evaluations report
    that participants were closer to work than the caseload), centred so that the whole invited
    population consents at ``consent_rate``. A rate of 1 means everyone takes part."""
    if consent_rate >= 1.0:
        return np.ones_like(lp_work)
    cells = _population_cells()
    nearness = lp_work - float(cells.weight @ cells.lp_work)
    return _logistic(_consent_intercept(consent_rate, selection) + selection * nearness)


@lru_cache(maxsize=32)
def _participant_cells(consent_rate: float, selection: float) -> _Cells:
    """The covariate cells of those who consent: the population weights times each cell's
    consent probability (exact, so calibration and truth describe the participants)."""
    cells = _population_cells()
    weight = cells.weight * consent_probability(cells.lp_work, consent_rate, selection)
    return _Cells(weight / weight.sum(), cells.lp_work, cells.lp_part, cells.lp_other, cells.older)


def _intake_dates(spec: ScenarioSpec, size: int, rng: np.random.Generator) -> np.ndarray:
    """Intake date of each invited person in arrival order: one day (batch), the first day of
    each wave with the arrivals split equally over the waves, or spread over the months of a
    rolling intake."""
    start = np.datetime64(spec.intake_start, "D")
    if spec.intake == "batch":
        return np.full(size, start)
    if spec.intake == "waves":
        firsts = np.array(
            [np.datetime64(add_months(spec.intake_start, m), "D") for m in spec.waves]
        )
        which = (np.arange(size) * len(spec.waves)) // max(size, 1)
        return firsts[which]
    end = np.datetime64(add_months(spec.intake_start, spec.intake_months), "D")
    days = int((end - start).astype(int))
    return start + np.sort(rng.integers(0, days, size=size)).astype("timedelta64[D]")


def _draw_people(spec: ScenarioSpec, size: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Covariates (as category indices) and consent of ``size`` invited people."""

    def pick(shares: Sequence[float]) -> np.ndarray:
        p = np.asarray(shares, dtype=float)
        return rng.choice(p.size, size=size, p=p / p.sum())

    out = {
        "site_idx": pick([s for _, s in spec.sites]),
        "age_idx": pick([a[3] for a in _AGE]),
        "sex_idx": pick([s[1] for s in _SEX]),
        "edu_idx": pick([e[1] for e in _EDUCATION]),
        "hh_idx": pick([h[1] for h in _HOUSEHOLD]),
        "mig_idx": pick([m[1] for m in _MIGRATION]),
        "dur_idx": pick([d[2] for d in _DURATION]),
        "u_age": rng.random(size),
        "u_dur": rng.random(size),
        "u_consent": rng.random(size),
    }
    lp_work = (
        np.array([a[4] for a in _AGE])[out["age_idx"]]
        + np.array([s[2] for s in _SEX])[out["sex_idx"]]
        + np.array([e[2] for e in _EDUCATION])[out["edu_idx"]]
        + np.array([h[2] for h in _HOUSEHOLD])[out["hh_idx"]]
        + np.array([m[2] for m in _MIGRATION])[out["mig_idx"]]
        + np.log(np.array([d[3] for d in _DURATION]))[out["dur_idx"]]
    )
    chance = consent_probability(lp_work, spec.consent_rate, spec.consent_selection)
    out["consent"] = out.pop("u_consent") < chance
    return out


def _draw_cohort(spec: ScenarioSpec, rng: np.random.Generator) -> _Cohort:
    """Invite people one after another until ``spec.n`` have consented."""
    parts: list[dict[str, np.ndarray]] = []
    agreed = 0
    while agreed < spec.n:
        chunk = math.ceil((spec.n - agreed) / spec.consent_rate * 1.1) + 16
        parts.append(_draw_people(spec, chunk, rng))
        agreed += int(parts[-1]["consent"].sum())
    drawn = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    size = int(np.flatnonzero(drawn["consent"])[spec.n - 1]) + 1
    drawn = {k: v[:size] for k, v in drawn.items()}
    enrolled = _intake_dates(spec, size, rng)
    age_idx, dur_idx = drawn["age_idx"], drawn["dur_idx"]
    low = np.array([a[1] for a in _AGE])[age_idx]
    high = np.array([a[2] for a in _AGE])[age_idx]
    age = low + np.floor(drawn["u_age"] * (high - low + 1)).astype(int)
    d_low = np.array([d[0] for d in _DURATION])[dur_idx]
    d_high = np.array([d[1] for d in _DURATION])[dur_idx]
    months = d_low + np.floor(drawn["u_dur"] * (d_high - d_low + 1)).astype(int)
    width = max(6, len(str(size)))
    ids = np.array([f"{spec.id_prefix}-{i:0{width}d}" for i in range(1, size + 1)], dtype=object)
    sites = np.array([s for s, _ in spec.sites], dtype=object)[drawn["site_idx"]]
    return _Cohort(
        ids, sites, enrolled, drawn["consent"], age, age_idx, drawn["sex_idx"],
        drawn["edu_idx"], drawn["hh_idx"], drawn["mig_idx"], dur_idx, months,
    )  # fmt: skip


def _age_group(age_idx: np.ndarray) -> np.ndarray:
    """The stratum column ``age_group``: ``18-44`` or ``45+``."""
    groups: np.ndarray = np.array(["18-44", "45+"], dtype=object)[
        np.isin(age_idx, _OLDER).astype(int)
    ]
    return groups
