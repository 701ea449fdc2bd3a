"""The report renders: its modules import no statistics library and no estimator, and read
no register; the analyses come from ``participatie_rct.trial``."""

from __future__ import annotations

import ast
from pathlib import Path

import participatie_rct.report as report_package

REPORT = Path(report_package.__file__).parent
#: the demo builds a register and a trial to show the whole path: it sits above the report
EXEMPT = {"demo.py"}
#: imports that are not statistics of the trial: disclosure control solves its suppression
#: problem with a linear program, and the methods paragraph prints the libraries' versions
ALLOWED = {
    ("disclosure.py", "scipy.optimize"),
    ("sections/methods.py", "scipy"),
    ("sections/methods.py", "statsmodels"),
}
FORBIDDEN = (
    "scipy",
    "statsmodels",
    "linearmodels",
    "participatie_rct.estimate",
    "participatie_rct.registry",
    "participatie_rct.trial",
    "participatie_rct.data",
)


def _runtime_imports(path: Path) -> list[str]:
    """Modules imported outside ``if TYPE_CHECKING:`` blocks (imports for types only are fine)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(n) for n in ast.walk(node))
    names = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_report_modules_compute_nothing() -> None:
    offenders = []
    for path in sorted(REPORT.rglob("*.py")):
        if path.name in EXEMPT:
            continue
        where = path.relative_to(REPORT).as_posix()
        for name in _runtime_imports(path):
            if (where, name) in ALLOWED:
                continue
            if any(name == f or name.startswith(f"{f}.") for f in FORBIDDEN):
                offenders.append(f"{where}: {name}")
    assert offenders == []


def test_the_guard_sees_a_forbidden_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import scipy\n"
        "def f():\n    from participatie_rct.estimate.itt import itt\n",
        encoding="utf-8",
    )
    assert _runtime_imports(probe) == ["typing", "participatie_rct.estimate.itt"]
