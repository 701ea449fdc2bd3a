"""Competing exits from benefit (work, part-time work, other): cumulative incidence per arm,
Gray's test and Fine-Gray subdistribution hazard regression, matching R's ``cmprsk``.

- :func:`cumulative_incidence`: Aalen-Johansen estimate F_k(t) = sum_{t_j <= t} S(t_j-) d_kj / n_j
  with the variance of Gray's ``cuminc`` (delta method, Gray's Fortran ``cinc``).
- :func:`gray_test`: Gray (1988), the K-sample test of equal subdistributions, stratified on
  request, with rho = 0 weights by default (``cuminc(..., strata, rho)``).
- :func:`fine_gray`: Fine and Gray (1999) proportional subdistribution hazards, with inverse-
  probability-of-censoring weights and their sandwich variance including the censoring term
  psi (``crr``).

All three work on sorted unique times with cumulative sums: no loop over participants.
Cause-specific hazards are :func:`participatie_rct.estimate.cox.cause_specific_cox`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd
from scipy import stats

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.km import SurvivalData, prepare_survival, time_grid
from participatie_rct.estimate.monotone import (
    arm_design,
    diverging_warnings,
    estimable_arms,
    fitted_columns,
    shown_columns,
    spread,
    term_label,
)
from participatie_rct.estimate.newton import diverging, newton_raphson, not_converged_warning
from participatie_rct.estimate.survival_results import (
    CumulativeIncidenceResult,
    FineGrayResult,
    GrayTestResult,
    hazard_ratio_table,
)
from participatie_rct.tidy import resolve_level


def _check_cause(sd: SurvivalData, event: str, event_of_interest: int) -> int:
    codes = sorted(set(np.unique(sd.event).tolist()) - {0})
    if int(event_of_interest) not in codes:
        raise EstimationError(
            f"column {event!r}: event code {event_of_interest!r} does not occur "
            f"(exit codes present: "
            f"{', '.join(map(str, codes)) or 'none'}). "
            "Use 0 for censored and pass one of the exit codes."
        )
    return int(event_of_interest)


# ---------------------------------------------------------------------------------------------
# cumulative incidence


def _cuminc_one(time: np.ndarray, event: np.ndarray, cause: int) -> dict[str, np.ndarray]:
    """Cumulative incidence of ``cause`` and its variance at every time with an exit of that cause.

    Follows ``cinc`` of cmprsk: with fk = S(t-) of all exits, n at risk and d1 (this cause),
    d2 (other causes) at t, f += fk d1 / n; the variance is v1 + f^2 v3 - 2 f v2 where v1..v3
    accumulate t4^2 t6, t3 t4 t6, t3^2 t6 with t6 = fk^2 t5 d / n^2, t5 = 1 - (d - 1)/(n - 1),
    t3 = 1 / S(t), t4 = f / S(t) (other causes) or 1 + f / S(t) (this cause).
    """
    times, inverse = np.unique(time, return_inverse=True)
    total = np.bincount(inverse, minlength=times.size).astype(float)
    d1 = np.bincount(inverse, weights=(event == cause).astype(float), minlength=times.size)
    d_all = np.bincount(inverse, weights=(event > 0).astype(float), minlength=times.size)
    d2 = d_all - d1
    rs = np.cumsum(total[::-1])[::-1]
    keep = d_all > 0
    times, rs, d1, d2, d_all = times[keep], rs[keep], d1[keep], d2[keep], d_all[keep]
    fkn = np.cumprod((rs - d_all) / rs)
    fk = np.concatenate([[1.0], fkn[:-1]])
    f = np.cumsum(fk * d1 / rs)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_s = np.where(fkn > 0, 1.0 / fkn, 0.0)

        def t5(d: np.ndarray) -> np.ndarray:
            return np.where(d > 1, 1.0 - (d - 1.0) / (rs - 1.0), 1.0)

        # other causes (only when S(t) > 0)
        t6b = np.where((d2 > 0) & (fkn > 0), fk * fk * t5(d2) * d2 / (rs * rs), 0.0)
        t4b = f * inv_s
        t6a = np.where(d1 > 0, fk * fk * t5(d1) * d1 / (rs * rs), 0.0)
        t4a = 1.0 + inv_s * f
    v1 = np.cumsum(t4b * t4b * t6b + t4a * t4a * t6a)
    v2 = np.cumsum(inv_s * t4b * t6b + inv_s * t4a * t6a)
    v3 = np.cumsum(inv_s * inv_s * t6b + inv_s * inv_s * t6a)
    var = v1 + f * f * v3 - 2 * f * v2
    jump = d1 > 0
    return {
        "time": times[jump],
        "estimate": f[jump],
        "variance": var[jump],
        "last_time": float(time.max()),
    }


def cumulative_incidence(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    event_of_interest: int | None = None,
    times: Sequence[float] | None = None,
    control: str | None = None,
    conf_level: float = 0.95,
) -> CumulativeIncidenceResult:
    """Cumulative incidence of each exit (or only ``event_of_interest``) per arm.

    ``event``: 0 censored, 1, 2, ... the kind of exit. Read at ``times``, a curve takes its
    value at the last jump at or before the time, and is missing (NaN) beyond the arm's last
    follow-up time (as ``cmprsk::timepoints``). ``n_risk`` counts the arm's participants
    still followed at the time; ``conf_level`` is the level of the intervals of ``to_frame()``.
    """
    sd = prepare_survival(data, time=time, event=event, treatment=treatment, control=control)
    causes = sorted(set(np.unique(sd.event).tolist()) - {0})
    if not causes:
        raise EstimationError(
            f"column {event!r}: there are no exits, so there is nothing to accumulate."
        )
    if event_of_interest is not None:
        causes = [_check_cause(sd, event, event_of_interest)]
    level = resolve_level(conf_level)
    grid = time_grid(times)
    curves, at = [], []
    for a, label in enumerate(sd.levels):
        keep = sd.arm == a
        followed = np.sort(sd.time[keep])
        for cause in causes:
            one = _cuminc_one(sd.time[keep], sd.event[keep], cause)
            curves.append(
                pd.DataFrame(
                    {
                        "arm": label,
                        "cause": cause,
                        "time": one["time"],
                        "cumulative_incidence": one["estimate"],
                        "variance": one["variance"],
                        "std_error": np.sqrt(one["variance"]),
                        "n_risk": _at_risk(followed, one["time"]),
                    }
                )
            )
            if grid is not None:
                idx = np.searchsorted(one["time"], grid, side="right") - 1
                est = np.concatenate([[0.0], one["estimate"]])[idx + 1]
                var = np.concatenate([[0.0], one["variance"]])[idx + 1]
                beyond = grid > one["last_time"]
                est = np.where(beyond, np.nan, est)
                var = np.where(beyond, np.nan, var)
                at.append(
                    pd.DataFrame(
                        {
                            "arm": label,
                            "cause": cause,
                            "time": grid,
                            "cumulative_incidence": est,
                            "variance": var,
                            "std_error": np.sqrt(var),
                            "n_risk": _at_risk(followed, grid),
                        }
                    )
                )
    return CumulativeIncidenceResult(
        curve=pd.concat(curves, ignore_index=True),
        at_times=pd.concat(at, ignore_index=True) if at else None,
        arms=sd.levels,
        causes=tuple(causes),
        event_of_interest=event_of_interest,
        n=int(sd.time.size),
        conf_level=level,
    )


def _at_risk(followed: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Participants still followed at each of ``times`` (``followed`` sorted): time >= t."""
    return (followed.size - np.searchsorted(followed, times, side="left")).astype(np.int64)


