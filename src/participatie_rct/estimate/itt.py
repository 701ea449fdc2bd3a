"""Intention-to-treat effects of every arm against control, in one call.

``itt`` orchestrates: it applies the missing-value policy, builds the design matrix, fits,
and computes the requested variance; the numbers happen in ``variance.py`` and ``dim.py``.
Defaults follow the project's statistical plan (docs/architecture.md): OLS with HC2 standard
errors, CR2 with Bell-McCaffrey degrees of freedom when clustered, strata fixed effects
whenever strata are given, Lin (2013) covariate adjustment when covariates are given, and
Holm-adjusted p-values across arms beside the raw ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from participatie_rct.choices import Adjustment, Correction, Estimator, SEType, parse_choice
from participatie_rct.errors import EstimationError
from participatie_rct.estimate.arms import Arms, resolve_arms
from participatie_rct.estimate.declared import declared_family, with_absent_arms
from participatie_rct.estimate.design_matrix import check_roles, drop_singletons, itt_design
from participatie_rct.estimate.dim import difference_in_means
from participatie_rct.estimate.missing import Cleaned, complete_rows
from participatie_rct.estimate.multiplicity import bonferroni, holm
from participatie_rct.estimate.results import Effect, ITTResult, make_effect
from participatie_rct.estimate.variance import (
    LeastSquares,
    absorbed_least_squares,
    cr_vcov,
    hc_vcov,
    least_squares,
)
from participatie_rct.tidy import resolve_level

CLUSTER_SE = {SEType.CR0, SEType.CR2, SEType.STATA}


#: Beyond this magnitude a squared residual overflows float64 (1e308): the sandwich
#: variances become inf/NaN. Outcomes of such size are export errors, not euros.
_LARGEST = 1e150


def numeric_outcome(series: pd.Series, *, name: str) -> np.ndarray:
    """An outcome column as floats: numbers as they are, booleans as 0/1.

    Refuses text (naming the first value that is not a number and its data row), infinite
    values, and values too large to square in floating point.
    """
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        text = pd.Series(False, index=series.index)
    else:
        numbers = pd.to_numeric(series, errors="coerce")
        text = numbers.isna() & series.notna()
        values = numbers.to_numpy(dtype=float, na_value=np.nan)
    if text.any():
        at = int(np.flatnonzero(text.to_numpy())[0])
        raise EstimationError(
            f"column '{name}': {int(text.sum())} value(s) are not numbers (data row "
            f"{_data_row(series, at)}: {series.iloc[at]!r}). It must hold numbers or "
            "true/false: correct or empty those cells."
        )
    bad = np.isinf(values) | (np.abs(np.nan_to_num(values)) > _LARGEST)
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        raise EstimationError(
            f"column '{name}': {int(bad.sum())} value(s) are infinite or too large (data row "
            f"{_data_row(series, at)}: {float(values[at])!r}). Correct them in the data, or "
            "rescale the outcome (e.g. thousands of euros)."
        )
    return values


def _data_row(series: pd.Series, position: int) -> object:
    """The data row (from 1, after the header) of ``series``'s row at ``position``."""
    label = series.index[position]
    return label + 1 if isinstance(label, int | np.integer) else label


def require_variation(y: np.ndarray, *, name: str) -> None:
    """Refuse an outcome with one value in every row: no effect is estimable from it."""
    if len(y) and np.all(y == y[0]):
        raise EstimationError(
            f"column '{name}': the outcome is {y[0]:g} in every row used, so every effect is 0 "
            "with no standard error. Check that the right outcome column was named."
        )


def resolve_se(se_type: object, *, cluster: str | None, estimator: Estimator) -> SEType | None:
    """The variance estimator to use, checked against the design (as estimatr's rules).

    None for the difference in means, whose variance follows from the design.
    """
    if estimator is Estimator.DIM:
        if se_type is not None:
            raise EstimationError(
                "se_type does not apply to the difference in means (estimator 'dim'): its "
                "variance follows from the design (Welch, blocked, CR2 when clustered). Leave "
                "out se_type= or use estimator='ols'."
            )
        return None
    return regression_se(se_type, cluster=cluster)


