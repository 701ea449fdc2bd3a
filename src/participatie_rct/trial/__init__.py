"""The application layer: one trial, one pipeline from register and data to report.

:class:`Trial` opens a register and its data (a folder, or files named one by one) with the
pseudonym key and an as-of date, builds the per-participant outcome table once, and offers
the analyses on it: the ITT family, the survival family, balance, the CONSORT flow counted
from the register, the interim look, randomization inference and the report. The command
line, the report and a statistician's script all go through it::

    import participatie_rct as prct
    trial = prct.Trial.open("sqlite:///trial.db", "data/", as_of="2019-06-30")
    print(trial.itt().summary())
    print(trial.monitor().summary())
    trial.write_report("reports/interim", kind="interim")
"""

from __future__ import annotations

from participatie_rct.data.folder import find_table
from participatie_rct.trial.core import Trial
from participatie_rct.trial.inputs import load_inputs
from participatie_rct.trial.report import write_report, write_report_from_inputs

__all__ = ["Trial", "find_table", "load_inputs", "write_report", "write_report_from_inputs"]
