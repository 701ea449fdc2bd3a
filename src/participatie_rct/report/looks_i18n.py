# ruff: noqa: E501  (a table of phrases: one phrase per line reads best)
"""The words of the interim looks in Dutch and English: the looks held, the repeated intervals.

Kept beside :mod:`.i18n` (the same keys in both languages, ``str.format`` fields) so that the
monitoring sections have their phrases in one place.
"""

from __future__ import annotations

from collections.abc import Mapping

LOOK_STRINGS: dict[str, dict[str, str]] = {
    "nl": {
        "rci": "Herhaald interval (pp)",
        "interim_earlier_register": "Dit is kijk {look}; het register legt de eerdere kijken vast (aantal: {k}), met informatiefractie {fractions}. De alfa die daar is besteed, is in deze grens verrekend.",
        "interim_rci": "Het herhaalde betrouwbaarheidsinterval (Jennison en Turnbull) is het verschil in uitstroomaandelen plus en min de grens van deze kijk maal de standaardfout: het blijft geldig hoe vaak er ook gekeken wordt, en sluit nul uit precies wanneer z de grens van deze kijk overschrijdt. Een groep die pas in een latere Holm-stap (bij een lagere grens) de grens haalt, kan een interval hebben dat nul nog raakt: intervallen worden door de stapsgewijze procedure niet smaller (Strassburger en Bretz 2008).",
        "interim_withheld": "Voor {arms} staan z, grens en informatiefractie in de tabel, maar het verschil en het herhaalde interval niet: dat effect wordt in dit rapport niet getoond (openbaarmakingsregels).",
        "looks": "Tussentijdse kijken en eindtoets",
        "look": "Kijk",
        "date": "Datum",
        "information": "Informatiefractie",
        "boundary": "Grens |z|",
        "alpha_spent": "Besteed alfa (cumulatief)",
        "decision": "Besluit",
        "adjusted": "z gecorrigeerd",
        "stop": "stoppen",
        "continue": "doorgaan",
        "yes": "ja",
        "no": "nee",
        "final": "Eindanalyse",
        "looks_held": "Aantal gehouden tussentijdse kijken volgens het register: {n} (tabel). Met alfa-besteding volgens Lan en DeMets ({spending}) per vergelijking met alfa {alpha} (Bonferroni over {k} vergelijkingen) is daar {spent} van de alfa besteed; de kritieke waarde van de eindtoets is daarom |z| ≥ {z} (nominale p {p}).",
        "looks_planned": "Het register legt geen gehouden tussentijdse kijk vast. Het protocol plant er {looks}; aangenomen dat die bij de geplande informatiefracties ({fractions}) zijn gehouden, is per vergelijking (alfa {alpha}, Bonferroni over {k} vergelijkingen) {spent} van de alfa besteed en is de kritieke waarde van de eindtoets |z| ≥ {z} (nominale p {p}).",
        "looks_full": "De Holm-gecorrigeerde p-waarden van de tabellen gebruiken de volle alfa van {full}; een arm die alleen bij die p-waarde en niet bij deze kritieke waarde significant is, moet voorzichtig worden gelezen. Het herhaalde interval hieronder is het effect plus en min de kritieke waarde maal de standaardfout (Jennison en Turnbull): het houdt rekening met de tussentijdse kijken.",
    },
    "en": {
        "rci": "Repeated interval (pp)",
        "interim_earlier_register": "This is look {look}; the register records the earlier looks (number: {k}), with information fraction {fractions}. The alpha spent there is accounted for in this boundary.",
        "interim_rci": "The repeated confidence interval (Jennison and Turnbull) is the difference in outflow shares plus and minus this look's boundary times the standard error: it stays valid however often one looks, and excludes zero exactly when z crosses this look's boundary. An arm that crosses only at a later Holm step (at a lower boundary) may have an interval that still touches zero: the step-down does not make intervals narrower (Strassburger and Bretz 2008).",
        "interim_withheld": "For {arms} the table shows z, boundary and information fraction, but not the difference or the repeated interval: that effect is not shown in this report (disclosure rules).",
        "looks": "Interim looks and final test",
        "look": "Look",
        "date": "Date",
        "information": "Information fraction",
        "boundary": "Boundary |z|",
        "alpha_spent": "Alpha spent (cumulative)",
        "decision": "Decision",
        "adjusted": "z adjusted",
        "stop": "stop",
        "continue": "continue",
        "yes": "yes",
        "no": "no",
        "final": "Final analysis",
        "looks_held": "Interim looks held, as the register records them: {n} (table). With Lan and DeMets alpha spending ({spending}) per comparison at alpha {alpha} (Bonferroni over {k} comparisons) they spent {spent} of the alpha; the final critical value is therefore |z| ≥ {z} (nominal p {p}).",
        "looks_planned": "The register records no interim look held. The protocol plans {looks}; assuming they were held at the planned information fractions ({fractions}), the alpha spent per comparison (alpha {alpha}, Bonferroni over {k} comparisons) is {spent}, and the final critical value is |z| ≥ {z} (nominal p {p}).",
        "looks_full": "The Holm-adjusted p-values in the tables use the full alpha of {full}; an arm significant by that p-value but not at this critical value should be read with care. The repeated interval below is the effect plus and minus the critical value times its standard error (Jennison and Turnbull): it accounts for the interim looks.",
    },
}


def look_words(language: str) -> Mapping[str, str]:
    """The monitoring phrases of ``language`` (``nl`` or ``en``)."""
    return LOOK_STRINGS[language]
