"""The Markdown filter checked by an independent renderer: any text renders as exactly itself.

markdown-it-py (a CommonMark renderer with GFM tables) renders the escaped value in the three
places the report puts values: inside a paragraph, alone at the start of a line, and in a
table cell. Whatever the text (Hypothesis tries), the HTML holds no element but the paragraph
or the table's own, and its text is the input (control characters as spaces, outer spaces
trimmed, as a paragraph trims them).
"""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from participatie_rct.report.markdown import md_escape

markdown_it = pytest.importorskip("markdown_it")

_RENDERER = markdown_it.MarkdownIt("commonmark").enable("table")

#: Characters that mean something to Markdown or HTML, so Hypothesis tries them often.
_SPECIAL = "\\`*_{}[]()<>#+-.!|~&:;=\"' \t\n\r0123456789aAjs/?@"
_TEXT = st.text(alphabet=st.sampled_from(_SPECIAL), max_size=30) | st.text(max_size=30)


def _expected(text: str) -> str:
    spaced = "".join(" " if ord(ch) < 32 or 127 <= ord(ch) < 160 else ch for ch in text)
    return spaced.strip()


def _tags(rendered: str) -> list[str]:
    return re.findall(r"<(/?[a-z0-9]+)", rendered)


def _text(rendered: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_in_a_paragraph(text: str) -> None:
    rendered = _RENDERER.render(f"Before {md_escape(text)} after\n")
    assert _tags(rendered) == ["p", "/p"], rendered
    expected = f"Before {_expected(text)} after".strip()
    assert " ".join(_text(rendered).split()) == " ".join(expected.split())


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_at_the_start_of_a_line(text: str) -> None:
    rendered = _RENDERER.render(f"{md_escape(text)}\n\nnext\n")
    tags = _tags(rendered)
    assert tags in (["p", "/p", "p", "/p"], ["p", "/p"]), rendered
    if tags == ["p", "/p"]:  # a blank value leaves only the next paragraph
        assert not _expected(text).strip()
        return
    first = rendered.split("</p>")[0]
    assert " ".join(_text(first).split()) == " ".join(_expected(text).split())


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_in_a_table_cell(text: str) -> None:
    table = f"| a | b |\n| --- | --- |\n| {md_escape(text, cell=True)} | end |\n"
    rendered = _RENDERER.render(table)
    cells = re.findall(r"<td>(.*?)</td>", rendered, flags=re.S)
    assert len(cells) == 2 and cells[1] == "end", rendered
    inner = [t for t in _tags(cells[0])]
    assert inner == [], rendered
    assert " ".join(html.unescape(cells[0]).split()) == " ".join(_expected(text).split())
