"""The estimators a trial's report runs, each returning its tidy frame or why it could not run.

Each function wraps one estimator of :mod:`participatie_rct.estimate` (checked against R
there) on the per-participant outcome frame. When the estimator refuses (too few people, no
events, an arm missing) the refusal comes back as an
:class:`~participatie_rct.report.analyses.Unavailable` carrying the reason, never as a
silently empty table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from participatie_rct.errors import DesignError, EstimationError
from participatie_rct.report.analyses import Unavailable

#: Numeric failures of an estimator on degenerate data (a singular information or variance
#: matrix, a division by zero, an overflow): the analysis cannot run, and the report says so
#: in a sentence instead of stopping.
NUMERIC_FAILURES: tuple[type[Exception], ...] = (
    np.linalg.LinAlgError,
    FloatingPointError,
    ZeroDivisionError,
    OverflowError,
)
#: What the report says when an estimator fails numerically.
SINGULAR = (
    "the {what} cannot be computed on these data: its variance matrix is singular "
    "(for example when every exit falls in the same month)"
)

#: Columns of an ITT frame that the report reads, in order.
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
    "n_arm",
    "n_control",
]


def usable_strata(use: pd.DataFrame, strata: str | None) -> str | None:
    """``strata`` unless the rows analysed all fall in one stratum (no fixed effects then)."""
    return strata if strata is not None and use[strata].nunique() >= 2 else None


def itt_frame(
    data: pd.DataFrame,
    *,
    outcome: str,
    arms: Sequence[str],
    control: str,
    strata: str | None = None,
    covariates: Sequence[str] = (),
    se_type: str = "hc2",
) -> pd.DataFrame | Unavailable:
    """ITT of each arm against ``control`` on ``outcome``; rows missing the outcome are left out."""
    from participatie_rct.estimate.itt import itt

    use = data.dropna(subset=[outcome, *covariates])
    present = [a for a in arms if (use["arm"] == a).any()]
    if control not in present:
        return Unavailable("nobody in the control arm has this outcome yet")
    if len(present) < 2:
        return Unavailable("only people in the control arm have this outcome yet")
    strata = usable_strata(use, strata)
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
    except EstimationError as exc:
        return Unavailable(str(exc))
    except NUMERIC_FAILURES:
        return Unavailable(SINGULAR.format(what="regression"))
    frame = result.to_frame()
    return frame[[c for c in ITT_COLUMNS if c in frame.columns]].reset_index(drop=True)


def incidence_curves(
    outcomes: pd.DataFrame, arms: Sequence[str], control: str, *, cause: int, months: int
) -> pd.DataFrame | Unavailable:
    """Cumulative incidence of ``cause`` per arm at months 0..``months`` with a 95% interval.

    Aalen-Johansen estimates with competing exits (``cmprsk::cuminc``); the estimator's interval
    is :func:`~participatie_rct.estimate.intervals.log_log_interval`, so it stays within [0, 1].
    """
    from participatie_rct.estimate.competing import cumulative_incidence

    sub = outcomes[outcomes["time"] > 0]
    if sub.empty or not (sub["event_code"] == cause).any():
        return Unavailable("nobody has left benefit for this reason yet")
    try:
        result = cumulative_incidence(
            sub,
            time="time",
            event="event_code",
            treatment="arm",
            event_of_interest=cause,
            times=list(range(0, months + 1)),
            control=control,
        )
    except EstimationError as exc:
        return Unavailable(str(exc))
    except NUMERIC_FAILURES:
        return Unavailable(SINGULAR.format(what="cumulative incidence"))
    frame = result.to_frame().rename(columns={"time": "month"})  # its interval is log-log
    frame = frame[frame["arm"].isin(arms)].dropna(subset=["estimate"]).copy()
    frame["cumulative_incidence"] = frame["estimate"]
    return frame.reset_index(drop=True)


def _followed(outcomes: pd.DataFrame, cause: int) -> pd.DataFrame | Unavailable:
    """The people with follow-up, or why a comparison of exit ``cause`` between arms cannot run."""
    sub = outcomes[outcomes["time"] > 0]
    if sub["arm"].nunique() < 2:
        return Unavailable("fewer than two arms have follow-up")
    if not (sub["event_code"] == cause).any():
        return Unavailable("nobody has left benefit for work yet")
    return sub


def _test_values(result: Any) -> dict[str, float]:
    """A chi-squared test's statistic, degrees of freedom and p-value as plain numbers."""
    return {
        "statistic": float(result.statistic),
        "df": float(result.df),
        "p_value": float(result.p_value),
    }


