"""The analyses a report runs, composed from the estimation and design layers.

Pure functions on the per-participant outcome frame of
:func:`participatie_rct.estimate.outcomes.build_outcomes` (no I/O). Each wraps one
estimator of :mod:`participatie_rct.estimate` or :mod:`participatie_rct.design`, which are
checked against R there, and returns a tidy frame in the order the report prints:

* ITT: :func:`participatie_rct.estimate.itt.itt`: linear probability model on arm
  indicators, stratum fixed effects (the register's stratum of each participant), Lin (2013)
  covariate adjustment, HC2 standard errors, Holm-adjusted p-values across the arms;
* cumulative outflow: Aalen-Johansen cumulative incidence with competing exits
  (``cmprsk::cuminc``), and Gray's test;
* hazard ratios: cause-specific Cox model (Efron ties, robust standard errors), log-rank test;
* heterogeneity between sites: Cochran's Q on per-site estimates (computed here);
* interim: the Lan-DeMets boundary from :mod:`participatie_rct.design`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from participatie_rct.errors import DesignError

ITT_COLUMNS = [
    "arm",
    "estimate",
    "std_error",
    "df",
    "statistic",
    "p_value",
    "ci_low",
    "ci_high",
    "p_holm",
    "n",
]


def itt_frame(
    data: pd.DataFrame,
    *,
    outcome: str,
    arms: Sequence[str],
    control: str,
    strata: str | None = None,
    covariates: Sequence[str] = (),
    se_type: str = "hc2",
) -> pd.DataFrame:
    """ITT of each arm against ``control`` on ``outcome``; rows with a missing outcome are left out.

    Returns one row per arm that could be estimated (empty when control or every other arm is
    missing, or there are too few people to estimate anything).
    """
    from participatie_rct.errors import EstimationError
    from participatie_rct.estimate.itt import itt

    use = data.dropna(subset=[outcome, *covariates])
    present = [a for a in arms if (use["arm"] == a).any()]
    if control not in present or len(present) < 2:
        return pd.DataFrame(columns=ITT_COLUMNS)
    if strata is not None and use[strata].nunique() < 2:
        strata = None
    try:
        result = itt(
            use,
            outcome=outcome,
            treatment="arm",
            control=control,
            strata=strata,
            covariates=list(covariates),
            se_type=se_type,
        )
    except EstimationError:
        return pd.DataFrame(columns=ITT_COLUMNS)
    frame = result.to_frame()
    return frame[[c for c in ITT_COLUMNS if c in frame.columns]].reset_index(drop=True)


def incidence_curves(
    outcomes: pd.DataFrame, arms: Sequence[str], control: str, *, cause: int, months: int
) -> pd.DataFrame:
    """Cumulative incidence of ``cause`` per arm at months 0..``months`` with a 95% interval.

    The interval is the estimator's own (``log(-log F)`` scale, see
    :func:`participatie_rct.estimate.survival_results.cif_interval`).
    """
    from participatie_rct.estimate.competing import cumulative_incidence

    sub = outcomes[outcomes["time"] > 0]
    if sub.empty or not (sub["event_code"] == cause).any():
        return pd.DataFrame()
    result = cumulative_incidence(
        sub,
        time="time",
        event="event_code",
        treatment="arm",
        event_of_interest=cause,
        times=list(range(0, months + 1)),
        control=control,
    )
    frame = result.to_frame().rename(columns={"time": "month", "estimate": "cumulative_incidence"})
    frame = frame[frame["arm"].isin(arms)].dropna(subset=["cumulative_incidence"])
    return frame.reset_index(drop=True)


def cox_frame(outcomes: pd.DataFrame, control: str, *, cause: int = 1) -> pd.DataFrame:
    """Cause-specific Cox hazard ratios of each arm against control (other exits censored)."""
    from participatie_rct.errors import EstimationError
    from participatie_rct.estimate.cox import cause_specific_cox

    sub = outcomes[outcomes["time"] > 0]
    empty = pd.DataFrame(columns=["arm", "hazard_ratio", "ci_low", "ci_high", "p_value"])
    if sub["arm"].nunique() < 2 or not (sub["event_code"] == cause).any():
        return empty
    try:
        result = cause_specific_cox(
            sub,
            time="time",
            event="event_code",
            treatment="arm",
            event_of_interest=cause,
            control=control,
        )
    except EstimationError:
        return empty
    frame = result.to_frame().rename(
        columns={"exp_estimate": "hazard_ratio", "ci_low": "log_ci_low", "ci_high": "log_ci_high"}
    )
    frame = frame.rename(columns={"exp_ci_low": "ci_low", "exp_ci_high": "ci_high"})
    return frame[frame["term"] == "arm"].reset_index(drop=True)


def logrank_test(outcomes: pd.DataFrame, control: str, *, cause: int = 1) -> dict[str, float]:
    """Log-rank test of equal cause-specific hazards across arms."""
    from participatie_rct.errors import EstimationError
    from participatie_rct.estimate.logrank import logrank

    sub = outcomes[outcomes["time"] > 0].assign(
        _event=lambda d: (d["event_code"] == cause).astype(int)
    )
    nan = {"statistic": float("nan"), "df": float("nan"), "p_value": float("nan")}
    if sub["arm"].nunique() < 2 or sub["_event"].sum() == 0:
        return nan
    try:
        result = logrank(sub, time="time", event="_event", treatment="arm", control=control)
    except EstimationError:
        return nan
    return {
        "statistic": float(result.statistic),
        "df": float(result.df),
        "p_value": float(result.p_value),
    }


def gray(outcomes: pd.DataFrame, control: str, *, cause: int = 1) -> dict[str, float]:
    """Gray's test that the cumulative incidence of ``cause`` is equal across arms."""
    from participatie_rct.errors import EstimationError
    from participatie_rct.estimate.competing import gray_test

    sub = outcomes[outcomes["time"] > 0]
    nan = {"statistic": float("nan"), "df": float("nan"), "p_value": float("nan")}
    if sub["arm"].nunique() < 2 or not (sub["event_code"] == cause).any():
        return nan
    try:
        result = gray_test(
            sub,
            time="time",
            event="event_code",
            treatment="arm",
            event_of_interest=cause,
            control=control,
        )
    except EstimationError:
        return nan
    return {
        "statistic": float(result.statistic),
        "df": float(result.df),
        "p_value": float(result.p_value),
    }


