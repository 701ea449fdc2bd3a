"""Logistic regression with average marginal effects: a sensitivity analysis for binary outcomes.

The primary analysis of a binary outcome is the linear probability model (``itt``); the
logit model checks that its conclusions do not hinge on linearity. The effect of an arm is the
average marginal effect of switching everyone from control to that arm,
``mean_i [Lambda(x_i1' b) - Lambda(x_i0' b)]``, where ``x_i1`` / ``x_i0`` are row i with the arm
indicators set to that arm / to control and covariates as observed. Its standard error comes
from the delta method with the model-based covariance of ``b`` (gradient
``mean_i [lambda(x_i1'b) x_i1 - lambda(x_i0'b) x_i0]``; e.g. Cameron and Trivedi 2005, 14.3);
inference is normal (no degrees of freedom).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from participatie_rct.choices import Correction, parse_choice
from participatie_rct.errors import EstimationError
from participatie_rct.estimate.arms import Arms, resolve_arms
from participatie_rct.estimate.declared import declared_family, with_absent_arms
from participatie_rct.estimate.design_matrix import check_roles, itt_design
from participatie_rct.estimate.itt import (
    _adjusted,
    numeric_outcome,
    require_variation,
    sample_settings,
)
from participatie_rct.estimate.missing import complete_rows
from participatie_rct.estimate.results import Effect, EffectsResult, make_effect
from participatie_rct.estimate.variance import kept_columns
from participatie_rct.tidy import resolve_level


def _expit(v: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-v))``."""
    p: np.ndarray = 1.0 / (1.0 + np.exp(-v))
    return p


def logit_ame(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    control: object = None,
    covariates: Sequence[str] = (),
    strata: str | None = None,
    conf_level: float = 0.95,
    correction: str = "holm",
    missing: str = "drop",
    alpha: float | None = None,
) -> EffectsResult:
    """Average marginal effect of every arm against control from a logit model.

    The model has an intercept, the arm indicators, strata dummies when ``strata`` is given,
    and ``covariates`` entered linearly. ``outcome`` must be 0/1 (or boolean).
    """
    covariates = tuple(covariates)
    level = resolve_level(conf_level, alpha)
    corr = parse_choice(Correction, correction, parameter="correction")
    check_roles(outcome=outcome, treatment=treatment, covariates=covariates)
    used = [outcome, treatment, *covariates, *([strata] if strata else [])]
    cleaned = complete_rows(data, used, treatment=treatment, policy=missing)
    frame = cleaned.data
    y = _binary_outcome(frame[outcome], name=outcome)
    notes: tuple[str, ...] = ()
    if strata is not None:
        frame, y, notes = drop_constant_strata(frame, y, strata, outcome)
    arms = resolve_arms(frame[treatment], treatment=treatment, control=control)
    design = itt_design(
        frame, arms, covariates=covariates, strata=strata, adjust="linear" if covariates else "none"
    )
    kept = kept_columns(design.X)
    missing_arms = [design.names[c] for c in design.arm_columns if c not in set(kept.tolist())]
    if missing_arms:
        raise EstimationError(
            f"arm indicator(s) {', '.join(missing_arms)} are collinear with the strata or "
            "covariates."
        )
    X = design.X[:, kept]
    b, V, log_likelihood = _fit_logit(y, X)
    pos = {int(c): i for i, c in enumerate(kept)}
    arm_pos = [pos[c] for c in design.arm_columns]
    effects = _marginal_effects(X, b, V, arms, arm_pos, level=level)
    settings = {
        "outcome": outcome,
        "treatment": treatment,
        "estimator": "logit_ame",
        "adjust": "linear" if covariates else "none",
        "cluster": None,
        "se_type": "delta_method_model_based",
        "strata": strata,
        "covariates": list(covariates),
        **sample_settings(arms, cleaned, conf_level=level, correction=corr),
        "log_likelihood": log_likelihood,
    }
    settings["n_dropped_constant_strata"] = int(len(cleaned.data) - len(y))
    absent = declared_family(data, treatment, arms, None)
    effects, arm_notes = with_absent_arms(effects, settings, absent, term="ame", conf_level=level)
    return EffectsResult(
        tuple(_adjusted(effects)),
        settings,
        title="Average marginal effects (logit)",
        warnings=notes + arm_notes,
    )


