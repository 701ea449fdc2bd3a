"""The words of the intake pages in Dutch and English (Dutch is the default)."""

from __future__ import annotations

LANGUAGES = ("nl", "en")

TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Loting participatie-experiment",
        "signin": "Inloggen",
        "signin_help": "Vul de toegangscode in die u van de beheerder van het onderzoek kreeg.",
        "token": "Toegangscode",
        "signin_failed": "Deze toegangscode is onbekend of ingetrokken.",
        "signin_blocked": "Te veel mislukte pogingen. Probeer het over enkele minuten opnieuw.",
        "signout": "Uitloggen",
        "signed_in_as": "Ingelogd als",
        "intake": "Intake",
        "intake_help": "Vul de gegevens van de deelnemer in. Alle velden zijn verplicht.",
        "identifier": "BSN of deelnemersnummer",
        "site": "Locatie",
        "enrolled_on": "Datum intake",
        "choose": "Kies...",
        "next": "Verder",
        "confirm_title": "Controleer en bevestig",
        "confirm_warning": "De loting is definitief: na bevestigen kan de uitkomst niet meer "
        "veranderen of ongedaan worden gemaakt.",
        "confirm": "Bevestigen en loten",
        "back": "Terug, gegevens wijzigen",
        "result_title": "Uitkomst van de loting",
        "arm": "Groep",
        "already": "Deze deelnemer was al eerder ingeloot; de groep blijft dezelfde.",
        "tell": "Wat vertelt u de deelnemer",
        "tell_text": "Vertel de deelnemer dat de loting is gedaan en dat hij of zij in de "
        "groep \u201c{label}\u201d zit. Leg uit wat dat betekent met de informatiebrief van "
        "het experiment, en dat de uitkomst door loting is bepaald en niet door u.",
        "another": "Volgende deelnemer",
        "expired": "Deze bevestiging is verlopen of al gebruikt. Begin opnieuw bij de intake.",
        "monitor": "Voortgang",
        "per_site": "Instroom per locatie en groep",
        "consort": "Stroomdiagram (CONSORT)",
        "enrolled": "Aangemeld",
        "declined": "Geen toestemming",
        "assigned": "Ingeloot",
        "withdrawn": "Teruggetrokken",
        "anchor": "Anker van het register",
        "users": "Gebruikers",
        "role": "Rol",
        "sites": "Locaties",
        "revoked": "Ingetrokken",
        "export": "Export (CSV)",
        "nothing_here": "Voor uw rol zijn hier geen pagina's.",
        "unauthorised": "U bent niet ingelogd.",
        "forbidden": "Dit mag uw rol niet.",
        "bad_form": "Het formulier is verlopen of niet van deze site. Laad de pagina opnieuw.",
        "error": "Fout",
        "lookup": "Opzoeken",
        "lookup_help": "Zoek de groep op van een deelnemer die al is ingeloot.",
        "is_withdrawn": "Deze deelnemer heeft zich teruggetrokken.",
    },
    "en": {
        "title": "Participation experiment lottery",
        "signin": "Sign in",
        "signin_help": "Enter the access code the trial's administrator gave you.",
        "token": "Access code",
        "signin_failed": "This access code is unknown or revoked.",
        "signin_blocked": "Too many failed attempts. Try again in a few minutes.",
        "signout": "Sign out",
        "signed_in_as": "Signed in as",
        "intake": "Intake",
        "intake_help": "Enter the participant's details. Every field is required.",
        "identifier": "BSN or participant number",
        "site": "Site",
        "enrolled_on": "Date of intake",
        "choose": "Choose...",
        "next": "Next",
        "confirm_title": "Check and confirm",
        "confirm_warning": "The lottery is final: once you confirm, the outcome cannot be "
        "changed or undone.",
        "confirm": "Confirm and draw",
        "back": "Back, change the details",
        "result_title": "Outcome of the lottery",
        "arm": "Group",
        "already": "This participant was assigned before; the group stays the same.",
        "tell": "What to tell the participant",
        "tell_text": "Tell the participant that the lottery has been drawn and that they are "
        "in the group \u201c{label}\u201d. Explain what this means using the trial's "
        "information letter, and that the lottery decided, not you.",
        "another": "Next participant",
        "expired": "This confirmation has expired or was used already. Start again at intake.",
        "monitor": "Progress",
        "per_site": "Intake per site and group",
        "consort": "Flow diagram (CONSORT)",
        "enrolled": "Enrolled",
        "declined": "Declined consent",
        "assigned": "Assigned",
        "withdrawn": "Withdrawn",
        "anchor": "Anchor of the register",
        "users": "Users",
        "role": "Role",
        "sites": "Sites",
        "revoked": "Revoked",
        "export": "Export (CSV)",
        "nothing_here": "Your role has no pages here.",
        "unauthorised": "You are not signed in.",
        "forbidden": "Your role may not do this.",
        "bad_form": "The form has expired or did not come from this site. Reload the page.",
        "error": "Error",
        "lookup": "Look up",
        "lookup_help": "Look up the group of a participant who was assigned before.",
        "is_withdrawn": "This participant has withdrawn.",
    },
}


def language(text: str | None, default: str = "nl") -> str:
    """``nl`` or ``en`` from a query value or an Accept-Language header."""
    if text:
        first = text.split(",")[0].split(";")[0].strip().lower()
        if first.startswith("en"):
            return "en"
        if first.startswith("nl"):
            return "nl"
    return default