def heterogeneity(per_site: pd.DataFrame) -> pd.DataFrame:
    """Cochran's Q and I^2 per arm from per-site estimates (columns arm, site, estimate, std_error).

    ``Q = sum_s w_s (b_s - b_bar)^2`` with ``w_s = 1 / se_s^2`` and ``b_bar`` the
    inverse-variance pooled estimate, chi-square on (sites - 1) df under homogeneity (Cochran
    1954); ``I^2 = max(0, (Q - df) / Q)`` (Higgins and Thompson 2002, eq. 10).
    """
    rows = []
    for arm, group in per_site.groupby("arm", sort=False):
        g = group[
            np.isfinite(group["std_error"].astype(float)) & (group["std_error"].astype(float) > 0)
        ]
        k = len(g)
        if k < 2:
            rows.append(
                {
                    "arm": arm,
                    "q": float("nan"),
                    "df": float(max(k - 1, 0)),
                    "p_value": float("nan"),
                    "i2": float("nan"),
                    "sites": k,
                }
            )
            continue
        w = 1.0 / g["std_error"].to_numpy(dtype=float) ** 2
        b = g["estimate"].to_numpy(dtype=float)
        pooled = float((w * b).sum() / w.sum())
        q = float((w * (b - pooled) ** 2).sum())
        df = k - 1
        rows.append(
            {
                "arm": arm,
                "q": q,
                "df": float(df),
                "p_value": float(stats.chi2.sf(q, df)),
                "i2": max(0.0, (q - df) / q) if q > 0 else 0.0,
                "sites": k,
            }
        )
    return pd.DataFrame(rows, columns=["arm", "q", "df", "p_value", "i2", "sites"])


def earlier_looks(
    looks_done: int, previous_information: Sequence[float], plan: Any
) -> tuple[float, ...]:
    """Information fractions of the interim looks taken before this one.

    The observed ``previous_information`` when given (one per earlier look); else, with only
    ``looks_done`` known, the plan's equally spaced fractions ``1/K, 2/K, ...`` where
    ``K = interim_looks + 1``, as ``monitor status`` assumes. Empty at the first look.
    """
    from participatie_rct.design.monitor import planned_previous_information

    previous = tuple(float(v) for v in previous_information)
    if isinstance(looks_done, bool) or not isinstance(looks_done, int) or looks_done < 0:
        raise DesignError(
            f"--looks-done: {looks_done!r} is not a whole number >= 0; give the number of "
            "interim looks taken before this one (0 at the first look)."
        )
    if previous and looks_done and len(previous) != looks_done:
        raise DesignError(
            f"--looks-done {looks_done} but --previous-information gives {len(previous)} "
            "fractions; give one fraction per earlier look (or only one of the two options)."
        )
    if not previous and looks_done:
        previous = planned_previous_information(looks_done, int(plan.interim_looks) + 1)
    if any(not (math.isfinite(v) and 0 < v <= 1) for v in previous) or any(
        b <= a for a, b in itertools.pairwise(previous)
    ):
        raise DesignError(
            f"--previous-information: {', '.join(f'{v:g}' for v in previous)} must be fractions "
            "in (0, 1] that increase strictly from look to look, e.g. 0.25,0.5."
        )
    return previous


def interim_boundary(
    information: float,
    plan: Any,
    *,
    comparisons: int = 1,
    previous_information: Sequence[float] = (),
) -> dict[str, float]:
    """The two-sided Lan-DeMets boundary at this look (information fraction ``information``).

    Each of the ``comparisons`` arms against control is tested at ``alpha / comparisons``
    (Bonferroni), as ``monitor status`` does. The boundaries are computed over the looks
    ``[*previous_information, information]`` and the last one is returned, so that the alpha
    spent at earlier looks is accounted for (Lan & DeMets 1983; the joint distribution of the
    z statistics follows Jennison & Turnbull 2000, ch. 7). Without earlier looks this is the
    first look's boundary.
    """
    from participatie_rct.design.boundaries import group_sequential_boundaries

    if information <= 0:
        return {"z": float("inf"), "p_nominal": 0.0, "alpha_cumulative": 0.0}
    t = min(float(information), 1.0)
    previous = tuple(float(v) for v in previous_information)
    if previous and t <= previous[-1]:
        raise DesignError(
            f"the earlier looks had information fraction(s) {', '.join(f'{v:g}' for v in previous)}"
            f" (as given by --previous-information, or with only --looks-done the plan's equally "
            f"spaced fractions), but this look has {t:.4f}: the fractions must increase from "
            "look to look. Give --previous-information with the fractions observed at the "
            "earlier looks, each below the present one."
        )
    result = group_sequential_boundaries(
        information=[*previous, t],
        alpha=plan.alpha / max(1, comparisons),
        spending=plan.spending,
        gamma=plan.gamma,
    )
    last = result.to_frame().iloc[-1]
    return {
        "z": float(last["z"]),
        "p_nominal": float(last["p_nominal"]),
        "alpha_cumulative": float(last["alpha_cumulative"]),
    }