def _binary_outcome(series: pd.Series, *, name: str) -> np.ndarray:
    """A 0/1 (or boolean) outcome column as floats; refuses other values and no variation."""
    y = numeric_outcome(series, name=name)
    if not np.isin(y, (0.0, 1.0)).all():
        raise EstimationError(
            f"outcome column '{name}' must be 0/1 or true/false for the logit model; found "
            f"values such as {[float(v) for v in sorted(set(np.unique(y)) - {0.0, 1.0})[:3]]}. "
            "Use itt for other "
            "outcomes."
        )
    require_variation(y, name=name)
    return y


def _fit_logit(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Maximum likelihood logit of ``y`` on ``X`` by Newton's method.

    Returns the coefficients, their model-based covariance and the log-likelihood; refuses a
    fit that did not converge (separation).
    """
    import statsmodels.api as sm

    with warnings.catch_warnings():
        # Separation and non-convergence warnings: the check below turns them into a refusal.
        warnings.simplefilter("ignore")
        fit = sm.Logit(y, X).fit(method="newton", maxiter=100, tol=1e-12, disp=False)
    if not fit.mle_retvals.get("converged", True):
        raise EstimationError(
            "the logit model did not converge (perfect separation: an arm or stratum where every "
            "outcome is the same?). Drop sparse strata or covariates."
        )
    return np.asarray(fit.params), np.asarray(fit.cov_params()), float(fit.llf)


def _marginal_effects(
    X: np.ndarray,
    b: np.ndarray,
    V: np.ndarray,
    arms: Arms,
    arm_pos: Sequence[int],
    *,
    level: float,
) -> list[Effect]:
    """Average marginal effect of each arm with its delta-method standard error.

    Everyone is set to control (``X0``) and to the arm (``X1``); the gradient of the mean
    difference in predicted probabilities is ``mean_i [lambda(x_i1'b) x_i1 - lambda(x_i0'b)
    x_i0]`` (Cameron and Trivedi 2005, 14.3).
    """
    X0 = X.copy()
    X0[:, list(arm_pos)] = 0.0
    p0 = _expit(X0 @ b)
    g0 = (X0 * (p0 * (1 - p0))[:, None]).mean(axis=0)
    n_by_arm = arms.counts()
    effects = []
    for arm, j in zip(arms.treated, arm_pos, strict=True):
        X1 = X0.copy()
        X1[:, j] = 1.0
        p1 = _expit(X1 @ b)
        grad = (X1 * (p1 * (1 - p1))[:, None]).mean(axis=0) - g0
        effects.append(
            make_effect(
                arm=arm,
                term="ame",
                estimate=float(np.mean(p1 - p0)),
                std_error=float(np.sqrt(grad @ V @ grad)),
                df=float("inf"),
                conf_level=level,
                n=n_by_arm[arm] + n_by_arm[arms.control],
                n_arm=n_by_arm[arm],
                n_control=n_by_arm[arms.control],
            )
        )
    return effects


def drop_constant_strata(
    frame: pd.DataFrame, y: np.ndarray, strata: str, outcome: str
) -> tuple[pd.DataFrame, np.ndarray, tuple[str, ...]]:
    """Rows of strata whose outcomes are all 0 or all 1 removed, with a note.

    Such a stratum's fixed effect runs to minus or plus infinity (quasi-complete separation)
    and its rows then contribute nothing to the likelihood of the other coefficients: leaving
    them out gives the limit of the fit, which is what fixest's ``feglm`` does.
    """
    key = frame[strata].to_numpy()
    codes, levels = pd.factorize(key)
    sums = np.bincount(codes, weights=y, minlength=len(levels))
    sizes = np.bincount(codes, minlength=len(levels))
    constant = (sums == 0) | (sums == sizes)
    if not constant.any():
        return frame, y, ()
    drop = constant[codes]
    if drop.all():
        raise EstimationError(
            f"column '{outcome}': within every stratum of '{strata}' the outcome never varies, "
            "so no stratum carries information for the logit model. Leave out the strata."
        )
    shown = ", ".join(map(str, levels[constant][:5])) + (", ..." if constant.sum() > 5 else "")
    note = (
        f"logit: {int(constant.sum())} stratum/strata of '{strata}' without variation in "
        f"'{outcome}' dropped ({int(drop.sum())} rows; {shown}): their effect is infinite and "
        "they carry no information on the arms."
    )
    return frame.loc[~drop], y[~drop], (note,)
