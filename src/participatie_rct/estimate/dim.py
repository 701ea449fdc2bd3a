"""The design-based difference in means, as estimatr's ``difference_in_means``.

Four designs, chosen by what is given (Gerber and Green 2012, ch. 3-4; estimatr's
"Mathematical notes"):

* standard: ``mean(Y1) - mean(Y0)``, Welch's variance ``s1^2/n1 + s0^2/n0`` and the
  Welch-Satterthwaite degrees of freedom;
* blocked: block differences weighted by block size ``N_b / N``, variance
  ``sum (N_b/N)^2 V_b``, degrees of freedom ``N - 2B``; matched pairs (every block two units
  or clusters): variance ``1/(B(B-1)) sum (d_b - d)^2`` (Imai, King and Nall 2009), df ``B-1``;
* clustered: the regression of Y on the arm indicator with CR2 variance and Bell-McCaffrey
  degrees of freedom;
* block-clustered: each block by the clustered estimator, combined as blocked, df
  ``G - 2B`` (G clusters); matched cluster pairs use Imai, King and Nall's eq. 6.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.variance import cr_vcov, least_squares


@dataclass(frozen=True)
class DimEstimate:
    """A difference in means with its standard error, degrees of freedom and design."""

    estimate: float
    std_error: float
    df: float
    n: int
    design: str
    n_blocks: int | None = None
    n_clusters: int | None = None


def _variance_of_mean(y: np.ndarray) -> float:
    """``s^2 / n``: the sampling variance of a group's mean (NaN below two values)."""
    return float(np.var(y, ddof=1) / y.size) if y.size >= 2 else float("nan")


def neyman_std_error(y_arm: ArrayLike, y_control: ArrayLike) -> float:
    """The Neyman standard error of a difference in means: ``sqrt(s1^2/n1 + s0^2/n0)``.

    Conservative for the average effect under complete randomization (Neyman 1923; equal to
    HC2 of the regression on the arm indicator, Samii and Aronow 2012). NaN when a group has
    fewer than two values.

    >>> round(neyman_std_error([1.0, 2.0, 3.0], [0.0, 2.0]), 6)
    1.154701
    """
    y1 = np.asarray(y_arm, dtype=float)
    y0 = np.asarray(y_control, dtype=float)
    return float(np.sqrt(_variance_of_mean(y1) + _variance_of_mean(y0)))


def _welch(y: np.ndarray, t: np.ndarray) -> tuple[float, float, float]:
    y1, y0 = y[t == 1], y[t == 0]
    v1, v0 = _variance_of_mean(y1), _variance_of_mean(y0)
    se = neyman_std_error(y1, y0)
    df = se**4 / (v1**2 / (y1.size - 1) + v0**2 / (y0.size - 1))  # Welch-Satterthwaite
    return float(y1.mean() - y0.mean()), float(se), float(df)


def _clustered(
    y: np.ndarray, t: np.ndarray, cluster: np.ndarray
) -> tuple[float, float, float, int]:
    X = np.column_stack([np.ones_like(y), t])
    fit = least_squares(X, y)
    if fit.k < 2:
        raise EstimationError(
            "the arm indicator is constant within the rows used; no difference to estimate."
        )
    vcov, df, G = cr_vcov(fit, cluster, "cr2", df_for=np.array([1]))
    return float(fit.coef[1]), float(np.sqrt(vcov[1, 1])), float(df[1]), G


def _check_clusters(t: np.ndarray, cluster: np.ndarray) -> None:
    _, codes = np.unique(cluster, return_inverse=True)
    lo = np.full(codes.max() + 1, np.inf)
    hi = np.full(codes.max() + 1, -np.inf)
    np.minimum.at(lo, codes, t)
    np.maximum.at(hi, codes, t)
    if np.any(lo != hi):
        raise EstimationError(
            f"{int(np.sum(lo != hi))} clusters hold units of both arms in the comparison. In a "
            "cluster-randomized design every unit of a cluster has the same arm; check the "
            "cluster column."
        )


