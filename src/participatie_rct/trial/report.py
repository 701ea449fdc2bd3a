"""Writing a trial's interim or final report: analyses from :class:`Trial`, rendering by the report.

:func:`write_trial_report` is the one path from a trial to its report folder: the trial runs
the analyses and the report turns them into text, tables and figures
(:meth:`Trial.report_context`); the report then writes the folder
(:func:`participatie_rct.report.writer.write_documents`). :func:`write_report` opens a
register and a data folder first; :func:`write_report_from_inputs` starts from frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from participatie_rct.choices import Language, ReportKind, parse_choice

if TYPE_CHECKING:
    from participatie_rct.report.inputs import ReportInputs
    from participatie_rct.report.writer import ReportResult
    from participatie_rct.trial.core import Trial


def write_trial_report(
    trial: Trial,
    out_dir: str | Path,
    *,
    kind: ReportKind | str,
    language: Language | str = Language.NL,
    formats: Sequence[str] | str = ("html", "md"),
    blinded: bool = False,
    looks_done: int | None = None,
    previous_information: Sequence[float] = (),
    overwrite: bool = False,
    record_in: str | None = None,
    secret: bytes | None = None,
) -> ReportResult:
    """Analyse ``trial`` at its as-of date and write the report folder ``out_dir``.

    The earlier looks of an interim report are the ones its register records; ``looks_done``
    (interim looks taken before this one) and ``previous_information`` (their observed
    information fractions) override them, as in ``monitor status``. With ``record_in`` (the
    register's URL) an interim report also records its look there, before the folder is
    written (``secret`` keys a sealed trial's log). ``out_dir`` must be new or empty unless
    ``overwrite`` (see :mod:`participatie_rct.report.folder`).
    """
    from participatie_rct.report.folder import prepare_folder
    from participatie_rct.report.writer import parse_formats, write_documents

    prepare_folder(out_dir, overwrite=overwrite)  # refuse a folder before any analysis runs
    kind = parse_choice(ReportKind, kind, parameter="kind")
    language = parse_choice(Language, language, parameter="language")
    parse_formats(formats)  # refuse a bad format before any analysis runs
    context = trial.report_context(
        kind,
        language=language.value,
        blinded=blinded,
        looks_done=looks_done,
        previous_information=previous_information,
    )
    if record_in is not None and kind is ReportKind.INTERIM:
        from participatie_rct.trial.monitoring import record_look

        status = trial.monitor(looks_done=looks_done, previous_information=previous_information)
        record_look(record_in, status, trial.as_of, secret=secret)
    return write_documents(
        context,
        trial.inputs,
        out_dir,
        kind=kind,
        language=language,
        formats=formats,
        blinded=blinded,
        day=trial.as_of,
        overwrite=overwrite,
    )


def write_report(
    db_url: str,
    data_dir: str | Path,
    out_dir: str | Path,
    *,
    kind: ReportKind | str,
    language: Language | str = Language.NL,
    formats: Sequence[str] | str = ("html", "md"),
    blinded: bool = False,
    as_of: dt.date | str | None = None,
    key: bytes | None = None,
    looks_done: int | None = None,
    previous_information: Sequence[float] = (),
    secret: bytes | None = None,
    overwrite: bool = False,
) -> ReportResult:
    """Read the register and the data folder, analyse, and write the report folder ``out_dir``.

    ``secret`` (the trial secret) orders a blinded report's letters (:mod:`.report.blinding`).
    """
    from participatie_rct.report.folder import prepare_folder
    from participatie_rct.trial.core import Trial

    parse_choice(ReportKind, kind, parameter="kind")
    prepare_folder(out_dir, overwrite=overwrite)  # refuse a folder before the register is read
    trial = Trial.open(db_url, data_dir, key=key, as_of=as_of, secret=secret)
    return write_trial_report(
        trial,
        out_dir,
        kind=kind,
        language=language,
        formats=formats,
        blinded=blinded,
        looks_done=looks_done,
        previous_information=previous_information,
        overwrite=overwrite,
    )


def write_report_from_inputs(
    inputs: ReportInputs,
    out_dir: str | Path,
    *,
    kind: ReportKind | str,
    language: Language | str = Language.NL,
    formats: Sequence[str] | str = ("html", "md"),
    blinded: bool = False,
    as_of: dt.date | str | None = None,
    key: bytes | None = None,
    looks_done: int | None = None,
    previous_information: Sequence[float] = (),
    overwrite: bool = False,
) -> ReportResult:
    """As :func:`write_report`, from frames already in memory (tests and scripts use it)."""
    from participatie_rct.trial.core import Trial

    return write_trial_report(
        Trial(inputs, as_of=as_of, key=key),
        out_dir,
        kind=kind,
        language=language,
        formats=formats,
        blinded=blinded,
        looks_done=looks_done,
        previous_information=previous_information,
        overwrite=overwrite,
    )
