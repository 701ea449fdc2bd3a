"""The house rules on size: no module over 500 lines, no function over 80.

Small modules with one job and functions that fit on a screen are how this code stays readable
(``docs/conventions.md``). A function is measured from its ``def`` line to its last line, without
its docstring, so that explaining a function never counts against it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "participatie_rct"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _docstring_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    first = node.body[0] if node.body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return (first.end_lineno or first.lineno) - first.lineno + 1
    return 0


def function_lengths(path: Path) -> dict[str, int]:
    """Lines of every function and method in ``path``, docstrings left out."""
    lengths = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            size = (node.end_lineno or node.lineno) - node.lineno + 1 - _docstring_lines(node)
            lengths[f"{node.name} (line {node.lineno})"] = size
    return lengths


def test_the_package_has_modules() -> None:
    assert len(MODULES) > 50


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_500_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.name} has {lines} lines: split it by job"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_function_is_over_80_lines(path: Path) -> None:
    long = {name: n for name, n in function_lengths(path).items() if n > MAX_FUNCTION_LINES}
    assert not long, f"{path.name}: functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_the_measure_leaves_docstrings_out(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    body = "\n".join(f"    x{i} = {i}" for i in range(3))
    source.write_text(f'def f():\n    """One.\n\n    Two.\n    """\n{body}\n', encoding="utf-8")
    assert function_lengths(source) == {"f (line 1)": 4}
