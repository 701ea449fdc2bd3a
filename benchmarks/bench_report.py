"""The demo end to end, and one report on its register: the "within a minute" promise.

The demo simulates a Wageningen-like trial (410 participants), assigns them one by one
through a SQLite register and writes an interim and a final report (HTML + Markdown, five
figures each). Then one final report is written again from the register and data the demo
left, once as HTML + Markdown and once with the PDF as well. The harness traces memory
during the first run, which slows Python-heavy code (the register's one-by-one intake, the
figures) by a factor of two to three; the demo alone, untraced, takes 10-20 s on two cores.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.harness import measure


def main() -> None:
    from participatie_rct.trial import write_report
    from participatie_rct.trial.demo import run_demo

    with tempfile.TemporaryDirectory(prefix="bench-report-") as scratch:
        root = Path(scratch)
        demo = measure(
            "demo: simulate, assign 410 one by one, 2 reports", lambda: run_demo(root / "demo")
        )
        del demo
        db_url = f"sqlite:///{(root / 'demo' / 'trial.db').as_posix()}"
        data = root / "demo" / "data"
        measure(
            "report final (html, md) from register + data",
            lambda: write_report(db_url, data, root / "again", kind="final", as_of="2019-12-31"),
        )
        measure(
            "report final (html, md, pdf) from register + data",
            lambda: write_report(
                db_url, data, root / "pdf", kind="final", as_of="2019-12-31", formats="html,md,pdf"
            ),
        )
