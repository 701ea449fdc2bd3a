"""The table and protocol schemas ship inside the package and are the same as data_schema/.

The package copy (``src/participatie_rct/schemas``) is the canonical one: it is what an installed
package reads. ``data_schema/`` at the top of the repository shows the same files to people who
browse the project. A symlink would break on the Windows machines municipal staff use, so there
are two real copies and this test keeps them equal.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

TOP = Path(__file__).resolve().parents[1] / "data_schema"


def test_shipped_schemas_equal_the_top_level_ones() -> None:
    shipped = resources.files("participatie_rct").joinpath("schemas")
    names = sorted(p.name for p in TOP.glob("*.json"))
    assert names == sorted(p.name for p in shipped.iterdir() if p.name.endswith(".json"))
    for name in names:
        assert shipped.joinpath(name).read_bytes() == (TOP / name).read_bytes(), (
            f"{name} differs: the package copy is canonical; copy it with "
            f"cp src/participatie_rct/schemas/{name} data_schema/"
        )


def test_the_package_holds_no_symlink() -> None:
    root = Path(__file__).resolve().parents[1] / "src" / "participatie_rct"
    assert not [p for p in root.rglob("*") if p.is_symlink()]
