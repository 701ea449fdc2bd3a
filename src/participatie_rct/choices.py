"""Every closed set of choices, defined once and shared by the library and the CLI.

A choice is a ``str`` enum, so its value is what a user types (``--se hc2``) and what a
protocol file holds (``method = "permuted_blocks"``). :func:`parse_choice` turns user text
into a member or raises :class:`~participatie_rct.errors.ChoiceError` naming the parameter,
the allowed values and what it got.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from participatie_rct.errors import ChoiceError


class AssignmentMethod(str, Enum):
    """How arms are drawn (protocol ``[assignment] method``)."""

    COMPLETE = "complete"
    STRATIFIED = "stratified"
    PERMUTED_BLOCKS = "permuted_blocks"
    MINIMIZATION = "minimization"


class ImbalanceMeasure(str, Enum):
    """Pocock-Simon imbalance measure over the arms' counts within a factor level."""

    RANGE = "range"
    VARIANCE = "variance"


class IdentifierKind(str, Enum):
    """What the participants file's id column holds (protocol ``[identifiers] kind``)."""

    BSN = "bsn"
    PSEUDONYM = "pseudonym"


class Estimator(str, Enum):
    """ITT estimator: regression (``ols``) or design-based difference in means (``dim``)."""

    OLS = "ols"
    DIM = "dim"


class Adjustment(str, Enum):
    """Covariate adjustment: none, covariates added linearly, or Lin (2013) interactions."""

    NONE = "none"
    LINEAR = "linear"
    LIN = "lin"


class SEType(str, Enum):
    """Standard-error type, named as in estimatr's ``se_type``."""

    HC0 = "hc0"
    HC1 = "hc1"
    HC2 = "hc2"
    HC3 = "hc3"
    CLASSICAL = "classical"
    CR0 = "cr0"
    CR2 = "cr2"
    STATA = "stata"


class Correction(str, Enum):
    """Multiple-comparison correction across treatment arms."""

    NONE = "none"
    BONFERRONI = "bonferroni"
    HOLM = "holm"


class Spending(str, Enum):
    """Lan-DeMets alpha-spending function."""

    OBRIEN_FLEMING = "obrien-fleming"
    POCOCK = "pocock"
    HSD = "hsd"


class Scenario(str, Enum):
    """Simulation scenarios: one per published experiment (docs/simulation.md) and a generic one."""

    WAGENINGEN = "wageningen"
    APELDOORN = "apeldoorn"
    TILBURG = "tilburg"
    UTRECHT = "utrecht"
    GRONINGEN = "groningen"
    NIJMEGEN = "nijmegen"
    DEVENTER = "deventer"
    GENERIC = "generic"


class EffectPreset(str, Enum):
    """Which effects a simulation builds in: the seeds' headline figures, the evaluation's, or
    the evaluation's with the late exemption effect found in Utrecht (CPB 2022)."""

    SEED = "seed"
    EVALUATION = "evaluation"
    LATE_EXEMPTION = "late_exemption"


class OutputFormat(str, Enum):
    """How a CLI command renders its result."""

    TEXT = "text"
    JSON = "json"


class Language(str, Enum):
    """Report language."""

    NL = "nl"
    EN = "en"


class ReportKind(str, Enum):
    """Interim progress report or final report."""

    INTERIM = "interim"
    FINAL = "final"


class TableName(str, Enum):
    """The input tables described in ``data_schema/``."""

    PARTICIPANTS = "participants"
    BENEFIT_MONTHS = "benefit_months"
    SURVEY = "survey"


class Role(str, Enum):
    """What a user of the randomization service may do (docs/service.md has the matrix)."""

    ASSIGNER = "assigner"
    MONITOR = "monitor"
    STATISTICIAN = "statistician"
    ADMIN = "admin"


E = TypeVar("E", bound=Enum)


def parse_choice(enum: type[E], value: object, *, parameter: str) -> E:
    """Return the member of ``enum`` whose value is ``value`` (case-insensitive).

    Members pass through unchanged. Anything else raises :class:`ChoiceError` that names
    ``parameter``, the allowed values and what it got.

    >>> parse_choice(SEType, "HC2", parameter="se_type")
    <SEType.HC2: 'hc2'>
    """
    if isinstance(value, enum):
        return value
    text = str(value).strip().lower()
    for member in enum:
        if member.value == text:
            return member
    allowed = ", ".join(repr(m.value) for m in enum)
    raise ChoiceError(f"{parameter} must be one of {allowed}; got {value!r}.")


class Concealment(str, Enum):
    """Whether the next arm is concealed (protocol ``[trial] concealment``)."""

    SEALED = "sealed"
    OPEN = "open"
