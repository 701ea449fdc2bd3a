"""Interim and final reports: from a register and a data folder to HTML, Markdown and PDF.

- :func:`write_report` reads the register and the data folder, runs the analyses and writes
  ``report.html`` (self-contained), ``report.md``, ``report.pdf`` (on request), ``figures/``
  and ``manifest.json`` into a folder; :func:`write_report_from_inputs` does it from frames.
- :func:`run_demo` simulates a Wageningen-like trial, assigns it one by one through a
  register and writes an interim and a final report.
- Disclosure control (:mod:`~participatie_rct.report.disclosure`), blinding
  (:mod:`~participatie_rct.report.blinding`), the CONSORT flow
  (:mod:`~participatie_rct.report.consort`) and the manifest
  (:mod:`~participatie_rct.report.manifest`) are usable on their own.

Names are loaded lazily so that importing the package stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "write_report": "participatie_rct.trial.report",
    "write_report_from_inputs": "participatie_rct.trial.report",
    "ReportResult": "participatie_rct.report.writer",
    "ReportInputs": "participatie_rct.report.inputs",
    "load_inputs": "participatie_rct.trial.inputs",
    "run_demo": "participatie_rct.report.demo",
    "DemoResult": "participatie_rct.report.demo",
    "suppress_table": "participatie_rct.report.disclosure",
    "blind_mapping": "participatie_rct.report.blinding",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'participatie_rct.report' has no attribute {name!r}")
    return getattr(import_module(module), name)
