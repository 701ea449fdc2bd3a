"""Least squares and its sandwich variances, as small pure array functions.

Everything here takes numpy arrays and returns numpy arrays; the estimators in ``itt.py``,
``dim.py`` and ``iv.py`` orchestrate. The formulas follow estimatr's ``lm_robust`` so that
estimates, standard errors and degrees of freedom agree with it to the digit:

* HC0 (White 1980), HC1 = HC0 * n / (n - k), HC2 (MacKinnon and White 1985: squared
  residuals over ``1 - h_ii``), HC3 (squared residuals over ``(1 - h_ii)^2``), classical
  ``s^2 (X'X)^-1``; degrees of freedom ``n - k``.
* CR0 (Liang and Zeger 1986), Stata's CR1 = CR0 * G (n - 1) / ((G - 1)(n - k)); degrees of
  freedom ``G - 1``.
* CR2 (Bell and McCaffrey 2002; Pustejovsky and Tipton 2018): cluster residuals
  pre-multiplied by ``(I - H_gg)^{-1/2}`` (a pseudo-inverse root: eigenvalues below 1e-12
  give 0, as estimatr does), with the Bell-McCaffrey Satterthwaite degrees of freedom for
  each coefficient under a working model of independent homoskedastic errors
  (Imbens and Kolesar 2016, section 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from participatie_rct.errors import EstimationError

#: a column whose QR pivot is below this share of the largest is collinear (R's lm uses 1e-7)
COLLINEARITY_TOL = 1e-7
#: hat values this close to 1 make HC2/HC3 undefined (a unit explains itself)
LEVERAGE_TOL = 1e-10
#: eigenvalues of I - H_gg at or below this are treated as zero (estimatr's CR2 tolerance)
CR2_EIGEN_TOL = 1e-12


@dataclass(frozen=True)
class LeastSquares:
    """An OLS fit on the non-collinear columns ``kept`` of the design matrix."""

    coef: np.ndarray  # (k,)
    resid: np.ndarray  # (n,)
    X: np.ndarray  # (n, k) the kept columns
    Q: np.ndarray  # (n, k) orthonormal basis of X's columns: hat values are rowsums of Q**2
    xtx_inv: np.ndarray  # (k, k)
    kept: np.ndarray  # indices of the kept columns in the full design matrix
    absorbed_rank: int = 0  # columns absorbed by demeaning within strata (fixed effects)
    absorbed_leverage: np.ndarray | None = None  # their share of each hat value: 1 / n_stratum

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def k(self) -> int:
        """Columns estimated here (the coefficients in ``coef``)."""
        return int(self.X.shape[1])

    @property
    def rank(self) -> int:
        """Rank of the full model, absorbed fixed effects included: ``n - rank`` is its df."""
        return self.k + self.absorbed_rank

    def hat(self) -> np.ndarray:
        """Hat values of the full model; absorbed fixed effects add ``1 / n_stratum`` (FWL)."""
        h = hat_values(self.Q)
        return h if self.absorbed_leverage is None else h + self.absorbed_leverage


def kept_columns(X: np.ndarray) -> np.ndarray:
    """Indices of the columns of ``X`` that are not linear combinations of earlier columns.

    An unpivoted Householder QR has a (near) zero diagonal entry of R exactly where a column
    depends on the ones before it; like R's ``lm``, the later column of a collinear set goes.
    """
    return _independent(np.asarray(np.linalg.qr(X, mode="r")), X)


def _independent(r: np.ndarray, X: np.ndarray, norms: np.ndarray | None = None) -> np.ndarray:
    diag = np.abs(np.diag(r))
    if diag.size == 0:
        return np.arange(0)
    norms = np.linalg.norm(X, axis=0) if norms is None else norms
    scale = np.where(norms > 0, norms, 1.0)
    return np.flatnonzero((diag / scale > COLLINEARITY_TOL) & (norms > 0))


def least_squares(X: np.ndarray, y: np.ndarray, *, norms: np.ndarray | None = None) -> LeastSquares:
    """OLS through a thin QR decomposition of the non-collinear columns of ``X``.

    ``norms``: the columns' norms before any absorption (demeaning), against which a column's
    remaining length is judged; by default the norms of ``X``.
    """
    Q, R = np.linalg.qr(X, mode="reduced")
    kept = _independent(R, X, norms)
    Xk = X
    if len(kept) < X.shape[1]:
        Xk = np.ascontiguousarray(X[:, kept])
        Q, R = np.linalg.qr(Xk, mode="reduced")
    coef = np.linalg.solve(R, Q.T @ y)
    resid = y - Xk @ coef
    r_inv = np.linalg.solve(R, np.eye(R.shape[0]))
    return LeastSquares(coef, resid, Xk, Q, r_inv @ r_inv.T, kept)


def hat_values(Q: np.ndarray) -> np.ndarray:
    """Diagonal of the hat matrix ``X (X'X)^-1 X'`` = row sums of ``Q**2``."""
    hat: np.ndarray = np.einsum("ij,ij->i", Q, Q)
    return hat


def demean_within(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Columns of ``values`` minus their group means (absorbing group fixed effects)."""
    counts = np.bincount(codes, minlength=n_groups).astype(float)
    out = np.empty_like(values, dtype=float)
    for j in range(values.shape[1]):
        means = np.bincount(codes, weights=values[:, j], minlength=n_groups) / counts
        out[:, j] = values[:, j] - means[codes]
    return out


def absorbed_least_squares(X: np.ndarray, y: np.ndarray, strata: np.ndarray) -> LeastSquares:
    """OLS of ``y`` on ``X`` (no intercept column) plus stratum fixed effects, absorbed.

    Frisch-Waugh-Lovell: demeaning ``y`` and ``X`` within strata gives the same slopes and
    residuals as the regression with one dummy per stratum; the hat values of the full model
    are those of the demeaned ``X`` plus ``1 / n_stratum`` (the dummies' projection). As
    estimatr's ``fixed_effects``, without building the dummies.
    """
    codes, G = cluster_codes(strata)
    Xd = demean_within(X, codes, G)
    yd = demean_within(y[:, None], codes, G)[:, 0]
    # judge collinearity against the columns before demeaning: a covariate that is constant
    # within strata leaves only rounding noise, which must count as nothing
    fit = least_squares(Xd, yd, norms=np.linalg.norm(X, axis=0))
    counts = np.bincount(codes, minlength=G).astype(float)
    return LeastSquares(
        fit.coef, fit.resid, fit.X, fit.Q, fit.xtx_inv, fit.kept, G, 1.0 / counts[codes]
    )


def _check_leverage(h: np.ndarray) -> None:
    """HC2/HC3 divide by ``1 - h_ii``: a row with leverage 1 (alone in its stratum and arm,
    say) has no residual to learn from, and the variance is undefined."""
    ones = np.flatnonzero(h > 1.0 - LEVERAGE_TOL)
    if ones.size:
        rows = "1 row has" if ones.size == 1 else f"{ones.size} rows have"
        where = "row" if ones.size == 1 else "rows"
        raise EstimationError(
            f"{rows} leverage 1 ({where} {', '.join(str(i + 1) for i in ones[:5])}"
            f"{', ...' if ones.size > 5 else ''} of the rows used): each is alone in its "
            "stratum or covariate pattern, so HC2/HC3 standard errors are undefined. Merge "
            "small strata, drop the covariate level, or use se_type='hc1'."
        )


def hc_vcov(fit: LeastSquares, se_type: str) -> tuple[np.ndarray, float]:
    """Heteroskedasticity-consistent (or classical) covariance and its degrees of freedom."""
    n, k = fit.n, fit.rank
    e2 = fit.resid**2
    if se_type == "classical":
        s2 = e2.sum() / (n - k)
        return s2 * fit.xtx_inv, float(n - k)
    if se_type in ("hc2", "hc3"):
        _check_leverage(fit.hat())
    if se_type in ("hc0", "hc1"):
        omega = e2
    elif se_type == "hc2":
        omega = e2 / (1.0 - fit.hat())  # MacKinnon and White (1985)
    elif se_type == "hc3":
        omega = e2 / (1.0 - fit.hat()) ** 2
    else:  # pragma: no cover - guarded by the callers' enums
        raise ValueError(se_type)
    half = fit.X * np.sqrt(omega)[:, None]
    vcov = fit.xtx_inv @ (half.T @ half) @ fit.xtx_inv
    if se_type == "hc1":
        vcov = vcov * n / (n - k)
    return vcov, float(n - k)


def cluster_codes(cluster: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes 0..G-1 of a cluster column, and G."""
    _, codes = np.unique(cluster, return_inverse=True)
    return codes.ravel(), int(codes.max()) + 1 if codes.size else 0


def _groups(codes: np.ndarray, n_groups: int) -> list[np.ndarray]:
    order = np.argsort(codes, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(codes, minlength=n_groups))]
    return [order[bounds[g] : bounds[g + 1]] for g in range(n_groups)]


def _adjusted_block(Xg: np.ndarray, Qg: np.ndarray) -> np.ndarray:
    """``(I - H_gg)^{-1/2} X_g`` with ``H_gg = Q_g Q_g'``, through the SVD of ``Q_g``.

    ``I - Q_g Q_g'`` has eigenvalues ``1 - s_i^2`` on the left singular vectors of ``Q_g``
    and 1 elsewhere, so only a k-dimensional correction is needed, even for big clusters.
    """
    U, s, _ = np.linalg.svd(Qg, full_matrices=False)
    lam = 1.0 - s**2
    factor = np.where(lam > CR2_EIGEN_TOL, 1.0 / np.sqrt(np.clip(lam, CR2_EIGEN_TOL, None)), 0.0)
    adjusted: np.ndarray = Xg + U @ ((factor - 1.0)[:, None] * (U.T @ Xg))
    return adjusted


def cr_vcov(
    fit: LeastSquares, cluster: np.ndarray, se_type: str, *, df_for: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Cluster-robust covariance (CR0, stata, CR2), per-coefficient degrees of freedom, G.

    ``df_for`` lists the coefficient indices whose Bell-McCaffrey degrees of freedom are
    wanted (CR2 only; the others get NaN); by default all.
    """
    codes, G = cluster_codes(cluster)
    n, k = fit.n, fit.k
    B = fit.xtx_inv
    df = np.full(k, float(G - 1))
    if se_type in ("cr0", "stata"):
        # sum over each cluster of x_i e_i, by sorting rows into clusters
        order = np.argsort(codes, kind="stable")
        starts = np.r_[0, np.cumsum(np.bincount(codes, minlength=G))[:-1]]
        half = np.add.reduceat((fit.X * fit.resid[:, None])[order], starts, axis=0)
        vcov = B @ (half.T @ half) @ B
        if se_type == "stata":
            vcov = vcov * (G * (n - 1)) / ((G - 1) * (n - fit.rank))
        return vcov, df, G
    if se_type != "cr2":  # pragma: no cover
        raise ValueError(se_type)
    if fit.absorbed_rank:  # CR2 needs the fixed effects' full hat matrix: keep the dummies
        raise ValueError("CR2 needs the fixed effects as columns of X, not absorbed")
    groups = _groups(codes, G)
    half = np.empty((G, k))
    wanted = np.arange(k) if df_for is None else np.asarray(df_for)
    # for the Bell-McCaffrey df: per coefficient j, U_gj = A_g X_g B e_j and w_gj = X_g' U_gj
    uu = np.empty((G, len(wanted)))
    W = np.empty((len(wanted), G, k))
    for g, idx in enumerate(groups):
        Xg = fit.X[idx]
        AX = _adjusted_block(Xg, fit.Q[idx])
        half[g] = fit.resid[idx] @ AX
        U = AX @ B[:, wanted]  # (n_g, len(wanted))
        uu[g] = np.einsum("ij,ij->j", U, U)
        W[:, g, :] = (Xg.T @ U).T
    vcov = B @ (half.T @ half) @ B
    df = np.full(k, np.nan)
    for col, j in enumerate(wanted):
        # G'G = diag(u_g'u_g) - W B W' where G's column g is (I - H)_{., g} U_gj
        gtg = np.diag(uu[:, col]) - W[col] @ B @ W[col].T
        df[j] = np.trace(gtg) ** 2 / np.sum(gtg * gtg)
    return vcov, df, G
