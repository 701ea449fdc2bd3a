"""``manifest.json``: what a report folder was made from, so anyone can check and remake it.

The manifest records the package version, the protocol's SHA-256, the seed of an open trial
(``null`` for a sealed one: its draws come from a secret that no report shows), the report
settings (kind, language, as-of date, formats, blinded), the SHA-256 of every input file and
the register's **anchor** (:mod:`participatie_rct.registry.anchor`): keep the manifest, and
``verify --anchor manifest.json`` later finds a register cut short or rewritten since.
No clock is read: the run date is the ``as_of`` input, so the same inputs give the same bytes
(docs/conventions.md, rule 13). Paths are recorded relative to the data folder, never absolute.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build_manifest(
    *,
    package_version: str,
    protocol_sha256: str,
    seed: int | None,
    settings: Mapping[str, Any],
    inputs: Mapping[str, str],
    outputs: Mapping[str, str],
    register: Mapping[str, Any],
) -> dict[str, Any]:
    """The manifest as a JSON-ready dict with sorted, stable keys.

    ``inputs`` maps an input's name (``data/participants.csv``) to its SHA-256, ``outputs`` the
    report files written beside the manifest to theirs; ``register`` describes the register's
    state (number assigned, hash of its last record) without naming anybody.
    """
    return {
        "manifest_version": MANIFEST_VERSION,
        "package": "participatie-rct",
        "package_version": package_version,
        "protocol_sha256": protocol_sha256,
        "seed": None if seed is None else int(seed),
        "anchor": register.get("anchor"),
        "settings": dict(settings),
        "register": dict(register),
        "inputs": dict(sorted(inputs.items())),
        "outputs": dict(sorted(outputs.items())),
    }


def write_manifest(folder: str | Path, manifest: Mapping[str, Any]) -> Path:
    """Write ``manifest.json`` into ``folder`` (UTF-8, sorted keys, trailing newline), through
    a safe write (:mod:`participatie_rct.safe_files`: private, atomic, never through a link)."""
    from participatie_rct.safe_files import write_text

    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return write_text(Path(folder) / MANIFEST_NAME, text)
