"""Regenerate the committed example report (``reports/example/``) from the demo.

``python -m participatie_rct.trial.example [FOLDER]`` runs the demo in a temporary folder
and copies its two report folders (``interim/`` and ``final/``: ``report.html``,
``report.md``, ``figures/``, ``manifest.json``) into FOLDER (default ``reports/example``),
leaving out the register and the simulated data, which anyone can remake with
``participatie-rct demo``. A test compares this folder byte for byte with a fresh demo run,
so the committed example cannot drift from what the code makes.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

#: The report folders of the demo that the example keeps.
EXAMPLE_PARTS = ("interim", "final")


def example_files(demo_out: Path) -> dict[str, Path]:
    """The files of a demo folder that belong in the example, by path relative to the example."""
    files: dict[str, Path] = {}
    for part in EXAMPLE_PARTS:
        root = demo_out / part
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix != ".pdf":
                files[path.relative_to(demo_out).as_posix()] = path
    return files


def regenerate(folder: str | Path = "reports/example") -> list[str]:
    """Run the demo and replace ``folder``'s report files with its output; returns their names."""
    from participatie_rct.safe_files import make_private_dir, write_bytes
    from participatie_rct.trial.demo import run_demo

    target = Path(folder)
    with tempfile.TemporaryDirectory(prefix="participatie-rct-example-") as scratch:
        result = run_demo(Path(scratch) / "demo")
        files = example_files(result.out_dir)
        for part in EXAMPLE_PARTS:
            if (target / part).exists():
                shutil.rmtree(target / part)
        for name, source in files.items():
            destination = target / name
            make_private_dir(destination.parent)
            write_bytes(destination, source.read_bytes())
    return sorted(files)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: ``python -m participatie_rct.trial.example [FOLDER]``."""
    args = sys.argv[1:] if argv is None else argv
    names = regenerate(args[0] if args else "reports/example")
    print(f"wrote {len(names)} files: {', '.join(names)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