# ---------------------------------------------------------------------------------------------
# Gray's test


def _gray_stratum(
    time: np.ndarray, cause: np.ndarray, group: np.ndarray, ng: int, rho: float
) -> tuple[np.ndarray, np.ndarray]:
    """Score and covariance of Gray's test within one stratum (cmprsk's ``crst``), vectorized.

    ``cause``: 0 censored, 1 the exit of interest, 2 any other exit. Per time: left/right KM
    (skmm, skm) and cumulative incidence (f1m) per group, tr = sum n_g / skmm_g, tq = sum
    n_g (1 - f1m_g) / skmm_g; score s_g = sum (1 - F-)^rho (d1_g - d1 n_g (1 - f1m_g) / (skmm_g tq))
    (Gray 1988, eq. 2.3); the variance follows the Fortran term by term.
    """
    times, inverse = np.unique(time, return_inverse=True)
    T = times.size
    d = np.zeros((3, T, ng))
    np.add.at(d, (cause, inverse, group), 1.0)
    rs = np.zeros((T, ng))
    for g in range(ng):  # loop over arms, not subjects
        own = np.sort(time[group == g])
        rs[:, g] = own.size - np.searchsorted(own, times, side="left")
    nd1 = d[1].sum(axis=1)
    nd2 = d[2].sum(axis=1)
    keep = (nd1 + nd2) > 0
    if not keep.any():  # a stratum without exits adds nothing to the test
        return np.zeros(ng - 1), np.zeros((ng - 1, ng - 1))
    d0, d1, d2 = d[0][keep], d[1][keep], d[2][keep]
    rs, nd1, nd2 = rs[keep], nd1[keep], nd2[keep]
    at = rs > 0
    td = d1 + d2
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at, (rs - td) / rs, 1.0)
        skm = np.cumprod(factor, axis=0)
        skmm = np.vstack([np.ones((1, ng)), skm[:-1]])
        jump1 = np.where(at, skmm * d1 / rs, 0.0)
        f1 = np.cumsum(jump1, axis=0)
        f1m = f1 - jump1
        t1 = np.where(at, rs / skmm, 0.0)
        tr = t1.sum(axis=1)
        tq = np.where(at, rs * (1 - f1m) / skmm, 0.0).sum(axis=1)
        f = np.cumsum(nd1 / tr)
        fm = f - nd1 / tr
        fb = (1 - fm) ** rho
        # a(i, j) = fb t1_i (1[i=j] - t1_j / tr)
        a = fb[:, None, None] * (
            t1[:, :, None] * np.eye(ng)[None] - t1[:, :, None] * t1[:, None, :] / tr[:, None, None]
        )
        c = np.cumsum(a * (nd1 / (tr * (1 - fm)))[:, None, None], axis=0)
        score = (
            fb[:, None]
            * np.where(at, d1 - nd1[:, None] * rs * (1 - f1m) / (skmm * tq[:, None]), 0.0)
        ).sum(axis=0)
        # exits of interest
        has1 = (nd1 > 0)[:, None] & at
        t4 = np.where(skm > 0, 1 - (1 - f[:, None]) / skm, 1.0)
        t5 = np.where(nd1[:, None] > 1, 1 - (nd1[:, None] - 1) / (tr[:, None] * skmm - 1), 1.0)
        t3 = np.where(has1, t5 * skmm * nd1[:, None] / (tr[:, None] * rs), 0.0)
        v3 = (t4 * t4 * t3).sum(axis=0)
        b = a - t4[:, None, :] * c  # b[t, i, k] = a(i,k) - t4_k c(i,k)
        v2 = np.einsum("tik,tk->ik", b, t4 * t3)
        v = np.einsum("tik,tjk,tk->ij", b, b, t3)
        # other exits
        has2 = (nd2 > 0)[:, None] & (skm > 0) & (d2 > 0)
        t4o = np.where(has2, (1 - f[:, None]) / skm, 0.0)
        t5o = np.where(d2 > 1, 1 - (d2 - 1) / (rs - 1), 1.0)
        t3o = np.where(has2, t5o * skmm**2 * d2 / rs**2, 0.0)
        v3 = v3 + (t4o * t4o * t3o).sum(axis=0)
        co = t4o[:, None, :] * c  # t4_k c(i,k)
        v2 = v2 - np.einsum("tik,tk->ik", co, t4o * t3o)
        v = v + np.einsum("tik,tjk,tk->ij", co, co, t3o)
    cf = c[-1]
    v = v + (cf * v3[None, :]) @ cf.T + cf @ v2.T + v2 @ cf.T
    del d0
    return score[: ng - 1], v[: ng - 1, : ng - 1]


