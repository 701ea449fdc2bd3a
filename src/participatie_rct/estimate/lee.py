"""Lee (2009) bounds on an arm's effect when outcomes are missing (survey non-response).

When an arm changes who answers the survey, comparing respondents is biased. Lee's bounds
assume monotonic response (the arm only adds, or only removes, respondents) and trim the
group with the higher response rate by the excess share ``p = (q_high - q_low) / q_high``
from the top (lower bound) or the bottom (upper bound) of its outcome distribution
(Lee 2009, Proposition 1a). Trimming is exact: the observation at the cut counts with its
fractional weight, so ties and small samples are handled without rounding.

Confidence intervals, when ``n_boot > 0``: the bootstrap standard error of each bound
(resampling within arms), and ``[lower - z se_lower, upper + z se_upper]`` (Lee 2009, sec. 4.2,
the interval that covers the identified set).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.arms import resolve_arms
from participatie_rct.seeds import entropy_of
from participatie_rct.tidy import TidyResult, base_glance, resolve_level

BOUND_COLUMNS = (
    "arm",
    "lower",
    "upper",
    "trim_share",
    "trimmed",
    "response_arm",
    "response_control",
    "n_arm",
    "n_control",
    "se_lower",
    "se_upper",
    "ci_low",
    "ci_high",
    "conf_level",
)


def trimmed_mean(values: np.ndarray, keep: float, *, from_top: bool) -> float:
    """Mean of the lowest (or, ``from_top``, the highest) share ``keep`` of ``values``.

    The boundary observation enters with its fractional weight:
    ``(sum of the first floor(m) + (m - floor(m)) * next) / m`` with ``m = keep * n``.

    >>> trimmed_mean(np.array([1.0, 2.0, 3.0, 4.0]), 0.5, from_top=False)
    1.5
    >>> round(trimmed_mean(np.array([1.0, 2.0, 3.0, 4.0]), 0.625, from_top=True), 6)
    3.2
    """
    v = np.sort(values)[::-1] if from_top else np.sort(values)
    m = keep * v.size
    whole = int(np.floor(m + 1e-12))
    frac = m - whole
    total = v[:whole].sum() + (frac * v[whole] if frac > 1e-12 and whole < v.size else 0.0)
    return float(total / m)


def _bounds(
    y_t: np.ndarray, r_t: np.ndarray, y_c: np.ndarray, r_c: np.ndarray
) -> tuple[float, float, float, str]:
    q_t, q_c = r_t.mean(), r_c.mean()
    if q_t == 0 or q_c == 0:
        raise EstimationError(
            "an arm has no observed outcomes; Lee bounds need respondents in both arms."
        )
    obs_t, obs_c = y_t[r_t], y_c[r_c]
    if q_t >= q_c:
        p = (q_t - q_c) / q_t
        mc = obs_c.mean()
        return (
            trimmed_mean(obs_t, 1 - p, from_top=False) - mc,
            trimmed_mean(obs_t, 1 - p, from_top=True) - mc,
            p,
            "arm",
        )
    p = (q_c - q_t) / q_c
    mt = obs_t.mean()
    return (
        mt - trimmed_mean(obs_c, 1 - p, from_top=True),
        mt - trimmed_mean(obs_c, 1 - p, from_top=False),
        p,
        "control",
    )


@dataclass(frozen=True, repr=False)
class LeeBoundsResult(TidyResult):
    """Bounds per arm against control; ``settings`` records outcome, arms, level and seed."""

    rows: tuple[dict[str, Any], ...]
    settings: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    _title = "Lee (2009) bounds under attrition"

    def bounds_frame(self) -> pd.DataFrame:
        """One row per arm: :data:`BOUND_COLUMNS` (``ci_low``/``ci_high`` cover the set)."""
        return pd.DataFrame.from_records(list(self.rows), columns=list(BOUND_COLUMNS))

    def to_frame(self) -> pd.DataFrame:
        """Tidy: two rows per arm, ``term`` ``lower`` and ``upper``.

        ``estimate`` is the bound, ``std_error`` its bootstrap standard error, ``ci_low`` and
        ``ci_high`` the interval of that bound alone (NaN without a bootstrap). A bound is not
        a test of no effect, so ``statistic`` and ``p_value`` are empty (NaN). Each row also
        carries the arm's pair (``lower``, ``upper``), the trimming and response facts, and
        ``set_ci_low``/``set_ci_high``: the interval that covers the identified set.
        """
        wide = self.bounds_frame()
        parts = []
        for term in ("lower", "upper"):
            part = wide.rename(columns={"ci_low": "set_ci_low", "ci_high": "set_ci_high"})
            z = float(stats.norm.ppf(0.5 + self.settings.get("conf_level", 0.95) / 2))
            se = wide[f"se_{term}"]
            part.insert(1, "term", term)
            part.insert(2, "estimate", wide[term])
            part.insert(3, "std_error", se)
            part.insert(4, "statistic", np.nan)
            part.insert(5, "p_value", np.nan)
            part.insert(6, "ci_low", wide[term] - z * se)
            part.insert(7, "ci_high", wide[term] + z * se)
            parts.append(part)
        frame = pd.concat(parts, ignore_index=True)
        order = {a: i for i, a in enumerate(wide["arm"])}
        frame["_order"] = frame["arm"].map(order)
        return (
            frame.sort_values(["_order"], kind="stable")
            .drop(columns="_order")
            .reset_index(drop=True)
        )

    def glance(self) -> dict[str, Any]:
        """n, rows without an outcome per arm, the control, bootstrap and seed, warnings."""
        facts = {k: v for k, v in self.settings.items() if k not in ("n", "control")}
        return base_glance(
            n=int(self.settings.get("n", 0)),
            control=self.settings.get("control"),
            warnings=self.warnings,
            **facts,
        )

    def _shown_frame(self) -> pd.DataFrame:
        return self.bounds_frame()

    def summary(self) -> str:
        frame = self.bounds_frame()
        return "Lee (2009) bounds under attrition\n\n" + frame.to_string(
            index=False, float_format=lambda v: f"{v:.4g}"
        )


def lee_bounds(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    control: object = None,
    observed: str | None = None,
    conf_level: float = 0.95,
    n_boot: int = 0,
    rng: np.random.Generator | None = None,
    alpha: float | None = None,
) -> LeeBoundsResult:
    """Lee bounds on the effect of every arm against control on ``outcome``.

    ``observed`` names a boolean column (answered the survey); by default a row is observed
    when ``outcome`` is not missing. With ``n_boot > 0`` an ``rng`` is required and the
    bounds get bootstrap standard errors and a confidence interval for the identified set.
    """
    if treatment not in data.columns or outcome not in data.columns:
        raise EstimationError(f"columns '{outcome}' and '{treatment}' must both be in the data.")
    if data[treatment].isna().any():
        raise EstimationError(
            f"column '{treatment}': {int(data[treatment].isna().sum())} rows have no arm; "
            "every row needs one."
        )
    if n_boot and rng is None:
        raise EstimationError(
            "bootstrap intervals (n_boot > 0) need rng=numpy.random.default_rng(seed)."
        )
    arms = resolve_arms(data[treatment], treatment=treatment, control=control)
    y = pd.to_numeric(data[outcome], errors="coerce").to_numpy(dtype=float)
    r = data[observed].astype(bool).to_numpy() if observed else ~np.isnan(y)
    if np.any(r & np.isnan(y)):
        raise EstimationError(
            f"column '{observed}' marks rows observed whose '{outcome}' is missing."
        )
    level = resolve_level(conf_level, alpha)
    z = float(stats.norm.ppf(0.5 + level / 2))
    ctrl = arms.labels == arms.control
    rows = []
    for arm in arms.treated:
        sel = arms.labels == arm
        lo, hi, p, trimmed = _bounds(y[sel], r[sel], y[ctrl], r[ctrl])
        se_lo = se_hi = ci_lo = ci_hi = np.nan
        if n_boot and rng is not None:
            it, ic = np.flatnonzero(sel), np.flatnonzero(ctrl)
            draws = np.empty((n_boot, 2))
            for b in range(n_boot):
                bt, bc = rng.choice(it, it.size), rng.choice(ic, ic.size)
                draws[b, 0], draws[b, 1], _, _ = _bounds(y[bt], r[bt], y[bc], r[bc])
            se_lo, se_hi = draws.std(axis=0, ddof=1)
            ci_lo, ci_hi = lo - z * se_lo, hi + z * se_hi
        rows.append(
            {
                "arm": arm,
                "lower": lo,
                "upper": hi,
                "trim_share": p,
                "trimmed": trimmed,
                "response_arm": float(r[sel].mean()),
                "response_control": float(r[ctrl].mean()),
                "n_arm": int(sel.sum()),
                "n_control": int(ctrl.sum()),
                "se_lower": float(se_lo),
                "se_upper": float(se_hi),
                "ci_low": float(ci_lo),
                "ci_high": float(ci_hi),
                "conf_level": level,
            }
        )
    settings = {
        "outcome": outcome,
        "treatment": treatment,
        "observed": observed,
        "control": arms.control,
        "arms": list(arms.treated),
        "conf_level": level,
        "n": len(data),
        "n_boot": int(n_boot),
        "seed": entropy_of(rng),
    }
    return LeeBoundsResult(tuple(rows), settings)
