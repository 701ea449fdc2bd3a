"""Cox proportional hazards regression of outflow on arm (and covariates), as R's ``coxph``.

Ties are handled as R does by default (Efron 1977) or by Breslow; strata get their own
baseline hazard; standard errors are model-based (inverse information) and robust (the
sandwich of Lin and Wei 1989: dfbeta residuals summed within clusters, ``coxph(robust =
TRUE)`` / ``cluster()``). The fit also carries the ``cox.zph`` score test of proportional
hazards (Grambsch and Therneau 1994; transform "km").

Everything is vectorized: subjects are sorted by stratum and time once; risk-set sums are
reverse cumulative sums; Efron's tie correction expands each tie group with d exits into d
steps with weights l / d, l = 0..d-1, as flat arrays. Cause-specific hazards of one exit are
this model with the other exits treated as censored (``event_of_interest``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.km import SurvivalData, km_table, prepare_survival
from participatie_rct.estimate.monotone import (
    arm_design,
    diverging_warnings,
    estimable_arms,
    fitted_columns,
    shown_columns,
    spread,
    term_label,
)
from participatie_rct.estimate.newton import (
    NewtonFit,
    diverging,
    newton_raphson,
    not_converged_warning,
)
from participatie_rct.estimate.survival_results import CoxResult, hazard_ratio_table
from participatie_rct.tidy import resolve_level

TIES = ("efron", "breslow")


@dataclass(frozen=True)
class _Sorted:
    """Subjects sorted by (stratum, time); tie groups are runs of equal (stratum, time)."""

    x: np.ndarray  # (n, p) centred covariates
    time: np.ndarray
    dead: np.ndarray  # 0/1
    stratum: np.ndarray
    group: np.ndarray  # tie-group id of each subject (0..G-1)
    group_start: np.ndarray  # first subject index of each tie group
    stratum_end: np.ndarray  # one past the last subject of the group's stratum
    order: np.ndarray  # sorted position -> original row


def _sort(x: np.ndarray, time: np.ndarray, dead: np.ndarray, stratum: np.ndarray) -> _Sorted:
    order = np.lexsort((time, stratum))
    t, s = time[order], stratum[order]
    new_group = np.ones(t.size, dtype=bool)
    new_group[1:] = (t[1:] != t[:-1]) | (s[1:] != s[:-1])
    group = np.cumsum(new_group) - 1
    group_start = np.flatnonzero(new_group)
    s_change = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    s_end_of = np.r_[s_change[1:], t.size]
    stratum_end = s_end_of[np.searchsorted(s_change, group_start, side="right") - 1]
    xc = x[order] - x.mean(axis=0)  # R centres covariates; estimates do not change
    return _Sorted(xc, t, dead[order].astype(float), s, group, group_start, stratum_end, order)


@dataclass(frozen=True)
class _Steps:
    """The Efron steps of every tie group with exits, and the sums each step needs."""

    group: np.ndarray  # tie group of the step
    frac: np.ndarray  # l / d (0 for Breslow)
    den: np.ndarray  # S0 - frac * E0
    xbar: np.ndarray  # (steps, p): (S1 - frac E1) / den
    m2: np.ndarray  # (steps, p, p): (S2 - frac E2) / den - xbar xbar'


def _riskset_sums(srt: _Sorted, values: np.ndarray) -> np.ndarray:
    """Sum of ``values`` over each tie group's risk set: same stratum, time >= the group's time."""
    rc = np.concatenate([np.cumsum(values[::-1], axis=0)[::-1], np.zeros((1, *values.shape[1:]))])
    sums: np.ndarray = rc[srt.group_start] - rc[srt.stratum_end]
    return sums


def _steps(
    srt: _Sorted, beta: np.ndarray, ties: str, *, second: bool = True
) -> tuple[_Steps, float]:
    eta = srt.x @ beta
    r = np.exp(eta)
    rx = r[:, None] * srt.x
    s0 = _riskset_sums(srt, r)
    s1 = _riskset_sums(srt, rx)
    n_groups = srt.group_start.size
    d = np.bincount(srt.group, weights=srt.dead, minlength=n_groups)
    e0 = np.bincount(srt.group, weights=srt.dead * r, minlength=n_groups)
    p = srt.x.shape[1]
    e1 = np.zeros((n_groups, p))
    np.add.at(e1, srt.group, srt.dead[:, None] * rx)
    has = np.flatnonzero(d > 0)
    counts = d[has].astype(np.int64)
    step_group = np.repeat(has, counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    ell = np.arange(step_group.size) - first
    frac = ell / np.repeat(counts, counts) if ties == "efron" else np.zeros(step_group.size)
    den = s0[step_group] - frac * e0[step_group]
    num1 = s1[step_group] - frac[:, None] * e1[step_group]
    xbar = num1 / den[:, None]
    m2 = np.zeros((step_group.size, p, p))
    if second:
        rxx = rx[:, :, None] * srt.x[:, None, :]
        s2 = _riskset_sums(srt, rxx)
        e2 = np.zeros((n_groups, p, p))
        np.add.at(e2, srt.group, srt.dead[:, None, None] * rxx)
        num2 = s2[step_group] - frac[:, None, None] * e2[step_group]
        m2 = num2 / den[:, None, None] - xbar[:, :, None] * xbar[:, None, :]
    loglik = float(np.sum(srt.dead * eta) - np.sum(np.log(den)))
    return _Steps(step_group, frac, den, xbar, m2), loglik


def _score_info(srt: _Sorted, st: _Steps) -> tuple[np.ndarray, np.ndarray]:
    # U = sum_deaths x_i - sum_steps xbar_k;  I = sum_steps [S2/den - xbar xbar'] (Efron 1977)
    score = (srt.dead[:, None] * srt.x).sum(axis=0) - st.xbar.sum(axis=0)
    return score, st.m2.sum(axis=0)


def _newton(srt: _Sorted, ties: str) -> NewtonFit[_Steps]:
    """The shared Newton-Raphson (:mod:`.newton`) on the Cox partial likelihood."""

    def objective(beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, _Steps]:
        st, loglik = _steps(srt, beta, ties)
        score, info = _score_info(srt, st)
        return loglik, score, info, st

    return newton_raphson(objective, srt.x.shape[1], model="Cox", ftol=1e-13)


def _score_residuals(srt: _Sorted, beta: np.ndarray, st: _Steps) -> np.ndarray:
    """Score residuals (sorted order), Efron-weighted as in R's ``coxscore``.

    L_i = d_i (x_i - mean_k xbar_k over i's tie group) - sum_k w_ik r_i (x_i - xbar_k) / den_k,
    with w_ik = 1 for steps at or before t_i and 1 - l/d for the steps of i's own exit time.
    """
    r = np.exp(srt.x @ beta)
    h = 1.0 / st.den
    hx = st.xbar * h[:, None]
    # cumulative hazard-type sums over steps in time order within stratum
    ch = np.concatenate([[0.0], np.cumsum(h)])
    chx = np.concatenate([np.zeros((1, hx.shape[1])), np.cumsum(hx, axis=0)])
    # steps are ordered by group id = (stratum, time) order; a subject sees steps with group <= own
    upto = np.searchsorted(st.group, srt.group, side="right")
    stratum_first_group = srt.group[np.searchsorted(srt.stratum, srt.stratum, side="left")]
    start = np.searchsorted(st.group, stratum_first_group, side="left")
    hsum = ch[upto] - ch[start]
    hxsum = chx[upto] - chx[start]
    resid: np.ndarray = -r[:, None] * (srt.x * hsum[:, None] - hxsum)
    n_groups = srt.group_start.size
    # own tie group: mean xbar (exit part) and the (l/d)-discount of the at-risk part
    per_group_steps = np.bincount(st.group, minlength=n_groups).astype(float)
    xbar_sum = np.zeros((n_groups, hx.shape[1]))
    np.add.at(xbar_sum, st.group, st.xbar)
    fh = np.bincount(st.group, weights=st.frac * h, minlength=n_groups)
    fhx = np.zeros((n_groups, hx.shape[1]))
    np.add.at(fhx, st.group, st.frac[:, None] * hx)
    dead = srt.dead[:, None]
    g = srt.group
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_xbar = np.where(
            per_group_steps[g][:, None] > 0, xbar_sum[g] / per_group_steps[g][:, None], 0.0
        )
    resid += dead * (srt.x - mean_xbar)
    resid += dead * r[:, None] * (srt.x * fh[g][:, None] - fhx[g])
    return resid


def _zph(
    srt: _Sorted, st: _Steps, term_columns: list[list[int]], term_names: list[str]
) -> pd.DataFrame:
    """``cox.zph(fit, transform = "km")``: score test for beta_j(t) = beta_j + theta_j g(t).

    g(t) = 1 - KM(t-) over all subjects, centred over the exits. The score of theta at
    (beta_hat, 0) is sum_steps g_k (x_exit - xbar_k) and the information of the extended
    model has blocks sum M_k, sum g_k M_k, sum g_k^2 M_k (Grambsch and Therneau 1994).
    """
    tab = km_table(srt.time, srt.dead)
    idx = np.searchsorted(tab["time"], srt.time, side="left") - 1  # last KM time strictly before t
    g_subject = 1.0 - np.concatenate([[1.0], tab["survival"]])[idx + 1]
    dead = srt.dead > 0
    g_subject = g_subject - g_subject[dead].mean()
    g_group = np.zeros(srt.group_start.size)
    g_group[srt.group] = g_subject
    gk = g_group[st.group]
    u2 = (g_subject[dead][:, None] * srt.x[dead]).sum(axis=0) - (gk[:, None] * st.xbar).sum(axis=0)
    i11 = st.m2.sum(axis=0)
    i12 = np.einsum("k,kij->ij", gk, st.m2)
    i22 = np.einsum("k,kij->ij", gk**2, st.m2)
    p = i11.shape[0]
    full = np.block([[i11, i12], [i12, i22]])
    u = np.concatenate([np.zeros(p), u2])
    rows = []
    for name, cols in [*zip(term_names, term_columns, strict=True), ("GLOBAL", list(range(p)))]:
        kk = list(range(p)) + [p + c for c in cols]
        sub = full[np.ix_(kk, kk)]
        uu = u[kk]
        stat = float(uu @ np.linalg.solve(sub, uu))
        rows.append(
            {
                "term": name,
                "statistic": stat,
                "df": len(cols),
                "p_value": float(stats.chi2.sf(stat, len(cols))),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class CoxFit:
    """What :func:`fit_cox_arrays` returns: the numbers behind a :class:`CoxResult`."""

    beta: np.ndarray
    vcov: np.ndarray
    robust_vcov: np.ndarray
    loglik: tuple[float, float]
    iterations: int
    zph: pd.DataFrame
    converged: bool = True
    warnings: tuple[str, ...] = ()


def _safe_zph(
    srt: _Sorted, st: _Steps, term_columns: list[list[int]], term_names: list[str]
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The zph table, or NaN rows and a warning when it cannot be computed.

    With a single distinct event time (or too few exits) the extended information matrix is
    singular; the test is then undefined, but the fit it diagnoses is not affected.
    """
    try:
        with np.errstate(invalid="ignore", divide="ignore"):
            table = _zph(srt, st, term_columns, term_names)
        if table["statistic"].notna().all() and np.isfinite(table["statistic"]).all():
            return table, ()
    except np.linalg.LinAlgError:
        pass
    names = [*term_names, "GLOBAL"]
    dfs = [len(c) for c in term_columns] + [srt.x.shape[1]]
    table = pd.DataFrame({"term": names, "statistic": np.nan, "df": dfs, "p_value": np.nan})
    n_times = np.unique(srt.time[srt.dead > 0]).size
    return table, (
        "proportional-hazards test (cox.zph) not computable: its information matrix is "
        f"singular ({n_times} distinct exit time(s)); the Cox fit itself is unaffected.",
    )


def fit_cox_arrays(
    x: np.ndarray,
    time: np.ndarray,
    dead: np.ndarray,
    stratum: np.ndarray,
    cluster: np.ndarray | None,
    ties: str,
    term_columns: list[list[int]],
    term_names: list[str],
) -> CoxFit:
    """Array-level Cox fit: coefficients, model and robust covariance, loglik, zph table."""
    srt = _sort(x, time, dead, stratum)
    nf = _newton(srt, ties)
    beta, st = nf.beta, nf.state
    try:
        vcov = np.linalg.inv(nf.info)
    except np.linalg.LinAlgError:
        vcov = np.full(nf.info.shape, np.nan)
    resid = _score_residuals(srt, beta, st)
    dfbeta = resid @ vcov
    if cluster is not None:
        cl = cluster[srt.order]
        summed = np.zeros((cl.max() + 1, dfbeta.shape[1]))
        np.add.at(summed, cl, dfbeta)
        dfbeta = summed
    robust_vcov = dfbeta.T @ dfbeta
    warns: tuple[str, ...] = ()
    if x.shape[1]:
        zph, warns = _safe_zph(srt, st, term_columns, term_names)
    else:
        zph = pd.DataFrame(columns=["term", "statistic", "df", "p_value"])
    if not nf.converged:
        warns += (not_converged_warning("Cox", nf.iterations),)
    return CoxFit(
        beta, vcov, robust_vcov, (nf.loglik0, nf.loglik), nf.iterations, zph, nf.converged, warns
    )


def cox(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    control: str | None = None,
    covariates: Sequence[str] = (),
    strata: str | None = None,
    cluster: str | None = None,
    ties: str = "efron",
    robust: bool = True,
    event_of_interest: int | None = None,
    conf_level: float = 0.95,
) -> CoxResult:
    """Hazard ratios of leaving benefit, each arm against control, as ``coxph``.

    ``event`` codes: 0 censored, any other code an exit. With ``event_of_interest`` only that
    code counts as the event and the other exits are censored (cause-specific Cox). ``p_value``
    and the interval use the robust standard error when ``robust`` (as ``summary.coxph``),
    else the model-based one.
    """
    if ties not in TIES:
        raise EstimationError(f"ties must be one of {', '.join(TIES)}; got {ties!r}.")
    conf_level = resolve_level(conf_level)
    sd = prepare_survival(
        data,
        time=time,
        event=event,
        treatment=treatment,
        control=control,
        strata=strata,
        covariates=covariates,
        cluster=cluster,
    )
    dead = _event_indicator(sd, event, event_of_interest)
    what = "exits" if event_of_interest is None else f"exits of type {event_of_interest}"
    fit, rows, warns = _fit_estimable(sd, dead, covariates, ties, what)
    beta, vcov, rvcov, names, arms = rows
    table = hazard_ratio_table(
        names,
        arms,
        beta,
        np.sqrt(np.diag(vcov)),
        robust_std_error=np.sqrt(np.diag(rvcov)),
        robust=robust,
        conf_level=conf_level,
    )
    return CoxResult(
        table=table,
        vcov=vcov,
        robust_vcov=rvcov,
        loglik=fit.loglik,
        ties=ties,
        robust=robust,
        strata=strata,
        cluster=cluster,
        control=sd.levels[0],
        arms=sd.levels,
        n=int(sd.time.size),
        n_events=int(dead.sum()),
        iterations=fit.iterations,
        zph=fit.zph,
        event_of_interest=event_of_interest,
        warnings=warns + fit.warnings,
    )


def _fit_estimable(
    sd: SurvivalData, dead: np.ndarray, covariates: Sequence[str], ties: str, what: str
) -> tuple[CoxFit, tuple[Any, ...], tuple[str, ...]]:
    """Fit the estimable part (arms without exits left out: :mod:`.monotone`) and spread it
    back over every term, NaN where not estimable; the warnings say which and why."""
    x, names, arms, term_columns, term_names = _design(sd, covariates)
    est = estimable_arms(sd.arm, sd.levels, dead, model="Cox", what=what)
    keep = ~est.silenced
    k, p = len(sd.levels), x.shape[1]
    cols = fitted_columns(est, k, p)
    sub_terms, sub_names = _sub_terms(term_columns, term_names, cols)
    fit = fit_cox_arrays(
        x[np.ix_(keep, np.asarray(cols, dtype=np.int64))],
        sd.time[keep],
        dead[keep],
        sd.stratum[keep],
        None if sd.cluster is None else _recode(sd.cluster[keep]),
        ties,
        sub_terms,
        sub_names,
    )
    bad = diverging(fit.beta, fit.vcov).tolist()
    shown, idx = shown_columns(est, cols, k, p, bad)
    warns = est.warnings + diverging_warnings(
        "Cox", [term_label(names[cols[i]], arms[cols[i]]) for i in bad]
    )
    beta = spread(fit.beta[idx], shown, p)
    vcov = spread(fit.vcov[np.ix_(idx, idx)], shown, p)
    rvcov = spread(fit.robust_vcov[np.ix_(idx, idx)], shown, p)
    return fit, (beta, vcov, rvcov, names, arms), warns


def _recode(codes: np.ndarray) -> np.ndarray:
    """Cluster codes renumbered 0..G-1 after rows were left out."""
    return np.unique(codes, return_inverse=True)[1].ravel()


def _sub_terms(
    term_columns: list[list[int]], term_names: list[str], cols: list[int]
) -> tuple[list[list[int]], list[str]]:
    """The cox.zph term grouping restricted to the fitted columns (renumbered)."""
    position = {c: i for i, c in enumerate(cols)}
    out_cols, out_names = [], []
    for name, group in zip(term_names, term_columns, strict=True):
        kept = [position[c] for c in group if c in position]
        if kept:
            out_cols.append(kept)
            out_names.append(name)
    return out_cols, out_names


def _event_indicator(sd: SurvivalData, event: str, event_of_interest: int | None) -> np.ndarray:
    if event_of_interest is None:
        dead = (sd.event > 0).astype(float)
    else:
        codes = sorted(set(np.unique(sd.event).tolist()) - {0})
        if int(event_of_interest) not in codes:
            raise EstimationError(
                f"column {event!r}: event code {event_of_interest!r} does not occur "
                f"(exit codes present: "
                f"{', '.join(map(str, codes)) or 'none'}). "
                "Pass one of them as the event of interest."
            )
        dead = (sd.event == int(event_of_interest)).astype(float)
    if dead.sum() == 0:
        raise EstimationError(
            f"column {event!r}: there are no exits, so no hazard ratio can be estimated."
        )
    return dead


def _design(
    sd: SurvivalData, covariates: Sequence[str]
) -> tuple[np.ndarray, list[str], list[str | None], list[list[int]], list[str]]:
    """Arm dummies (control left out) followed by the covariates; cox.zph term grouping."""
    k = len(sd.levels)
    x, names, arms = arm_design(sd)
    term_columns = [list(range(k - 1))]
    term_names = ["arm"]
    for cov in covariates:
        cols = [
            k - 1 + j
            for j, nm in enumerate(sd.covariate_names)
            if nm == cov or nm.startswith(f"{cov}[")
        ]
        term_columns.append(cols)
        term_names.append(cov)
    return x, names, arms, term_columns, term_names


def cause_specific_cox(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    event_of_interest: int,
    control: str | None = None,
    covariates: Sequence[str] = (),
    strata: str | None = None,
    cluster: str | None = None,
    ties: str = "efron",
    robust: bool = True,
    conf_level: float = 0.95,
) -> CoxResult:
    """Cause-specific hazard ratios of one exit: :func:`cox` with the other exits censored."""
    return cox(
        data,
        time=time,
        event=event,
        treatment=treatment,
        control=control,
        covariates=covariates,
        strata=strata,
        cluster=cluster,
        ties=ties,
        robust=robust,
        event_of_interest=event_of_interest,
        conf_level=conf_level,
    )
