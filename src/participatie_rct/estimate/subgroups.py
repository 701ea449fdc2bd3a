"""Effects within subgroups (age 45+, long-term recipients, site, ...) and the interaction test.

One regression with a separate intercept and separate arm effects for every level of the
subgroup column: ``y = sum_l a_l 1[g = l] + sum_l sum_arm b_{arm,l} 1[g = l] 1[arm] (+ strata
fixed effects) + e``, so ``b_{arm,l}`` is the arm's effect within level ``l``, with the
variance of ``itt`` (HC2 by default, CR2 when clustered). The interaction test per arm is
the Wald F test that the arm's effect is the same in every level (``L - 1`` restrictions,
``F(L - 1, n - k)``); with several arms also a joint test over all arms.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from participatie_rct.choices import Correction, parse_choice
from participatie_rct.errors import EstimationError
from participatie_rct.estimate.arms import Arms, arm_label, resolve_arms
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
from participatie_rct.estimate.results import Effect, EffectsResult, make_effect
from participatie_rct.estimate.variance import LeastSquares, least_squares
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
    _check_subgroup_role(subgroup, outcome=outcome, treatment=treatment)
    used = [outcome, treatment, subgroup, *(c for c in (strata, cluster) if c)]
    cleaned = complete_rows(data, used, treatment=treatment, policy=missing)
    frame = cleaned.data
    y = numeric_outcome(frame[outcome], name=outcome)
    arms = resolve_arms(frame[treatment], treatment=treatment, control=control)
    model = _saturated_design(frame, arms, subgroup=subgroup, strata=strata)
    fit = least_squares(model.X, y)
    pos = _coefficient_positions(fit, model, subgroup)
    wanted = np.array([pos[c] for c in model.index.values()])
    clusters = frame[cluster].to_numpy() if cluster is not None else None
    vcov, dfs, _ = regression_vcov(fit, se, clusters, wanted)
    effects = _level_effects(
        frame[subgroup], arms, model, fit.coef, pos, vcov, dfs, subgroup=subgroup, level=ci_level
    )
    df_den = float(np.unique(frame[cluster]).size - 1) if se in CLUSTER_SE else float(fit.n - fit.k)
    settings = {
        "outcome": outcome,
        "treatment": treatment,
        "subgroup": subgroup,
        "levels": [str(lv) for lv in model.levels],
        "estimator": "ols",
        "adjust": "none",
        "covariates": [],
        "se_type": se.value,
        "strata": strata,
        "cluster": cluster,
        **sample_settings(arms, cleaned, conf_level=ci_level, correction=corr),
        "interaction": _interaction_tests(arms, model, fit.coef, pos, vcov, df_den),
    }
    return SubgroupResult(tuple(effects), settings)


def _check_subgroup_role(subgroup: str, *, outcome: str, treatment: str) -> None:
    """Refuse a subgroup column that is also the outcome or the treatment."""
    if subgroup in (outcome, treatment):
        raise EstimationError(
            f"column '{subgroup}' is the {'outcome' if subgroup == outcome else 'treatment'} and "
            "cannot also define the subgroups. Name a baseline characteristic as subgroup=."
        )


@dataclass(frozen=True)
class _Saturated:
    """The design with an intercept and arm effects per subgroup level.

    ``index`` maps (arm, level) to the column of that arm's effect within that level.
    """

    X: np.ndarray
    levels: list[str]
    index: dict[tuple[str, str], int]


def _saturated_design(
    frame: pd.DataFrame, arms: Arms, *, subgroup: str, strata: str | None
) -> _Saturated:
    """Level dummies, then arm x level interactions, then strata dummies when given.

    Refuses a subgroup column with more than :data:`MAX_LEVELS` levels (a continuous
    variable that was not cut).
    """
    G, found = dummies(frame[subgroup], drop_first=False)
    levels = [arm_label(v) if not isinstance(v, str) else v for v in found]
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
    return _Saturated(np.hstack(cols), levels, index)


def _coefficient_positions(fit: LeastSquares, model: _Saturated, subgroup: str) -> dict[int, int]:
    """Design column -> position among the kept coefficients; every arm x level must survive.

    An arm x level column dropped as collinear means a level without rows in control or in
    that arm: refused, naming the first such cells.
    """
    pos = {int(c): i for i, c in enumerate(fit.kept)}
    lost = [f"{arm} in {subgroup}={lv}" for (arm, lv), c in model.index.items() if c not in pos]
    if lost:
        raise EstimationError(
            f"no contrast with control for {', '.join(lost[:3])}: each subgroup level needs "
            "rows in "
            "control and in every arm. Merge small levels."
        )
    return pos


def _level_effects(
    groups: pd.Series,
    arms: Arms,
    model: _Saturated,
    coef: np.ndarray,
    pos: dict[int, int],
    vcov: np.ndarray,
    dfs: np.ndarray,
    *,
    subgroup: str,
    level: float,
) -> list[Effect]:
    """One effect per level and arm, Holm-adjusted across the arms within each level."""
    glabels = np.array([str(v) for v in groups.astype("string").to_numpy()], dtype=object)
    effects = []
    for name in model.levels:
        in_level = glabels == str(name)
        n_ctrl = int((in_level & (arms.labels == arms.control)).sum())
        level_effects = []
        for arm in arms.treated:
            j = pos[model.index[(arm, name)]]
            n_arm = int((in_level & (arms.labels == arm)).sum())
            level_effects.append(
                make_effect(
                    arm=arm,
                    term="itt",
                    estimate=coef[j],
                    std_error=float(np.sqrt(vcov[j, j])),
                    df=float(dfs[j]),
                    conf_level=level,
                    n=n_arm + n_ctrl,
                    n_arm=n_arm,
                    n_control=n_ctrl,
                    extra=(("subgroup", subgroup), ("level", str(name))),
                )
            )
        ph = holm([e.p_value for e in level_effects])
        effects += [replace(e, p_holm=float(p)) for e, p in zip(level_effects, ph, strict=True)]
    return effects


def _interaction_tests(
    arms: Arms,
    model: _Saturated,
    coef: np.ndarray,
    pos: dict[int, int],
    vcov: np.ndarray,
    df_den: float,
) -> list[dict[str, Any]]:
    """Per arm the Wald F test of one effect in every level; with several arms also ``all``.

    Each restriction contrasts a level's effect with the first level's.
    """
    levels = model.levels
    tests = []
    rows_all = []
    for arm in arms.treated:
        rows = []
        for lv in levels[1:]:
            r = np.zeros(coef.size)
            r[pos[model.index[(arm, lv)]]] = 1.0
            r[pos[model.index[(arm, levels[0])]]] = -1.0
            rows.append(r)
        rows_all += rows
        tests.append({"arm": arm, **_wald(np.array(rows), coef, vcov, df_den)})
    if len(arms.treated) > 1:
        tests.append({"arm": "all", **_wald(np.array(rows_all), coef, vcov, df_den)})
    return tests


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
