"""Helpers of the output-safety tests: hostile names and values, and running the CLI."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest

#: A trial name that would be live HTML, a script link and a table break if printed raw.
HOSTILE_NAME = "<script>alert(1)</script> [klik](javascript:alert(2)) | x"
#: An arm label with an image whose error handler runs a script.
HOSTILE_LABEL = "<img src=x onerror=alert(3)>"
#: Site names: one an HTML image and a Markdown link, one a formula (a classic DDE payload).
HOSTILE_SITE = "<img src=y onerror=alert(4)> [Apel](javascript:alert(5))"
FORMULA_SITE = "-2+3+cmd|' /C calc'!A0"


def mode(path: Path) -> int:
    """The permission bits of ``path`` itself (a link is not followed)."""
    return stat.S_IMODE(os.lstat(path).st_mode)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the command line in-process: exit code, stdout and stderr."""
    from participatie_rct.cli import main

    with pytest.raises(SystemExit) as caught:
        main(args)
    out, err = capsys.readouterr()
    return int(caught.value.code or 0), out, err


@dataclass(frozen=True)
class HostileTrial:
    """A register (``db``) with its data folder (``data``) and protocol, in ``root``."""

    root: Path
    db: str
    data: Path
    protocol: Path


#: A BSN-like run of digits (with or without dots or spaces between groups) in printed text.
BSN_RUN = re.compile(r"(?<!\d)\d{3}[. ]?\d{3}[. ]?\d{2,3}(?!\d)")
