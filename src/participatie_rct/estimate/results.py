"""Immutable result objects of the estimators, with one tidy frame as the truth.

Every estimate is an :class:`Effect` (one arm against control, one term). A result holds a
tuple of them and the settings that made it; ``to_frame()``, ``summary()``, ``to_dict()`` and
``glance()`` are views (the contract of :mod:`participatie_rct.tidy`). Results are frozen,
picklable and JSON-able (``to_dict``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd
from scipy import stats

from participatie_rct.tidy import TidyResult, json_ready, settings_glance

__all__ = [
    "FRAME_COLUMNS",
    "Effect",
    "EffectsResult",
    "ITTResult",
    "json_ready",
    "make_effect",
    "t_inference",
]

#: the fixed columns of ``to_frame()`` (docs/conventions.md, rule 3); extra columns come after
FRAME_COLUMNS: tuple[str, ...] = (
    "arm",
    "term",
    "estimate",
    "std_error",
    "df",
    "statistic",
    "p_value",
    "ci_low",
    "ci_high",
    "p_holm",
    "n",
    "conf_level",
)


@dataclass(frozen=True)
class Effect:
    """One estimate: an arm against control on one term, with its test and interval."""

    arm: str
    term: str
    estimate: float
    std_error: float
    df: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float
    conf_level: float
    n: int  # rows in this comparison: the arm's and control's
    n_arm: int = 0
    n_control: int = 0
    p_holm: float = math.nan
    p_bonferroni: float = math.nan
    extra: tuple[tuple[str, Any], ...] = ()

    def record(self) -> dict[str, Any]:
        """The effect as a flat dict (extra items appended)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        out.update(dict(self.extra))
        return out


def t_inference(
    estimate: float, std_error: float, df: float, conf_level: float
) -> tuple[float, float, float, float]:
    """Statistic, two-sided p-value and ``conf_level`` interval with Student's t on ``df``.

    Without finite degrees of freedom (NaN or inf) the normal distribution is used.
    """
    if not (std_error > 0) or not math.isfinite(std_error):
        return math.nan, math.nan, math.nan, math.nan
    statistic = estimate / std_error
    dist = stats.t(df) if (df is not None and math.isfinite(df) and df > 0) else stats.norm()
    p = float(2.0 * dist.sf(abs(statistic)))
    q = float(dist.ppf(0.5 + conf_level / 2.0))
    return float(statistic), p, float(estimate - q * std_error), float(estimate + q * std_error)


def make_effect(
    *,
    arm: str,
    term: str,
    estimate: float,
    std_error: float,
    df: float,
    conf_level: float,
    n: int,
    **more: Any,
) -> Effect:
    """An :class:`Effect` with its t-statistic, p-value and interval filled in."""
    statistic, p, lo, hi = t_inference(estimate, std_error, df, conf_level)
    extra = more.pop("extra", ())
    return Effect(
        arm=str(arm),
        term=term,
        estimate=float(estimate),
        std_error=float(std_error),
        df=float(df),
        statistic=statistic,
        p_value=p,
        ci_low=lo,
        ci_high=hi,
        conf_level=float(conf_level),
        n=int(n),
        extra=tuple(extra),
        **more,
    )


@dataclass(frozen=True, repr=False)
class EffectsResult(TidyResult):
    """Effects of every arm against control, and how they were estimated.

    ``settings`` records the design and choices (estimator, adjustment, se type, strata,
    cluster, covariates, control, conf_level, correction, n, rows dropped per arm, ...);
    ``warnings`` says what the estimator could not do as asked (a coefficient it could not
    estimate, ...), in sentences.
    """

    effects: tuple[Effect, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    title: str = "Intention-to-treat effects"
    warnings: tuple[str, ...] = ()

    # -- views ---------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """Tidy: one row per arm and term, columns :data:`FRAME_COLUMNS` then extras."""
        records = [e.record() for e in self.effects]
        frame = pd.DataFrame.from_records(records)
        if frame.empty:
            return pd.DataFrame(columns=list(FRAME_COLUMNS))
        drop = [] if self.settings.get("correction") == "bonferroni" else ["p_bonferroni"]
        first = list(FRAME_COLUMNS)
        if "p_bonferroni" not in drop:
            first.insert(first.index("p_holm") + 1, "p_bonferroni")
        rest = [c for c in frame.columns if c not in first and c not in drop]
        return frame[first + rest].reset_index(drop=True)

    def glance(self) -> dict[str, Any]:
        """Model-level facts: n, rows dropped per arm, the control, the settings, warnings."""
        return settings_glance(self.settings, self.warnings, n=sum(e.n_arm for e in self.effects))

    def summary(self) -> str:
        """A table a person reads, with the settings underneath."""
        frame = self.to_frame()
        lines = [self.title, ""]
        cols = [
            "arm",
            "term",
            "estimate",
            "std_error",
            "df",
            "p_value",
            "p_holm",
            "ci_low",
            "ci_high",
            "n",
        ]
        cols = [c for c in cols if c in frame.columns]
        if not frame.empty:
            lines.append(frame[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        lines.append("")
        for key, value in self.settings.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k}: {v}" for k, v in value.items()) or "-"
            elif isinstance(value, list | tuple):
                value = ", ".join(map(str, value)) or "-"
            lines.append(f"{key}: {value}")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    @property
    def _title(self) -> str:  # type: ignore[override]
        return self.title

    def _shown_frame(self) -> pd.DataFrame:
        frame = self.to_frame()
        cols = ["arm", "term", "estimate", "std_error", "p_value", "p_holm", "ci_low", "ci_high"]
        return frame[[c for c in cols if c in frame.columns]]

    def effect(self, arm: str, term: str | None = None) -> Effect:
        """The effect of ``arm`` (and ``term``, when an arm has several)."""
        for e in self.effects:
            if e.arm == str(arm) and (term is None or e.term == term):
                return e
        raise KeyError(f"no effect for arm {arm!r}" + (f" and term {term!r}" if term else ""))


@dataclass(frozen=True, repr=False)
class ITTResult(EffectsResult):
    """Result of :func:`participatie_rct.estimate.itt`."""