def regression_se(se_type: object, *, cluster: str | None) -> SEType:
    """A regression's variance estimator: HC2 by default, CR2 with clusters; checked."""
    if se_type is None:
        return SEType.CR2 if cluster else SEType.HC2
    se = parse_choice(SEType, se_type, parameter="se_type")
    if cluster and se not in CLUSTER_SE:
        raise EstimationError(
            f"se_type {se.value!r} ignores the clusters in '{cluster}'. With clusters use cr2 "
            "(default), cr0 or stata; or leave out the cluster column."
        )
    if not cluster and se in (SEType.CR0, SEType.CR2):
        raise EstimationError(
            f"se_type {se.value!r} needs clusters. Give the cluster column as cluster= or use "
            "se_type='hc2'."
        )
    if not cluster and se is SEType.STATA:
        return SEType.HC1  # Stata's ``robust`` without clusters is HC1, as in estimatr
    return se


def regression_vcov(
    fit: LeastSquares, se: SEType, cluster: np.ndarray | None, wanted: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int | None]:
    """Variance of a fit, degrees of freedom per coefficient, and the number of clusters.

    Cluster-robust (CR0/CR2/Stata, Bell-McCaffrey df for the ``wanted`` coefficients) when
    ``se`` is a cluster type and clusters are given, else heteroskedasticity-robust or
    classical with n - k df for every coefficient.
    """
    if se in CLUSTER_SE and cluster is not None:
        return cr_vcov(fit, cluster, se.value, df_for=wanted)
    vcov, df = hc_vcov(fit, se.value)
    return vcov, np.full(fit.k, df), None


def sample_settings(
    arms: Arms, cleaned: Cleaned, *, conf_level: float, correction: Correction
) -> dict[str, Any]:
    """The settings every arm-against-control result records: arms, level, sample sizes."""
    return {
        "control": arms.control,
        "arms": list(arms.treated),
        "conf_level": conf_level,
        "correction": correction.value,
        "n": len(cleaned.data),
        "n_by_arm": arms.counts(),
        "n_dropped": cleaned.n_dropped,
        "n_dropped_by_arm": cleaned.n_dropped_by_arm,
    }


def _adjusted(effects: list[Effect]) -> list[Effect]:
    """Holm and Bonferroni over the declared family: every effect row counts, NaN or not."""
    p = [e.p_value for e in effects]
    ph, pb = holm(p, n=len(p)), bonferroni(p, n=len(p))
    return [
        replace(e, p_holm=float(h), p_bonferroni=float(b))
        for e, h, b in zip(effects, ph, pb, strict=True)
    ]