def gray_test(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    event_of_interest: int,
    strata: str | None = None,
    rho: float = 0.0,
    control: str | None = None,
) -> GrayTestResult:
    """Gray's test that the cumulative incidence of ``event_of_interest`` is equal across arms.

    Statistic s' V^{-1} s on (arms - 1) degrees of freedom; with ``strata`` the scores and
    variances are summed over strata, as ``cuminc(..., strata = )``.
    """
    sd = prepare_survival(
        data, time=time, event=event, treatment=treatment, control=control, strata=strata
    )
    cause_code = _check_cause(sd, event, event_of_interest)
    # cmprsk orders groups as sorted factor levels; the statistic does not depend on the order
    ng = len(sd.levels)
    cause = np.where(sd.event == 0, 0, np.where(sd.event == cause_code, 1, 2))
    score = np.zeros(ng - 1)
    var = np.zeros((ng - 1, ng - 1))
    for s in np.unique(sd.stratum):
        keep = sd.stratum == s
        sc, vv = _gray_stratum(sd.time[keep], cause[keep], sd.arm[keep], ng, float(rho))
        score += sc
        var += vv
    statistic = float(score @ np.linalg.solve(var, score))
    df = ng - 1
    return GrayTestResult(
        statistic=statistic,
        df=df,
        p_value=float(stats.chi2.sf(statistic, df)),
        event_of_interest=cause_code,
        rho=float(rho),
        strata=strata,
        n=int(sd.time.size),
        arms=sd.levels,
    )


