"""Covariate balance by arm: means, standardized differences, tests, joint orthogonality.

Randomization balances covariates in expectation; this table shows how well it did in the
sample, and the joint test asks whether the covariates together predict the arm.

* standardized difference (Austin 2009, eq. 1-2): ``(mean_arm - mean_control) /
  sqrt((s_arm^2 + s_control^2) / 2)``;
* per covariate: the regression of the covariate on the arm dummies (HC2), a Wald F test that
  every arm has the control's mean (with one arm, the t test squared);
* joint orthogonality, per arm against control: the linear probability regression of the arm
  indicator on all covariates (HC2), Wald F test that every slope is zero, F(q, n - k).

``by`` repeats everything within each level of a column (site, enrolment cohort).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.arms import Arms, resolve_arms
from participatie_rct.estimate.design_matrix import refuse_stray_text
from participatie_rct.estimate.missing import complete_rows
from participatie_rct.estimate.smd import standardized_mean_difference
from participatie_rct.estimate.variance import hc_vcov, least_squares
from participatie_rct.tidy import TidyResult, records, resolve_level, settings_glance

#: the columns of :meth:`BalanceResult.to_frame`, in order
BALANCE_COLUMNS: tuple[str, ...] = (
    "group",
    "term",
    "arm",
    "estimate",
    "std_error",
    "statistic",
    "df",
    "p_value",
    "ci_low",
    "ci_high",
    "conf_level",
    "mean",
    "mean_control",
    "std_difference",
    "n",
    "n_control",
    "f_statistic",
    "f_df",
    "f_df_residual",
    "p_value_f",
)


def wald_f(coef: np.ndarray, vcov: np.ndarray, index: np.ndarray) -> tuple[float, int]:
    """Wald statistic divided by q for ``coef[index] == 0``, and q."""
    b = coef[index]
    V = vcov[np.ix_(index, index)]
    stat = float(b @ np.linalg.pinv(V) @ b)
    return stat / len(index), len(index)


@dataclass(frozen=True, repr=False)
class BalanceResult(TidyResult):
    """Balance table (one row per group, covariate and arm) and joint tests."""

    rows: tuple[dict[str, Any], ...]
    joint: tuple[dict[str, Any], ...]
    settings: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    _title = "Covariate balance by arm"

    def to_frame(self) -> pd.DataFrame:
        """One row per group, covariate (``term``) and arm.

        ``estimate`` is the difference in means against control, with its HC2 ``std_error``,
        t ``statistic`` on ``df`` residual degrees of freedom, ``p_value`` and interval;
        beside them ``mean``, ``mean_control``, ``std_difference`` (Austin 2009), ``n``,
        ``n_control``, and the covariate's F test across all arms (``f_statistic``, ``f_df``,
        ``f_df_residual``, ``p_value_f``), repeated on the covariate's rows.
        """
        return pd.DataFrame.from_records(list(self.rows), columns=list(BALANCE_COLUMNS))

    def joint_frame(self) -> pd.DataFrame:
        """Joint orthogonality tests: ``group, arm, statistic, df, df_residual, p_value, n``."""
        return pd.DataFrame.from_records(list(self.joint))

    def glance(self) -> dict[str, Any]:
        """n, rows dropped per arm, the control, covariates, groups, se type, warnings."""
        return settings_glance(self.settings, self.warnings)

    def to_dict(self) -> dict[str, Any]:
        """``{"estimates": [...], "glance": {...}, "joint": [...]}``."""
        return {**super().to_dict(), "joint": records(self.joint_frame())}

    def _shown_frame(self) -> pd.DataFrame:
        cols = ["group", "term", "arm", "mean", "mean_control", "std_difference", "p_value"]
        return self.to_frame()[cols]

    def summary(self) -> str:
        frame = self._shown_frame()
        lines = ["Covariate balance by arm", ""]
        if not frame.empty:
            lines.append(frame.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        lines += ["", "Joint test of orthogonality (arm indicator on all covariates, HC2 Wald F)"]
        if self.joint:
            lines.append(
                self.joint_frame().to_string(index=False, float_format=lambda v: f"{v:.4g}")
            )
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def balance(
    data: pd.DataFrame,
    *,
    treatment: str,
    covariates: Sequence[str],
    control: object = None,
    by: str | Sequence[str] | None = None,
    missing: str = "drop",
    conf_level: float = 0.95,
) -> BalanceResult:
    """Balance of ``covariates`` across the arms of ``treatment`` (and within ``by``).

    ``by`` is a column or several (e.g. ``("site", "cohort")``): the table is repeated within
    each level of each, groups named ``column=level``.

    Text covariates are expanded to one 0/1 column per level (every level shown). Missing
    values follow ``missing`` per covariate set; the rows dropped per arm are recorded.
    ``conf_level`` is the level of the intervals of the differences.
    """
    level = resolve_level(conf_level)
    covariates = tuple(covariates)
    if not covariates:
        raise EstimationError("balance needs covariates; give them as covariates=[...].")
    by_columns = (by,) if isinstance(by, str) else tuple(by or ())
    if treatment in covariates or treatment in by_columns:
        raise EstimationError(
            f"column '{treatment}' is the treatment: it cannot also be a covariate or a by= "
            "column. Name baseline characteristics."
        )
    cleaned = complete_rows(
        data, [treatment, *covariates, *by_columns], treatment=treatment, policy=missing
    )
    frame = cleaned.data.reset_index(drop=True)
    if frame.empty:
        raise EstimationError(
            "no complete rows remain after dropping missing values; nothing to compare."
        )
    arms_all = resolve_arms(frame[treatment], treatment=treatment, control=control)
    groups: list[tuple[str, pd.DataFrame]] = [("all", frame)]
    for col in by_columns:
        groups += [(f"{col}={lv}", part) for lv, part in frame.groupby(col, sort=True)]
    rows: list[dict[str, Any]] = []
    joint: list[dict[str, Any]] = []
    for name, part in groups:
        arms = Arms(
            arms_all.control, arms_all.treated, arms_all.labels[frame.index.get_indexer(part.index)]
        )
        r, j = _balance_group(part, arms, covariates, group=name, conf_level=level)
        rows += r
        joint += j
    settings = {
        "treatment": treatment,
        "control": arms_all.control,
        "arms": list(arms_all.treated),
        "covariates": list(covariates),
        "by": list(by_columns),
        "n": len(frame),
        "n_dropped": cleaned.n_dropped,
        "n_dropped_by_arm": cleaned.n_dropped_by_arm,
        "se_type": "hc2",
        "conf_level": level,
    }
    return BalanceResult(tuple(rows), tuple(joint), settings)


def _expanded(part: pd.DataFrame, covariates: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    blocks, names = [], []
    for col in covariates:
        s = part[col]
        refuse_stray_text(s, col)
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            blocks.append(s.to_numpy(dtype=float)[:, None])
            names.append(col)
        else:
            text = s.astype("string")
            for lv in sorted(text.unique()):
                blocks.append((text == lv).to_numpy(dtype=float)[:, None])
                names.append(f"{col}={lv}")
    return np.hstack(blocks), names


def _arm_tests(
    x: np.ndarray, T: np.ndarray, present: list[str], conf_level: float
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Regress one covariate on the arm dummies (HC2): the F test across arms, and per arm
    the difference against control with its standard error, t test and interval."""
    n = len(x)
    f_test = {"f_statistic": np.nan, "f_df": 0, "f_df_residual": np.nan, "p_value_f": np.nan}
    per_arm: dict[str, dict[str, float]] = {}
    if not (present and n > T.shape[1] + 1 and np.ptp(x) > 0):
        return f_test, per_arm
    fit = least_squares(np.column_stack([np.ones(n), T]), x)
    idx = np.flatnonzero(fit.kept >= 1)
    if not idx.size or not np.any(fit.resid != 0):
        return f_test, per_arm
    try:
        vcov, df_res = hc_vcov(fit, "hc2")
    except EstimationError:  # an arm of one participant: no HC2 test here
        return f_test, per_arm
    stat, q = wald_f(fit.coef, vcov, idx)
    f_test = {
        "f_statistic": stat,
        "f_df": q,
        "f_df_residual": df_res,
        "p_value_f": float(stats.f.sf(stat, q, df_res)),
    }
    quantile = float(stats.t.ppf(0.5 + conf_level / 2, df_res))
    for j, c in enumerate(fit.kept):
        if c >= 1:  # the arm's own HC2 t test against control
            se = float(np.sqrt(vcov[j, j]))
            t = fit.coef[j] / se
            per_arm[present[c - 1]] = {
                "std_error": se,
                "statistic": float(t),
                "df": float(df_res),
                "p_value": float(2 * stats.t.sf(abs(t), df_res)),
                "ci_low": float(fit.coef[j] - quantile * se),
                "ci_high": float(fit.coef[j] + quantile * se),
            }
    return f_test, per_arm


