"""A report's output folder: refused when it holds anything but a previous report of ours.

A report goes into a new or empty folder. A folder that already holds files is refused
unless the caller asks to overwrite; then the previous run's ``manifest.json`` says which
files that run wrote, and exactly those are removed before the new report is written, so no
stale file survives (an unblinded ``figures/boundary.svg`` beside a blinded report, say). A
file the manifest does not list is never removed: the folder is refused, naming it. Symbolic
links in the folder, or the folder itself being one, are refused: a planted link would send
a document elsewhere. Every file goes through :mod:`participatie_rct.safe_files` (mode 0600,
folders 0700). ``docs/output-safety.md`` describes the rules.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from participatie_rct.errors import ReportError
from participatie_rct.report.manifest import MANIFEST_NAME, write_manifest
from participatie_rct.safe_files import (
    UnsafePathError,
    is_symlink,
    make_private_dir,
    remove_file,
    write_bytes,
)

#: The names a report run writes; a manifest entry outside them is never removed.
REPORT_FILE = re.compile(r"report\.(?:html|md|pdf)|manifest\.json|figures/[A-Za-z0-9_.-]+\.svg")
#: A temporary file that a safe write left when it was interrupted (``.report.html.x1y2z3w4.tmp``).
LEFTOVER = re.compile(r"(?:figures/)?\.[A-Za-z0-9_.-]+\.[a-z0-9_]{8}\.tmp")
#: The only subfolder a report folder holds.
FIGURES = "figures"


@dataclass(frozen=True)
class OutputFolder:
    """A checked output folder and the files of the previous report that a write removes."""

    path: Path
    previous: tuple[str, ...] = ()


def _shown(names: list[str], most: int = 5) -> str:
    text = ", ".join(names[:most])
    return text + (f" and {len(names) - most} more" if len(names) > most else "")


def _entries(folder: Path) -> tuple[list[str], list[str]]:
    """Files and subfolders under ``folder`` (relative, ``/``-separated); links refused."""
    files: list[str] = []
    folders: list[str] = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        base = Path(root).relative_to(folder)
        for name in sorted(dirs + names):
            relative = (base / name).as_posix()
            mode = os.lstat(Path(root) / name).st_mode
            if stat.S_ISLNK(mode):
                raise ReportError(
                    f"{folder}: {relative} is a symbolic link; a report folder holds no links "
                    "(a planted link would send the report elsewhere). Remove it or choose "
                    "another --out."
                )
            (folders if stat.S_ISDIR(mode) else files).append(relative)
    return files, folders


def listed_files(manifest: Mapping[str, Any]) -> set[str]:
    """The files a previous run wrote, by its manifest: every hashed output, the PDF when it
    was asked for (it is not hashed: its bytes are not stable), and the manifest itself."""
    listed = {str(name) for name in manifest.get("outputs", {}) or {}}
    listed.update(str(name) for name in manifest.get("files", []) or [])
    settings = manifest.get("settings", {}) or {}
    if "pdf" in (settings.get("formats") or []):
        listed.add("report.pdf")
    listed.add(MANIFEST_NAME)
    return {name for name in listed if REPORT_FILE.fullmatch(name)}


def _previous_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST_NAME
    hint = (
        "--overwrite replaces only a report that participatie-rct wrote there before; choose "
        "an empty or new folder for --out."
    )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{folder}: holds files but no {MANIFEST_NAME}. {hint}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: cannot be read as a manifest ({exc}). {hint}") from None
    if not isinstance(manifest, dict):
        raise ReportError(f"{path}: is not a report manifest. {hint}")
    return manifest


def prepare_folder(out_dir: str | Path, *, overwrite: bool = False) -> OutputFolder:
    """Check ``out_dir`` before anything is computed or written; writes nothing.

    A new or empty folder is fine. A folder with files is refused unless ``overwrite``; then
    every file in it must be listed by the previous run's manifest (or be a temporary file
    that an interrupted write left behind).
    """
    folder = Path(out_dir)
    if is_symlink(folder):
        raise ReportError(
            f"{folder}: the output folder is a symbolic link; give the real folder (a planted "
            "link would send the report elsewhere)."
        )
    if not folder.exists():
        return OutputFolder(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder}: is a file, not a folder; choose a folder for --out.")
    files, folders = _entries(folder)
    if not files:
        return OutputFolder(folder)
    if not overwrite:
        raise ReportError(
            f"{folder}: the folder already holds files ({_shown(files)}). A report goes into a "
            "new or empty folder; choose another --out, or give --overwrite to replace the "
            f"previous report there (only the files its {MANIFEST_NAME} lists are removed)."
        )
    listed = listed_files(_previous_manifest(folder))
    listed.update(f for f in files if LEFTOVER.fullmatch(f))
    unlisted = [f for f in files if f not in listed] + [d for d in folders if d != FIGURES]
    if unlisted:
        raise ReportError(
            f"{folder}: --overwrite removes only the files that the previous report's "
            f"{MANIFEST_NAME} lists, and these are not listed: {_shown(sorted(unlisted))}. "
            "Move them away, or choose another --out."
        )
    return OutputFolder(folder, previous=tuple(files))


def write_folder(
    folder: OutputFolder, documents: Mapping[str, bytes], manifest: Mapping[str, Any]
) -> list[Path]:
    """Remove the previous report's files, then write the manifest and ``documents``.

    The manifest comes before the documents so that, should writing stop half-way, every
    file in the folder is still listed by a manifest and a later ``--overwrite`` can clear
    it. Returns the paths written: the documents in name order, then the manifest.
    """
    out = folder.path
    try:
        make_private_dir(out)
        if any(name.startswith(f"{FIGURES}/") for name in documents):
            make_private_dir(out / FIGURES)
        for name in folder.previous:
            if name != MANIFEST_NAME:
                remove_file(out / name)
        manifest_path = write_manifest(out, manifest)
        written = [write_bytes(out / name, documents[name]) for name in sorted(documents)]
    except UnsafePathError as exc:
        raise ReportError(str(exc)) from None
    return [*written, manifest_path]
