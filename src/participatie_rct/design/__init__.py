"""Planning and monitoring a trial: power, minimum detectable effects, group-sequential looks.

* :mod:`.power`: sample size and power for K arms against one control (as R's
  ``power.prop.test`` and ``power.t.test``), Bonferroni and Holm; :mod:`.mde`: MDE curves;
  :mod:`.power_result`: the result object.
* :mod:`.holm`: Holm's step-down power with a shared control, by quadrature.
* :mod:`.spending`: Lan-DeMets alpha-spending functions.
* :mod:`.boundaries`: two-sided boundaries by recursive numerical integration.
* :mod:`.monitor`: the state of a running trial at an interim look (its result objects in
  :mod:`.monitor_result`, its input checks in :mod:`.monitor_checks`).
* :mod:`.rci`: repeated confidence intervals (Jennison and Turnbull) at each look.
* :mod:`.looks`: a look held, in the form the register keeps, and the final boundary after
  the looks held.

Everything here is pure: numbers and DataFrames in, frozen results out.
"""

from participatie_rct.design.boundaries import BoundaryResult, Look, group_sequential_boundaries
from participatie_rct.design.holm import holm_power
from participatie_rct.design.looks import RecordedLook, boundary_after_looks
from participatie_rct.design.mde import mde_curve
from participatie_rct.design.monitor import (
    Comparison,
    MonitorStatus,
    conditional_power,
    monitor_status,
)
from participatie_rct.design.power import (
    minimum_detectable_effect,
    power_means,
    power_two_proportions,
)
from participatie_rct.design.power_result import PowerResult
from participatie_rct.design.rci import repeated_confidence_interval
from participatie_rct.design.spending import spent_alpha

__all__ = [
    "BoundaryResult",
    "Comparison",
    "Look",
    "MonitorStatus",
    "PowerResult",
    "RecordedLook",
    "boundary_after_looks",
    "conditional_power",
    "group_sequential_boundaries",
    "holm_power",
    "mde_curve",
    "minimum_detectable_effect",
    "monitor_status",
    "power_means",
    "power_two_proportions",
    "repeated_confidence_interval",
    "spent_alpha",
]
