"""The result of an interim look: each comparison's statistic and the boundary it meets.

:class:`Comparison` is one treatment arm against the control at the look, with its repeated
confidence interval (:mod:`.rci`); :class:`MonitorStatus` holds all comparisons, the boundary
of every look so far and the settings. :func:`participatie_rct.design.monitor.monitor_status`
builds it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from participatie_rct.choices import Correction, Spending
from participatie_rct.design.boundaries import BoundaryResult
from participatie_rct.tidy import TidyResult

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Comparison:
    """One treatment arm against the control at the current look."""

    arm: str
    n: int
    n_control: int
    outflow: float
    outflow_control: float
    estimate: float
    std_error: float
    statistic: float
    crossed: bool
    conditional_power_trend: float
    conditional_power_design: float
    #: repeated confidence interval at this look (Jennison and Turnbull 1989): estimate
    #: plus or minus the look's critical value times the standard error
    rci_low: float = math.nan
    rci_high: float = math.nan
    #: the critical ``|Z|`` this arm is tested against: the look's boundary, or under Holm
    #: the boundary of the arm's step (``docs/monitoring.md``)
    critical: float = math.nan

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, repr=False)
class MonitorStatus(TidyResult):
    """The state of a group-sequential trial at one look.

    ``boundary`` holds every look so far (the current one last), recomputed at the observed
    information fractions. ``crossed`` is true when any comparison's ``|Z|`` reaches the
    current look's critical value.
    """

    _title = "Interim monitoring"

    look: int
    information: float
    n_observed: int
    n_assigned: int
    target_n: int
    final: bool
    boundary: BoundaryResult
    comparisons: tuple[Comparison, ...]
    control: str
    alpha: float
    alpha_per_comparison: float
    correction: Correction
    spending: Spending
    gamma: float | None
    planned_looks: int | None
    planned_effect: float | None
    horizon_months: int | None
    final_z: float
    settings: dict[str, Any] = field(default_factory=dict)
    adjusted: bool = False  # a covariate-adjusted z? Never here: the Neyman z of the shares

    @property
    def z_boundary(self) -> float:
        """Critical value of ``|Z|`` at this look."""
        return self.boundary.looks[-1].z

    @property
    def crossed(self) -> bool:
        return any(c.crossed for c in self.comparisons)

    def to_frame(self) -> pd.DataFrame:
        """One row per treatment arm, with the look's boundary beside each statistic."""
        import pandas as pd

        rows = [
            {
                "look": self.look,
                "information": self.information,
                **c.to_dict(),
                "z_boundary": self.z_boundary,
                "p_nominal": self.boundary.looks[-1].p_nominal,
            }
            for c in self.comparisons
        ]
        return pd.DataFrame(rows)

    def glance(self) -> dict[str, Any]:
        """Look-level facts: look number, information, counts, boundary, settings."""
        current = self.boundary.looks[-1]
        return {
            "look": self.look,
            "information": self.information,
            "n_observed": self.n_observed,
            "n_assigned": self.n_assigned,
            "target_n": self.target_n,
            "final": self.final,
            "z_boundary": current.z,
            "p_nominal": current.p_nominal,
            "alpha_cumulative": current.alpha_cumulative,
            "crossed": self.crossed,
            "final_z": self.final_z,
            "adjusted": self.adjusted,
            "control": self.control,
            "alpha": self.alpha,
            "alpha_per_comparison": self.alpha_per_comparison,
            "correction": self.correction.value,
            "spending": self.spending.value,
            "gamma": self.gamma,
            "planned_looks": self.planned_looks,
            "planned_effect": self.planned_effect,
            "horizon_months": self.horizon_months,
        }

    def to_dict(self) -> dict[str, Any]:
        """The ``monitor status --format json`` object."""
        return {
            **self.glance(),
            "looks": [look.to_dict() for look in self.boundary.looks],
            "comparisons": [c.to_dict() for c in self.comparisons],
            "settings": dict(self.settings),
        }

    def summary(self) -> str:
        """What an evaluator reads: information so far, boundary, each arm's Z and CP."""
        look = self.boundary.looks[-1]
        kind = "final analysis" if self.final else "interim look"
        lines = [
            f"Look {self.look} ({kind}): information {self.information:.3f} "
            f"({self.n_observed} of {self.target_n} planned participants with a matured outcome; "
            f"{self.n_assigned} assigned)",
            f"Boundary |Z| >= {look.z:.4f} (nominal p {look.p_nominal:.6f}, alpha spent "
            f"{look.alpha_cumulative:.6f} of {self.alpha_per_comparison:.6g} per comparison)",
        ]
        for c in self.comparisons:
            verdict = "CROSSED" if c.crossed else "not crossed"
            cp = ""
            if not self.final:
                cp = f"; conditional power: trend {c.conditional_power_trend:.3f}"
                if not math.isnan(c.conditional_power_design):
                    cp += f", design {c.conditional_power_design:.3f}"
            bar = "" if c.critical == look.z else f" against |Z| >= {c.critical:.4f}"
            lines.append(
                f"  {c.arm} vs {self.control}: {c.outflow:.3f} vs {c.outflow_control:.3f}, "
                f"difference {c.estimate:+.3f} (se {c.std_error:.3f}; repeated CI "
                f"{c.rci_low:+.3f} to {c.rci_high:+.3f}), Z {c.statistic:.3f}{bar}: "
                f"{verdict}{cp}"
            )
        lines.append(f"Z is {'' if self.adjusted else 'not '}covariate-adjusted.")
        return "\n".join(lines)