def cox_frame(
    outcomes: pd.DataFrame, control: str, *, cause: int = 1
) -> pd.DataFrame | Unavailable:
    """Cause-specific Cox hazard ratios of each arm against control (other exits censored)."""
    from participatie_rct.estimate.cox import cause_specific_cox

    sub = _followed(outcomes, cause)
    if isinstance(sub, Unavailable):
        return sub
    try:
        result = cause_specific_cox(
            sub,
            time="time",
            event="event_code",
            treatment="arm",
            event_of_interest=cause,
            control=control,
        )
    except EstimationError as exc:
        return Unavailable(str(exc))
    except NUMERIC_FAILURES:  # degenerate data (e.g. every exit in one month)
        return Unavailable("the Cox model's information matrix is singular on these data")
    frame = result.to_frame()  # log hazard ratios, with exp_* the ratios themselves
    frame = frame[frame["term"] == "arm"]
    return frame.assign(
        hazard_ratio=frame["exp_estimate"], ci_low=frame["exp_ci_low"], ci_high=frame["exp_ci_high"]
    ).reset_index(drop=True)


def logrank_test(
    outcomes: pd.DataFrame, control: str, *, cause: int = 1
) -> dict[str, float] | Unavailable:
    """Log-rank test of equal cause-specific hazards across arms."""
    from participatie_rct.estimate.logrank import logrank

    sub = _followed(outcomes, cause)
    if isinstance(sub, Unavailable):
        return sub
    sub = sub.assign(_event=(sub["event_code"] == cause).astype(int))
    try:
        result = logrank(sub, time="time", event="_event", treatment="arm", control=control)
    except EstimationError as exc:
        return Unavailable(str(exc))
    except NUMERIC_FAILURES:
        return Unavailable(SINGULAR.format(what="log-rank test"))
    return _test_values(result)


def gray(outcomes: pd.DataFrame, control: str, *, cause: int = 1) -> dict[str, float] | Unavailable:
    """Gray's test that the cumulative incidence of ``cause`` is equal across arms."""
    from participatie_rct.estimate.competing import gray_test

    sub = _followed(outcomes, cause)
    if isinstance(sub, Unavailable):
        return sub
    try:
        result = gray_test(
            sub,
            time="time",
            event="event_code",
            treatment="arm",
            event_of_interest=cause,
            control=control,
        )
    except EstimationError as exc:
        return Unavailable(str(exc))
    except NUMERIC_FAILURES:
        return Unavailable(SINGULAR.format(what="Gray test"))
    return _test_values(result)


#: The numeric baseline characteristics a balance test uses when the data have them.
BALANCE_COVARIATES = ("age", "female", "months_on_benefit")


def joint_balance(data: pd.DataFrame, control: str) -> pd.DataFrame | Unavailable | None:
    """Joint test per arm that the numeric baseline characteristics do not predict the arm.

    :func:`participatie_rct.estimate.balance.balance`: regression of the arm indicator on the
    covariates among the arm and control, HC2 Wald F test. None when there are no baseline
    characteristics to test.
    """
    from participatie_rct.estimate.balance import balance

    frame = baseline_numeric(data)
    covariates = [c for c in BALANCE_COVARIATES if c in frame.columns]
    if not covariates:
        return None
    try:
        return balance(frame, treatment="arm", covariates=covariates, control=control).joint_frame()
    except EstimationError as exc:
        return Unavailable(str(exc))
    except NUMERIC_FAILURES:
        return Unavailable(SINGULAR.format(what="joint balance test"))


def baseline_numeric(data: pd.DataFrame) -> pd.DataFrame:
    """The outcome frame with ``female`` (0/1 from ``sex``) and numeric ``months_on_benefit``."""
    frame = data.copy()
    if "sex" in frame.columns:
        frame["female"] = _female(frame["sex"])
    if "months_on_benefit" in frame.columns:
        frame["months_on_benefit"] = pd.to_numeric(frame["months_on_benefit"], errors="coerce")
    return frame


def _female(sex: pd.Series) -> pd.Series:
    """1.0 where ``sex`` is recorded as female (v, vrouw, f, female; any case), else 0.0."""
    return sex.astype(str).str.lower().isin(["v", "female", "f", "vrouw"]).astype(float)


#: Categorical baseline characteristics shown level by level when the participants table has them.
CATEGORICAL = ("education", "household", "migration_background")
#: Columns of :func:`baseline_table`.
BASELINE_COLUMNS = ("characteristic", "share", "arm", "n", "total", "mean", "smd")


