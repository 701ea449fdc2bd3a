"""A Dutch report says in Dutch why an analysis could not run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import participatie_rct.trial as trial_package
from participatie_rct.report.i18n import words
from participatie_rct.report.reasons import reason_in
from participatie_rct.report.sections.common import why_not
from participatie_rct.trial.estimates import SINGULAR


def _written_reasons() -> set[str]:
    """Every reason the trial layer writes itself: string literals given to Unavailable, or
    assigned to a name ``reason`` beside it."""
    found: set[str] = set()
    for path in Path(trial_package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Unavailable":
                args = node.args
            elif isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
                "reason"
            ]:
                args = [node.value]
            else:
                continue
            found |= {
                a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)
            }
    return found


def test_every_reason_the_trial_layer_writes_has_dutch_words() -> None:
    reasons = _written_reasons()
    assert len(reasons) >= 8, reasons  # the scan finds them
    untranslated = [r for r in reasons if reason_in(r, "nl").endswith("(melding van de schatter)")]
    assert not untranslated


@pytest.mark.parametrize(
    "what", ["regression", "cumulative incidence", "log-rank test", "Gray test",
             "joint balance test", "resampling adjustment"],
)  # fmt: skip
def test_the_singular_reason_is_translated_for_every_analysis(what: str) -> None:
    dutch = reason_in(SINGULAR.format(what=what), "nl")
    assert "singulier" in dutch and what not in dutch


def test_an_estimator_s_own_words_are_kept_and_marked() -> None:
    refusal = "column 'outflow_work' has no variation in stratum 'Ede'"
    assert why_not(refusal, words("nl")) == f"Niet te schatten: {refusal} (melding van de schatter)"
    assert why_not(refusal, words("en")) == f"Cannot be estimated: {refusal}"
