"""Escaping for ``report.md``: a text from an input or the protocol stays text.

Trial names, arm labels, site names, strata values and category levels come from files that
somebody else wrote. Printed raw into Markdown, a site called ``<img src=x onerror=...>`` or
``[klik](javascript:...)`` becomes live HTML or a link in every viewer that renders the
report, and a ``|`` breaks the table it sits in. :func:`md_escape` is the one filter
(``md`` in the templates) that every value in ``report.md.j2`` passes through. It follows
CommonMark's rules (spec 0.31, sections 2.4 backslash escapes, 4 leaf blocks, 6.5 autolinks,
6.6 raw HTML):

* line breaks and other control characters become spaces, and outer spaces are trimmed, so
  a value never starts a new block (a heading, a list, a code block, a table row);
* ``\\``, `````, ``*``, ``[``, ``]``, ``~`` and word-edge ``_`` get a backslash, and in a
  table cell ``|`` too: no emphasis, code span, link, image or table cell can open inside a
  value;
* ``<`` before a letter, ``/``, ``!`` or ``?`` becomes ``&lt;`` (no tag, comment or
  autolink can open), and ``&`` before an entity name becomes ``&amp;``;
* the colon of ``javascript:``, ``vbscript:`` and ``data:`` gets a backslash, so not even a
  renderer's own link detection makes a script link;
* a value that would open a block at the start of a line (``#``, ``>``, ``-`` or ``+`` and a
  space, ``1.``, a line of ``=`` or ``-``) has that first character escaped.

Plain text (``Controlgroep``, ``95% CI (0.1 to 0.3)``, ``<10``, ``-0.25``) passes unchanged,
so the Markdown stays readable as text. ``docs/output-safety.md`` lists the rules.
"""

from __future__ import annotations

import re
import unicodedata

_BACKSLASHED = re.compile(r"([\\`*\[\]~])")
_EDGE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_SCRIPT_SCHEME = re.compile(r"(?i)\b(javascript|vbscript|data)(\s*):")
_BLOCK_START = re.compile(r"(?:#{1,6}|>|[-+](?=\s|$)|\d{1,9}(?=[.)](?:\s|$))|=+\s*$|-+\s*$)")


def _one_line(text: str) -> str:
    """Control characters (line breaks, tabs, ...) become spaces."""
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)


def md_escape(value: object, cell: bool = False) -> str:
    """``value`` as Markdown text that renders as exactly that text (see module docstring).

    ``cell=True`` (a table cell, as the template's table macro asks) also escapes ``|``; in
    running text a pipe cannot start a table (a value holds no line break, so no delimiter
    row can follow it) and stays as written (``|z| ≥ 2.39``).

    >>> md_escape("<script>alert(1)</script> [x](javascript:alert(1))")
    '&lt;script>alert(1)&lt;/script> \\\\[x\\\\](javascript\\\\:alert(1))'
    >>> md_escape("a | b", cell=True), md_escape("|z| > 2")
    ('a \\\\| b', '|z| > 2')
    >>> md_escape("Controlgroep"), md_escape("<10"), md_escape("-0.25")
    ('Controlgroep', '<10', '-0.25')
    """
    text = _one_line(str(value)).strip()
    text = _BACKSLASHED.sub(r"\\\1", text)
    if cell:
        text = text.replace("|", "\\|")
    text = _EDGE_UNDERSCORE.sub(r"\\_", text)
    text = _ENTITY.sub("&amp;", text)
    text = _TAG_OPEN.sub("&lt;", text)
    text = _SCRIPT_SCHEME.sub(r"\1\2\\:", text)
    start = _BLOCK_START.match(text)
    if start:
        end = start.end()
        if text[:end].isdigit():
            # an ordered list marker: escape the dot or parenthesis after the number
            return f"{text[:end]}\\{text[end:]}"
        return f"\\{text}"
    return text
