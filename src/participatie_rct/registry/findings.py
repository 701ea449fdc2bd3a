"""What verification found: each finding names a record and says what is wrong with it."""

from __future__ import annotations


class Findings:
    """The findings of one verification, in the order they were made."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, record: str, message: str) -> None:
        self.items.append((record, message))


def short(participant: str | None) -> str:
    """A pseudonym cut to its first characters: enough to find the row, not to copy it."""
    return f"participant {participant[:12]}..." if participant else "no participant"