# ---------------------------------------------------------------------------------------------
# Fine-Gray


def _censoring_km_left(time: np.ndarray, censored: np.ndarray) -> np.ndarray:
    """G(t-) at each subject's time: Kaplan-Meier of the censoring distribution, left limit."""
    times, inverse = np.unique(time, return_inverse=True)
    total = np.bincount(inverse, minlength=times.size).astype(float)
    cens = np.bincount(inverse, weights=censored.astype(float), minlength=times.size)
    at_risk = np.cumsum(total[::-1])[::-1]
    g = np.cumprod(1 - cens / at_risk)
    g_left = np.concatenate([[1.0], g[:-1]])
    return g_left[inverse]


class _FGData:
    """Sorted arrays of a Fine-Gray fit and the index maps its sums need.

    ``weight`` is 1 per row, or 0 for rows of an arm without exits of interest: those drop
    out of every risk set (the limit of its coefficient going to minus infinity) but still
    count in the censoring distribution G.
    """

    def __init__(
        self, time: np.ndarray, status: np.ndarray, x: np.ndarray, weight: np.ndarray
    ) -> None:
        order = np.argsort(time, kind="stable")
        self.time = time[order]
        self.status = status[order]  # 0 censored, 1 exit of interest, 2 other exit
        self.x = x[order]
        self.weight = weight[order]
        self.fail = self.status == 1
        self.other = self.status == 2
        self.gleft = _censoring_km_left(self.time, self.status == 0)  # G(t_i -)
        self.utimes, self.inv = np.unique(self.time, return_inverse=True)
        self.ft = self.time[self.fail]  # failure times (each failure one row)
        self.g_ft = self.gleft[self.fail]  # G(t_j -) at each failure
        # subjects with time >= t_j: from first index with time >= t_j
        self.first_ge = np.searchsorted(self.time, self.ft, side="left")
        self.n = self.time.size


