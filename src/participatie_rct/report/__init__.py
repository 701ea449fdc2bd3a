"""Interim and final reports: from a register and a data folder to HTML, Markdown and PDF.

- The report renders what :class:`participatie_rct.trial.Trial` computed
  (:class:`~participatie_rct.report.analyses.ReportAnalyses`): ``report.html``
  (self-contained), ``report.md``, ``report.pdf`` (on request), ``figures/`` and
  ``manifest.json`` into a folder (:func:`participatie_rct.trial.write_report` is the entry).
- The demo, which builds a register to show the whole path, lives above the application
  layer: :func:`participatie_rct.trial.demo.run_demo`.
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
    "ReportResult": "participatie_rct.report.writer",
    "ReportInputs": "participatie_rct.report.inputs",
    "suppress_table": "participatie_rct.report.disclosure",
    "blind_mapping": "participatie_rct.report.blinding",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'participatie_rct.report' has no attribute {name!r}")
    return getattr(import_module(module), name)
