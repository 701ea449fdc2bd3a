"""Effects within subgroups (age 45+, long-term recipients, site, ...) and the interaction test.

One regression with a separate intercept and separate arm effects for every level of the
subgroup column: ``y = sum_l a_l 1[g = l] + sum_l sum_arm b_{arm,l} 1[g = l] 1[arm] (+ strata
fixed effects) + e``, so ``b_{arm,l}`` is the arm's effect within level ``l``, with the
variance of ``itt`` (HC2 by default, CR2 when clustered). The interaction test per arm is
the Wald F test that the arm's effect is the same in every level (``L - 1`` restrictions,
``F(L - 1, n - k)``); with several arms also a joint test over all arms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from participatie_rct.choices import Correction, parse_choice
from participatie_rct.errors import EstimationError
from participatie_rct.estimate.arms import arm_label, resolve_arms
from participatie_rct.estimate.design_matrix import check_roles, dummies
from participatie_rct.estimate.itt import (
    CLUSTER_SE,
    numeric_outcome,
    regression_se,
    regression_vcov,
    sample_settings,
)
from participatie_rct.estimate.missing import complete_rows
from participatie_rct.estimate.multiplicity import holm
from participatie_rct.estimate.results import EffectsResult, make_effect
from participatie_rct.estimate.variance import least_squares
from participatie_rct.tidy import resolve_level

#: a subgroup column with more levels than this is probably continuous: cut it first
MAX_LEVELS = 50


@dataclass(frozen=True, repr=False)
class SubgroupResult(EffectsResult):
    """Effects per arm and subgroup level (column ``level``); ``settings["interaction"]``
    holds the interaction tests (see :meth:`interaction_tests`)."""

    title: str = "Effects within subgroups"

    def interaction_tests(self) -> list[dict[str, Any]]:
        """Per arm (and ``arm="all"``): ``statistic`` (F), ``df``, ``df_residual``, ``p_value``."""
        return list(self.settings.get("interaction", []))


def subgroup_effects(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    subgroup: str,
    control: object = None,
    strata: str | None = None,
    cluster: str | None = None,
    se_type: str | None = None,
    conf_level: float = 0.95,
    correction: str = "holm",
    missing: str = "drop",
    alpha: float | None = None,
) -> SubgroupResult:
    """Effect of every arm against control within each level of ``subgroup``.

    ``subgroup`` is a categorical column (text, boolean or a few integers); cut continuous
    variables first (e.g. ``age >= 45``). ``p_holm`` adjusts across arms within a level.
    """
    ci_level = resolve_level(conf_level, alpha)
    corr = parse_choice(Correction, correction, parameter="correction")
    se = regression_se(se_type, cluster=cluster)
    check_roles(outcome=outcome, treatment=treatment)
    if subgroup in (outcome, treatment):
        raise EstimationError(
            f"column '{subgroup}' is the {'outcome' if subgroup == outcome else 'treatment'} and "
            "cannot also define the subgroups. Name a baseline characteristic as subgroup=."
        )
    used = [outcome, treatment, subgroup, *(c for c in (strata, cluster) if c)]
    cleaned = complete_rows(data, used, treatment=treatment, policy=missing)
    frame = cleaned.data
    y = numeric_outcome(frame[outcome], name=outcome)
    arms = resolve_arms(frame[treatment], treatment=treatment, control=control)
    G, levels = dummies(frame[subgroup], drop_first=False)
    levels = [arm_label(v) if not isinstance(v, str) else v for v in levels]
    if len(levels) > MAX_LEVELS:
        raise EstimationError(
            f"column '{subgroup}' has {len(levels)} levels; subgroups need a categorical column "
            f"(at most {MAX_LEVELS} levels). Cut it first, e.g. age >= 45."
        )
    T = np.column_stack([arms.indicator(a) for a in arms.treated])
    cols = [G]
    index: dict[tuple[str, str], int] = {}
    for li, level in enumerate(levels):
        for ai, arm in enumerate(arms.treated):
            index[(arm, level)] = len(levels) + li * len(arms.treated) + ai
        cols.append(T * G[:, [li]])
    if strata is not None:
        cols.append(dummies(frame[strata])[0])
    X = np.hstack(cols)
    fit = least_squares(X, y)
    pos = {int(c): i for i, c in enumerate(fit.kept)}
    lost = [f"{arm} in {subgroup}={lv}" for (arm, lv), c in index.items() if c not in pos]
    if lost:
        raise EstimationError(
            f"no contrast with control for {', '.join(lost[:3])}: each subgroup level needs "
            "rows in "
            "control and in every arm. Merge small levels."
        )
    wanted = np.array([pos[c] for c in index.values()])
    clusters = frame[cluster].to_numpy() if cluster is not None else None
    vcov, dfs, _ = regression_vcov(fit, se, clusters, wanted)
    glabels = np.array([str(v) for v in frame[subgroup].astype("string").to_numpy()], dtype=object)
    effects = []
    for level in levels:
        in_level = glabels == str(level)
        n_ctrl = int((in_level & (arms.labels == arms.control)).sum())
        level_effects = []
        for arm in arms.treated:
            j = pos[index[(arm, level)]]
            n_arm = int((in_level & (arms.labels == arm)).sum())
            level_effects.append(
                make_effect(
                    arm=arm,
                    term="itt",
                    estimate=fit.coef[j],
                    std_error=float(np.sqrt(vcov[j, j])),
                    df=float(dfs[j]),
                    conf_level=ci_level,
                    n=n_arm + n_ctrl,
                    n_arm=n_arm,
                    n_control=n_ctrl,
                    extra=(("subgroup", subgroup), ("level", str(level))),
                )
            )
        from dataclasses import replace

        ph = holm([e.p_value for e in level_effects])
        effects += [replace(e, p_holm=float(p)) for e, p in zip(level_effects, ph, strict=True)]

    df_den = float(np.unique(frame[cluster]).size - 1) if se in CLUSTER_SE else float(fit.n - fit.k)
    tests = []
    rows_all = []
    for arm in arms.treated:
        rows = []
        for lv in levels[1:]:
            r = np.zeros(fit.k)
            r[pos[index[(arm, lv)]]] = 1.0
            r[pos[index[(arm, levels[0])]]] = -1.0
            rows.append(r)
        rows_all += rows
        tests.append({"arm": arm, **_wald(np.array(rows), fit.coef, vcov, df_den)})
    if len(arms.treated) > 1:
        tests.append({"arm": "all", **_wald(np.array(rows_all), fit.coef, vcov, df_den)})
    settings = {
        "outcome": outcome,
        "treatment": treatment,
        "subgroup": subgroup,
        "levels": [str(lv) for lv in levels],
        "estimator": "ols",
        "adjust": "none",
        "covariates": [],
        "se_type": se.value,
        "strata": strata,
        "cluster": cluster,
        **sample_settings(arms, cleaned, conf_level=ci_level, correction=corr),
        "interaction": tests,
    }
    return SubgroupResult(tuple(effects), settings)


def _wald(R: np.ndarray, coef: np.ndarray, vcov: np.ndarray, df_den: float) -> dict[str, float]:
    """Wald F for ``R b = 0``: ``(Rb)' (R V R')^-1 (Rb) / q`` on ``(q, df_den)``."""
    if R.size == 0:
        return {"statistic": np.nan, "df": 0, "df_residual": df_den, "p_value": np.nan}
    rb = R @ coef
    stat = float(rb @ np.linalg.pinv(R @ vcov @ R.T) @ rb) / R.shape[0]
    return {
        "statistic": stat,
        "df": int(R.shape[0]),
        "df_residual": df_den,
        "p_value": float(stats.f.sf(stat, R.shape[0], df_den)),
    }
