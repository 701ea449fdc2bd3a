"""The HTML report's tables on a phone (375 px) and a laptop (1280 px), in headless Chromium.

Each report page is shown in a frame of the given width (headless Chromium will not make its
own window narrower than 500 px), and a script measures every table: how wide it is against
its scrolling container, and where its first column (the arm, stage or characteristic that
names the row) is before and after the table is scrolled to its far end. A key column must be
in view in both positions, so that no row's name is ever hidden behind a scroll.
"""

from __future__ import annotations

import json
import re
import subprocess
from html import escape, unescape

import pytest

pytestmark = pytest.mark.browser

#: Measures every table after load and writes the figures into the body's data-tables.
MEASURE = """<script>
window.addEventListener('load', function () {
  var tables = [];
  document.querySelectorAll('.table-wrap').forEach(function (wrap) {
    var key = wrap.querySelector('table tr > :first-child');
    var box = wrap.getBoundingClientRect();
    var before = key.getBoundingClientRect();
    wrap.scrollLeft = wrap.scrollWidth;
    var after = key.getBoundingClientRect();
    tables.push({
      key: key.textContent.trim(), scroll: wrap.scrollWidth, client: wrap.clientWidth,
      before: [before.left - box.left, before.right - box.left],
      after: [after.left - box.left, after.right - box.left]
    });
  });
  document.body.setAttribute('data-tables', JSON.stringify(
    {width: window.innerWidth, tables: tables}));
});
</script>"""


def measure(demo, tool, tmp_path, part: str, width: int) -> dict:
    """The figures of every table of ``part``'s report shown in a frame ``width`` px wide.

    The report goes into the frame's ``srcdoc`` (same origin as the outer page), and the
    outer page copies the frame's figures to its own body once the frame has loaded, because
    ``--dump-dom`` prints only the outer page.
    """
    html = (demo.out_dir / part / "report.html").read_text(encoding="utf-8")
    inner = html.replace("</body>", MEASURE + "</body>")
    frame = tmp_path / f"frame-{part}-{width}.html"
    frame.write_text(
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe id="f" style="border:0;width:{width}px;height:900px" '
        f'srcdoc="{escape(inner, quote=True)}"></iframe>'
        "<script>document.getElementById('f').addEventListener('load', function () {"
        "var inner = this.contentDocument.body.getAttribute('data-tables');"
        "document.body.setAttribute('data-tables', inner);});</script>"
        "</body></html>",
        encoding="utf-8",
    )
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    done = subprocess.run(
        [
            tool("chromium"),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            f"--user-data-dir={profile}",
            "--window-size=1400,1000",
            "--virtual-time-budget=5000",
            "--dump-dom",
            frame.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    match = re.search(r'<body[^>]*data-tables="([^"]*)"', done.stdout)
    assert match, "the page did not finish loading"
    return json.loads(unescape(match.group(1)))


@pytest.mark.parametrize("part", ["interim", "final"])
def test_laptop_width_shows_every_table_whole(demo, tool, tmp_path, part) -> None:
    """At 1280 px no table needs a sideways scroll."""
    found = measure(demo, tool, tmp_path, part, 1280)
    assert found["width"] == 1280 and len(found["tables"]) >= 8
    wide = [t["key"] for t in found["tables"] if t["scroll"] > t["client"] + 1]
    assert not wide, f"tables wider than a 1280 px screen: {wide}"


@pytest.mark.parametrize("part", ["interim", "final"])
def test_phone_width_keeps_every_key_column_in_view(demo, tool, tmp_path, part) -> None:
    """At 375 px a table may scroll sideways, but its key column stays wholly in view, at the
    start and at the far end of the scroll, and leaves most of the screen to the figures."""
    found = measure(demo, tool, tmp_path, part, 375)
    assert found["width"] == 375 and len(found["tables"]) >= 8
    for table in found["tables"]:
        client = table["client"]
        for left, right in (table["before"], table["after"]):
            assert left >= -0.5 and right <= client + 0.5, f"{table['key']!r} scrolls out: {table}"
        assert table["before"][1] - table["before"][0] <= 0.45 * client + 1, table


def test_width_check_notices_a_key_column_that_scrolls_away(demo, tool, tmp_path) -> None:
    """The check can fail: without the sticky key column a wide table's key scrolls away."""
    final = demo.out_dir / "final" / "report.html"
    original = final.read_text(encoding="utf-8")
    broken = tmp_path / "broken"
    (broken / "final").mkdir(parents=True)
    (broken / "final" / "report.html").write_text(
        original.replace("position: sticky", "position: static"), encoding="utf-8"
    )

    class Moved:
        out_dir = broken

    found = measure(Moved(), tool, tmp_path, "final", 375)
    scrolled = [t for t in found["tables"] if t["scroll"] > t["client"] + 1]
    assert scrolled, "no table is wider than the phone: the check would test nothing"
    assert any(t["after"][0] < -0.5 for t in scrolled)
