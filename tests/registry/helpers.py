"""Helpers of the register tests: protocols, test BSNs, participants files, PostgreSQL schemas."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from participatie_rct.protocol import Protocol

_ARMS = "".join(
    f'[[arms]]\nkey = "{key}"\nratio = 1\n\n'
    for key in ("control", "earn_more", "intensive_support", "no_application_duty")
)


def protocol_text(assignment: str, *, seed: int | None = 20170901, identifiers: str = "") -> str:
    """A four-arm protocol (the arms of docs/architecture.md) with the given ``[assignment]`` body.

    Open with ``seed`` (the register tests' default); ``seed=None`` makes it sealed.
    """
    ids = f"\n[identifiers]\n{identifiers.strip()}\n" if identifiers else ""
    head = 'concealment = "sealed"' if seed is None else f"seed = {seed}"
    trial = f'[trial]\nname = "Test trial"\n{head}\n\n'
    return f"{trial}{_ARMS}[assignment]\n{assignment.strip()}\n{ids}"


BLOCKS = 'method = "permuted_blocks"\nstrata = ["site", "age_group"]\nblock_sizes = [4, 8]'
PSEUDONYMS = 'column = "id"\nkind = "pseudonym"'


def elfproef_bsns(n: int, *, start: int = 100_000_000) -> list[str]:
    """``n`` distinct 9-digit numbers that pass the elfproef (test BSNs, nobody's)."""
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    out: list[str] = []
    number = start
    while len(out) < n:
        text = f"{number:09d}"
        if sum(w * int(d) for w, d in zip(weights, text, strict=True)) % 11 == 0:
            out.append(text)
        number += 1
    return out


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the command line in-process: exit code, stdout and stderr."""
    from participatie_rct.cli import main

    with pytest.raises(SystemExit) as caught:
        main(args)
    out, err = capsys.readouterr()
    return int(caught.value.code or 0), out, err


def make_protocol(
    assignment: str = BLOCKS, *, identifiers: str = PSEUDONYMS, seed: int | None = 20170901
) -> Protocol:
    """A four-arm protocol (tests/conftest.py) parsed from text."""
    return Protocol.from_text(
        protocol_text(assignment, seed=seed, identifiers=identifiers), source="trial.toml"
    )


def participants_csv(
    path: Path,
    ids: list[str],
    *,
    column: str = "id",
    sites: tuple[str, ...] = ("Ede", "Tiel"),
    consent: list[str] | None = None,
    blanks: tuple[int, ...] = (),
) -> Path:
    """Write a participants file in the Dutch dialect (``;``, day-month-year dates)."""
    lines = [f"{column};site;enrolled_on;birth_year;sex;months_on_benefit;age_group;consent"]
    for i, ident in enumerate(ids):
        age = "" if i in blanks else ("<27", "27-44", "45+")[i % 3]
        agree = consent[i] if consent is not None else "ja"
        lines.append(
            f"{ident};{sites[i % len(sites)]};13-02-2018;{1960 + i % 40};{'vm'[i % 2]};"
            f"{i % 60};{age};{agree}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def frame_of(ids: list[str], *, sites: tuple[str, ...] = ("Ede", "Tiel")):
    """A validated-looking participants frame (what load_table returns) for pseudonymous ids."""
    import pandas as pd

    return pd.DataFrame(
        {
            "participant": ids,
            "site": [sites[i % len(sites)] for i in range(len(ids))],
            "enrolled_on": pd.to_datetime(["2018-02-13"] * len(ids)),
            "age_group": [("<27", "27-44", "45+")[i % 3] for i in range(len(ids))],
        }
    )


def pg_schema_url(base: str) -> Iterator[str]:
    import sqlalchemy as sa

    schema = f"prct_test_{secrets.token_hex(6)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()
