"""The one result contract every estimator follows: tidy frame, glance, JSON, level keyword.

A result object answers four questions the same way whatever estimated it
(docs/result-contract.md):

* ``to_frame()`` - a tidy :class:`pandas.DataFrame`, one row per arm and term (or per arm and
  time for a curve), with the columns of :data:`ESTIMATE_COLUMNS` (or :data:`CURVE_COLUMNS`);
* ``glance()`` - a ``dict`` of model-level facts: ``n``, ``n_dropped_by_arm``, ``control``,
  the settings that made the result, and ``warnings``;
* ``to_dict()`` - ``{"estimates": [...], "glance": {...}}``, JSON-ready through
  :func:`json_ready`, the package's one cleaner of NaN, infinity and numpy scalars;
* ``repr()`` - the short text table of ``summary()``; ``_repr_html_`` the same for notebooks.

The level of every interval is ``conf_level=0.95``; :func:`resolve_level` accepts the older
``alpha=`` for a deprecation period, with a :class:`DeprecationWarning`.

This module sits at the bottom of the package (beside ``errors`` and ``choices``): estimation
and design results both build on it.
"""

from __future__ import annotations

import html
import math
import warnings as _warnings
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from participatie_rct.errors import ChoiceError

#: columns every estimate frame has, in this order (more may follow)
ESTIMATE_COLUMNS: tuple[str, ...] = (
    "term",
    "estimate",
    "std_error",
    "statistic",
    "p_value",
    "ci_low",
    "ci_high",
)

#: columns every curve frame (Kaplan-Meier, cumulative incidence) has
CURVE_COLUMNS: tuple[str, ...] = (
    "arm",
    "time",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "n_risk",
)

#: the columns a ratio model (Cox, Fine-Gray) adds: the estimate and interval exponentiated
RATIO_COLUMNS: tuple[str, ...] = ("exp_estimate", "exp_ci_low", "exp_ci_high")

#: keys every ``glance()`` holds
GLANCE_KEYS: tuple[str, ...] = ("n", "n_dropped_by_arm", "control", "warnings")


def json_ready(value: Any) -> Any:
    """Nested dicts and lists made JSON-ready: numpy scalars and arrays as Python values,
    enums as their values, NaN and infinity as None, tuples as lists.

    >>> json_ready({"a": float("nan"), "b": (np.int64(2), float("inf")), "c": [1.5]})
    {'a': None, 'b': [2, None], 'c': [1.5]}
    """
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_ready(v) for v in value.tolist()]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, np.generic):
        value = value.item()
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON-ready dicts (one per row)."""
    return [json_ready(row) for row in frame.to_dict(orient="records")]


def resolve_level(conf_level: float = 0.95, alpha: float | None = None) -> float:
    """The confidence level to use: ``conf_level``, or ``1 - alpha`` from the deprecated keyword.

    ``alpha=`` warns (:class:`DeprecationWarning`) and is refused beside a ``conf_level`` other
    than the default; a level outside (0, 1) is refused naming the parameter.

    >>> resolve_level(0.9)
    0.9
    """
    name, shown = "conf_level", conf_level
    if alpha is not None:
        if conf_level != 0.95:
            raise ChoiceError(
                f"give the level once: conf_level={conf_level!r} and alpha={alpha!r} were both "
                "given. Use conf_level= (alpha= is deprecated)."
            )
        _warnings.warn(
            "alpha= is deprecated; pass conf_level=1 - alpha (e.g. conf_level=0.95).",
            DeprecationWarning,
            stacklevel=3,
        )
        name, shown = "alpha", alpha
    numeric = isinstance(shown, int | float | np.floating) and not isinstance(shown, bool)
    level = (1.0 - float(shown) if name == "alpha" else float(shown)) if numeric else math.nan
    if not 0.0 < level < 1.0:
        raise ChoiceError(
            f"{name} must lie strictly between 0 and 1; got {shown!r}. Typical: conf_level=0.95."
        )
    return level


def base_glance(
    *,
    n: int,
    control: str | None,
    n_dropped_by_arm: dict[str, int] | None = None,
    warnings: tuple[str, ...] = (),
    **facts: Any,
) -> dict[str, Any]:
    """A ``glance()`` dict with the keys every result shares, then the result's own facts."""
    return {
        "n": int(n),
        "n_dropped_by_arm": dict(n_dropped_by_arm or {}),
        "control": control,
        **facts,
        "warnings": list(warnings),
    }


