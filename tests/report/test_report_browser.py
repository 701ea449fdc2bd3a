"""The HTML report in headless Chromium: it loads without errors and shows its figures."""

from __future__ import annotations

import re
import subprocess

import pytest

pytestmark = pytest.mark.browser

#: Marks the page after load with how many images decoded and how many failed.
PROBE = """<script>
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var shown = images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-images', images.length + '/' + shown);
});
</script>"""


def chromium(tool, tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = tool("chromium")
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("part", ["interim", "final"])
def test_html_loads_and_shows_every_figure(demo, tool, tmp_path, part) -> None:
    html = (demo.out_dir / part / "report.html").read_text(encoding="utf-8")
    probed = tmp_path / "probed.html"
    probed.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = chromium(
        tool,
        tmp_path,
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
        "--dump-dom",
        probed.as_uri(),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    match = re.search(r'data-images="(\d+)/(\d+)"', done.stdout)
    assert match, "the page did not finish loading"
    total, shown = int(match.group(1)), int(match.group(2))
    # every figure the report embeds (the forest plot only when an effect may be shown)
    expected = html.count("<img ")
    assert total == expected >= 4 and shown == total, f"{shown} of {total} figures shown"
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console
    assert "Failed to load resource" not in done.stderr


def test_probe_notices_a_broken_figure(demo, tool, tmp_path) -> None:
    """The check above can fail: a figure that does not decode is counted as not shown."""
    html = (demo.out_dir / "interim" / "report.html").read_text(encoding="utf-8")
    broken = html.replace("data:image/svg+xml;base64,", "data:image/svg+xml;base64,AAAA", 1)
    probed = tmp_path / "broken.html"
    probed.write_text(broken.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = chromium(tool, tmp_path, "--virtual-time-budget=5000", "--dump-dom", probed.as_uri())
    match = re.search(r'data-images="(\d+)/(\d+)"', done.stdout)
    assert match
    assert int(match.group(2)) == int(match.group(1)) - 1


def test_html_loads_nothing_from_the_network(demo) -> None:
    for part in ("interim", "final"):
        html = (demo.out_dir / part / "report.html").read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
        assert "<link" not in html and "@import" not in html
        assert re.findall(r'<img src="data:image/svg\+xml;base64,', html)


def test_phone_sized_screenshot_is_not_blank(demo, tool, tmp_path) -> None:
    from PIL import Image

    shot = tmp_path / "phone.png"
    done = chromium(
        tool,
        tmp_path,
        "--window-size=390,2400",
        f"--screenshot={shot}",
        (demo.out_dir / "final" / "report.html").as_uri(),
    )
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    image = Image.open(shot).convert("L")
    assert image.size[0] == 390
    extrema = image.getextrema()
    assert extrema[0] < 100 and extrema[1] > 200  # dark text on a light page
