"""What the interim section shows where an arm's effect is withheld (blinding or disclosure).

The rule (report/sections/interim.py): the z, the information fraction, the boundary, the
crossing and whether the z is adjusted are always shown for the primary comparison; the
difference and its repeated confidence interval follow the ITT table and are withheld with it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from participatie_rct.design.monitor import monitor_status
from participatie_rct.report.analyses import Interim
from participatie_rct.report.disclosure import HIDDEN
from participatie_rct.report.i18n import words
from participatie_rct.report.sections.common import View
from participatie_rct.report.sections.interim import interim_section


class Plan:
    horizon_months = 12
    spending = "obrien-fleming"


def status():
    rng = np.random.default_rng(3)
    n = 600
    return monitor_status(
        pd.DataFrame(
            {
                "arm": np.repeat(["control", "earn_more", "no_duty"], n // 3),
                "outflow_work": (rng.random(n) < np.repeat([0.15, 0.2, 0.3], n // 3)).astype(float),
                "matured": True,
            }
        ),
        control="control",
        target_n=1500,
        planned_looks=3,
    )


def view(hidden: frozenset[str]) -> View:
    labels = {"control": "Control", "earn_more": "Earn more", "no_duty": "No duty"}
    return View(tuple(labels), labels, "control", "en", words("en"), hidden)


@pytest.mark.parametrize("hidden", [frozenset(), frozenset({"no_duty"}), frozenset({"control"})])
def test_z_information_and_boundary_always_the_effect_only_where_shown(hidden) -> None:
    result = status()
    values = interim_section(Interim(result), Plan(), view(hidden)).values["interim"]
    table = values["table"]
    header = list(table.header)
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in table.rows}
    assert "Information fraction 0.40: 600 of 1,500 participants" in values["text"]
    assert "|z| ≥" in values["text"] and "not adjusted" in values["text"]
    assert values["adjusted"] is False
    for c in result.comparisons:
        label = view(hidden).labels[c.arm]
        row = rows[label]
        assert row["z"] == f"{c.statistic:.2f}".replace("-", "−")  # z: always
        assert row["Boundary"] == f"{c.critical:.2f}"  # its own step under Holm
        withheld = bool({c.arm, "control"} & hidden)
        effect = row["Effect (pp)"]
        interval = row["Repeated interval (pp)"]
        if withheld:
            assert effect == interval == HIDDEN
            assert label in table.note
        else:
            assert effect == f"{100 * c.estimate:+.1f}".replace("-", "−")
            low, high = 100 * c.rci_low, 100 * c.rci_high
            assert interval == f"{low:+.1f} – {high:+.1f}".replace("-", "−")
    if not hidden:
        assert table.note == ""


def test_demo_interim_withholds_every_effect_but_shows_every_z(demo) -> None:
    """At the demo's interim date the disclosure rules hide every effect (see its key findings):
    the interim table still shows each arm's z and the boundary, never the difference."""
    text = (demo.out_dir / "interim" / "report.md").read_text(encoding="utf-8")
    section = text[text.index("## Tussentijdse toets") :]
    section = section[: section.index("\n## ")]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    body = rows[1:]
    assert len(body) == 3
    for row in body:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1].replace("−", "-").replace(",", ".").lstrip("-").replace(".", "").isdigit()
        assert cells[-2:] == [HIDDEN, HIDDEN]
    assert "Informatiefractie" in section and "niet gecorrigeerd" in section