def baseline_characteristics(data: pd.DataFrame) -> list[tuple[str, pd.Series, bool]]:
    """(name, value per person, shown as a share) for every baseline characteristic present.

    The names ``age``, ``female`` and ``months_on_benefit`` are words a report translates;
    categorical levels are named ``"education: mbo"``.
    """
    rows: list[tuple[str, pd.Series, bool]] = []
    if "age" in data.columns:
        rows.append(("age", pd.to_numeric(data["age"], errors="coerce"), False))
    if "sex" in data.columns:
        rows.append(("female", _female(data["sex"]).where(data["sex"].notna()), True))
    if "months_on_benefit" in data.columns:
        months = pd.to_numeric(data["months_on_benefit"], errors="coerce")
        rows.append(("months_on_benefit", months, False))
    for column in CATEGORICAL:
        if column not in data.columns:
            continue
        for level in sorted(data[column].dropna().astype(str).unique()):
            indicator = (data[column].astype(str) == level).astype(float)
            name = f"{column.replace('_', ' ')}: {level}"
            rows.append((name, indicator.where(data[column].notna()), True))
    return rows


def characteristic_labels(data: pd.DataFrame) -> dict[str, dict[str, str]]:
    """The printed name per language of each categorical characteristic level in ``data``.

    Names come from the participants schema (``x-labels``, ``x-levelLabels``); a level the
    schema does not know (a municipality's own category) is printed as recorded, with
    underscores as spaces, after the column's translated name.
    """
    from participatie_rct.data.schema import value_labels

    out: dict[str, dict[str, str]] = {}
    for column in CATEGORICAL:
        if column not in data.columns:
            continue
        names, levels = value_labels("participants", column)
        for level in sorted(data[column].dropna().astype(str).unique()):
            out[f"{column.replace('_', ' ')}: {level}"] = {
                language: f"{names.get(language, column.replace('_', ' '))}: "
                f"{levels.get(level, {}).get(language, level.replace('_', ' '))}"
                for language in ("nl", "en")
            }
    return out


def baseline_table(data: pd.DataFrame, arms: Sequence[str], control: str) -> pd.DataFrame:
    """Per characteristic and arm: people with a value, their sum and mean, and the SMD.

    The standardized mean difference against ``control``
    (:func:`~participatie_rct.estimate.smd.standardized_mean_difference`) is NaN for the
    control arm itself.
    """
    from participatie_rct.estimate.smd import standardized_mean_difference

    rows = []
    for name, column, share in baseline_characteristics(data):
        reference = column[data["arm"] == control].dropna()
        for arm in arms:
            values = column[data["arm"] == arm].dropna()
            rows.append(
                {
                    "characteristic": name,
                    "share": share,
                    "arm": arm,
                    "n": len(values),
                    "total": float(values.sum()),
                    "mean": float(values.mean()) if len(values) else float("nan"),
                    "smd": float("nan")
                    if arm == control
                    else standardized_mean_difference(values, reference),
                }
            )
    return pd.DataFrame(rows, columns=list(BASELINE_COLUMNS))


def detectable_effects(
    outcomes: pd.DataFrame, arms: Sequence[str], control: str, *, alpha: float
) -> dict[str, float | Unavailable]:
    """Per arm the smallest effect on outflow to work the trial could detect at its size.

    The minimum detectable effect (80% power, two-sided ``alpha``, Bonferroni over the
    comparisons with control, which is the first step of Holm) at the smaller of the arm's and
    the control's number analysed. The control rate is the pooled outflow share of everyone
    analysed, rounded to whole 5 percentage points, so the printed effect reveals no arm's
    share.
    """
    from participatie_rct.design import minimum_detectable_effect

    known = outcomes[outcomes["outflow_work"].notna()]
    pooled = float(known["outflow_work"].mean()) if len(known) else float("nan")
    comparisons = [a for a in arms if a != control]
    out: dict[str, float | Unavailable] = {}
    if not len(known) or pooled != pooled:
        return {a: Unavailable("nobody has been followed up to the horizon yet") for a in arms}
    rate = min(0.5, max(0.05, round(pooled * 20) / 20))
    n_control = int((known["arm"] == control).sum())
    for a in comparisons:
        n = min(int((known["arm"] == a).sum()), n_control)
        try:
            result = minimum_detectable_effect(
                p_control=rate,
                n_per_arm=n,
                alpha=alpha,
                arms=len(comparisons),
                correction="bonferroni",
            )
        except (DesignError, ValueError) as exc:
            out[a] = Unavailable(str(exc))
            continue
        out[a] = float(result.effect)
    return out
