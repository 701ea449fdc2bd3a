"""Write a report folder: ``report.html``, ``report.md``, ``report.pdf``, ``figures/``, manifest.

:func:`write_documents` renders a report context (built by
:class:`participatie_rct.trial.Trial`, which ``participatie-rct report`` calls) and writes
the folder. The folder's
contents depend only on the inputs and the settings (``as_of`` is an input, no clock is
read), so the same inputs give the same bytes; only the PDF, whose layout engine stamps its
own metadata, is left out of that promise. Nothing is written when anything fails: the
documents are rendered in memory first and written at the end, each through a safe write
(private, atomic, never through a symlink), into a folder that
:mod:`participatie_rct.report.folder` checked first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from participatie_rct.choices import Language, ReportKind
from participatie_rct.errors import ReportError
from participatie_rct.report.context import ReportContext
from participatie_rct.report.inputs import ReportInputs

FORMATS = ("html", "md", "pdf")


@dataclass(frozen=True)
class ReportResult:
    """Where a report was written and its headline: each arm's effect on outflow to work."""

    out_dir: Path
    files: tuple[Path, ...]
    kind: str
    language: str
    as_of: str
    blinded: bool
    headline: tuple[dict[str, Any], ...]
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: folder, files (names), settings and headline effects."""
        return {
            "out": str(self.out_dir),
            "files": [
                p.name if p.parent == self.out_dir else f"{p.parent.name}/{p.name}"
                for p in self.files
            ],
            "kind": self.kind,
            "language": self.language,
            "as_of": self.as_of,
            "blinded": self.blinded,
            "headline": list(self.headline),
            "settings": dict(self.settings),
        }

    def summary(self) -> str:
        """Lines a person reads: where the report is and the headline effects."""
        lines = [
            f"{self.kind} report ({self.language}, as of {self.as_of}) written to {self.out_dir}"
        ]
        for row in self.headline:
            if row.get("hidden"):
                lines.append(f"  {row['arm']}: not shown (fewer than 10 people behind it)")
                continue
            lines.append(
                f"  {row['arm']}: {100 * row['estimate']:+.1f} pp "
                f"(95% CI {100 * row['ci_low']:+.1f} to {100 * row['ci_high']:+.1f}; "
                f"Holm p = {row['p_holm']:.3f}; n = {row['n']})"
            )
        if not self.headline:
            lines.append("  no participant has reached the horizon yet: no effect estimated")
        return "\n".join(lines)


#: Characters that XML 1.0 does not allow anywhere (all C0 controls but tab, LF and CR).
_XML_INVALID = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_safe(svg: bytes) -> bytes:
    """An SVG without the control characters XML forbids, so a label that carries one (a
    site name with a stray control byte) cannot make the figure unreadable."""
    return _XML_INVALID.sub(b"", svg)


def render_documents(
    values: Mapping[str, Any], figures: Mapping[str, bytes], formats: Sequence[str]
) -> dict[str, bytes]:
    """Every file of the report folder but the manifest, by relative name, in memory."""
    from participatie_rct.report.render import render_html, render_markdown, render_pdf

    safe = {name: xml_safe(svg) for name, svg in figures.items()}
    figure_files = {name: f"figures/{name}.svg" for name in sorted(safe)}
    documents = {figure_files[name]: svg for name, svg in safe.items()}
    html = render_html(values, safe)
    if "html" in formats:
        documents["report.html"] = html.encode("utf-8")
    if "md" in formats:
        documents["report.md"] = render_markdown(values, figure_files).encode("utf-8")
    if "pdf" in formats:
        documents["report.pdf"] = render_pdf(html)
    return documents


def parse_formats(formats: Sequence[str] | str) -> tuple[str, ...]:
    """Check ``html,md,pdf`` (any subset, any order) and return them in a fixed order."""
    items = [
        f.strip().lower()
        for f in (formats.split(",") if isinstance(formats, str) else formats)
        if f.strip()
    ]
    unknown = [f for f in items if f not in FORMATS]
    if unknown or not items:
        raise ReportError(
            f"--formats: {', '.join(map(repr, unknown)) or 'nothing'} is not a report format; "
            f"choose one or more of {', '.join(FORMATS)}, separated by commas (e.g. html,md)."
        )
    return tuple(f for f in FORMATS if f in items)


def parse_as_of(text: str | dt.date | None, *, default: dt.date) -> dt.date:
    """The as-of date from ISO text (``2018-10-01``) or a date; ``default`` when None."""
    if text is None:
        return default
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise ReportError(
            f"--as-of: {text!r} is not a date; write it as YYYY-MM-DD (e.g. 2018-10-01)."
        ) from None


def default_as_of(inputs: ReportInputs) -> dt.date:
    """The last day of the last month in the benefit data: reruns give the same date."""
    import pandas as pd

    months = inputs.benefit_months["month"]
    last = pd.Period(str(months.astype(str).max())[:7], freq="M")
    return last.end_time.date()


def write_documents(
    context: ReportContext,
    inputs: ReportInputs,
    out_dir: str | Path,
    *,
    kind: ReportKind,
    language: Language,
    formats: Sequence[str] | str,
    blinded: bool,
    day: dt.date,
    overwrite: bool = False,
) -> ReportResult:
    """Render ``context`` and write the report folder ``out_dir`` (created if needed, 0700).

    :class:`participatie_rct.trial.Trial` runs the analyses and builds the context; this only
    renders and writes, with the manifest of ``inputs``. ``out_dir`` must be new or empty,
    unless ``overwrite``: then it must hold only a previous report, whose files (as its
    manifest lists them) are replaced (see :mod:`participatie_rct.report.folder`).
    """
    from participatie_rct import __version__
    from participatie_rct.report.folder import prepare_folder, write_folder
    from participatie_rct.report.manifest import build_manifest

    folder = prepare_folder(out_dir, overwrite=overwrite)
    chosen = parse_formats(formats)
    documents = render_documents(context.values, context.figures, chosen)

    settings = {
        "kind": kind.value,
        "language": language.value,
        "as_of": day.isoformat(),
        "blinded": blinded,
        "formats": list(chosen),
        **context.settings,
    }
    outputs = {
        name: hashlib.sha256(data).hexdigest()
        for name, data in documents.items()
        if name != "report.pdf"
    }
    manifest = build_manifest(
        package_version=__version__,
        protocol_sha256=inputs.protocol.sha256,
        seed=None if inputs.protocol.sealed else inputs.protocol.seed,
        settings=settings,
        inputs=inputs.input_files,
        outputs=outputs,
        register=inputs.register,
    )

    written = write_folder(folder, documents, manifest)
    return ReportResult(
        out_dir=folder.path,
        files=tuple(written),
        kind=kind.value,
        language=language.value,
        as_of=day.isoformat(),
        blinded=blinded,
        headline=context.headline,
        settings=settings,
    )
