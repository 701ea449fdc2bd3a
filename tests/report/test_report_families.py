"""The report's outcome families: one table per declared family, Holm within it, WY and RW in
a final report's secondary families, and no effect that rests on a hidden cell."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from participatie_rct.protocol import ANALYSIS_OUTCOMES, OutcomeFamily
from participatie_rct.report.analyses import FamilyEstimates, Unavailable
from participatie_rct.report.disclosure import HIDDEN
from participatie_rct.report.i18n import STRINGS
from participatie_rct.report.sections.common import View
from participatie_rct.report.sections.families import families_section

PART_TIME = "### Deeltijdwerk naast de uitkering (secundair, vooraf vastgelegd)"


def _section(text: str, title: str) -> str:
    start = text.index(title)
    end = text.find("\n### ", start + len(title))
    return text[start : end if end > 0 else None]


def test_the_demos_final_report_shows_the_part_time_family_with_holm_and_wy(demo) -> None:
    md = (demo.out_dir / "final" / "report.md").read_text(encoding="utf-8")
    assert "## Uitkomsten volgens het analyseplan" in md
    block = _section(md, PART_TIME)
    header = next(line for line in block.splitlines() if line.startswith("| Uitkomst"))
    assert "| p (Holm) | p (WY) | p (RW) |" in header
    rows = [line for line in block.splitlines() if line.startswith("| Aandeel maanden")]
    assert len(rows) == 3  # one per arm against control
    assert all(len(row.split("|")) == len(header.split("|")) for row in rows)
    assert "hertrekkingen van de geregistreerde loting" in block
    assert "### Uitstroom naar werk (primair, vooraf vastgelegd)" in md
    assert "### Enquête (verkennend: beschrijvend, niet als toets vooraf vastgelegd)" in md
    html = (demo.out_dir / "final" / "report.html").read_text(encoding="utf-8")
    assert 'id="families"' in html and "p (WY)" in html


def test_the_interim_report_shows_families_without_resampling(demo) -> None:
    md = (demo.out_dir / "interim" / "report.md").read_text(encoding="utf-8")
    block = _section(md, PART_TIME)
    assert "| p (Holm) |" in block and "p (WY)" not in block
    # a sustained exit needs 17 months: at the interim look nobody has them
    lasting = _section(md, "### Duurzame uitstroom en terugkeer")
    assert "nog niemand is lang genoeg gevolgd voor deze uitkomst" in lasting


def test_every_outcome_and_role_has_words_in_both_languages() -> None:
    for language in ("nl", "en"):
        for name in ANALYSIS_OUTCOMES:
            label = STRINGS[language][f"outcome_{name}"].format(h=12, h2=24)
            assert label and "_" not in label
        for role in ("primary", "secondary", "exploratory"):
            assert STRINGS[language][f"role_{role}"]
    assert STRINGS["nl"]["outcome_earnings"] != STRINGS["en"]["outcome_earnings"]


def _view() -> View:
    labels = {"control": "Controle", "treated": "Behandeld"}
    return View(("control", "treated"), labels, "control", "nl", STRINGS["nl"])


def _fit(outcome_data: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """An ITT frame with made-up inference: the section only formats it."""
    counts = outcome_data.groupby("arm")[outcome].count()
    return pd.DataFrame(
        {
            "arm": ["treated"],
            "estimate": [0.1],
            "std_error": [0.05],
            "ci_low": [0.0],
            "ci_high": [0.2],
            "p_value": [0.04],
            "p_holm": [0.08],
            "n_arm": [int(counts["treated"])],
            "n_control": [int(counts["control"])],
        }
    )


def _estimates(data: pd.DataFrame, kinds: dict[str, str], **extra: object) -> FamilyEstimates:
    outcomes = tuple(kinds)
    family = OutcomeFamily("income", "secondary", outcomes)
    effects = {o: _fit(data, o) for o in outcomes}
    return FamilyEstimates(family=family, effects=effects, data=data, kinds=kinds, **extra)


def _rows(estimates: FamilyEstimates) -> tuple[list[tuple[str, ...]], str]:
    analyses = SimpleNamespace(
        protocol=SimpleNamespace(analysis=SimpleNamespace(horizon_months=12)),
        families=(estimates,),
    )
    (block,) = families_section(analyses, _view()).values["families"]  # type: ignore[arg-type]
    return list(block["table"].rows), block["table"].note


def test_an_effect_resting_on_a_small_count_is_hidden_with_a_reason() -> None:
    arm = ["control"] * 40 + ["treated"] * 40
    # 3 of the treated left: a share of 3 people; the earnings rest on 3 earners in control
    reentry = [1.0] * 20 + [0.0] * 20 + [1.0] * 3 + [0.0] * 37
    earnings = [500.0] * 3 + [0.0] * 37 + [400.0] * 20 + [0.0] * 20
    months = list(np.arange(80) % 12 + 1.0)
    data = pd.DataFrame({"arm": arm, "reentry": reentry, "earnings": earnings, "months": months})
    data = data.rename(columns={"months": "months_receiving_benefit"})
    kinds = {"reentry": "share", "earnings": "amount", "months_receiving_benefit": "mean"}
    adjusted = pd.DataFrame(
        {
            "arm": ["treated"] * 3,
            "outcome": list(kinds),
            "p_westfall_young": [0.05, 0.06, 0.07],
            "p_romano_wolf": [0.04, 0.05, 0.06],
        }
    )
    rows, note = _rows(
        _estimates(data, kinds, adjusted=adjusted, resampling="randomization", n_draws=1000)
    )
    by_outcome = {row[0]: row for row in rows}
    reentry_row = by_outcome["Terugkeer in de bijstand na uitstroom"]
    earnings_row = by_outcome["Inkomsten over 12 maanden (euro)"]
    assert reentry_row[4:] == (HIDDEN,) * 6 and earnings_row[4:] == (HIDDEN,) * 6
    shown = by_outcome["Maanden met uitkering (van 12)"]
    assert shown[4:] == ("+0,10", "+0,00 – +0,20", "0,040", "0,080", "0,070", "0,060")
    assert "Terugkeer in de bijstand na uitstroom (Behandeld)" in note
    assert "Inkomsten over 12 maanden (euro) (Behandeld)" in note


def test_outcomes_without_data_are_named_with_the_reason() -> None:
    data = pd.DataFrame({"arm": ["control"] * 20 + ["treated"] * 20, "reentry": [1.0, 0.0] * 20})
    estimates = _estimates(
        data,
        {"reentry": "share"},
        missing={"working_12h": "family_no_hours"},
        adjusted=Unavailable("the table has no arrival order"),
    )
    family = OutcomeFamily("income", "secondary", ("reentry", "working_12h"))
    estimates = FamilyEstimates(
        family=family,
        effects=estimates.effects,
        data=data,
        kinds={"reentry": "share", "working_12h": "share"},
        missing=estimates.missing,
        adjusted=estimates.adjusted,
    )
    rows, note = _rows(estimates)
    assert [row[0] for row in rows] == ["Terugkeer in de bijstand na uitstroom"]
    assert rows[0][4] == "+10,0"  # a share in percentage points
    assert "Werk van 12 uur of meer in maand 12: Niet te schatten: de uitkeringsgegevens " in note
    assert "Westfall-Young en Romano-Wolf: niet te berekenen: the table has no arrival" in note


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_family_of_another_name_is_printed_readably(language: str) -> None:
    from participatie_rct.report.sections.families import family_title

    view = View(("a",), {"a": "A"}, "a", language, STRINGS[language])
    estimates = SimpleNamespace(family=OutcomeFamily("job_quality", "exploratory", ("reentry",)))
    title = family_title(estimates, view)  # type: ignore[arg-type]
    assert title.startswith("Job quality (") and "_" not in title
    labelled = SimpleNamespace(
        family=OutcomeFamily("x", "secondary", ("reentry",), label_nl="Baan", label_en="Job")
    )
    assert family_title(labelled, view).startswith("Baan" if language == "nl" else "Job")  # type: ignore[arg-type]


def test_a_protocol_without_families_reports_as_before(tmp_path) -> None:
    from participatie_rct.trial import Trial
    from trial_handmade import make_trial

    made = make_trial(tmp_path)
    trial = Trial.open(made.url, made.data, as_of="2018-12-31")
    assert trial.report_analyses("final").families == ()
    trial.write_report(tmp_path / "r", kind="final", language="en", formats="md")
    text = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert "Outcomes as declared in the analysis plan" not in text and "p (WY)" not in text
