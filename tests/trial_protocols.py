"""Protocol texts shared by tests (a module, not conftest, so any test file can import it)."""

from __future__ import annotations

FOUR_ARMS = """
[[arms]]
key = "control"
ratio = 1
label_nl = "Controlgroep"
label_en = "Control"

[[arms]]
key = "earn_more"
ratio = 1
label_nl = "Bijverdienen"
label_en = "Earn more"

[[arms]]
key = "intensive_support"
ratio = 1
label_nl = "Intensieve begeleiding"
label_en = "Intensive support"

[[arms]]
key = "no_application_duty"
ratio = 1
label_nl = "Ontheffing sollicitatieplicht"
label_en = "No application duty"
"""


def protocol_text(assignment: str, *, seed: int = 20170901, identifiers: str = "") -> str:
    """A four-arm protocol with the given ``[assignment]`` body."""
    return (
        f'[trial]\nname = "Test trial"\nseed = {seed}\n{FOUR_ARMS}\n'
        f"[assignment]\n{assignment.strip()}\n"
        + (f"\n[identifiers]\n{identifiers.strip()}\n" if identifiers else "")
    )
