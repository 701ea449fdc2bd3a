"""The PDF report: laid out by WeasyPrint, turned into page images by pdftoppm and checked."""

from __future__ import annotations

import subprocess

import pytest


@pytest.fixture(scope="module")
def pdf(demo_inputs, tmp_path_factory):
    pytest.importorskip("weasyprint", reason="the pdf extra (WeasyPrint) is not installed")
    from participatie_rct.trial import write_report_from_inputs

    out = tmp_path_factory.mktemp("pdf")
    result = write_report_from_inputs(
        demo_inputs, out, kind="final", language="en", formats="html,pdf", as_of="2019-12-31"
    )
    return result.out_dir / "report.pdf"


def test_pdf_pages_are_a4_and_not_blank(pdf, tool, tmp_path) -> None:
    from PIL import Image

    assert pdf.read_bytes().startswith(b"%PDF-")
    subprocess.run(
        [tool("pdftoppm"), "-png", "-r", "40", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 4
    for page in pages:
        image = Image.open(page).convert("L")
        width, height = image.size
        assert abs(height / width - 297 / 210) < 0.02  # A4 portrait
        dark = sum(image.histogram()[:128])
        assert dark > 0.002 * width * height, f"{page.name} is blank"


def test_pdf_holds_the_report_text(pdf, tool, tmp_path) -> None:
    text_file = tmp_path / "report.txt"
    subprocess.run([tool("pdftotext"), str(pdf), str(text_file)], check=True, timeout=120)
    text = text_file.read_text(encoding="utf-8")
    for phrase in (
        "Final report",
        "Participant flow (CONSORT)",
        "Effects (intention to treat)",
        "Methods",
    ):
        assert phrase in text
