"""The one arm resolver of every estimator: which level is the control, in which order the rest.

Every estimator that compares arms (ITT and its sensitivity analyses, balance, randomization
inference, survival, competing exits, the monthly panel) reads its treatment column here, so
that the same data give the same control everywhere. The control is, in this order:

1. ``control=`` as the caller passes it (with a register, the caller passes the protocol's
   control arm);
2. a level named ``control``;
3. the first category of a pandas ``Categorical`` (its declared order, not the alphabet);
4. otherwise nothing is guessed: the estimator refuses and asks for ``control=``.

The other arms follow in natural order: a Categorical's own order; numbers as numbers (2 before
10), also when they are written as text (``"1"``, ``"2"``, ``"10"``); other text
alphabetically. Labels are text; an integral float reads as an integer (``1.0`` -> ``"1"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from participatie_rct.errors import EstimationError

#: the level that is the control arm when the caller does not say
CONTROL_NAME = "control"


def arm_label(value: object) -> str:
    """The text of a treatment level: integral floats lose their ``.0`` (``1.0`` -> ``"1"``).

    >>> arm_label(2.0), arm_label(np.int64(10)), arm_label("usual_care")
    ('2', '10', 'usual_care')
    """
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.generic):
        value = value.item()
    return str(value)


def _number(text: str) -> float | None:
    """``text`` as a finite number when it reads as one, else None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def natural_key(label: str) -> tuple[int, float, str]:
    """Sort key of an arm label: numbers (also written as text) by value, before other text.

    >>> sorted(["10", "2", "1"], key=natural_key)
    ['1', '2', '10']
    """
    value = _number(label)
    return (0, value, label) if value is not None else (1, 0.0, label)


def arm_levels(values: pd.Series) -> list[str]:
    """The distinct arm labels of ``values`` in natural order (a Categorical's own order)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna().unique().tolist())
        return list(dict.fromkeys(arm_label(c) for c in values.cat.categories if c in present))
    labels = {arm_label(v) for v in pd.unique(values.dropna().to_numpy())}
    return sorted(labels, key=natural_key)


def choose_control(
    values: pd.Series, levels: list[str], *, treatment: str, control: object = None
) -> str:
    """The control level by the rules of this module; raises naming the column and the levels."""
    shown = ", ".join(levels)
    if control is not None:
        chosen = arm_label(control)
        if chosen not in levels:  # control="1.0" for the level 1
            number = _number(chosen)
            chosen = arm_label(number) if number is not None else chosen
        if chosen not in levels:
            raise EstimationError(
                f"column '{treatment}': the control level {arm_label(control)!r} does not occur; "
                f"the levels are {shown}. Pass one of them as control=."
            )
        return chosen
    if CONTROL_NAME in levels:
        return CONTROL_NAME
    if isinstance(values.dtype, pd.CategoricalDtype):
        first = arm_label(values.cat.categories[0])
        if first not in levels:
            raise EstimationError(
                f"column '{treatment}': the first category {first!r} (the control of a "
                f"Categorical) has no rows; the levels present are {shown}. Say which arm is "
                "the control with control=."
            )
        return first
    raise EstimationError(
        f"column '{treatment}': which arm is the control? The levels are {shown} and none is "
        f"named 'control'. Say which arm is the control with control=... (e.g. "
        f"control={levels[0]!r})."
    )


@dataclass(frozen=True)
class Arms:
    """Treatment levels as text: ``control`` and the ``treated`` arms in natural order."""

    control: str
    treated: tuple[str, ...]
    labels: np.ndarray  # the treatment column as text, one per row

    @property
    def levels(self) -> tuple[str, ...]:
        """Every arm, control first."""
        return (self.control, *self.treated)

    def indicator(self, arm: str) -> np.ndarray:
        """1.0 in the rows of ``arm``, else 0.0."""
        return np.asarray(self.labels == arm, dtype=float)

    def counts(self) -> dict[str, int]:
        """Rows per arm, control first."""
        return {a: int((self.labels == a).sum()) for a in self.levels}

    def codes(self) -> np.ndarray:
        """Each row's arm as 0 (control), 1, ... in the order of :attr:`levels`."""
        codes: np.ndarray = np.asarray(
            pd.Categorical(self.labels, categories=list(self.levels)).codes, dtype=np.int64
        )
        return codes


def resolve_arms(values: pd.Series, *, treatment: str, control: object = None) -> Arms:
    """Read the treatment column: its labels as text, the control and the other arms.

    Raises :class:`EstimationError` when fewer than two arms occur, when ``control`` is not
    one of them, or when the control cannot be told (no ``control=``, no level named
    ``control``, not a Categorical).
    """
    levels = arm_levels(values)
    if len(levels) < 2:
        raise EstimationError(
            f"column '{treatment}': only one arm ({', '.join(levels) or 'none'}) among the rows "
            "used. An effect needs a control arm and at least one other arm."
        )
    chosen = choose_control(values, levels, treatment=treatment, control=control)
    codes, uniques = pd.factorize(values.to_numpy())
    labels = np.array([*(arm_label(u) for u in uniques), ""], dtype=object)[codes]
    return Arms(chosen, tuple(lv for lv in levels if lv != chosen), labels)


def arm_codes(values: pd.Series, control: Any, column: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each row's arm as 0 (control), 1, ... and the labels in that order (control first)."""
    arms = resolve_arms(values, treatment=column, control=control)
    return arms.codes(), arms.levels
