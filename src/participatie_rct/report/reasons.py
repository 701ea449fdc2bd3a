"""Why an analysis could not run, in the report's language.

The trial layer says why in English (:class:`~participatie_rct.report.analyses.Unavailable`),
in the words of the estimator. A Dutch report translates the reasons the trial layer writes
itself; a reason that comes from an estimator's refusal (it names columns and values) is
kept as it is and marked as the estimator's own words, so that a reader knows why it is in
English.
"""

from __future__ import annotations

import re

#: The reasons the trial layer writes, in Dutch.
DUTCH = {
    "nobody in the control arm has this outcome yet": (
        "nog niemand in de controlgroep heeft deze uitkomst"
    ),
    "only people in the control arm have this outcome yet": (
        "alleen deelnemers in de controlgroep hebben deze uitkomst al"
    ),
    "nobody has left benefit for this reason yet": (
        "nog niemand is om deze reden uit de uitkering gegaan"
    ),
    "nobody has left benefit for work yet": "nog niemand is naar werk uitgestroomd",
    "fewer than two arms have follow-up": "minder dan twee groepen hebben follow-up",
    "nobody has been followed up to the horizon yet": ("nog niemand is tot de horizon gevolgd"),
    "nobody has a matured outcome yet": "nog niemand heeft een uitkomst na de volle termijn",
    "the Cox model's information matrix is singular on these data": (
        "de informatiematrix van het Cox-model is singulier op deze gegevens"
    ),
}
#: ``trial.estimates.SINGULAR`` and the analyses it is written for.
_SINGULAR = re.compile(
    r"the (?P<what>.+) cannot be computed on these data: its variance matrix is singular "
    r"\(for example when every exit falls in the same month\)"
)
_WHAT = {
    "regression": "de regressie",
    "cumulative incidence": "de cumulatieve incidentie",
    "log-rank test": "de log-ranktoets",
    "Gray test": "de toets van Gray",
    "joint balance test": "de gezamenlijke balanstoets",
    "resampling adjustment": "de correctie door hertrekking",
}


def reason_in(reason: str, language: str) -> str:
    """``reason`` as a report in ``language`` prints it.

    >>> reason_in("nobody has left benefit for work yet", "nl")
    'nog niemand is naar werk uitgestroomd'
    >>> reason_in("outcome 'y' has no variation", "nl")
    "outcome 'y' has no variation (melding van de schatter)"
    """
    if language != "nl":
        return reason
    if reason in DUTCH:
        return DUTCH[reason]
    singular = _SINGULAR.fullmatch(reason)
    if singular and singular["what"] in _WHAT:
        return (
            f"{_WHAT[singular['what']]} kan op deze gegevens niet worden berekend: de "
            "variantiematrix is singulier (bijvoorbeeld als elke uitstroom in dezelfde maand valt)"
        )
    return f"{reason} (melding van de schatter)"
