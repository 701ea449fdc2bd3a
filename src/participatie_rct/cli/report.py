"""Commands of the report group: ``report {interim|final}`` and ``demo``.

Each parses its options, calls one library function (:func:`participatie_rct.report.write_report`
or :func:`participatie_rct.report.run_demo`) and prints where the report is and the headline
effects. Heavy libraries are imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path

import typer

from participatie_rct.choices import Language, OutputFormat, ReportKind
from participatie_rct.cli.common import DbOption, FormatOption, KeyFileOption, echo_json, read_key


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    app.command("report")(report)
    app.command("demo")(demo)


def report(
    kind: ReportKind = typer.Argument(..., help="interim (progress report, with the interim look) or final."),
    db: str = DbOption,
    data: Path = typer.Option(
        ..., "--data", help="Folder with participants and benefit_months (CSV, xlsx or parquet).", file_okay=False
    ),
    out: Path = typer.Option(..., "--out", help="Folder that receives report.html, report.md, figures/ and manifest.json."),
    lang: Language = typer.Option(Language.NL, "--lang", help="Language of the report: nl or en."),
    formats: str = typer.Option("html,md", "--formats", help="Comma-separated: html, md, pdf (pdf needs the pdf extra)."),
    blinded: bool = typer.Option(
        False, "--blinded", help="Show the arms as A, B, C, ... under a secret fixed mapping (for blinded readers)."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Date of the report, YYYY-MM-DD (default: the last day of the last month in the data)."
    ),
    key_file: Path | None = KeyFileOption,
    output: OutputFormat = FormatOption,
) -> None:
    """Write an interim or final report from a register and a data folder."""
    from participatie_rct.report.writer import write_report

    result = write_report(
        db, data, out, kind=kind, language=lang, formats=formats, blinded=blinded, as_of=as_of, key=read_key(key_file)
    )
    if output is OutputFormat.JSON:
        echo_json(result.to_dict())
    else:
        typer.echo(result.summary())


def demo(
    out: Path = typer.Option(Path("reports/demo"), "--out", help="Folder for the register, the data and both reports."),
    lang: Language = typer.Option(Language.NL, "--lang", help="Language of the reports: nl or en."),
    output: OutputFormat = FormatOption,
) -> None:
    """Simulate a Wageningen-like trial, assign it one by one through a register, write interim and final reports."""
    from participatie_rct.report.demo import run_demo

    result = run_demo(out, language=lang.value)
    if output is OutputFormat.JSON:
        echo_json(result.to_dict())
    else:
        typer.echo(result.summary())