def difference_in_means(
    y: np.ndarray,
    t: np.ndarray,
    *,
    blocks: np.ndarray | None = None,
    cluster: np.ndarray | None = None,
) -> DimEstimate:
    """Difference in means of ``y`` between ``t == 1`` and ``t == 0`` for the given design."""
    y = np.asarray(y, dtype=float)
    t = np.asarray(t, dtype=float)
    if cluster is not None:
        _check_clusters(t, cluster)
    if blocks is None:
        return _unblocked(y, t, cluster)
    levels, codes = np.unique(blocks, return_inverse=True)
    paired = _paired_blocks(levels, codes, cluster)
    d, s, nb, clusters_total = _block_differences(y, t, levels, codes, cluster, paired=paired)
    N, B = nb.sum(), levels.size
    est = float(np.sum(d * nb / N))
    if paired:
        if cluster is None:
            se = np.sqrt(np.sum((d - est) ** 2) / (B * (B - 1)))
            design = "matched-pair"
        else:  # Imai, King and Nall (2009), eq. 6, as estimatr
            se = np.sqrt(B / ((B - 1) * N**2) * np.sum((nb * d - N * est / B) ** 2))
            design = "matched-pair clustered"
        df = float(B - 1)
    else:
        se = np.sqrt(np.sum(s**2 * (nb / N) ** 2))
        if cluster is None:
            design, df = "blocked", float(N - 2 * B)
        else:
            design, df = "block-clustered", float(clusters_total - 2 * B)
    return DimEstimate(
        est,
        float(se),
        df,
        int(N),
        design,
        n_blocks=int(B),
        n_clusters=clusters_total if cluster is not None else None,
    )


def _unblocked(y: np.ndarray, t: np.ndarray, cluster: np.ndarray | None) -> DimEstimate:
    """The standard (Welch) or clustered (CR2) difference in means, without blocks."""
    if min((t == 1).sum(), (t == 0).sum()) < 2 and cluster is None:
        raise EstimationError("each arm needs at least two units for the difference in means.")
    if cluster is None:
        est, se, df = _welch(y, t)
        return DimEstimate(est, se, df, int(y.size), "standard")
    est, se, df, G = _clustered(y, t, cluster)
    return DimEstimate(est, se, df, int(y.size), "clustered", n_clusters=G)


def _paired_blocks(levels: np.ndarray, codes: np.ndarray, cluster: np.ndarray | None) -> bool:
    """Whether the design is matched pairs: some block holds two units (or clusters).

    Refuses blocks of a single unit (or cluster): they cannot hold both arms.
    """
    per_block_units = []
    for b in range(levels.size):
        idx = codes == b
        if cluster is not None:
            per_block_units.append(np.unique(cluster[idx]).size)
        else:
            per_block_units.append(int(idx.sum()))
    units = np.array(per_block_units)
    if np.any(units == 1):
        bad = [str(levels[i]) for i in np.flatnonzero(units == 1)[:5]]
        raise EstimationError(
            f"blocks {', '.join(bad)} have a single unit (or cluster). Every block needs units of "
            "both arms; merge small blocks or leave out blocks."
        )
    return bool(np.any(units == 2))


def _block_differences(
    y: np.ndarray,
    t: np.ndarray,
    levels: np.ndarray,
    codes: np.ndarray,
    cluster: np.ndarray | None,
    *,
    paired: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Per block: the difference in means, its standard error (NaN for pairs) and size.

    Also the number of clusters over all blocks (0 without clusters). Refuses a block with
    only one arm, and (unpaired, unclustered) a block with fewer than two units in an arm.
    """
    diffs, ses, ns, clusters_total = [], [], [], 0
    for b in range(levels.size):
        idx = codes == b
        yb, tb = y[idx], t[idx]
        n1, n0 = int((tb == 1).sum()), int((tb == 0).sum())
        if n1 == 0 or n0 == 0:
            raise EstimationError(
                f"block {levels[b]!s} has units of only one arm in this comparison; every block "
                "needs both. Leave the block out or estimate without blocks."
            )
        if cluster is not None and not paired:
            est, se, _, G = _clustered(yb, tb, cluster[idx])
            clusters_total += G
        elif not paired:
            if min(n1, n0) < 2:
                raise EstimationError(
                    f"block {levels[b]!s} has fewer than two units in one arm; the blocked "
                    "variance needs two per arm and block."
                )
            est, se, _ = _welch(yb, tb)
        else:
            est, se = float(yb[tb == 1].mean() - yb[tb == 0].mean()), np.nan
            if cluster is not None:
                clusters_total += int(np.unique(cluster[idx]).size)
        diffs.append(est)
        ses.append(se)
        ns.append(int(idx.sum()))
    return np.array(diffs), np.array(ses), np.array(ns, dtype=float), clusters_total
