"""Invitees who declined, beside the trial: counted from the register, never called an effect."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from participatie_rct.report.analyses import ReferenceGroup
from participatie_rct.report.disclosure import HIDDEN
from participatie_rct.report.i18n import words
from participatie_rct.report.sections.common import View
from participatie_rct.report.sections.effects import shares_of
from participatie_rct.report.sections.reference import reference_section
from participatie_rct.trial.reference import reference_group


def _months(people: dict[str, int | None], start: str = "2018-01", n: int = 14) -> pd.DataFrame:
    """Benefit months: each person on benefit until the month index given (work), or always."""
    rows = []
    for person, leave in people.items():
        for k, month in enumerate(pd.period_range(start, periods=n, freq="M")):
            on = leave is None or k < leave
            reason = "work" if leave is not None and k == leave else ""
            rows.append((person, month, on, reason))
    return pd.DataFrame(rows, columns=["participant", "month", "on_benefit", "exit_reason"])


def test_the_demo_shows_its_decliners_as_a_non_randomized_comparison(demo) -> None:
    text = (demo.out_dir / "final" / "report.md").read_text(encoding="utf-8")
    assert "## Niet-deelnemers ter vergelijking (niet gerandomiseerd)" in text
    section = text.split("## Niet-deelnemers ter vergelijking")[1].split("\n## ")[0]
    assert "geen effect" in section  # said of the comparison, in so many words
    consort = (demo.out_dir / "final" / "figures" / "consort.svg").read_text(encoding="utf-8")
    declined = section.split(" uitgenodigden weigerden")[0].split()[-1]
    assert f">{declined}<" in consort  # the same decliners as the CONSORT flow counts


def test_reference_group_counts_decliners_followed_from_their_invitation() -> None:
    seen = pd.DataFrame(
        {
            "participant": ["a", "b", "c", "d", "x"],
            "consent": [False, False, False, False, True],
            "enrolled_on": ["2018-01-15", "2018-01-20", "2018-01-31", "2019-06-01", "2018-01-02"],
        }
    )
    months = _months({"a": 3, "b": None, "c": 20, "d": 1, "x": 2})
    group = reference_group(
        seen, months, horizon=12, as_of=dt.date(2019, 3, 1), end=pd.Period("2019-02", "M")
    )
    # d was invited after the as-of date; x took part: neither is in the reference group
    assert group == ReferenceGroup(n=3, n_matured=3, n_outflow=1, horizon=12)
    assert reference_group(seen[seen["consent"]], months, horizon=12, as_of=dt.date(2019, 3, 1),
                           end=pd.Period("2019-02", "M")) is None  # fmt: skip


def test_a_small_reference_share_is_hidden_and_the_section_left_out_without_decliners() -> None:
    w = words("en")
    view = View(("control", "earn_more"), {"control": "Control", "earn_more": "Earn more"},
                "control", "en", w)  # fmt: skip
    outcomes = pd.DataFrame(
        {"arm": ["control"] * 40 + ["earn_more"] * 40, "outflow_work": [1] * 20 + [0] * 60}
    )
    shares = shares_of(outcomes, "outflow_work", view.order)

    class _Analyses:
        reference: ReferenceGroup | None = ReferenceGroup(n=30, n_matured=30, n_outflow=4,
                                                          horizon=12)  # fmt: skip

    section = reference_section(_Analyses(), view, shares)  # type: ignore[arg-type]
    table = section.values["reference"]["table"]
    assert table.rows[0][2] == HIDDEN  # 4 of 30 would describe fewer than ten people
    assert table.rows[1][2] == "25.0%"  # the trial pooled: 20 of 80
    assert "not randomized" in w["reference"]
    _Analyses.reference = None
    assert reference_section(_Analyses(), view, shares).values["reference"] is None
