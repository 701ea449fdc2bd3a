"""Survey waves of a simulated trial: scores with direct effects of the measures and
non-response that is missing at random given covariates and benefit status.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from participatie_rct.simulate.panel import _O, _P, _W
from participatie_rct.simulate.population import _OLDER, _Cohort
from participatie_rct.simulate.scenarios import _components

if TYPE_CHECKING:
    import pandas as pd


#: Waves at intake, 12 and 24 months; response rates fall with every wave (docs/domain.md:
#: "recruitment was slow because of the many questionnaires").
_WAVES = ((0, 0, 0.85), (1, 12, 0.65), (2, 24, 0.55))
#: Odds of answering a later wave for those who withdrew, against those who stayed (assumed).
_WITHDRAWN_ODDS = 0.2
#: Direct effects of each measure on the survey's latent scores (points), from wave 1 on.
_SURVEY_EFFECTS = {
    "wellbeing": {"no_application_duty": 0.4, "intensive_support": 0.3, "earn_more": 0.1},
    "health": {"no_application_duty": 0.1, "intensive_support": 0.1, "earn_more": 0.0},
    "self_sufficiency": {"no_application_duty": 0.15, "intensive_support": 0.2, "earn_more": 0.05},
}


def _survey_effect(arm: str, outcome: str) -> float:
    return float(sum(_SURVEY_EFFECTS[outcome].get(p, 0.0) for p in _components(arm)))


def _simulate_survey(
    cohort: _Cohort,
    arms: np.ndarray,
    treated: np.ndarray,
    withdrawn: np.ndarray,
    states: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One row per participant and wave answered; non-response is missing at random given
    covariates and benefit status (lower for non-western migration background and for those
    who left benefit), and much lower after intake for those who withdrew from the trial
    (odds times ``_WITHDRAWN_ODDS``: they left because they disagreed with it)."""
    import pandas as pd

    n = arms.size
    regimes, which = np.unique(arms.astype(str), return_inverse=True)
    person = rng.normal(0.0, 1.0, size=n)
    older = np.isin(cohort.age_idx, _OLDER)
    oldest = cohort.age_idx == 3
    frames = []
    for wave, month, rate in _WAVES:
        state = states[min(month, states.shape[0] - 1)]
        working = np.isin(state, (_P, _W))
        off = np.isin(state, (_W, _O))
        logit = math.log(rate / (1 - rate)) - 0.4 * (cohort.mig_idx == 2) + 0.2 * older - 0.4 * off
        logit = logit + np.where(withdrawn & (wave > 0), math.log(_WITHDRAWN_ODDS), 0.0)
        answered = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
        effects = {
            k: np.where(
                treated & (wave > 0),
                np.array([_survey_effect(str(a), k) for a in regimes])[which],
                0.0,
            )
            for k in _SURVEY_EFFECTS
        }
        wellbeing = (
            6.2 + 1.1 * person + 0.5 * working + effects["wellbeing"] + rng.normal(0, 0.8, n)
        )
        health = (
            3.4
            - 0.2 * older
            - 0.2 * oldest
            + 0.4 * person
            + 0.2 * working
            + effects["health"]
            + rng.normal(0, 0.6, n)
        )
        selfsuff = (
            2.8
            + 0.25 * cohort.edu_idx
            + 0.3 * person
            + 0.4 * working
            + effects["self_sufficiency"]
            + rng.normal(0, 0.5, n)
        )
        frames.append(
            pd.DataFrame(
                {
                    "id": cohort.ids[answered],
                    "wave": wave,
                    "wellbeing": np.clip(np.rint(wellbeing), 0, 10).astype(int)[answered],
                    "health": np.clip(np.rint(health), 1, 5).astype(int)[answered],
                    "self_sufficiency": np.round(np.clip(selfsuff, 1.0, 5.0), 1)[answered],
                }
            )
        )
    survey = pd.concat(frames, ignore_index=True)
    return survey.sort_values(["id", "wave"], kind="mergesort").reset_index(drop=True)
