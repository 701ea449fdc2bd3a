"""Looks held: what an interim look decided, in the form the register keeps, and what it spent.

A group-sequential trial must remember every look it held: the alpha a look spent is gone,
whatever the look decided (Lan and DeMets 1983). :class:`RecordedLook` is one look as the
register's event log keeps it (:meth:`RecordedLook.to_details` and
:meth:`RecordedLook.from_details` are the two directions of that JSON form); later looks and
the final analysis read the fractions of the looks held from there.
:func:`boundary_after_looks` gives the boundary of the final analysis after those looks: the
alpha they spent at their observed information, and all that is left spent at ``t = 1``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import norm

from participatie_rct.choices import Spending, parse_choice
from participatie_rct.design.boundaries import BoundaryResult, Look, critical_values
from participatie_rct.design.monitor_result import MonitorStatus
from participatie_rct.design.spending import DEFAULT_HSD_GAMMA, check_alpha, spent_alpha
from participatie_rct.errors import DesignError

#: What a look decided: stop (a comparison crossed its boundary) or continue.
DECISIONS = ("stop", "continue")


@dataclass(frozen=True)
class RecordedLook:
    """One interim look as held: its date, information, boundary, z per arm and decision.

    ``z`` maps each treatment arm's key to its z against the control; ``boundary`` is the
    critical value of ``|z|`` at the look, ``alpha_cumulative`` the alpha spent up to and
    including it (per comparison), ``adjusted`` whether the z was covariate-adjusted.
    """

    look: int
    as_of: dt.date
    information: float
    boundary: float
    alpha_cumulative: float
    decision: str
    adjusted: bool
    n_observed: int
    z: Mapping[str, float] = field(default_factory=dict)

    def to_details(self) -> dict[str, Any]:
        """The JSON object the register's ``look`` event keeps (finite numbers or null)."""
        return {
            "look": self.look,
            "as_of": self.as_of.isoformat(),
            "information": self.information,
            "boundary": _finite(self.boundary),
            "alpha_cumulative": self.alpha_cumulative,
            "decision": self.decision,
            "adjusted": self.adjusted,
            "n_observed": self.n_observed,
            "z": {arm: _finite(v) for arm, v in sorted(self.z.items())},
        }

    @classmethod
    def from_details(cls, details: Mapping[str, Any]) -> RecordedLook:
        """Read a look back from a register event's details; a malformed one is refused."""
        try:
            look = cls(
                look=int(details["look"]),
                as_of=dt.date.fromisoformat(str(details["as_of"])),
                information=float(details["information"]),
                boundary=_number(details["boundary"], missing=math.inf),
                alpha_cumulative=float(details["alpha_cumulative"]),
                decision=str(details["decision"]),
                adjusted=bool(details["adjusted"]),
                n_observed=int(details["n_observed"]),
                z={str(a): _number(v) for a, v in dict(details.get("z") or {}).items()},
            )
        except (KeyError, TypeError, ValueError) as error:
            raise DesignError(
                f"a recorded look's details are incomplete or malformed ({error}); a look "
                "needs look, as_of, information, boundary, alpha_cumulative, decision, "
                f"adjusted and n_observed. Got {dict(details)!r}."
            ) from None
        if look.decision not in DECISIONS or not (0 < look.information <= 1) or look.look < 1:
            raise DesignError(
                f"recorded look {look.look}: decision must be stop or continue and information "
                f"a fraction in (0, 1]; got {look.decision!r} and {look.information!r}."
            )
        return look


def look_record(status: MonitorStatus, as_of: dt.date) -> RecordedLook:
    """The look ``status`` describes, held on ``as_of``, in the form the register keeps."""
    current = status.boundary.looks[-1]
    return RecordedLook(
        look=status.look,
        as_of=as_of,
        information=float(status.information),
        boundary=float(current.z),
        alpha_cumulative=float(current.alpha_cumulative),
        decision="stop" if status.crossed else "continue",
        adjusted=bool(status.adjusted),
        n_observed=int(status.n_observed),
        z={c.arm: float(c.statistic) for c in status.comparisons},
    )


def check_looks(looks: Sequence[RecordedLook]) -> None:
    """Refuse looks that are not numbered 1, 2, ... with dates and information increasing."""
    for k, look in enumerate(looks, start=1):
        if look.look != k:
            raise DesignError(
                f"recorded looks must be numbered 1, 2, ...; look {k} is {look.look}."
            )
    for a, b in itertools.pairwise(looks):
        if not (b.as_of > a.as_of and b.information > a.information):
            raise DesignError(
                f"recorded look {b.look} ({b.as_of}, information {b.information:.4f}) does not "
                f"come after look {a.look} ({a.as_of}, {a.information:.4f})."
            )


def boundary_after_looks(
    fractions: Sequence[float],
    *,
    alpha: float,
    spending: Spending | str,
    gamma: float | None = None,
) -> BoundaryResult:
    """The boundary of the final analysis after interim looks held at ``fractions``.

    Each interim look spends ``alpha(t)`` at its observed fraction; the final analysis
    (``t = 1``) spends all that is left, so its critical value accounts for exactly the looks
    that were held (Lan and DeMets 1983). Without interim looks this is the fixed design's
    ``z_{1 - alpha/2}``.

    >>> round(boundary_after_looks([0.5], alpha=0.05, spending="obrien-fleming").looks[-1].z, 3)
    1.969
    """
    kind = parse_choice(Spending, spending, parameter="spending")
    check_alpha(alpha)
    if kind is Spending.HSD and gamma is None:
        gamma = DEFAULT_HSD_GAMMA
    interim = tuple(float(v) for v in fractions)
    if any(not (math.isfinite(v) and 0 < v < 1) for v in interim) or any(
        b <= a for a, b in itertools.pairwise(interim)
    ):
        raise DesignError(
            f"fractions of the interim looks must increase strictly within (0, 1); got "
            f"{list(interim)}."
        )
    t = np.array([*interim, 1.0])
    cumulative = spent_alpha(t, alpha=alpha, spending=kind, gamma=gamma)
    cumulative[-1] = alpha  # the final analysis spends whatever is left
    z = critical_values(t, cumulative)
    looks = tuple(
        Look(
            information=float(f),
            z=float(c),
            alpha_cumulative=float(s),
            p_nominal=float(2.0 * norm.sf(c)) if math.isfinite(c) else 0.0,
        )
        for f, c, s in zip(t, z, cumulative, strict=True)
    )
    return BoundaryResult(looks=looks, alpha=float(alpha), spending=kind, gamma=gamma)


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _number(value: Any, *, missing: float = math.nan) -> float:
    """A stored number; null stands for an infinite boundary or a z that could not be computed."""
    return missing if value is None else float(value)
