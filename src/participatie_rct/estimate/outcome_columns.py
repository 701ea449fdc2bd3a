"""Which participant columns an outcome table may carry: the declared ones, never identifiers.

An outcome table leaves the municipality's secure environment more easily than its inputs
(it goes to an analyst, into a report's appendix), so it holds only what it declares: the
outcomes, the register's columns, the baseline fields of the participants schema, and the
extra columns a user names (``--keep``). A column whose name says it identifies a person
(a name, BSN, address, postcode, birth date, phone number, e-mail or IBAN) is refused even
when named: pseudonymised data stays pseudonymised.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from participatie_rct.errors import EstimationError

#: Parts of column names that mark a direct identifier (Dutch and English spellings).
IDENTIFYING = (
    "naam",
    "name",
    "voornaam",
    "achternaam",
    "voorletters",
    "initials",
    "bsn",
    "sofi",
    "burgerservicenummer",
    "adres",
    "address",
    "straat",
    "street",
    "huisnummer",
    "postcode",
    "zipcode",
    "zip",
    "postal",
    "geboortedatum",
    "birthdate",
    "dob",
    "telefoon",
    "telefoonnummer",
    "phone",
    "mobiel",
    "mobile",
    "email",
    "mail",
    "iban",
    "rekeningnummer",
)
_BIRTH_DATE = re.compile(
    r"(birth|geboorte|born|geboren).*(date|datum|dag|day)|(date|datum)of(birth|geboorte)"
)


def identifying(column: str) -> bool:
    """Whether a column's name marks a direct identifier of a person.

    >>> [identifying(c) for c in ("naam", "partner_bsn", "postcode", "birth_year", "site")]
    [True, True, True, False, False]
    """
    lowered = column.strip().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", lowered) if w]
    joined = "".join(words)
    if any(word in IDENTIFYING for word in words) or _BIRTH_DATE.search(joined):
        return True
    return any(joined.endswith(stem) for stem in ("naam", "adres", "bsn", "email", "iban"))


def declared_baseline() -> tuple[str, ...]:
    """The participants schema's baseline fields (its identifier columns aside)."""
    from participatie_rct.data.schema import table_schema

    schema = table_schema("participants")
    return tuple(f.name for f in schema.fields if not f.identifier)


def with_baseline(
    table: pd.DataFrame, participants: pd.DataFrame, *, keep: Sequence[str] = ()
) -> pd.DataFrame:
    """``table`` joined with the participants' declared baseline columns and ``keep``.

    Raises :class:`EstimationError` when ``keep`` names a column the participants table
    lacks, or one that looks like a direct identifier.
    """
    _check_keep(keep, list(participants.columns))
    wanted = [*declared_baseline(), *keep]
    columns = [
        c
        for c in dict.fromkeys(wanted)
        if c in participants.columns and c not in table.columns and not identifying(c)
    ]
    baseline = participants[["participant", *columns]]
    return table.merge(baseline, on="participant", how="left")


def declared_only(
    table: pd.DataFrame, participant_columns: Sequence[str], *, keep: Sequence[str] = ()
) -> pd.DataFrame:
    """``table`` without the participant columns it does not declare.

    ``participant_columns`` are the columns that came from the participants table (beside
    the register's own); of those only the schema's baseline fields and ``keep`` stay, and
    never one that looks like a direct identifier. Refuses ``keep`` naming an identifier or
    a column the table lacks.
    """
    _check_keep(keep, list(table.columns))
    allowed = {*declared_baseline(), *keep}
    dropped = {
        c
        for c in participant_columns
        if c != "participant" and (c not in allowed or identifying(c))
    }
    return table[[c for c in table.columns if c not in dropped]]


def _check_keep(keep: Sequence[str], available: Sequence[str]) -> None:
    refused = [c for c in keep if identifying(c)]
    if refused:
        raise EstimationError(
            f"--keep {refused[0]!r}: this column looks like a direct identifier (a name, BSN, "
            "address, postcode, birth date, phone, e-mail or IBAN), which an outcome table never "
            "carries. Leave it out; derive what the analysis needs (e.g. birth_year, a region) "
            "in the export instead."
        )
    absent = [c for c in keep if c not in available]
    if absent:
        listed = [c for c in available if c != "participant"]
        raise EstimationError(
            f"--keep {absent[0]!r}: the participants table has no such column; it has "
            f"{', '.join(listed)}."
        )
