"""The PDF report: laid out by WeasyPrint, turned into page images by pdftoppm and checked."""

from __future__ import annotations

import re
import subprocess
from html import unescape

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


def test_pdf_pages_carry_numbers_and_a_running_header(pdf, tool, tmp_path) -> None:
    """Each page ends with "page / pages" and starts with the trial's name (CSS paged media)."""
    text_file = tmp_path / "pages.txt"
    subprocess.run(
        [tool("pdftotext"), "-layout", str(pdf), str(text_file)], check=True, timeout=120
    )
    pages = [p for p in text_file.read_text(encoding="utf-8").split("\f") if p.strip()]
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"{number} / {len(pages)}" in page, f"page {number} has no page number"
        assert "Bijstand experiment Wageningen" in page.strip().splitlines()[0]


#: The page body between the running header and the page number (CSS @page margins, mm).
BODY_TOP_MM, BODY_BOTTOM_MM, PAGE_MM = 20, 297 - 18, 297


def body_fill(image) -> float:
    """How far down the page body the ink reaches (0 empty, 1 to the bottom margin)."""
    grey = image.convert("L")
    width, height = grey.size
    top = int(height * BODY_TOP_MM / PAGE_MM) + 2
    bottom = int(height * BODY_BOTTOM_MM / PAGE_MM)
    pixels = grey.load()
    inked = [y for y in range(top, bottom) if any(pixels[x, y] < 200 for x in range(width))]
    return (inked[-1] - top) / (bottom - top) if inked else 0.0


def test_body_fill_measures_how_far_a_page_is_filled() -> None:
    from PIL import Image, ImageDraw

    page = Image.new("L", (210, 297), 255)
    ImageDraw.Draw(page).rectangle((20, 40, 190, 80), fill=0)  # ink down to 80 mm of 297
    assert body_fill(page) == pytest.approx((80 - 22) / (279 - 22), abs=0.01)
    assert body_fill(Image.new("L", (210, 297), 255)) == 0.0


def test_every_page_is_at_least_half_full_unless_a_chapter_follows(pdf, tool, tmp_path) -> None:
    """A council prints the report: a page may end early only where the next chapter (h2)
    starts on the next page, and the last page is the document's end."""
    from PIL import Image

    subprocess.run(
        [tool("pdftoppm"), "-png", "-r", "30", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    text_file = tmp_path / "pages.txt"
    subprocess.run(
        [tool("pdftotext"), "-layout", str(pdf), str(text_file)], check=True, timeout=120
    )
    html = (pdf.parent / "report.html").read_text(encoding="utf-8")
    chapters = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2>(.*?)</h2>", html)]
    chapters = [unescape(c) for c in chapters]
    texts = [p for p in text_file.read_text(encoding="utf-8").split("\f") if p.strip()]
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(texts) >= 4

    def starts_chapter(text: str) -> bool:
        body = [line.strip() for line in text.splitlines() if line.strip()][1:]  # past header
        return bool(body) and any(body[0].startswith(c) for c in chapters)

    short = []
    for k, image in enumerate(images[:-1]):
        fill = body_fill(Image.open(image))
        if fill < 0.5 and not starts_chapter(texts[k + 1]):
            short.append((k + 1, round(fill, 2)))
    assert not short, f"pages less than half full with no chapter after them: {short}"


def test_print_styles_keep_rows_and_figures_whole(pdf) -> None:
    """The print rules: no table row or figure split over two pages, headings kept with
    what follows them, table headers repeated on each page."""
    html = (pdf.parent / "report.html").read_text(encoding="utf-8")
    start = html.index("@media print")
    printed = html[start : html.index("</style>", start)]
    assert re.search(r"tr, figure, \.note \{ break-inside: avoid; \}", printed)
    assert "h2, h3 { break-after: avoid; }" in printed
    assert "thead { display: table-header-group; }" in printed
