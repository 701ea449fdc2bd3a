"""Counts of 1000 or more carry the language's thousands separator: 1.230 (nl), 1,230 (en).

The demo assigns 1230 participants, so its CONSORT table, its methods text and its interim
text print counts above 1000.
"""

from __future__ import annotations

import re

import pytest

from participatie_rct.report.disclosure import count_text, grouped
from participatie_rct.report.numbers import group_counts, group_table
from participatie_rct.report.sections.common import Table

#: a run of four or more digits standing alone (not part of a decimal, a hash or a name)
BARE = re.compile(r"(?<![\w.,−+-])\d{4,}(?![\w.,])")


def bare_numbers(text: str) -> list[str]:
    """Runs of 4+ digits that are not years (of publications, dates or mean birth years: the
    only bare 4-digit numbers a report prints)."""
    return [m for m in BARE.findall(text) if not (len(m) == 4 and 1900 <= int(m) <= 2100)]


def test_grouping_of_counts_and_only_counts() -> None:
    assert grouped(1230, "nl") == "1.230" and grouped(1230, "en") == "1,230"
    assert grouped(1234567, "en") == "1,234,567" and grouped(999, "nl") == "999"
    assert count_text(1230, language="nl") == "1.230" and count_text(5, language="en") == "<10"
    assert count_text(1230) == "1230"  # no language: the bare number (files, manifests)
    table = Table(("a", "b"), (("1230", "12.3"), ("<10", "−1234.5"), ("0230", "1000")))
    assert group_table(table, "nl").rows == (
        ("1.230", "12.3"),
        ("<10", "−1234.5"),
        ("0230", "1.000"),
    )
    nested = group_counts({"x": [{"t": table}], "s": "1230 stays"}, "en")
    assert nested["x"][0]["t"].rows[0] == ("1,230", "12.3") and nested["s"] == "1230 stays"


def test_demo_reports_group_every_count(demo) -> None:
    for part in ("interim", "final"):
        text = (demo.out_dir / part / "report.md").read_text(encoding="utf-8")
        assert "1.230" in text, part  # CONSORT's assigned total and the methods' n
        assert not bare_numbers(text), (part, bare_numbers(text))
        html = (demo.out_dir / part / "report.html").read_text(encoding="utf-8")
        body = re.sub(r"<(style|script)\b.*?</\1>", "", html, flags=re.S)
        body = re.sub(r'(src|href)="[^"]*"', "", body)
        assert '<td class="num">1.230</td>' in body
        assert not bare_numbers(re.sub(r"<[^>]+>", " ", body)), part


@pytest.fixture(scope="module")
def english(demo_inputs, tmp_path_factory):
    from participatie_rct.trial import write_report_from_inputs

    out = tmp_path_factory.mktemp("en")
    write_report_from_inputs(
        demo_inputs, out, kind="interim", language="en", formats="md", as_of="2018-10-31"
    )
    return (out / "report.md").read_text(encoding="utf-8")


def test_english_report_groups_with_a_comma(english) -> None:
    assert "1,230" in english and "1.230" not in english
    assert "of 1,230 participants" in english  # the interim text
    assert not bare_numbers(english), bare_numbers(english)
