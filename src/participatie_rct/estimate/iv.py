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

from participatie_rct.choices import Adjustment, Correction, parse_choice
from participatie_rct.errors import EstimationError
from participatie_rct.estimate.arms import Arms, arm_label, resolve_arms
from participatie_rct.estimate.balance import wald_f
from participatie_rct.estimate.design_matrix import check_roles, itt_design
from participatie_rct.estimate.itt import (
    _adjusted,
    numeric_outcome,
    regression_se,
    regression_vcov,
    sample_settings,
)
from participatie_rct.estimate.missing import complete_rows
from participatie_rct.estimate.results import EffectsResult, make_effect
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
    arm_cols = list(Zd.arm_columns)
    X = Zd.X.copy()
    X[:, arm_cols] = receipt(frame[received], arms, name=received)  # receipt replaces assignment
    d = X[:, arm_cols].sum(axis=1)
    kept = kept_columns(Zd.X)
    if not set(arm_cols) <= set(kept.tolist()):
        raise EstimationError(
            "the arm indicators are collinear with the strata or covariates; no instrument left."
        )
    Z, X = Zd.X[:, kept], X[:, kept]
    pos = {int(c): i for i, c in enumerate(kept)}
    arm_idx = np.array([pos[c] for c in arm_cols])

    first = least_squares(Z, X)  # every column of X on Z: exogenous columns are reproduced
    X_hat = Z @ first.coef
    second = least_squares(X_hat, y)
    if second.k < X.shape[1]:
        raise EstimationError(
            f"the instruments do not move '{received}' (no first stage): in some arm nobody, or "
            "everybody, received the treatment as in control. The complier effect is not "
            "identified."
        )
    b = second.coef
    resid = y - X @ b  # structural residuals, with the received treatment
    fit = LeastSquares(b, resid, second.X, second.Q, second.xtx_inv, second.kept)
    cl = frame[cluster].to_numpy() if cluster else None
    vcov, dfs, _ = regression_vcov(fit, se, cl, arm_idx)

    n_by_arm = arms.counts()
    effects = []
    first_stage: dict[str, Any] = {}
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
        fs = least_squares(Z, X[:, j])
        fs_vcov, _, _ = regression_vcov(fs, se, cl, arm_idx)
        stat, q = wald_f(fs.coef, fs_vcov, arm_idx)
        den = (int(np.unique(cl).size) - 1) if cl is not None else fs.n - fs.k
        compliance = {
            a: float(d[arms.labels == a].mean()) for a in (arms.control, *arms.treated)
        }  # share receiving, per arm
        first_stage[arm] = {
            "statistic": stat,
            "df": q,
            "df_residual": den,
            "p_value": float(stats.f.sf(stat, q, den)),
            "compliance_arm": compliance[arm],
            "compliance_control": compliance[arms.control],
        }
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
        "first_stage": first_stage,
    }
    return CACEResult(tuple(_adjusted(effects)), settings)
