"""Markup injection: names from the protocol and the data stay text in every report format.

The hostile trial (conftest.py) carries HTML, script links and pipes in its trial name, an
arm label and a site name. ``report.md`` must hold none of them live (no tag, no link, no
broken table), ``report.html`` must escape them, and the SVG figures must too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from participatie_rct.report.markdown import md_escape

from .helpers import HOSTILE_LABEL, HOSTILE_NAME, HOSTILE_SITE

_LIVE_MARKDOWN = [
    re.compile(r"<\s*(script|img|a|iframe|svg)\b", re.I),  # a raw tag
    re.compile(r"(?<!\\)\]\s*\("),  # an inline link or image: ](...
    re.compile(r"(?<!\\)!\[|(?<!\\)\[[^\]\n]*(?<!\\)\]:"),  # an image or a link definition
    re.compile(r"javascript:", re.I),  # a script URL, even a bare one
]


@pytest.fixture(scope="module")
def report_dir(hostile_trial, tmp_path_factory) -> Path:
    from participatie_rct.trial import write_report

    out = tmp_path_factory.mktemp("hostile-report") / "final"
    write_report(hostile_trial.db, hostile_trial.data, out, kind="final", language="en")
    return out


@pytest.mark.parametrize(
    "text",
    [
        HOSTILE_NAME,
        HOSTILE_LABEL,
        HOSTILE_SITE,
        "a\n# heading\n> quote",
        "[x]: javascript:alert(1)",
        "<a href='javascript:alert(1)'>x</a>",
        "&lt;script&gt;",
        "`code` *bold* _it_ ~~del~~",
    ],
)
def test_the_markdown_filter_leaves_nothing_live(text: str) -> None:
    escaped = md_escape(text, cell=True)
    assert "\n" not in escaped
    for pattern in _LIVE_MARKDOWN:
        assert not pattern.search(escaped), (pattern.pattern, escaped)
    assert "|" not in escaped.replace("\\|", "")
    assert "&lt;script&gt;" not in escaped  # an entity stays the text the user wrote


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# 1", "\\# 1"),
        ("- item", "\\- item"),
        ("1. first", "1\\. first"),
        ("===", "\\==="),
        ("-0.25", "-0.25"),
        ("<10", "<10"),
        ("95% CI (0.1 to 0.3)", "95% CI (0.1 to 0.3)"),
        ("earn_more", "earn_more"),
    ],
)
def test_block_starts_are_escaped_and_plain_text_is_kept(text: str, expected: str) -> None:
    assert md_escape(text) == expected


def test_every_value_in_the_markdown_template_goes_through_the_filter() -> None:
    import participatie_rct.report as report_package

    template = Path(report_package.__file__).parent / "templates" / "report.md.j2"
    expressions = re.findall(r"\{\{(.*?)\}\}", template.read_text(encoding="utf-8"))
    assert expressions
    for expression in expressions:
        text = expression.strip()
        macro = text.startswith(("table(", "figure("))
        assert macro or text.endswith("| md") or 'map("md", cell=True)' in text, text


def test_report_md_holds_no_live_markup(report_dir: Path) -> None:
    text = (report_dir / "report.md").read_text(encoding="utf-8")
    assert "alert(3)" in text and "alert(4)" in text  # the names are there, as text
    # the report's own figures are the only images; every other link or tag is an injection
    ours = re.compile(r"(?m)^!\[[A-Za-z ()-]+\]\(figures/[a-z_]+\.svg\)$")
    assert len(ours.findall(text)) >= 4
    text = ours.sub("", text)
    for pattern in _LIVE_MARKDOWN:
        assert not pattern.search(text), pattern.pattern
    # every row of a table has as many cells as its header
    tables = re.findall(r"(?m)((?:^\|.*\n)+)", text)
    assert tables
    for table in tables:
        counts = {len(re.split(r"(?<!\\)\|", row)) for row in table.splitlines()}
        assert len(counts) == 1, table


def test_report_html_escapes_every_name(report_dir: Path) -> None:
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"<img\s+src=[xy]", html)
    assert "&lt;img src=x onerror=alert(3)&gt;" in html
    assert not re.search(r"href=[\"']?\s*javascript:", html, re.I)


def test_svg_figures_escape_every_name(report_dir: Path) -> None:
    figures = sorted((report_dir / "figures").glob("*.svg"))
    assert figures
    labelled = 0
    for figure in figures:
        svg = figure.read_text(encoding="utf-8")
        assert "<img" not in svg and "<script" not in svg, figure.name
        labelled += "onerror=alert" in svg
    assert labelled, "no figure shows the hostile arm label or site at all"