def itt(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    control: object = None,
    covariates: Sequence[str] = (),
    strata: str | None = None,
    cluster: str | None = None,
    estimator: str = "ols",
    adjust: str | None = None,
    se_type: str | None = None,
    conf_level: float = 0.95,
    correction: str = "holm",
    missing: str = "drop",
    arms: Sequence[object] | None = None,
    alpha: float | None = None,
) -> ITTResult:
    """Intention-to-treat effect of every arm against control on ``outcome``.

    Parameters
    ----------
    data
        One row per participant (or unit), analysed in the arm assigned.
    outcome, treatment
        Column names. The outcome is numeric or boolean (binary outcomes: a linear
        probability model); the treatment holds the arm of each row.
    control
        The control level; default ``"control"`` if present, else the first sorted level.
    covariates
        Baseline covariates (numbers, booleans, or text/categories that become dummies).
    strata
        The stratum (block) column. ``ols`` adds strata fixed effects; ``dim`` is the
        blocked difference in means.
    cluster
        The cluster column for cluster-randomized designs.
    estimator
        ``ols`` (regression, default) or ``dim`` (design-based difference in means, one
        comparison per arm on the arm's and control's rows, as estimatr).
    adjust
        ``lin`` (default with covariates: Lin 2013), ``linear`` or ``none``.
    se_type
        ``hc0``, ``hc1``, ``hc2`` (default), ``hc3``, ``classical``; with clusters ``cr0``,
        ``cr2`` (default, Bell-McCaffrey df) or ``stata`` (CR1).
    conf_level
        The level of the confidence intervals (0.95). ``alpha=`` (1 - the level) still works
        for now, with a DeprecationWarning.
    correction
        The multiplicity correction reported as primary across arms: ``holm`` (default),
        ``bonferroni`` (adds ``p_bonferroni``) or ``none``. ``p_holm`` is always reported.
    missing
        ``drop`` (drop incomplete rows; ``settings["n_dropped_by_arm"]`` says how many per
        arm) or ``error`` (refuse, naming the column and rows).
    arms
        The declared arms (the protocol's), which fix the multiplicity family. Default: the
        levels of the treatment column in ``data`` before incomplete rows are dropped. An
        arm without complete rows keeps its row (NaN) and counts in the Holm family.

    Returns
    -------
    ITTResult
        One :class:`~participatie_rct.estimate.results.Effect` per non-control arm.

    Notes
    -----
    Matches estimatr: ``lm_robust(y ~ arm, se_type=..., fixed_effects=~strata,
    clusters=...)``, ``lm_lin(y ~ arm, covariates=~x)``, ``difference_in_means(y ~ arm,
    blocks=, clusters=)``.
    """
    est = parse_choice(Estimator, estimator, parameter="estimator")
    covariates = tuple(covariates)
    adj = _adjustment(adjust, covariates=covariates, estimator=est)
    corr = parse_choice(Correction, correction, parameter="correction")
    level = resolve_level(conf_level, alpha)
    se = resolve_se(se_type, cluster=cluster, estimator=est)

    check_roles(outcome=outcome, treatment=treatment, covariates=covariates)
    used = [
        outcome,
        treatment,
        *(covariates if adj is not Adjustment.NONE else ()),
        *(c for c in (strata, cluster) if c),
    ]
    cleaned = _nonempty(complete_rows(data, used, treatment=treatment, policy=missing))
    frame = cleaned.data
    y = numeric_outcome(frame[outcome], name=outcome)
    found = resolve_arms(frame[treatment], treatment=treatment, control=control)
    require_variation(y, name=outcome)
    n_by_arm = found.counts()

    settings: dict[str, Any] = {
        "outcome": outcome,
        "treatment": treatment,
        "estimator": est.value,
        "adjust": adj.value,
        "se_type": se.value if se is not None else None,
        "strata": strata,
        "cluster": cluster,
        "covariates": list(covariates),
        "missing": str(getattr(missing, "value", missing)),
        **sample_settings(found, cleaned, conf_level=level, correction=corr),
    }
    if se is None:  # the design-based difference in means
        effects, extra = _dim_effects(
            frame, y, found, strata=strata, cluster=cluster, conf_level=level, n_by_arm=n_by_arm
        )
    else:
        effects, extra = _ols_effects(
            frame,
            y,
            found,
            covariates=covariates,
            strata=strata,
            cluster=cluster,
            adjust=adj,
            se=se,
            conf_level=level,
            n_by_arm=n_by_arm,
        )
    settings.update(extra)
    absent = declared_family(data, treatment, found, arms)
    effects, warnings = with_absent_arms(effects, settings, absent, term="itt", conf_level=level)
    if extra.get("n_singletons_dropped"):
        warnings += (_singleton_note(strata, extra["n_singletons_dropped"], se),)
    return ITTResult(tuple(_adjusted(effects)), settings, warnings=warnings)


def _adjustment(
    adjust: str | None, *, covariates: Sequence[str], estimator: Estimator
) -> Adjustment:
    """The covariate adjustment to use: Lin with covariates, none without, unless given.

    Refuses an adjustment without covariates, and covariates with the difference in means.
    """
    adj = parse_choice(Adjustment, adjust, parameter="adjust") if adjust is not None else None
    if adj is None:
        adj = Adjustment.LIN if covariates else Adjustment.NONE
    if adj is not Adjustment.NONE and not covariates:
        raise EstimationError(
            f"adjust {adj.value!r} needs covariates; give them as covariates=[...] or use "
            "adjust='none'."
        )
    if estimator is Estimator.DIM and covariates and adj is not Adjustment.NONE:
        raise EstimationError(
            "the difference in means (estimator 'dim') does not adjust for covariates. Use "
            "estimator='ols' for covariate adjustment, or leave out the covariates."
        )
    return adj


def _nonempty(cleaned: Cleaned) -> Cleaned:
    """The complete rows, refused when none remain (nothing to estimate)."""
    if cleaned.data.empty:
        raise EstimationError(
            "no complete rows remain after dropping missing values; nothing to estimate."
        )
    return cleaned


def _singleton_note(strata: str | None, n_dropped: int, se: SEType | None) -> str:
    """The warning that rows alone in their stratum were dropped, as fixest drops them."""
    return (
        f"strata '{strata}': {n_dropped} row(s) alone in their stratum "
        "dropped (singletons carry no information once stratum fixed effects are "
        f"absorbed, and make {se.value if se else 'hc2'} undefined), as fixest does."
    )


