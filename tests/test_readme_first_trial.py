"""The README's "Your first trial in ten minutes" runs as it stands (docs/conventions.md, rule 12).

The shell block under that heading is taken from the README itself and run by bash in an
empty folder, with the installed ``participatie-rct`` on the PATH: a command that changed
its options, or a step that no longer follows from the one before, fails here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
HEADING = "## Your first trial in ten minutes"


def first_trial_block() -> str:
    """The first ``sh`` block after the heading, as the reader copies it."""
    text = README.read_text(encoding="utf-8")
    assert HEADING in text, f"README.md has no section '{HEADING}'"
    after = text.split(HEADING, 1)[1]
    found = re.search(r"```sh\n(.*?)```", after, flags=re.DOTALL)
    assert found, f"no ```sh block under '{HEADING}'"
    return found.group(1)


def test_the_block_walks_the_whole_trial() -> None:
    """Every step of a first trial is in it, and each line is a command of this tool."""
    block = first_trial_block()
    steps = ("keygen", "init", "assign", "lookup", "withdraw", "status", "export", "outcomes")
    for step in (*steps, "estimate itt", "report"):
        assert re.search(rf"^participatie-rct\s+{step}\b", block, flags=re.M), step
    assert "[assignment.levels]" in block  # a protocol that refuses a typo'd stratum


@pytest.mark.slow
def test_the_first_trial_runs(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    for name in ("PARTICIPATIE_RCT_SECRET", "PARTICIPATIE_RCT_KEY", "PARTICIPATIE_RCT_DB"):
        env.pop(name, None)  # the reader starts with none of these
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", first_trial_block()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "participatie-rct: error" not in done.stderr
    report = tmp_path / "reports" / "first"
    assert (report / "report.html").is_file()
    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["anchor"].startswith("prct-anchor-v1")
    assert "Intention-to-treat" in done.stdout and "strata: site+age_group" in done.stdout
    assert not list(tmp_path.glob("*-writer-lock"))
