"""The one exception family of participatie-rct.

Every error a user can cause is a :class:`ParticipatieRCTError`. The CLI turns it into one
line on stderr and exit code 2; a statistician can catch the family or a specific subclass.
Messages name the place (file, column, line numbers), the rule, the offending value and the
fix, as in ``participants.csv, column 'site': 3 rows are empty (lines 19, 241, 242). ...``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from participatie_rct.elfproef import passes_elfproef

#: Long hexadecimal tokens (hashes, pseudonyms): left whole, digits inside them are no BSN.
_HEX_TOKEN = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{16,}(?![0-9A-Za-z])")
#: Digit groups joined by single dots or spaces (``111222333``, ``111.222.333``,
#: ``111 222 333``), or by dashes or slashes in threes (``111-222-333``).
_DIGIT_RUN = re.compile(
    r"(?<![0-9A-Za-z])(?:\d{2,3}(?:[-/]\d{3}){2}|\d+(?:[. ]\d+)*)(?![0-9A-Za-z])"
)
#: A date written with separators is never masked: ``2018.02.13``, ``13.02.2018``.
_DATE_SHAPE = re.compile(r"\d{4}[.]\d{2}[.]\d{2}|\d{2}[.]\d{2}[.]\d{4}")
MASK = "*"


#: A number labelled as a random seed (``seed = 20170901``, ``--seed 20170901``) is no BSN.
_SEED_LABEL = re.compile(r"(?i)\bseed\s*[=:]?\s*$")


#: A physical line or row number (``line 20000000``, ``lines 3, 5, 20000000``) is no BSN:
#: the tool writes these itself, and a file of 20 million lines has 8-digit line numbers.
_POSITION_LABEL = re.compile(r"(?i)\b(?:lines?|rows?)\s+(?:\d+\s*(?:,|-|–|\band\b|\bto\b)\s*)*$")


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    before = match.string[max(0, match.start() - 200) : match.start()]
    if _SEED_LABEL.search(before) or (run.isdigit() and _POSITION_LABEL.search(before)):
        return run
    digits = sum(ch.isdigit() for ch in run)
    if digits in (8, 9) and not _DATE_SHAPE.fullmatch(run):
        return "".join(MASK if ch.isdigit() else ch for ch in run)
    if digits > 9 and len(parts := re.split(r"([. ])", run)) > 1:
        # several numbers in a row (``7 111222333``): judge each group of the run alone
        return "".join(p if p in ". " else _DIGIT_RUN.sub(_mask_run, p) for p in parts)
    return run


#: 8 or 9 digits glued to letters (``bsn123456782``, ``P123456782x``): masked only when they
#: pass the elfproef (an 8-digit run as if a leading zero was lost), so that ids such as
#: ``P00012345`` stay readable while a BSN typed without a space does not.
_GLUED_RUN = re.compile(r"(?<=[A-Za-z])\d{8,9}(?!\d)|(?<!\d)\d{8,9}(?=[A-Za-z])")


def _mask_glued(match: re.Match[str]) -> str:
    run = match.group(0)
    return MASK * len(run) if passes_elfproef(run.rjust(9, "0")) else run


def mask_identifiers(text: str) -> str:
    """Mask every run of 8 or 9 digits in ``text``: it could be a BSN (a citizen's number).

    Groups joined by dots or spaces count as one run (``111.222.333``); dates with dots,
    long hexadecimal hashes, line or row numbers (``line 20000000``) and a number labelled
    as a seed (``seed = 20170901``) are left as they are. Every message of the
    :class:`ParticipatieRCTError` family and every line the command line prints on stderr
    passes through here, so no refusal puts a BSN on screen (not even a header row that was
    really a data row).

    >>> mask_identifiers("columns found: 111222333, Ede, 45+")
    'columns found: *********, Ede, 45+'
    >>> mask_identifiers("id 111.222.333 on line 12 (2018.02.13)")
    'id ***.***.*** on line 12 (2018.02.13)'
    >>> mask_identifiers("empty (lines 3, 20000000); value '111222333'")
    "empty (lines 3, 20000000); value '*********'"
    >>> mask_identifiers("reason: bsn111222333 verhuisd; id P00012345")
    'reason: bsn********* verhuisd; id P00012345'
    """
    protected: list[str] = []

    def _protect(match: re.Match[str]) -> str:
        protected.append(match.group(0))
        return f"\x00{len(protected) - 1}\x00"

    shielded = _HEX_TOKEN.sub(_protect, text)
    masked = _GLUED_RUN.sub(_mask_glued, _DIGIT_RUN.sub(_mask_run, shielded))
    return re.sub("\x00(\\d+)\x00", lambda m: protected[int(m.group(1))], masked)


class ParticipatieRCTError(Exception):
    """Base class of every error that participatie-rct raises on purpose.

    Its message is masked on the way in (:func:`mask_identifiers`): whoever prints or logs
    the error, a value that could be a BSN is not in it.
    """

    exit_code: int = 2

    def __init__(self, *args: object) -> None:
        super().__init__(*(mask_identifiers(a) if isinstance(a, str) else a for a in args))

    def __str__(self) -> str:
        return mask_identifiers(super().__str__())


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
