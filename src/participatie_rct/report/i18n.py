# ruff: noqa: E501  (a table of phrases: one phrase per line reads best)
"""The words of a report in Dutch and English: one key per phrase, the same keys in both.

The templates are shared by both languages and look every phrase up here, so a report in
Dutch and one in English differ only in these strings (and in number formatting: a decimal
comma in Dutch). Phrases with ``{}`` fields are filled with ``str.format``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

STRINGS: dict[str, dict[str, str]] = {
    "nl": {
        "title_interim": "Tussenrapportage",
        "title_final": "Eindrapport",
        "as_of": "Peildatum",
        "blinded_note": "Geblindeerde rapportage: de groepen heten A, B, C, ... De koppeling aan de experimentele groepen is geheim en staat niet in dit rapport.",
        "contents": "Inhoud",
        "key_findings": "Kernboodschap",
        "key_none": "Er is nog niemand lang genoeg gevolgd om een effect op uitstroom naar werk te schatten.",
        "key_effect": "{arm}: {direction} ({size} procentpunt; met 95% zekerheid tussen {low} en {high} procentpunt).",
        "key_more": "meer uitstroom naar werk dan {control}",
        "key_less": "minder uitstroom naar werk dan {control}",
        "key_same": "evenveel uitstroom naar werk als {control}",
        "key_significant": "Dit verschil is na Holm-correctie significant op het {level}%-niveau.",
        "key_not_significant": "Dit verschil is na Holm-correctie niet significant op het {level}%-niveau; dat betekent niet dat er geen verschil is.",
        "key_mde": "Dit onderzoek kon een effect kleiner dan {mde} procentpunt niet van nul onderscheiden (80% onderscheidend vermogen bij de bereikte omvang).",
        "key_crossed": "Het verschil overschrijdt de stopgrens van deze tussentijdse kijk.",
        "key_not_crossed": "Het verschil overschrijdt de stopgrens van deze tussentijdse kijk niet.",
        "key_hidden": "{arm}: het effect staat niet in dit rapport, omdat het op een groep van minder dan 10 deelnemers rust.",
        "key_mde_only": "Met deze omvang kon dit onderzoek een effect kleiner dan {mde} procentpunt niet van nul onderscheiden (80% onderscheidend vermogen).",
        "key_interim": "Dit is een tussentijdse kijk: alleen de primaire vergelijking tegen de stopgrens kan het onderzoek doen stoppen; alle andere p-waarden in dit rapport zijn beschrijvend.",
        "headline": "Kernresultaten",
        "headline_text": "Uitstroom naar werk binnen {h} maanden na loting, {n} deelnemers geanalyseerd. Verschil met {control} in procentpunten (95%-interval), p-waarde na Holm-correctie.",
        "headline_none": "Nog niemand heeft {h} maanden follow-up: er is nog geen effect op uitstroom binnen {h} maanden te schatten.",
        "consort": "Stroomdiagram (CONSORT)",
        "consort_text": "Van uitnodiging tot analyse. Aantallen kleiner dan 10 worden weergegeven als <10.",
        "invited": "Uitgenodigd",
        "declined": "Geen toestemming",
        "consented": "Toestemming gegeven",
        "randomised": "Geloot",
        "assigned": "Toegewezen",
        "withdrawn": "Teruggetrokken (blijft in ITT)",
        "deviated": "Afwijking of overstap (blijft in ITT)",
        "not_analysed": "Nog niet analyseerbaar",
        "analysed": "Geanalyseerd",
        "unknown": "onbekend",
        "stage": "Stap",
        "total": "Totaal",
        "intake": "Instroom per locatie",
        "intake_text": "Cumulatief aantal gelote deelnemers per week en per gemeente.",
        "date": "Datum",
        "months_since": "Maanden sinds loting",
        "cumulative_assigned": "Aantal geloot (cumulatief)",
        "site": "Gemeente",
        "arm": "Groep",
        "balance": "Balans bij aanvang",
        "balance_text": "Gemiddelden en percentages per groep bij de loting; het gestandaardiseerde verschil (SMD) van elke groep met {control}. Een |SMD| boven 0,1 verdient aandacht.",
        "variable": "Kenmerk",
        "joint": "Gezamenlijke toets per groep dat leeftijd, geslacht en duur in de bijstand de loting niet voorspellen (F-toets met HC2-standaardfouten).",
        "f_stat": "F",
        "smd_max": "Grootste |SMD|",
        "age": "Leeftijd (jaar)",
        "female": "Vrouw",
        "months_on_benefit": "Duur in de bijstand (maanden)",
        "outflow": "Uitstroom",
        "outflow_share": "Uitstroom naar werk binnen {h} maanden",
        "outflow_table_text": "Per groep: deelnemers met volledige follow-up van {h} maanden en het aantal en aandeel dat in die tijd uitstroomde naar werk.",
        "n_arm": "N groep",
        "n_control": "N {control}",
        "population_analysed": "Populatie: deelnemers met volledige follow-up van {h} maanden (geanalyseerd).",
        "population_assigned": "Populatie: alle gelote deelnemers (intention-to-treat).",
        "population_responding": "Populatie: deelnemers die de vragenlijst invulden.",
        "population_sites": "Populatie: deelnemers met volledige follow-up, per gemeente.",
        "effect_hidden": "Het effect van {arms} staat niet in dit rapport: het vergelijkt een groep van minder dan 10 deelnemers, en het effect zou samen met de andere aantallen dat kleine aantal verraden.",
        "group_hidden": "Geen schatting voor {groups}: minder dan 10 deelnemers in een groep van die gemeente.",
        "test_hidden": "De toets over alle groepen staat niet in dit rapport: in een groep zijn minder dan 10 deelnemers uitgestroomd naar werk, en de toetsuitkomst rust op dat kleine aantal.",
        "curve_note": "De curves tonen alleen stappen van ten minste 10 uitstromers en stoppen waar minder dan 10 deelnemers nog risico lopen, zodat geen punt iets over minder dan 10 mensen zegt.",
        "n": "N",
        "n_out": "Uitgestroomd",
        "share": "Aandeel",
        "cumulative_outflow": "Cumulatieve uitstroom naar werk",
        "cumulative_incidence": "Cumulatieve incidentie",
        "cumulative_outflow_text": "Aalen-Johansen-schatting per groep met 95%-band; andere uitstroom telt als concurrerende uitkomst.",
        "itt": "Effecten (intention-to-treat)",
        "itt_text": "Lineair kansmodel van uitstroom naar werk binnen {h} maanden op groepsindicatoren, elk vergeleken met {control}. Effecten in procentpunten.",
        "estimate": "Effect (pp)",
        "std_error": "Std.fout",
        "ci": "95%-interval",
        "p_value": "p",
        "p_holm": "p (Holm)",
        "itt_long_text": "Secundaire uitkomst: hetzelfde model voor uitstroom naar werk binnen {h} maanden, voor de {n} deelnemers die zo lang gevolgd zijn.",
        "forest": "Effecten per gemeente en gepoold",
        "forest_x": "Verschil in uitstroom naar werk (procentpunten)",
        "pooled": "Gepoold",
        "hazard": "Hazard ratio's",
        "hazard_text": "Cox-model van de tijd tot uitstroom naar werk (andere uitstroom gecensureerd), elk vergeleken met {control}.",
        "hr": "Hazard ratio",
        "logrank": "Logranktoets, alle groepen gelijk: chi² = {stat} met {df} vrijheidsgraden, p {p}.",
        "gray": "Gray-toets, cumulatieve incidentie van uitstroom naar werk gelijk in alle groepen: chi² = {stat} met {df} vrijheidsgraden, p {p}.",
        "competing": "Concurrerende uitstroom",
        "competing_text": "Eerste uitstroom per reden en per groep, en de cumulatieve incidentie van elke reden.",
        "reason": "Reden",
        "reason_work": "Werk",
        "reason_part_time_work": "Deeltijdwerk met aanvulling",
        "reason_other": "Overig",
        "reason_none": "Nog in de bijstand",
        "sites": "Per gemeente en gepoold",
        "sites_text": "Effect van elke groep ten opzichte van {control} per gemeente (zonder stratumcorrectie) en gepoold (met vaste effecten voor de strata).",
        "heterogeneity": "Heterogeniteit tussen gemeenten: Cochran's Q",
        "q": "Q",
        "df": "Vrijheidsgraden",
        "i2": "I²",
        "one_site": "Alle deelnemers komen uit één gemeente; een toets op heterogeniteit tussen gemeenten is niet van toepassing.",
        "survey": "Enquête: welbevinden, gezondheid, zelfredzaamheid",
        "survey_text": "Per enquêteronde: hoeveel deelnemers de vragenlijst op tijd kregen en invulden, en het verschil van elke groep met {control} onder de invullers (zelfde model als hierboven, in de eenheden van de vraag). Non-respons kan per groep verschillen; lees de effecten daarom samen met de responstabel.",
        "survey_wave": "Ronde {k} ({months} maanden na loting)",
        "survey_due": "Uitgenodigd",
        "survey_responded": "Ingevuld",
        "survey_outcome": "Uitkomst",
        "survey_wellbeing": "Welbevinden (0–10)",
        "survey_health": "Gezondheid (1–5)",
        "survey_self_sufficiency": "Zelfredzaamheid",
        "survey_missing": "Geen enquête: er is geen enquêtebestand, of nog geen enquêteronde met bekende uitkomsten; het rapport bevat daarom geen enquêtehoofdstuk.",
        "survey_none": "Er zijn (nog) geen enquêterondes na de loting waarvan de uitkomsten bekend zijn.",
        "difference": "Verschil",
        "interim": "Tussentijdse toets",
        "interim_text": "Informatiefractie {t}: {n} van {N} deelnemers hebben {h} maanden follow-up. Met alpha-besteding volgens Lan-DeMets ({spending}) is de grens voor deze kijk |z| ≥ {z} (nominale p {p}). Correctie voor meerdere vergelijkingen: de grens toetst elke vergelijking met alfa gedeeld door het aantal vergelijkingen (Bonferroni, zoals het protocol voor tussentijdse kijken voorschrijft); de Holm-gecorrigeerde p-waarden in de tabellen zijn bij een tussentijdse kijk beschrijvend en kunnen het onderzoek niet doen stoppen.",
        "interim_none": "Informatiefractie 0: nog niemand heeft {h} maanden follow-up, dus er is nog niets te toetsen.",
        "interim_unadjusted": "De z-waarden zijn niet gecorrigeerd voor achtergrondkenmerken of strata: het verschil in uitstroomaandelen gedeeld door de Neyman-standaardfout, dezelfde z als 'monitor status' toont.",
        "interim_adjusted": "De z-waarden zijn gecorrigeerd voor achtergrondkenmerken, dezelfde z als 'monitor status' toont.",
        "not_estimable": "Niet te schatten: {reason}",
        "missing_baseline": "Geloot maar niet in het deelnemersbestand (geen achtergrondkenmerken)",
        "interim_earlier": "Dit is kijk {look}; de eerdere kijken ({k}) hadden informatiefractie {fractions}. De alfa die daar is besteed, is in deze grens verrekend.",
        "interim_earlier_planned": "Dit is kijk {look}; voor de eerdere kijken ({k}) zijn de geplande informatiefracties {fractions} aangenomen. De alfa die daar is besteed, is in deze grens verrekend.",
        "z": "z",
        "boundary": "Grens",
        "crossed": "Grens overschreden",
        "yes": "ja",
        "no": "nee",
        "methods": "Methode",
        "data_quality": "Datakwaliteit",
        "dq_text": "Maanden zonder uitkeringsregel binnen de follow-up en deelnemers die (nog) niet in de analyse zitten, per groep.",
        "months_missing": "Ontbrekende maanden in het venster van {h} maanden",
        "people_missing": "Deelnemers met een ontbrekende maand",
        "not_matured": "Follow-up nog korter dan {h} maanden",
        "unknown_outcome": "Uitkomst onbekend door ontbrekende maand",
        "rows_unlinked": "Uitkeringsregels van niet-gelote personen (niet gebruikt)",
        "rows_after": "Uitkeringsregels na de peildatum (niet gebruikt)",
        "disclosure": "Geheimhouding: aantallen kleiner dan 10 staan als <10; waar een totaal een verborgen cel zou verraden, is ook een tweede cel verborgen (·). Er staan geen minima, maxima of identificerende gegevens in dit rapport.",
        "footer": "Gemaakt met participatie-rct {version}. Protocol SHA-256 {sha}.",
        "na": "n.v.t.",
    },
    "en": {
        "title_interim": "Interim report",
        "title_final": "Final report",
        "as_of": "As of",
        "blinded_note": "Blinded report: the arms are called A, B, C, ... Which letter is which arm is secret and not in this report.",
        "contents": "Contents",
        "key_findings": "Key findings",
        "key_none": "Nobody has been followed long enough yet to estimate an effect on outflow to work.",
        "key_effect": "{arm}: {direction} ({size} percentage points; with 95% confidence between {low} and {high} points).",
        "key_more": "more outflow to work than {control}",
        "key_less": "less outflow to work than {control}",
        "key_same": "as much outflow to work as {control}",
        "key_significant": "This difference is significant at the {level}% level after Holm's correction.",
        "key_not_significant": "This difference is not significant at the {level}% level after Holm's correction; that does not mean there is no difference.",
        "key_mde": "This trial could not distinguish an effect smaller than {mde} percentage points from zero (80% power at the size reached).",
        "key_crossed": "The difference crosses the stopping boundary of this interim look.",
        "key_not_crossed": "The difference does not cross the stopping boundary of this interim look.",
        "key_hidden": "{arm}: the effect is not in this report because it rests on a group of fewer than 10 participants.",
        "key_mde_only": "At this size the trial could not distinguish an effect smaller than {mde} percentage points from zero (80% power).",
        "key_interim": "This is an interim look: only the primary comparison against the stopping boundary can stop the trial; every other p-value in this report is descriptive.",
        "headline": "Headline results",
        "headline_text": "Outflow to work within {h} months of assignment, {n} participants analysed. Difference from {control} in percentage points (95% interval), Holm-adjusted p-value.",
        "headline_none": "Nobody has {h} months of follow-up yet: no effect on outflow within {h} months can be estimated.",
        "consort": "Participant flow (CONSORT)",
        "consort_text": "From invitation to analysis. Counts below 10 are shown as <10.",
        "invited": "Invited",
        "declined": "Declined",
        "consented": "Consented",
        "randomised": "Randomised",
        "assigned": "Assigned",
        "withdrawn": "Withdrew (kept in ITT)",
        "deviated": "Deviation or crossover (kept in ITT)",
        "not_analysed": "Not yet analysable",
        "analysed": "Analysed",
        "unknown": "unknown",
        "stage": "Stage",
        "total": "Total",
        "intake": "Intake per site",
        "intake_text": "Cumulative number of participants assigned per week and municipality.",
        "date": "Date",
        "months_since": "Months since assignment",
        "cumulative_assigned": "Assigned (cumulative)",
        "site": "Municipality",
        "arm": "Arm",
        "balance": "Baseline balance",
        "balance_text": "Means and percentages per arm at assignment; the standardised mean difference (SMD) of each arm from {control}. An |SMD| above 0.1 deserves attention.",
        "variable": "Characteristic",
        "joint": "Joint test per arm that age, sex and time on benefit do not predict the lottery (F test with HC2 standard errors).",
        "f_stat": "F",
        "smd_max": "Largest |SMD|",
        "age": "Age (years)",
        "female": "Female",
        "months_on_benefit": "Time on benefit (months)",
        "outflow": "Outflow",
        "outflow_share": "Outflow to work within {h} months",
        "outflow_table_text": "Per arm: participants with complete follow-up of {h} months, and how many of them left benefit for work in that time.",
        "n_arm": "N arm",
        "n_control": "N {control}",
        "population_analysed": "Population: participants with complete follow-up of {h} months (analysed).",
        "population_assigned": "Population: everyone assigned (intention to treat).",
        "population_responding": "Population: participants who answered the questionnaire.",
        "population_sites": "Population: participants with complete follow-up, per municipality.",
        "effect_hidden": "The effect of {arms} is not in this report: it compares a group of fewer than 10 participants, and together with the other counts the effect would reveal that small count.",
        "group_hidden": "No estimate for {groups}: fewer than 10 participants in an arm at that municipality.",
        "test_hidden": "The test across all arms is not in this report: fewer than 10 participants in an arm left for work, and the test rests on that small count.",
        "curve_note": "The curves show only steps of at least 10 exits and stop where fewer than 10 participants remain at risk, so no point says anything about fewer than 10 people.",
        "n": "N",
        "n_out": "Left for work",
        "share": "Share",
        "cumulative_outflow": "Cumulative outflow to work",
        "cumulative_incidence": "Cumulative incidence",
        "cumulative_outflow_text": "Aalen-Johansen estimate per arm with a 95% band; other exits are a competing event.",
        "itt": "Effects (intention to treat)",
        "itt_text": "Linear probability model of outflow to work within {h} months on arm indicators, each arm against {control}. Effects in percentage points.",
        "estimate": "Effect (pp)",
        "std_error": "Std. error",
        "ci": "95% interval",
        "p_value": "p",
        "p_holm": "p (Holm)",
        "itt_long_text": "Secondary outcome: the same model for outflow to work within {h} months, for the {n} participants followed that long.",
        "forest": "Effects per municipality and pooled",
        "forest_x": "Difference in outflow to work (percentage points)",
        "pooled": "Pooled",
        "hazard": "Hazard ratios",
        "hazard_text": "Cox model of the time to outflow to work (other exits censored), each arm against {control}.",
        "hr": "Hazard ratio",
        "logrank": "Log-rank test, all arms equal: chi² = {stat} on {df} degrees of freedom, p {p}.",
        "gray": "Gray's test, equal cumulative incidence of outflow to work in all arms: chi² = {stat} on {df} degrees of freedom, p {p}.",
        "competing": "Competing exits",
        "competing_text": "First exit by reason and arm, and the cumulative incidence of each reason.",
        "reason": "Reason",
        "reason_work": "Work",
        "reason_part_time_work": "Part-time work with top-up",
        "reason_other": "Other",
        "reason_none": "Still on benefit",
        "sites": "Per municipality and pooled",
        "sites_text": "Effect of each arm against {control} per municipality (no stratum adjustment) and pooled (with stratum fixed effects).",
        "heterogeneity": "Heterogeneity between municipalities: Cochran's Q",
        "q": "Q",
        "df": "Degrees of freedom",
        "i2": "I²",
        "one_site": "All participants come from one municipality; a test of heterogeneity between municipalities does not apply.",
        "survey": "Survey: wellbeing, health, self-sufficiency",
        "survey_text": "Per survey wave: how many participants were due to answer and did, and the difference of each arm from {control} among respondents (the same model as above, in the units of the question). Non-response may differ by arm, so read the effects together with the response table.",
        "survey_wave": "Wave {k} ({months} months after assignment)",
        "survey_due": "Due",
        "survey_responded": "Answered",
        "survey_outcome": "Outcome",
        "survey_wellbeing": "Wellbeing (0–10)",
        "survey_health": "Health (1–5)",
        "survey_self_sufficiency": "Self-sufficiency",
        "survey_missing": "No survey: there is no survey file, or no survey wave with known outcomes yet; the report therefore has no survey chapter.",
        "survey_none": "There is no survey wave after assignment with known outcomes (yet).",
        "difference": "Difference",
        "interim": "Interim look",
        "interim_text": "Information fraction {t}: {n} of {N} participants have {h} months of follow-up. With Lan-DeMets alpha spending ({spending}) the boundary at this look is |z| ≥ {z} (nominal p {p}). Multiplicity: the boundary tests each comparison at alpha divided by the number of comparisons (Bonferroni, as the protocol prescribes for interim looks); the Holm-adjusted p-values in the tables are descriptive at an interim look and cannot stop the trial.",
        "interim_none": "Information fraction 0: nobody has {h} months of follow-up yet, so there is nothing to test.",
        "interim_unadjusted": "The z values are not adjusted for baseline characteristics or strata: the difference in outflow shares divided by its Neyman standard error, the same z that 'monitor status' shows.",
        "interim_adjusted": "The z values are adjusted for baseline characteristics, the same z that 'monitor status' shows.",
        "not_estimable": "Cannot be estimated: {reason}",
        "missing_baseline": "Assigned but not in the participants file (no baseline characteristics)",
        "interim_earlier": "This is look {look}; the {k} earlier look(s) had information fraction {fractions}. The alpha spent there is accounted for in this boundary.",
        "interim_earlier_planned": "This is look {look}; for the {k} earlier look(s) the planned information fractions {fractions} are assumed. The alpha spent there is accounted for in this boundary.",
        "z": "z",
        "boundary": "Boundary",
        "crossed": "Boundary crossed",
        "yes": "yes",
        "no": "no",
        "methods": "Methods",
        "data_quality": "Data quality",
        "dq_text": "Months without a benefit record within follow-up, and participants not (yet) in the analysis, per arm.",
        "months_missing": "Missing months within the {h}-month window",
        "people_missing": "Participants with a missing month",
        "not_matured": "Follow-up still shorter than {h} months",
        "unknown_outcome": "Outcome unknown because of a missing month",
        "rows_unlinked": "Benefit records of people not assigned (not used)",
        "rows_after": "Benefit records after the as-of date (not used)",
        "disclosure": "Confidentiality: counts below 10 are shown as <10; where a total would reveal a hidden cell, a second cell is hidden too (·). This report holds no minima, maxima or identifying data.",
        "footer": "Made with participatie-rct {version}. Protocol SHA-256 {sha}.",
        "na": "n/a",
    },
}

#: Methods paragraphs: filled with what was actually run.
METHODS: dict[str, dict[str, str]] = {
    "nl": {
        "design": "Deelnemers zijn geloot met de methode {method}{strata} volgens het protocol '{trial}' (seed {seed}, protocol-SHA-256 {sha}). Het register legt elke toewijzing vast in een hash-keten; {n} deelnemers zijn geloot, {withdrawn} hebben zich teruggetrokken en blijven in de analyse in hun gelote groep (intention-to-treat).",
        "strata": ", gestratificeerd naar {strata}",
        "blocks": ", in permuterende blokken van {blocks}",
        "outcome": "Primaire uitkomst: uitstroom uit de bijstand naar werk binnen {h} maanden na de maand van loting, uit de maandelijkse uitkeringsgegevens tot en met {end}. Alleen deelnemers van wie alle {h} maanden zijn waargenomen tellen mee.",
        "estimator": "Schatter: lineair kansmodel (OLS) van de uitkomst op indicatoren voor de groepen{fe}{cov}; standaardfouten HC2 (MacKinnon en White, 1985) met t-verdeling; p-waarden over de {k} vergelijkingen met {control} gecorrigeerd volgens Holm (1979).",
        "fe": ", met vaste effecten voor de strata van de loting ({strata})",
        "cov": ", gecorrigeerd voor {covariates} volgens Lin (2013)",
        "survival": "Tijd tot uitstroom: cumulatieve incidentie volgens Aalen-Johansen met andere uitstroom als concurrerende uitkomst en de toets van Gray (1988); oorzaakspecifieke hazard ratio's uit een Cox-model met Efron-ties; logranktoets over alle groepen.",
        "survey": "De uitkomsten van de enquête (welbevinden, gezondheid, zelfredzaamheid) zijn per ronde geanalyseerd met dezelfde schatter, onder de deelnemers die de vragenlijst invulden; de respons per groep staat erbij.",
        "sites": "Per gemeente zijn de effecten apart geschat; heterogeniteit tussen gemeenten is getoetst met Cochran's Q (I² volgens Higgins en Thompson, 2002).",
        "final_looks": "Tussentijdse kijken en eindtoets: het aantal geplande tussentijdse kijken is {looks}, met alfa-besteding volgens Lan en DeMets ({spending}) per vergelijking met alfa {alpha} (Bonferroni over {k} vergelijkingen). Het register legt nog niet vast wanneer een kijk is gehouden; bij de geplande informatiefracties ({fractions}) is vóór de eindanalyse per vergelijking {spent} van de alfa besteed, en is de kritieke waarde van de eindtoets |z| ≥ {z} (nominale p {p}). De Holm-gecorrigeerde p-waarden van de tabellen gebruiken de volle alfa van {full}; een arm die alleen bij die p-waarde en niet bij deze kritieke waarde significant is, moet voorzichtig worden gelezen.",
        "interim": "Tussentijdse toets: alpha-besteding volgens Lan en DeMets (1983), functie {spending}, tweezijdig alpha = {alpha}, aantal geplande tussentijdse kijken: {looks}.",
        "software": "Berekend met participatie-rct {version}, numpy {numpy}, pandas {pandas}, scipy {scipy}, statsmodels {statsmodels}, plotnine {plotnine}.",
    },
    "en": {
        "design": "Participants were assigned by the method {method}{strata} under the protocol '{trial}' (seed {seed}, protocol SHA-256 {sha}). The register records every assignment in a hash chain; {n} participants were assigned, {withdrawn} withdrew and stay in the analysis in the arm they were assigned to (intention to treat).",
        "strata": ", stratified by {strata}",
        "blocks": ", in permuted blocks of {blocks}",
        "outcome": "Primary outcome: outflow from benefit to work within {h} months of the month of assignment, from the monthly benefit records up to and including {end}. Only participants whose {h} months have all been observed count.",
        "estimator": "Estimator: linear probability model (OLS) of the outcome on arm indicators{fe}{cov}; HC2 standard errors (MacKinnon and White 1985) with the t distribution; p-values across the {k} comparisons with {control} adjusted by Holm (1979).",
        "fe": ", with fixed effects for the strata of the lottery ({strata})",
        "cov": ", adjusted for {covariates} as in Lin (2013)",
        "survival": "Time to outflow: Aalen-Johansen cumulative incidence with other exits as a competing event and Gray's (1988) test; cause-specific hazard ratios from a Cox model with Efron ties; log-rank test across all arms.",
        "survey": "Survey outcomes (wellbeing, health, self-sufficiency) were analysed per wave with the same estimator among the participants who answered; the response per arm is shown beside them.",
        "sites": "Effects were also estimated per municipality; heterogeneity between municipalities was tested with Cochran's Q (I² as in Higgins and Thompson 2002).",
        "final_looks": "Interim looks and final test: the number of planned interim looks is {looks}, with Lan and DeMets alpha spending ({spending}) per comparison at alpha {alpha} (Bonferroni over {k} comparisons). The register does not yet record when a look was held; at the planned information fractions ({fractions}) the alpha spent before the final analysis is {spent} per comparison, and the final critical value is |z| ≥ {z} (nominal p {p}). The Holm-adjusted p-values in the tables use the full alpha of {full}; an arm significant by that p-value but not at this critical value should be read with care.",
        "interim": "Interim look: Lan and DeMets (1983) alpha spending, function {spending}, two-sided alpha = {alpha}, {looks} planned interim look(s).",
        "software": "Computed with participatie-rct {version}, numpy {numpy}, pandas {pandas}, scipy {scipy}, statsmodels {statsmodels}, plotnine {plotnine}.",
    },
}


#: Names of methods, spending functions and plan variables as each language prints them.
TERMS: dict[str, dict[str, str]] = {
    "nl": {
        "complete": "volledig willekeurig",
        "stratified": "gestratificeerd",
        "permuted_blocks": "permuterende blokken",
        "minimization": "minimalisatie",
        "obrien-fleming": "O'Brien-Fleming",
        "pocock": "Pocock",
        "hsd": "Hwang-Shih-DeCani",
        "site": "gemeente",
        "age_group": "leeftijdsgroep",
        "sex": "geslacht",
        "education": "opleiding",
        "household": "huishouden",
        "migration_background": "migratieachtergrond",
        "months_on_benefit": "duur in de bijstand",
        "birth_year": "geboortejaar",
        "age": "leeftijd",
    },
    "en": {
        "complete": "complete randomisation",
        "stratified": "stratified",
        "permuted_blocks": "permuted blocks",
        "minimization": "minimisation",
        "obrien-fleming": "O'Brien-Fleming",
        "pocock": "Pocock",
        "hsd": "Hwang-Shih-DeCani",
        "site": "municipality",
        "age_group": "age group",
        "sex": "sex",
        "education": "education",
        "household": "household",
        "migration_background": "migration background",
        "months_on_benefit": "time on benefit",
        "birth_year": "year of birth",
        "age": "age",
    },
}

MONTHS = {
    "nl": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


def term(name: str, language: str) -> str:
    """A method, spending function or variable name in ``language``; an unknown name is
    printed as given with underscores as spaces (it is the user's own column)."""
    return TERMS[language].get(str(name), str(name).replace("_", " "))


def date_text(value: dt.date, language: str) -> str:
    """A date as the language writes it: ``31 december 2019`` / ``31 December 2019``."""
    return f"{value.day} {MONTHS[language][value.month - 1]} {value.year}"


def short_date(value: dt.date, language: str) -> str:
    """A tick's date, short: ``15 okt 2017`` / ``15 Oct 2017``."""
    return f"{value.day} {MONTHS[language][value.month - 1][:3]} {value.year}"


def month_text(year: int, month: int, language: str) -> str:
    """A calendar month: ``december 2019`` / ``December 2019``."""
    return f"{MONTHS[language][month - 1]} {year}"


def words(language: str) -> Mapping[str, str]:
    """The phrases of ``language`` (``nl`` or ``en``)."""
    return STRINGS[language]


def number(value: float, language: str, *, digits: int = 1, sign: bool = False) -> str:
    """A number as the language writes it: ``12,3`` in Dutch, ``12.3`` in English."""
    if value is None or value != value:  # NaN
        return STRINGS[language]["na"]
    text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    text = text.replace("-", "−")
    return text.replace(".", ",") if language == "nl" else text


def p_clause(value: float, language: str) -> str:
    """A p-value after the letter p: ``= 0.043`` or ``< 0.001``."""
    text = p_text(value, language)
    return text if text.startswith("<") or text == STRINGS[language]["na"] else f"= {text}"


def p_bound(value: float, language: str) -> str:
    """A nominal boundary p-value after the letter p: ``≤ 0.012`` or ``< 0.001``, never
    ``≤ 0.00000``."""
    text = p_text(value, language)
    return text if text.startswith("<") or text == STRINGS[language]["na"] else f"≤ {text}"


def p_text(value: float, language: str) -> str:
    """A p-value: three decimals, ``< 0.001`` below that."""
    if value is None or value != value:
        return STRINGS[language]["na"]
    text = "< 0.001" if value < 0.001 else f"{value:.3f}"
    return text.replace(".", ",") if language == "nl" else text
