"""Render a report context to HTML and Markdown (Jinja2) and to PDF (WeasyPrint).

The templates ship in the package (``report/templates``) and are shared by Dutch and
English. HTML is one self-contained file: the stylesheet is inlined and every figure is an
SVG data URI, so nothing is fetched from the network and the file can be mailed or printed
as it is. Markdown links the figures in ``figures/``. PDF is the HTML laid out by WeasyPrint
(extra ``pdf``) with the print stylesheet.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from functools import cache
from typing import Any

from participatie_rct.errors import ReportError
from participatie_rct.report.markdown import md_escape


@cache
def _environment(kind: str) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("participatie_rct.report", "templates"),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.j2",), default_for_string=False
        )
        if kind == "html"
        else False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    # the Markdown template passes every value through this one filter (report/markdown.py);
    # the HTML templates rely on Jinja's autoescaping instead
    env.filters["md"] = md_escape
    return env


def svg_data_uri(svg: bytes) -> str:
    """An SVG as a base64 data URI for an ``<img src>``."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def render_html(values: Mapping[str, Any], figures: Mapping[str, bytes]) -> str:
    """The self-contained HTML document."""
    uris = {name: svg_data_uri(svg) for name, svg in figures.items()}
    template = _environment("html").get_template("report.html.j2")
    html: str = template.render(
        v=_Values(values), w=values["w"], lw=_look_words(values), fig=_Values(uris, default="")
    )
    return html


def render_markdown(values: Mapping[str, Any], files: Mapping[str, str]) -> str:
    """The Markdown document; ``files`` maps a figure's name to its relative path."""
    template = _environment("md").get_template("report.md.j2")
    text = template.render(
        v=_Values(values), w=values["w"], lw=_look_words(values), files=_Values(files, default="")
    )
    # collapse runs of blank lines left by optional sections
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() == "" and lines and lines[-1] == "":
            continue
        lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"


def render_pdf(html: str) -> bytes:
    """The HTML laid out as PDF by WeasyPrint (install the ``pdf`` extra)."""
    try:
        from weasyprint import HTML
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ReportError(
            "PDF output needs WeasyPrint: install the 'pdf' extra "
            "(pip install 'participatie-rct[pdf]') "
            f"or leave pdf out of --formats ({exc})."
        ) from None
    pdf: bytes = HTML(string=html, base_url=None).write_pdf()
    return pdf


def _look_words(values: Mapping[str, Any]) -> Mapping[str, str]:
    """The monitoring phrases in the report's language (:mod:`.looks_i18n`)."""
    from participatie_rct.report.looks_i18n import look_words

    return look_words(str(values.get("language", "nl")))


class _Values(dict[str, Any]):
    """A dict whose keys templates read as attributes; missing optional keys give ``default``."""

    def __init__(self, data: Mapping[str, Any], default: Any = None) -> None:
        super().__init__(data)
        self._default = default

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.get(name, self._default)
