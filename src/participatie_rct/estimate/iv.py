"""The complier average causal effect (CACE) under non-compliance, by two-stage least squares.

Assignment (the arm drawn) instruments receipt (whether the participant actually got that
arm's treatment). With one-sided or two-sided non-compliance, monotonicity and the exclusion
restriction, 2SLS identifies the effect among compliers (Angrist, Imbens and Rubin 1996).
Several arms: receipt of arm ``a`` is ``received * 1[arm == a]``, instrumented by
``1[arm == a]`` (just identified).

Variances follow estimatr's ``iv_robust``: the sandwich is built from the first-stage fitted
regressors ``X_hat = P_Z X`` with the structural residuals ``y - X b``; HC2/HC3 leverages are
those of ``X_hat``; CR2 works on ``X_hat`` likewise. The first-stage F is the Wald test that
the instruments' coefficients are zero in the regression of receipt on the instruments and
exogenous terms, with the same variance type, ``F(q, n - k)`` (``G - 1`` when clustered).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from participatie_rct.choices import Adjustment, Correction, SEType, parse_choice
from participatie_rct.errors import EstimationError
from participatie_rct.estimate.arms import Arms, arm_label, resolve_arms
from participatie_rct.estimate.balance import wald_f
from participatie_rct.estimate.design_matrix import Design, check_roles, itt_design
from participatie_rct.estimate.itt import (
    _adjusted,
    numeric_outcome,
    regression_se,
    regression_vcov,
    sample_settings,
)
from participatie_rct.estimate.missing import complete_rows
from participatie_rct.estimate.results import Effect, EffectsResult, make_effect
from participatie_rct.estimate.variance import (
    LeastSquares,
    kept_columns,
    least_squares,
)
from participatie_rct.tidy import resolve_level


@dataclass(frozen=True, repr=False)
class CACEResult(EffectsResult):
    """Complier effects per arm; ``settings["first_stage"]`` holds each arm's first-stage F."""

    title: str = "Complier average causal effects (2SLS)"


def receipt(values: pd.Series, arms: Arms, *, name: str) -> np.ndarray:
    """Indicators of the arm each row received, one column per treated arm.

    ``values`` holds either the arm received (same levels as the treatment column), or 0/1:
    with two arms, 1 means the row received the treatment (whatever its assignment); with
    more arms, 1 means it received the treatment of its assigned arm, and control rows must be
    0 (a 1 there cannot say which arm was received: give the arm's name instead).
    """
    labels = np.array([arm_label(v) for v in values.to_numpy()], dtype=object)
    known = {arms.control, *arms.treated}
    if set(labels) <= known and not set(labels) <= {"0", "1"}:
        return np.column_stack([(labels == a).astype(float) for a in arms.treated])
    d = numeric_outcome(values, name=name)
    if not np.isin(d, (0.0, 1.0)).all():
        raise EstimationError(
            f"column '{name}' must hold 0/1 (received or not) or the arm received; found "
            f"{sorted(set(labels) - known - {'0', '1'})[:3]}."
        )
    if len(arms.treated) == 1:
        return d[:, None]
    in_control = (arms.labels == arms.control) & (d == 1)
    if in_control.any():
        raise EstimationError(
            f"column '{name}': {int(in_control.sum())} control rows have 1, but with several "
            "arms a "
            "1 cannot say which arm they received. Put the received arm's name in this column."
        )
    return np.column_stack([(arms.labels == a) * d for a in arms.treated])


def cace(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    received: str,
    control: object = None,
    covariates: Sequence[str] = (),
    strata: str | None = None,
    cluster: str | None = None,
    se_type: str | None = None,
    conf_level: float = 0.95,
    correction: str = "holm",
    missing: str = "drop",
    alpha: float | None = None,
) -> CACEResult:
    """Complier effect of every arm against control: ``received`` instrumented by assignment.

    ``received`` is 0/1 (or boolean): whether the participant received the treatment of the
    arm they were assigned to (rows in control should be 0 unless they crossed over to ...
    any treatment, which this model cannot tell apart; set them to 0 or 1 accordingly).
    ``covariates`` and strata dummies enter as exogenous regressors.
    """
    covariates = tuple(covariates)
    level = resolve_level(conf_level, alpha)
    corr = parse_choice(Correction, correction, parameter="correction")
    se = regression_se(se_type, cluster=cluster)
    check_roles(outcome=outcome, treatment=treatment, covariates=covariates)
    used = [outcome, treatment, received, *covariates, *(c for c in (strata, cluster) if c)]
    cleaned = complete_rows(data, used, treatment=treatment, policy=missing)
    frame = cleaned.data
    y = numeric_outcome(frame[outcome], name=outcome)
    arms = resolve_arms(frame[treatment], treatment=treatment, control=control)
    adjust = Adjustment.LINEAR.value if covariates else Adjustment.NONE.value
    Zd = itt_design(frame, arms, covariates=covariates, strata=strata, adjust=adjust)
    iv = _instrumented(Zd, receipt(frame[received], arms, name=received))
    fit = _two_stage_least_squares(iv, y, received=received)
    cl = frame[cluster].to_numpy() if cluster else None
    vcov, dfs, _ = regression_vcov(fit, se, cl, iv.arm_idx)
    effects = _complier_effects(fit.coef, vcov, dfs, arms, iv.arm_idx, level=level)
    settings = {
        "outcome": outcome,
        "treatment": treatment,
        "received": received,
        "estimator": "2sls",
        "adjust": "linear" if covariates else "none",
        "se_type": se.value,
        "strata": strata,
        "cluster": cluster,
        "covariates": list(covariates),
        **sample_settings(arms, cleaned, conf_level=level, correction=corr),
        "first_stage": _first_stage(iv, arms, se, cl),
    }
    return CACEResult(tuple(_adjusted(effects)), settings)


