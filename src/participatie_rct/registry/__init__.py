"""The register of enrolments and assignments: the only code that touches the database.

``Register.create(url, protocol, key=...)`` initialises a trial in SQLite (the default,
``sqlite:///trial.db``) or PostgreSQL; ``Register.open(url)`` reopens it. See
:mod:`participatie_rct.registry.register`.
"""

from participatie_rct.registry.events import EVENT_KINDS
from participatie_rct.registry.register import Register
from participatie_rct.registry.results import AssignedParticipant, AssignOutcome, VerifyReport

__all__ = ["EVENT_KINDS", "AssignOutcome", "AssignedParticipant", "Register", "VerifyReport"]