def _fg_sums(
    fd: _FGData, beta: np.ndarray, second: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """S0, S1 (and S2) at each failure: at-risk part + G(t-)/G(t_j-)-weighted other-exit part."""
    r = fd.weight * np.exp(fd.x @ beta)
    rx = r[:, None] * fd.x

    def rev(v: np.ndarray) -> np.ndarray:
        return np.concatenate([np.cumsum(v[::-1], axis=0)[::-1], np.zeros((1, *v.shape[1:]))])

    def fwd(v: np.ndarray) -> np.ndarray:
        return np.concatenate([np.zeros((1, *v.shape[1:])), np.cumsum(v, axis=0)])

    w_other = np.where(fd.other, 1.0 / fd.gleft, 0.0)
    s0 = rev(r)[fd.first_ge] + fd.g_ft * fwd(r * w_other)[fd.first_ge]
    s1 = rev(rx)[fd.first_ge] + fd.g_ft[:, None] * fwd(rx * w_other[:, None])[fd.first_ge]
    s2 = None
    if second:
        rxx = rx[:, :, None] * fd.x[:, None, :]
        s2 = (
            rev(rxx)[fd.first_ge]
            + fd.g_ft[:, None, None] * fwd(rxx * w_other[:, None, None])[fd.first_ge]
        )
    return r, s0, s1, s2


def _fg_loglik(fd: _FGData, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Log partial likelihood, score and information (Breslow ties, as crr)."""
    _, s0, s1, maybe_s2 = _fg_sums(fd, beta, True)
    s2 = cast(np.ndarray, maybe_s2)  # second=True always computes it
    xbar = s1 / s0[:, None]
    loglik = float(np.sum(fd.x[fd.fail] @ beta) - np.sum(np.log(s0)))
    score = fd.x[fd.fail].sum(axis=0) - xbar.sum(axis=0)
    info = (s2 / s0[:, None, None] - xbar[:, :, None] * xbar[:, None, :]).sum(axis=0)
    return loglik, score, info


def _fg_variance(fd: _FGData, beta: np.ndarray, info: np.ndarray) -> np.ndarray:
    """Sandwich variance I^-1 (sum_i (eta_i + psi_i)(eta_i + psi_i)') I^-1 of Fine and Gray (1999).

    eta_i = d1_i (x_i - xbar(t_i)) - sum_j w_i(t_j) r_i (x_i - xbar_j) / S0_j;
    psi_i = dc_i q(t_i) / Y(t_i) - sum_{censored c: t_c <= t_i} q(t_c) / Y(t_c)^2 with
    q(u) = sum_{j: t_j >= u} G(t_j-)/S0_j sum_{other l: t_l < u} r_l / G(t_l-) (x_l - xbar_j)
    (cmprsk ``crrvv``).
    """
    r, s0, s1, _ = _fg_sums(fd, beta, False)
    xbar = s1 / s0[:, None]
    p = fd.x.shape[1]
    n = fd.n
    # failures sorted by time; cumulative sums over failures with t_j <= t (at risk part)
    h = 1.0 / s0
    hx = xbar * h[:, None]
    ch = np.concatenate([[0.0], np.cumsum(h)])
    chx = np.concatenate([np.zeros((1, p)), np.cumsum(hx, axis=0)])
    upto = np.searchsorted(fd.ft, fd.time, side="right")  # failures with t_j <= t_i
    eta = -r[:, None] * (fd.x * ch[upto][:, None] - chx[upto])
    # other exits: failures after t_i with weight G(t_j-)/G(t_i-)
    gh = fd.g_ft * h
    ghx = hx * fd.g_ft[:, None]
    tail_h = ch[-1] * 0 + np.concatenate([np.cumsum(gh[::-1])[::-1], [0.0]])
    tail_hx = np.concatenate([np.cumsum(ghx[::-1], axis=0)[::-1], np.zeros((1, p))])
    after = upto  # first failure with t_j > t_i
    w = np.where(fd.other, r / fd.gleft, 0.0)
    eta -= w[:, None] * (fd.x * tail_h[after][:, None] - tail_hx[after])
    # dN part: x_i - xbar at the subject's own failure (same xbar for tied failures)
    fail_idx = np.flatnonzero(fd.fail)
    eta[fail_idx] += fd.x[fail_idx] - xbar
    # psi: q(u) at each unique time u = C1(u) R0(u) - C0(u) R1(u)
    u = fd.utimes
    first_fail_ge = np.searchsorted(fd.ft, u, side="left")
    r0 = np.concatenate([np.cumsum(gh[::-1])[::-1], [0.0]])[first_fail_ge]
    r1 = np.concatenate([np.cumsum(ghx[::-1], axis=0)[::-1], np.zeros((1, p))])[first_fail_ge]
    wl = np.where(fd.other, r / fd.gleft, 0.0)
    first_ge = np.searchsorted(fd.time, u, side="left")  # others with t_l < u: indices below
    c0 = np.concatenate([[0.0], np.cumsum(wl)])[first_ge]
    c1 = np.concatenate([np.zeros((1, p)), np.cumsum(wl[:, None] * fd.x, axis=0)])[first_ge]
    q = c1 * r0[:, None] - c0[:, None] * r1
    y = (n - first_ge).astype(float)  # at risk at u
    n_cens = np.bincount(fd.inv, weights=(fd.status == 0).astype(float), minlength=u.size)
    dlam = np.cumsum(n_cens[:, None] * q / (y**2)[:, None], axis=0)
    psi = -dlam[fd.inv]
    cens = fd.status == 0
    psi[cens] += q[fd.inv[cens]] / y[fd.inv[cens], None]
    total = eta + psi
    meat = total.T @ total
    bread = np.linalg.inv(info)
    sandwich: np.ndarray = bread @ meat @ bread.T
    return sandwich


def fine_gray(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    treatment: str,
    event_of_interest: int,
    covariates: Sequence[str] = (),
    control: str | None = None,
    conf_level: float = 0.95,
) -> FineGrayResult:
    """Subdistribution hazard ratios of ``event_of_interest``, each arm against control (``crr``).

    One censoring distribution for everyone (crr's default ``cengroup``); Breslow handling of
    tied exits; Newton-Raphson to full convergence (crr stops at its ``gtol``, so the last
    digits can differ slightly from R). An arm without exits of interest (or a control arm
    without them) is not estimable: its row is NaN and ``warnings`` says why (monotone
    likelihood, :mod:`.monotone`); non-convergence is a warning, not an error.
    """
    conf_level = resolve_level(conf_level)
    sd = prepare_survival(
        data, time=time, event=event, treatment=treatment, control=control, covariates=covariates
    )
    cause = _check_cause(sd, event, event_of_interest)
    status = np.where(sd.event == 0, 0, np.where(sd.event == cause, 1, 2))
    x, names, arms = arm_design(sd)
    k, p = len(sd.levels), x.shape[1]
    what = f"exits of type {cause}"
    est = estimable_arms(sd.arm, sd.levels, status == 1, model="Fine-Gray", what=what)
    cols = fitted_columns(est, k, p)
    fd = _FGData(sd.time, status, x[:, cols], (~est.silenced).astype(float))

    def objective(beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, None]:
        return (*_fg_loglik(fd, beta), None)

    nf = newton_raphson(objective, len(cols), model="Fine-Gray", tol=1e-10)
    vcov_fit = _fg_variance(fd, nf.beta, nf.info)
    bad = diverging(nf.beta, np.linalg.pinv(nf.info)).tolist()
    shown, idx = shown_columns(est, cols, k, p, bad)
    beta = spread(nf.beta[idx], shown, p)
    vcov = spread(vcov_fit[np.ix_(idx, idx)], shown, p)
    warns = est.warnings + diverging_warnings(
        "Fine-Gray", [term_label(names[cols[i]], arms[cols[i]]) for i in bad]
    )
    if not nf.converged:
        warns += (not_converged_warning("Fine-Gray", nf.iterations),)
    table = hazard_ratio_table(names, arms, beta, np.sqrt(np.diag(vcov)), conf_level=conf_level)
    return FineGrayResult(
        table=table,
        vcov=vcov,
        event_of_interest=cause,
        control=sd.levels[0],
        arms=sd.levels,
        n=int(sd.time.size),
        n_events=int(fd.fail.sum()),
        iterations=nf.iterations,
        converged=nf.converged,
        loglik=nf.loglik,
        warnings=warns,
    )