def _ols_effects(
    frame: pd.DataFrame,
    y: np.ndarray,
    arms: Arms,
    *,
    covariates: Sequence[str],
    strata: str | None,
    cluster: str | None,
    adjust: Adjustment,
    se: SEType,
    conf_level: float,
    n_by_arm: dict[str, int],
) -> tuple[list[Effect], dict[str, Any]]:
    absorb = strata is not None and se is not SEType.CR2
    n_singletons = 0
    if strata is not None and se in (SEType.HC2, SEType.HC3):
        frame, y, n_singletons = drop_singletons(frame.assign(__arm_label__=arms.labels), y, strata)
        arms = replace(arms, labels=frame["__arm_label__"].to_numpy())
        frame = frame.drop(columns="__arm_label__")
        n_by_arm = arms.counts()
    design = itt_design(
        frame, arms, covariates=covariates, strata=None if absorb else strata, adjust=adjust.value
    )
    if absorb:  # strata fixed effects absorbed by demeaning (the intercept goes with them)
        inner = absorbed_least_squares(design.X[:, 1:], y, frame[strata].to_numpy())
        fit = replace(inner, kept=inner.kept + 1)
    else:
        fit = least_squares(design.X, y)
    position = {int(c): i for i, c in enumerate(fit.kept)}
    lost = [design.names[c] for c in design.arm_columns if c not in position]
    if lost:
        raise EstimationError(
            f"the arm indicator(s) {', '.join(lost)} are collinear with the strata or covariates "
            "(an arm occurs only in strata where it explains everything). Check the strata column."
        )
    arm_idx = np.array([position[c] for c in design.arm_columns])
    clusters = frame[cluster].to_numpy() if cluster is not None else None
    vcov, dfs, n_clusters = regression_vcov(fit, se, clusters, arm_idx)
    effects = []
    for arm, j in zip(arms.treated, arm_idx, strict=True):
        effects.append(
            make_effect(
                arm=arm,
                term="itt",
                estimate=fit.coef[j],
                std_error=float(np.sqrt(vcov[j, j])),
                df=float(dfs[j]),
                conf_level=conf_level,
                n=n_by_arm[arm] + n_by_arm[arms.control],
                n_arm=n_by_arm[arm],
                n_control=n_by_arm[arms.control],
            )
        )
    dropped = [
        design.names[c] for c in range(1 if absorb else 0, len(design.names)) if c not in position
    ]
    extra: dict[str, Any] = {
        "design": ("clustered" if cluster else "standard")
        + (" with strata fixed effects" if strata else ""),
        "n_clusters": n_clusters,
        "n_strata": int(frame[strata].nunique()) if strata else None,
        "rank": fit.rank,
        "df_residual": fit.n - fit.rank,
        "terms_dropped_collinear": dropped,
        "n_singletons_dropped": n_singletons,
    }
    return effects, extra


def _dim_effects(
    frame: pd.DataFrame,
    y: np.ndarray,
    arms: Arms,
    *,
    strata: str | None,
    cluster: str | None,
    conf_level: float,
    n_by_arm: dict[str, int],
) -> tuple[list[Effect], dict[str, Any]]:
    effects, designs = [], []
    blocks_all = frame[strata].to_numpy() if strata else None
    cluster_all = frame[cluster].to_numpy() if cluster else None
    n_clusters = 0
    for arm in arms.treated:
        rows = (arms.labels == arm) | (arms.labels == arms.control)
        t = (arms.labels[rows] == arm).astype(float)
        res = difference_in_means(
            y[rows],
            t,
            blocks=blocks_all[rows] if blocks_all is not None else None,
            cluster=cluster_all[rows] if cluster_all is not None else None,
        )
        designs.append(res.design)
        n_clusters = max(n_clusters, res.n_clusters or 0)
        effects.append(
            make_effect(
                arm=arm,
                term="itt",
                estimate=res.estimate,
                std_error=res.std_error,
                df=res.df,
                conf_level=conf_level,
                n=res.n,
                n_arm=n_by_arm[arm],
                n_control=n_by_arm[arms.control],
            )
        )
    variance = {
        "standard": "welch",
        "blocked": "blocked",
        "matched-pair": "matched_pair",
        "clustered": "cr2",
        "block-clustered": "blocked_cr2",
        "matched-pair clustered": "matched_pair_clustered",
    }
    extra = {
        "design": designs[0] if len(set(designs)) == 1 else ", ".join(designs),
        "se_type": variance.get(designs[0], designs[0]),
        "n_clusters": int(frame[cluster].nunique()) if cluster else None,
        "n_strata": int(frame[strata].nunique()) if strata else None,
    }
    return effects, extra
