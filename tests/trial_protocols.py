"""Protocol texts shared by tests (a module, not conftest, so any test file can import it)."""

from __future__ import annotations

from pathlib import Path

from participatie_rct.keyfiles import encode_key

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


#: Keys in the form ``participatie-rct keygen`` writes (fixed, so tests repeat; nobody's keys).
KEY_BYTES = bytes(range(32))
SECRET_BYTES = bytes(range(100, 132))
KEY_TEXT = encode_key(KEY_BYTES)
SECRET_TEXT = encode_key(SECRET_BYTES)


def write_key(path: Path, text: str = KEY_TEXT) -> Path:
    """Write a key file as keygen would: the text form, readable by its owner only."""
    path.write_text(text + "\n", encoding="ascii")
    path.chmod(0o600)
    return path


def protocol_text(assignment: str, *, seed: int | None = None, identifiers: str = "") -> str:
    """A four-arm protocol with the given ``[assignment]`` body.

    Sealed (draws from the trial secret) unless a ``seed`` is given, which makes it open.
    """
    trial = 'concealment = "sealed"' if seed is None else f"seed = {seed}"
    return (
        f'[trial]\nname = "Test trial"\n{trial}\n{FOUR_ARMS}\n'
        f"[assignment]\n{assignment.strip()}\n"
        + (f"\n[identifiers]\n{identifiers.strip()}\n" if identifiers else "")
    )
