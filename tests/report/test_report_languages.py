"""Dutch and English come from the same templates: same structure, other words and numbers."""

from __future__ import annotations

import re

import pytest

from participatie_rct.report.i18n import METHODS, STRINGS, number, p_text


def test_both_languages_have_the_same_phrases() -> None:
    assert STRINGS["nl"].keys() == STRINGS["en"].keys()
    assert METHODS["nl"].keys() == METHODS["en"].keys()
    for key in STRINGS["nl"]:
        fields_nl = set(re.findall(r"{(\w+)}", STRINGS["nl"][key]))
        fields_en = set(re.findall(r"{(\w+)}", STRINGS["en"][key]))
        assert fields_nl == fields_en, key


def test_numbers_follow_the_language() -> None:
    assert number(12.345, "nl") == "12,3"
    assert number(12.345, "en") == "12.3"
    assert number(-0.5, "en", sign=True) == "−0.5"
    assert p_text(0.0004, "nl") == "< 0,001"
    assert p_text(float("nan"), "en") == "n/a"


@pytest.fixture(scope="module")
def both(demo, demo_inputs, tmp_path_factory):
    """The demo's Dutch interim report and the same report in English."""
    from participatie_rct.trial import write_report_from_inputs

    out = tmp_path_factory.mktemp("languages")
    english = write_report_from_inputs(
        demo_inputs, out / "en", kind="interim", language="en", as_of=demo.interim.as_of
    )
    return {"nl": demo.interim, "en": english}


def test_dutch_and_english_reports_differ_only_in_words(both) -> None:
    nl = (both["nl"].out_dir / "report.html").read_text(encoding="utf-8")
    en = (both["en"].out_dir / "report.html").read_text(encoding="utf-8")
    assert '<html lang="nl">' in nl and '<html lang="en">' in en
    assert "Tussenrapportage" in nl and "Interim report" in en
    assert "Interim report" not in nl and "Tussenrapportage" not in en
    for tag in ("<table>", "<figure>", "<section", "<h2>", "<h3>"):
        assert nl.count(tag) == en.count(tag), tag
    assert "Bijverdienen" in nl and "Earn more" in en
    md_nl = (both["nl"].out_dir / "report.md").read_text(encoding="utf-8")
    md_en = (both["en"].out_dir / "report.md").read_text(encoding="utf-8")
    assert md_nl.count("\n|") == md_en.count("\n|")
    assert re.search(r"\d,\d", md_nl) and re.search(r"\d\.\d", md_en)
    assert [(row["hidden"], row.get("estimate")) for row in both["nl"].headline] == [
        (row["hidden"], row.get("estimate")) for row in both["en"].headline
    ]