@dataclass(frozen=True)
class _Instrumented:
    """The instruments ``Z`` (assignment design), the regressors ``X`` (receipt in place of
    assignment), both on the non-collinear columns; ``d`` the treatment received per row and
    ``arm_idx`` the positions of the arm columns."""

    Z: np.ndarray
    X: np.ndarray
    d: np.ndarray
    arm_idx: np.ndarray


def _instrumented(Zd: Design, received: np.ndarray) -> _Instrumented:
    """Replace the arm indicators of the assignment design by ``received`` (one column per arm).

    Refuses a design whose arm indicators are collinear with the strata or covariates: no
    instrument would be left.
    """
    arm_cols = list(Zd.arm_columns)
    X = Zd.X.copy()
    X[:, arm_cols] = received  # receipt replaces assignment
    d = X[:, arm_cols].sum(axis=1)
    kept = kept_columns(Zd.X)
    if not set(arm_cols) <= set(kept.tolist()):
        raise EstimationError(
            "the arm indicators are collinear with the strata or covariates; no instrument left."
        )
    pos = {int(c): i for i, c in enumerate(kept)}
    arm_idx = np.array([pos[c] for c in arm_cols])
    return _Instrumented(Zd.X[:, kept], X[:, kept], d, arm_idx)


def _two_stage_least_squares(iv: _Instrumented, y: np.ndarray, *, received: str) -> LeastSquares:
    """2SLS as a fit whose sandwich is estimatr's: ``X_hat`` as regressors, structural residuals.

    Refuses instruments that do not move ``received`` (no first stage: not identified).
    """
    first = least_squares(iv.Z, iv.X)  # every column of X on Z: exogenous columns are reproduced
    X_hat = iv.Z @ first.coef
    second = least_squares(X_hat, y)
    if second.k < iv.X.shape[1]:
        raise EstimationError(
            f"the instruments do not move '{received}' (no first stage): in some arm nobody, or "
            "everybody, received the treatment as in control. The complier effect is not "
            "identified."
        )
    b = second.coef
    resid = y - iv.X @ b  # structural residuals, with the received treatment
    return LeastSquares(b, resid, second.X, second.Q, second.xtx_inv, second.kept)


def _complier_effects(
    b: np.ndarray,
    vcov: np.ndarray,
    dfs: np.ndarray,
    arms: Arms,
    arm_idx: np.ndarray,
    *,
    level: float,
) -> list[Effect]:
    """One complier effect per arm from the 2SLS coefficients and their variance."""
    n_by_arm = arms.counts()
    effects = []
    for arm, j in zip(arms.treated, arm_idx, strict=True):
        effects.append(
            make_effect(
                arm=arm,
                term="cace",
                estimate=b[j],
                std_error=float(np.sqrt(vcov[j, j])),
                df=float(dfs[j]),
                conf_level=level,
                n=n_by_arm[arm] + n_by_arm[arms.control],
                n_arm=n_by_arm[arm],
                n_control=n_by_arm[arms.control],
            )
        )
    return effects


def _first_stage(
    iv: _Instrumented, arms: Arms, se: SEType, cl: np.ndarray | None
) -> dict[str, Any]:
    """Per arm: the first-stage F of the instruments on its receipt, and the share receiving.

    The F test uses the variance type of the second stage, on ``(q, n - k)`` degrees of
    freedom (``G - 1`` when clustered).
    """
    compliance = {
        a: float(iv.d[arms.labels == a].mean()) for a in (arms.control, *arms.treated)
    }  # share receiving, per arm
    first_stage: dict[str, Any] = {}
    for arm, j in zip(arms.treated, iv.arm_idx, strict=True):
        fs = least_squares(iv.Z, iv.X[:, j])
        fs_vcov, _, _ = regression_vcov(fs, se, cl, iv.arm_idx)
        stat, q = wald_f(fs.coef, fs_vcov, iv.arm_idx)
        den = (int(np.unique(cl).size) - 1) if cl is not None else fs.n - fs.k
        first_stage[arm] = {
            "statistic": stat,
            "df": q,
            "df_residual": den,
            "p_value": float(stats.f.sf(stat, q, den)),
            "compliance_arm": compliance[arm],
            "compliance_control": compliance[arms.control],
        }
    return first_stage
