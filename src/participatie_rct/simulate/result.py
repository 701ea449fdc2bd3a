"""The result of a simulated trial: :class:`SimulatedTrial` and :class:`Withdrawal`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from participatie_rct.protocol import Protocol
from participatie_rct.simulate.months_table import MonthsPanel
from participatie_rct.simulate.scenarios import ScenarioSpec

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Withdrawal:
    """A participant who left the trial after learning their arm (the register records it)."""

    id: str
    arm: str
    withdrawn_on: str
    reason: str = "disagrees with the assigned group"

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "arm": self.arm,
            "withdrawn_on": self.withdrawn_on,
            "reason": self.reason,
        }


@dataclass(frozen=True, eq=False)
class SimulatedTrial:
    """A synthetic trial: the three input tables, the protocol, and the truth built in.

    * ``participants``: everyone invited (``consent`` false for those who declined), in id order;
    * ``benefit_months``: one row per person followed and calendar month, from the month of
      intake (decliners: of invitation) to the end of follow-up, with ``hours_band`` and
      ``benefit_amount`` (None when simulated with ``tables=False``; built from ``panel`` on
      first use, and written in chunks by :func:`write_simulation`). Decliners are followed
      too: they are the non-participant reference group the evaluations compared with;
    * ``survey``: one row per participant and wave answered (None with ``tables=False``);
    * ``assignments``: consenting participants in arrival order with ``sequence``, ``arm``
      and ``withdrawn``: the arms the protocol's procedure drew;
    * ``outcomes``: one row per consenting participant: first outflow (``exit_month`` months
      after the month of intake, 0 if none; ``exit_reason`` ``work``, ``part_time_work``,
      ``other`` or empty), ``follow_up_months``, 0/1 indicators ``work_12``, ``work_24``,
      ``part_time_12``, ``any_exit_12`` (first outflow of that kind within the months), and the
      evaluations' point-in-time outcomes ``working_12h_H`` (12 hours or more in month H),
      ``working_27h_H`` (more than 27), ``ever_working_12h_H`` (in any month 1..H) and
      ``on_benefit_H``, for H in 12, 24 and every further year of follow-up; ``received`` is
      the regime a person actually got (control for those who withdrew);
    * ``withdrawals``: who left after learning their arm, for the register's ``withdraw``;
    * ``truth``: JSON-ready dict of the effects and the exact outflow shares they imply.
    """

    participants: pd.DataFrame
    panel: MonthsPanel | None
    survey: pd.DataFrame | None
    assignments: pd.DataFrame
    outcomes: pd.DataFrame
    withdrawals: tuple[Withdrawal, ...]
    truth: dict[str, Any]
    protocol: Protocol
    spec: ScenarioSpec
    seed: int | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per arm and outcome: ``arm``, ``outcome``, ``n``, ``truth`` (the expected
        intention-to-treat share for this cohort), ``population`` (the population share) and
        ``sample`` (the share observed in this trial)."""
        import pandas as pd

        rows = []
        for arm in self.protocol.arm_keys:
            mine = self.outcomes[self.outcomes["arm"] == arm]
            spec = self.truth["arms"][arm]
            for outcome in ("work_12", "work_24", "part_time_12", "any_exit_12"):
                rows.append(
                    {
                        "arm": arm,
                        "outcome": outcome,
                        "n": len(mine),
                        "truth": spec["cohort_itt"][outcome],
                        "population": spec["itt"][outcome],
                        "sample": float(mine[outcome].mean()) if len(mine) else float("nan"),
                    }
                )
        return pd.DataFrame(rows)

    def glance(self) -> dict[str, Any]:
        """Trial-level facts: scenario, effects, seeds, invited, consented, withdrawn."""
        keys = ("scenario", "effects", "seed", "protocol_seed", "n_invited", "n", "n_withdrawn")
        return {k: self.truth[k] for k in keys}

    def summary(self) -> str:
        """A few lines a person reads: who was invited, who took part, the effects built in."""
        t = self.truth
        lines = [
            f"Simulated trial: scenario {t['scenario']}, effects {t['effects']}, seed {t['seed']}",
            f"invited {t['n_invited']}, consented {t['n']}, withdrew after assignment "
            f"{t['n_withdrawn']}",
            "arm                              n   work<=12m (truth)  work<=12m (sample)",
        ]
        frame = self.to_frame()
        for row in frame[frame["outcome"] == "work_12"].to_dict("records"):
            lines.append(
                f"{row['arm']:<30} {row['n']:>4}   {row['truth']:>10.4f}         "
                f"{row['sample']:>10.4f}"
            )
        return "\n".join(lines)

    @cached_property
    def benefit_months(self) -> pd.DataFrame | None:
        """The whole monthly table (for large panels, write it in chunks instead)."""
        return None if self.panel is None else self.panel.frame()

    def to_dict(self) -> dict[str, Any]:
        """The truth, JSON-ready (what ``truth.json`` holds)."""
        return self.truth