def settings_glance(
    settings: dict[str, Any], warnings: tuple[str, ...], *, n: int = 0, **extra: Any
) -> dict[str, Any]:
    """:func:`base_glance` of a result that keeps its facts in ``settings``: n (default
    ``n``), the control and rows dropped per arm from there, the other settings, ``extra``."""
    shared = ("n", "n_dropped_by_arm", "control", "warnings")
    return base_glance(
        n=int(settings.get("n", n)),
        control=settings.get("control"),
        n_dropped_by_arm=settings.get("n_dropped_by_arm"),
        warnings=warnings,
        **{k: v for k, v in settings.items() if k not in shared},
        **extra,
    )


def with_ratio_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``exp_estimate``, ``exp_ci_low``, ``exp_ci_high`` (exp of the log scale)."""
    out = frame.copy()
    out["exp_estimate"] = np.exp(out["estimate"].to_numpy(dtype=float))
    out["exp_ci_low"] = np.exp(out["ci_low"].to_numpy(dtype=float))
    out["exp_ci_high"] = np.exp(out["ci_high"].to_numpy(dtype=float))
    return out


def _facts_line(facts: dict[str, Any]) -> str:
    shown = []
    for key, value in facts.items():
        if value is None or key == "warnings" or isinstance(value, dict):
            continue
        if isinstance(value, list | tuple):
            if not value:
                continue
            value = ", ".join(map(str, value))
        elif isinstance(value, float):
            value = f"{value:.6g}"
        shown.append(f"{key}={value}")
    return ", ".join(shown)


class TidyResult:
    """Views shared by every result: ``to_dict``, ``summary``, ``repr`` and ``_repr_html_``.

    A subclass defines ``to_frame()`` and ``glance()`` and a ``_title``; the rest follows.
    Dataclass subclasses are declared with ``repr=False`` so that this ``__repr__`` is kept.
    """

    _title: str = "Result"

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def glance(self) -> dict[str, Any]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """``{"estimates": [rows of to_frame()], "glance": glance()}``, JSON-ready."""
        return {"estimates": records(self.to_frame()), "glance": json_ready(self.glance())}

    def _shown_frame(self) -> pd.DataFrame:
        """The columns ``summary()`` prints (all of ``to_frame()`` unless a subclass narrows)."""
        return self.to_frame()

    def summary(self) -> str:
        """The title, the model-level facts, the table, and any warnings: text a person reads."""
        facts = self.glance()
        frame = self._shown_frame()
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            body = frame.to_string(index=False, float_format=lambda v: f"{v:.4g}")
        lines = [self._title, _facts_line(facts), body]
        lines += [f"warning: {w}" for w in facts.get("warnings", ())]
        return "\n".join(line for line in lines if line)

    def __repr__(self) -> str:
        """Short: the title, the table of ``_shown_frame()`` and any warnings."""
        with pd.option_context("display.width", 120, "display.max_columns", 12):
            body = self._shown_frame().to_string(
                index=False, float_format=lambda v: f"{v:.4g}", max_rows=20
            )
        lines = [self._title, body, *(f"warning: {w}" for w in self.glance().get("warnings", ()))]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        """The table as HTML for notebooks, titled, with the facts and warnings underneath."""
        facts = self.glance()
        table = self._shown_frame().to_html(
            index=False, float_format=lambda v: f"{v:.4g}", na_rep="", border=0
        )
        notes = "".join(
            f"<p><strong>warning:</strong> {html.escape(str(w))}</p>"
            for w in facts.get("warnings", ())
        )
        return (
            f"<div><p><strong>{html.escape(self._title)}</strong></p>{table}"
            f"<p>{html.escape(_facts_line(facts))}</p>{notes}</div>"
        )
