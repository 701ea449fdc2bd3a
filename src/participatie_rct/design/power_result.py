"""The result of a power calculation: sizes, power and the effect, as one tidy object.

:mod:`participatie_rct.design.power` computes it; this module only holds and shows it, so
that the solvers stay short.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from participatie_rct.choices import Correction
from participatie_rct.tidy import TidyResult

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, repr=False)
class PowerResult(TidyResult):
    """Power and sample size of K treatment arms, each compared with one control.

    ``n_per_arm`` is unrounded (as R reports it); ``n_per_arm_ceil`` the size to plan, and
    ``n_total = n_per_arm_ceil * (arms + 1)``. ``solved_for`` says which quantity was computed
    (``n_per_arm``, ``power`` or ``effect``); the others are the inputs.
    """

    _title = "Power and sample size"

    outcome: str  # "proportion" or "mean"
    n_per_arm: float
    n_per_arm_ceil: int
    n_total: int
    power: float
    alpha: float
    alpha_per_comparison: float
    arms: int
    correction: Correction
    solved_for: str
    strict: bool
    power_any: float
    p_control: float | None = None
    p_treatment: float | None = None
    delta: float | None = None
    sd: float | None = None

    @property
    def effect(self) -> float:
        """The difference the design targets (treatment minus control proportion, or delta)."""
        if self.outcome == "mean":
            return float(self.delta)  # type: ignore[arg-type]
        return float(self.p_treatment) - float(self.p_control)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """The ``power --format json`` object: the contract's five keys first, then the rest."""
        out: dict[str, Any] = {
            "n_per_arm": self.n_per_arm,
            "n_per_arm_ceil": self.n_per_arm_ceil,
            "n_total": self.n_total,
            "power": self.power,
            "alpha_per_comparison": self.alpha_per_comparison,
        }
        rest = asdict(self)
        rest["correction"] = self.correction.value
        rest["effect"] = self.effect
        for key, value in rest.items():
            out.setdefault(key, value)
        return out

    def glance(self) -> dict[str, Any]:
        """Design-level facts: outcome type, alpha, arms, correction, what was solved for."""
        return {
            "outcome": self.outcome,
            "alpha": self.alpha,
            "arms": self.arms,
            "correction": self.correction.value,
            "solved_for": self.solved_for,
            "strict": self.strict,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row: the design's numbers in fixed columns."""
        import pandas as pd

        return pd.DataFrame([self.to_dict()])

    def summary(self) -> str:
        """The answer in a few lines a person reads."""
        if self.outcome == "mean":
            effect = f"difference in means {self.delta:g} (sd {self.sd:g})"
        else:
            effect = (
                f"control {self.p_control:.4g} vs treatment {self.p_treatment:.4g} "
                f"(difference {self.effect:+.4g})"
            )
        arms = "1 treatment arm" if self.arms == 1 else f"{self.arms} treatment arms"
        holm = self.correction is Correction.HOLM and self.arms > 1
        lines = [
            f"Two-sided comparison of {self.outcome}s, {arms} against one control: {effect}",
            f"alpha {self.alpha:g}, correction {self.correction.value}, "
            f"alpha per comparison {self.alpha_per_comparison:.6g}",
            f"n per arm {self.n_per_arm:.2f} -> {self.n_per_arm_ceil} per arm, "
            f"{self.n_total} in total",
            f"power per comparison {self.power:.4f}"
            + (" (Holm's step-down, both directions)" if holm else ""),
        ]
        if self.arms > 1:
            lines.append(f"power to find at least one arm {self.power_any:.4f}")
        return "\n".join(lines)