def _balance_group(
    part: pd.DataFrame, arms: Arms, covariates: Sequence[str], *, group: str, conf_level: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    C, names = _expanded(part, covariates)
    present = [a for a in arms.treated if np.any(arms.labels == a)]
    ctrl = arms.labels == arms.control
    n = len(part)
    T = np.column_stack([arms.indicator(a) for a in present]) if present else np.zeros((n, 0))
    none = {"std_error": np.nan, "statistic": np.nan, "df": np.nan, "p_value": np.nan}
    rows = []
    for j, cname in enumerate(names):
        x = C[:, j]
        f_test, per_arm = _arm_tests(x, T, present, conf_level) if ctrl.any() else ({}, {})
        for arm in present:
            xa, xc = x[arms.labels == arm], x[ctrl]
            diff = float(xa.mean() - xc.mean()) if xc.size else np.nan
            rows.append(
                {
                    "group": group,
                    "term": cname,
                    "arm": arm,
                    "estimate": diff,
                    **{"ci_low": np.nan, "ci_high": np.nan, **none, **per_arm.get(arm, {})},
                    "conf_level": conf_level,
                    "mean": float(xa.mean()),
                    "mean_control": float(xc.mean()) if xc.size else np.nan,
                    "std_difference": standardized_mean_difference(pd.Series(xa), pd.Series(xc)),
                    "n": int(xa.size),
                    "n_control": int(xc.size),
                    **f_test,
                }
            )
    joint = []
    for arm in present:
        rows_used = (arms.labels == arm) | ctrl
        t = (arms.labels[rows_used] == arm).astype(float)
        X = np.column_stack([np.ones(rows_used.sum()), C[rows_used]])
        fit = least_squares(X, t)
        idx = np.flatnonzero(fit.kept >= 1)
        stat = p = np.nan
        q, df_res = int(idx.size), fit.n - fit.k
        if idx.size and df_res > 0:
            try:
                vcov, _ = hc_vcov(fit, "hc2")
                stat, q = wald_f(fit.coef, vcov, idx)
                p = float(stats.f.sf(stat, q, df_res))
            except EstimationError:  # a covariate pattern of one participant: no joint test
                pass
        joint.append(
            {
                "group": group,
                "arm": arm,
                "statistic": stat,
                "df": q,
                "df_residual": df_res,
                "p_value": p,
                "n": int(rows_used.sum()),
            }
        )
    return rows, joint
