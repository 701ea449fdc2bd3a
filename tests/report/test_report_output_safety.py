"""Report output against stray bytes in names: every SVG figure stays well-formed XML.

A site name with a control character (a stray byte from a municipal export) used to make
every figure that shows it unreadable while the command exited 0. The writer drops the
characters XML forbids, so the figures parse, in their files and inside ``report.html``.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from participatie_rct.report.writer import xml_safe


def _with_site(frame, old: str, new: str):
    if "site" not in frame.columns:
        return frame
    out = frame.copy()
    out["site"] = out["site"].astype(str).replace({old: new})
    return out


def test_xml_safe_drops_only_forbidden_characters() -> None:
    svg = b"<svg><text>E\x01de\x1f \t\n\r&amp; \xc3\xa9</text></svg>"
    cleaned = xml_safe(svg)
    assert cleaned == b"<svg><text>Ede \t\n\r&amp; \xc3\xa9</text></svg>"
    ET.fromstring(cleaned)


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_figures_with_a_control_character_in_a_site_name_parse(demo_inputs, tmp_path) -> None:
    from participatie_rct.trial import write_report_from_inputs

    site = str(demo_inputs.participants["site"].iloc[0])
    hostile = f"{site}\x01\x08"
    inputs = dataclasses.replace(
        demo_inputs,
        participants=_with_site(demo_inputs.participants, site, hostile),
        assignments=_with_site(demo_inputs.assignments, site, hostile),
    )
    result = write_report_from_inputs(
        inputs, tmp_path / "r", kind="final", language="en", as_of="2019-12-31"
    )
    figures = sorted((result.out_dir / "figures").glob("*.svg"))
    assert figures
    for figure in figures:
        ET.fromstring(figure.read_bytes())  # raises on a control character
    html = (result.out_dir / "report.html").read_text(encoding="utf-8")
    uris = re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)
    assert len(uris) == len(figures)
    for uri in uris:
        ET.fromstring(base64.b64decode(uri))
    assert site in (result.out_dir / "figures" / "intake.svg").read_text(encoding="utf-8")


def test_demo_overwrite_replaces_an_earlier_demo(demo, tmp_path, read_outputs) -> None:
    from participatie_rct.trial.demo import run_demo

    earlier = shutil.copytree(demo.out_dir, tmp_path / "demo")
    (earlier / "notes.txt").write_text("kept")
    again = run_demo(earlier, overwrite=True)
    for part in ("interim", "final"):
        assert read_outputs(again.out_dir / part) == read_outputs(demo.out_dir / part)
    assert (earlier / "notes.txt").read_text() == "kept"
