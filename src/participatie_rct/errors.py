"""The one exception family of participatie-rct.

Every error a user can cause is a :class:`ParticipatieRCTError`. The CLI turns it into one
line on stderr and exit code 2; a statistician can catch the family or a specific subclass.
Messages name the place (file, column, line numbers), the rule, the offending value and the
fix, as in ``participants.csv, column 'site': 3 rows are empty (lines 19, 241, 242). ...``.
"""

from __future__ import annotations

from collections.abc import Iterable


class ParticipatieRCTError(Exception):
    """Base class of every error that participatie-rct raises on purpose."""

    exit_code: int = 2


class ProtocolError(ParticipatieRCTError):
    """The protocol file is missing, unreadable or breaks a rule."""


class InputFileError(ParticipatieRCTError):
    """A user's data file cannot be read or fails validation; it is refused whole."""


class ChoiceError(ParticipatieRCTError, ValueError):
    """A parameter got a value outside its allowed set."""


class AssignmentError(ParticipatieRCTError):
    """Units cannot be assigned as asked (a missing stratum value, no units, ...)."""


class RegistryError(ParticipatieRCTError):
    """The register refuses an operation (wrong key, different protocol, unknown id, ...)."""


class KeyMissingError(RegistryError):
    """A command needs the pseudonymisation key and none was given."""


class EstimationError(ParticipatieRCTError):
    """An estimator cannot be computed on the data given (no variation, too few units, ...)."""


class DesignError(ParticipatieRCTError):
    """A power, sample-size or monitoring question has no valid answer for its inputs."""


class ReportError(ParticipatieRCTError):
    """A report cannot be produced from the inputs given."""


def line_list(lines: Iterable[int], *, most: int = 5) -> str:
    """Render line numbers as a user reads them: ``lines 19, 241, 242`` or ``line 7``.

    At most ``most`` numbers are shown, followed by ``...`` when there are more.
    """
    numbers = list(lines)
    shown = ", ".join(str(n) for n in numbers[:most])
    if len(numbers) > most:
        shown += ", ..."
    return f"line {shown}" if len(numbers) == 1 else f"lines {shown}"
