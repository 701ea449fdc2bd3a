"""participatie-rct: randomized experiments in Dutch social assistance (bijstand).

A statistician's whole vocabulary, re-exported here. Names are imported lazily on first use,
so that ``import participatie_rct`` (and the CLI's ``--help``) stays fast and does not pull
in pandas, scipy or statsmodels until they are needed.

>>> import participatie_rct as prct
>>> prct.__version__ == prct.version()
True
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from typing import Any

try:
    __version__ = _dist_version("participatie-rct")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # foundation
    "ParticipatieRCTError": "participatie_rct.errors",
    "ProtocolError": "participatie_rct.errors",
    "InputFileError": "participatie_rct.errors",
    "Protocol": "participatie_rct.protocol",
    "Arm": "participatie_rct.protocol",
    # data (issue: foundation)
    # assignment (issue: assignment engine)
    # registry (issue: register)
    # estimate (issue: estimation core)
    # survival and panel (issue: outflow over time)
    # design and simulate (issue: plan and monitor)
    # report (issue: reports)
}


def version() -> str:
    """The installed package version."""
    return __version__


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'participatie_rct' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = ["__version__", "version", *_EXPORTS]
