"""The one place where the library's parameter names become the command line's flags.

Library errors speak of parameters (``control=``, ``strata=``, ``se_type='hc1'``), because a
statistician calls functions; a person at the command line types flags. :func:`flag_terms`
rewrites a message from one vocabulary to the other, so that the library never needs to know
which flag a parameter has.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: library parameter -> command-line flag (where the names differ, or only the dashes do)
PARAMETER_FLAGS: dict[str, str] = {
    "adjust": "--adjust",
    "by": "--by",
    "cluster": "--cluster",
    "conf_level": "--conf-level",
    "control": "--control",
    "correction": "--correction",
    "covariates": "--covariates",
    "estimator": "--estimator",
    "event": "--event",
    "event_of_interest": "--event-of-interest",
    "information": "--information",
    "missing": "--missing",
    "n_draws": "--draws",
    "order": "--order",
    "outcome": "--outcome",
    "received": "--received",
    "se_type": "--se",
    "strata": "--strata",
    "subgroup": "--subgroup",
    "tau": "--tau",
    "time": "--time",
    "times": "--times",
    "treatment": "--treatment",
}


def flag_terms(message: str, renamed: Mapping[str, str] | None = None) -> str:
    """``message`` with each ``parameter=`` written as its flag (``control=`` -> ``--control``).

    ``renamed`` overrides the mapping for one command (``panel`` calls ``cluster`` ``--id``).

    >>> flag_terms("Say which arm is the control with control=... (e.g. control='1').")
    "Say which arm is the control with --control ... (e.g. --control '1')."
    >>> flag_terms("leave 'age' out of covariates=.")
    "leave 'age' out of --covariates."
    """
    flags = {**PARAMETER_FLAGS, **(renamed or {})}
    names = sorted(flags, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, names)) + r")=(?=(\S?\S?))")

    def swap(match: re.Match[str]) -> str:
        flag = flags[match.group(1)]
        following = match.group(2)
        ends = following == "" or following[0] in ",);" or following in (".", ". ")
        return flag if ends else f"{flag} "

    return pattern.sub(swap, message)
