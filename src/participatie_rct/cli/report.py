"""Commands of the report group: ``report {interim|final}`` and ``demo``.

Each parses its options, calls the library (:class:`participatie_rct.trial.Trial` or
:func:`participatie_rct.trial.demo.run_demo`) and prints where the report is and the headline
effects. Heavy libraries are imported inside the commands.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from participatie_rct.choices import Language, OutputFormat, ReportKind
from participatie_rct.cli.common import (
    LOOK_FLAGS,
    DayOption,
    DbOption,
    FormatOption,
    KeyFileOption,
    SecretFileOption,
    as_flags,
    echo_json,
    parse_fractions,
    read_key,
    read_secret,
)
from participatie_rct.cli.data_files import (
    BenefitMonthsOption,
    DataFolderOption,
    ParticipantsOption,
    SurveyOption,
    data_sources,
)


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    app.command("report")(report)
    app.command("demo")(demo)


_KIND = typer.Argument(..., help="interim (progress report, with the interim look) or final.")
_OUT = typer.Option(
    ...,
    "--out",
    file_okay=False,
    help="Folder that receives report.html, report.md, figures/ and manifest.json.",
)
_LANG = typer.Option(Language.NL, "--lang", help="Language: nl or en.")
_FORMATS = typer.Option(
    "html,md", "--formats", help="Comma-separated: html, md, pdf (pdf needs the pdf extra)."
)
_BLINDED = typer.Option(
    False,
    "--blinded",
    help="Show the arms as A, B, C, ... under a secret fixed mapping (for blinded readers).",
)
_AS_OF = DayOption(
    "--as-of", "Date of the report (default: the last day of the last month in the data)"
)
_LOOKS_DONE = typer.Option(
    None,
    "--looks-done",
    help="Override the looks the register records: interim looks taken before this one "
    "(assumed at the planned fractions; 0: none); interim reports only.",
)
_RECORD = typer.Option(
    False,
    "--record",
    help="Record this interim look in the register's event log (a sealed trial needs its "
    "secret); later looks and the final report read it from there.",
)
_PREVIOUS = typer.Option(
    None,
    "--previous-information",
    help="Override the looks the register records: observed information fractions of the "
    "earlier looks, comma-separated; interim reports only.",
)
_OVERWRITE = typer.Option(
    False,
    "--overwrite",
    help="Replace the previous report in --out: only the files its manifest.json lists are "
    "removed; any other file there makes the command refuse.",
)
_DEMO_OVERWRITE = typer.Option(
    False,
    "--overwrite",
    help="Replace an earlier demo in --out (its register, data and reports); other files "
    "there are left alone.",
)
_DEMO_OUT = typer.Option(
    Path("reports/demo"),
    "--out",
    file_okay=False,
    help="Folder for the register, the data and both reports.",
)


def report(
    kind: ReportKind = _KIND,
    db: str = DbOption,
    data: Path | None = DataFolderOption,
    out: Path = _OUT,
    lang: Language = _LANG,
    formats: str = _FORMATS,
    blinded: bool = _BLINDED,
    as_of: dt.date | None = _AS_OF,
    key_file: Path | None = KeyFileOption,
    secret_file: Path | None = SecretFileOption,
    looks_done: int | None = _LOOKS_DONE,
    previous_information: str | None = _PREVIOUS,
    record: bool = _RECORD,
    overwrite: bool = _OVERWRITE,
    output: OutputFormat = FormatOption,
    participants: Path | None = ParticipantsOption,
    benefit_months: Path | None = BenefitMonthsOption,
    survey: Path | None = SurveyOption,
) -> None:
    """Write an interim or final report from a register and its data.

    The data come from a folder (--data DIR) or from files named one by one
    (--participants, --benefit-months, --survey), which override the folder's.
    """
    sources = data_sources(data, participants, benefit_months, survey)
    previous = parse_fractions(previous_information, "--previous-information") or ()
    from participatie_rct.report.folder import prepare_folder
    from participatie_rct.report.writer import parse_formats
    from participatie_rct.trial import Trial

    parse_formats(formats)  # a bad --formats is refused before the register is read
    prepare_folder(out, overwrite=overwrite)  # and a folder that holds files, likewise
    trial = Trial.open(
        db,
        sources.folder,
        participants=sources.participants,
        benefit_months=sources.benefit_months,
        survey=sources.survey,
        key=read_key(key_file),
        as_of=as_of,
        secret=read_secret(secret_file) if blinded else None,
    )
    with as_flags(LOOK_FLAGS):
        result = trial.write_report(
            out,
            kind=kind,
            language=lang,
            formats=formats,
            blinded=blinded,
            looks_done=looks_done,
            previous_information=previous,
            overwrite=overwrite,
            record_in=db if record else None,
            secret=read_secret(secret_file) if record else None,
        )
    if output is OutputFormat.JSON:
        echo_json(result.to_dict())
    else:
        typer.echo(result.summary())


def demo(
    out: Path = _DEMO_OUT,
    lang: Language = _LANG,
    formats: str = _FORMATS,
    overwrite: bool = _DEMO_OVERWRITE,
    output: OutputFormat = FormatOption,
) -> None:
    """Simulate a Wageningen-like trial, assign it one by one, write interim and final reports.

    The register (trial.db) and the simulated data (data/) stay in --out, so that
    'participatie-rct report' can be run on them again.
    """
    from participatie_rct.report.writer import parse_formats
    from participatie_rct.trial.demo import run_demo

    result = run_demo(out, language=lang.value, formats=parse_formats(formats), overwrite=overwrite)
    if output is OutputFormat.JSON:
        echo_json(result.to_dict())
    else:
        typer.echo(result.summary())
