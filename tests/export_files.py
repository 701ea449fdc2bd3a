"""Hand-written export files for the intake tests: a participants header and a writer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

#: "today" for the not-in-the-future rules of the intake tests.
AS_OF = dt.date(2026, 11, 23)
#: The header of a participants export, ``;``-separated.
HEADER = "id;site;enrolled_on;birth_year;sex;months_on_benefit\n"


def write(tmp_path: Path, content: bytes, name: str = "export.csv") -> Path:
    """Write ``content`` to ``tmp_path / name`` as it is; return the path."""
    path = tmp_path / name
    path.write_bytes(content)
    return path
