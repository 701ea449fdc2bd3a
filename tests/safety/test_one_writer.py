"""Every file the package writes goes through ``safe_files`` (and every table through ``cells``).

A scan of the source for the calls that write a file by themselves: ``Path.write_text`` and
``write_bytes``, ``open`` for writing, ``DataFrame.to_csv``/``to_excel``/``to_parquet`` to a
path, ``shutil.copy``. Each one found outside the two safe modules is an ad-hoc writer that
skips the private mode, the exclusive temporary file or the formula rule. Calls that write to
memory are listed here with their reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import participatie_rct

PACKAGE = Path(participatie_rct.__file__).parent

#: Modules that are the safe writers themselves.
SAFE_MODULES = {"safe_files.py", "cells.py"}
#: (module, call) pairs that write to memory or hold no data, with the reason.
ALLOWED = {
    ("report/inputs.py", "to_csv"): "renders a table to text to hash it; writes no file",
    ("registry/engine.py", "open"): "the writers' lock file (created private first); no data",
    ("service/loadtest.py", "open"): "the load test's server log; a development tool, no data",
    ("simulate/calibration_table.py", "open"): "writes the calibration table of the docs",
}
WRITING_METHODS = {"write_text", "write_bytes", "to_csv", "to_excel", "to_parquet"}
COPIES = {"copy", "copyfile", "copy2", "copytree"}


def _writes(node: ast.Call) -> str | None:
    """The name of a file-writing call, or None."""
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in WRITING_METHODS:
        return func.attr
    if isinstance(func, ast.Attribute) and func.attr in COPIES:
        return f"shutil.{func.attr}" if getattr(func.value, "id", "") == "shutil" else None
    if isinstance(func, ast.Name) and func.id == "open":
        mode = node.args[1] if len(node.args) > 1 else None  # open(file, mode)
    elif isinstance(func, ast.Attribute) and func.attr == "open":
        mode = node.args[0] if node.args else None  # Path.open(mode)
    else:
        return None
    for keyword in node.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    if isinstance(mode, ast.Constant) and any(c in str(mode.value) for c in "wax+"):
        return "open"
    return None


def test_no_module_writes_a_file_by_itself() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in SAFE_MODULES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            call = _writes(node) if isinstance(node, ast.Call) else None
            if call and (relative, call) not in ALLOWED:
                found.append(f"{relative}:{node.lineno} {call}")
    assert not found, (
        "these calls write files without participatie_rct.safe_files (private mode, "
        "exclusive temporary file, no symlinks) or participatie_rct.cells (formula rule): "
        + "; ".join(found)
    )


def test_the_scan_sees_a_writer() -> None:
    tree = ast.parse(
        "p.write_text('x')\nopen(f, 'w')\nshutil.copyfile(a, b)\nframe.to_csv(x)\n"
        "path.open('wb')\npath.open('rb')"
    )
    calls = [_writes(n) for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert sorted(c for c in calls if c) == [
        "open",
        "open",
        "shutil.copyfile",
        "to_csv",
        "write_text",
    ]
