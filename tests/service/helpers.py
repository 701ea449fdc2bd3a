"""Helpers of the service tests: a register with users of every role, test BSNs, schemas."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from participatie_rct.protocol import Protocol
from participatie_rct.registry import Register, users
from participatie_rct.registry.users import Role

try:  # key files in the keygen form when the package has it, else the bytes themselves
    from participatie_rct.keyfiles import encode_key  # type: ignore[import-not-found,unused-ignore]
except ImportError:
    encode_key = None

_KEY_RAW = hashlib.sha256(b"participatie-rct service tests: key").digest()
_SECRET_RAW = hashlib.sha256(b"participatie-rct service tests: secret").digest()
if encode_key is not None:
    KEY, SECRET = _KEY_RAW, _SECRET_RAW
    KEY_TEXT, SECRET_TEXT = encode_key(KEY), encode_key(SECRET)
else:
    KEY_TEXT, SECRET_TEXT = _KEY_RAW.hex(), _SECRET_RAW.hex()
    KEY, SECRET = KEY_TEXT.encode(), SECRET_TEXT.encode()
#: every form in which the key or the secret could leak
SECRET_NEEDLES = (KEY_TEXT, SECRET_TEXT, KEY.hex(), SECRET.hex(), _KEY_RAW.hex(), _SECRET_RAW.hex())


def write_key_files(folder: Path) -> tuple[Path, Path]:
    """The key file and the secret file in ``folder``, readable by their owner only."""
    paths = folder / "trial.key", folder / "trial.secret"
    for path, text in zip(paths, (KEY_TEXT, SECRET_TEXT), strict=True):
        path.write_text(text + "\n", encoding="ascii")
        path.chmod(0o600)
    return paths


PROTOCOL = """
[trial]
name = "Service trial"
seed = 20180213

[[arms]]
key = "control"
label_nl = "Controlgroep"
label_en = "Control"

[[arms]]
key = "earn_more"
label_nl = "Bijverdienen"
label_en = "Earn more"

[assignment]
method = "permuted_blocks"
strata = ["site", "age_group"]
block_sizes = [4]

[identifiers]
column = "bsn"
kind = "bsn"
"""


def elfproef_bsns(n: int, *, start: int = 123_000_000) -> list[str]:
    """``n`` distinct 9-digit numbers that pass the elfproef (test numbers, nobody's)."""
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    out: list[str] = []
    number = start
    while len(out) < n:
        text = f"{number:09d}"
        if sum(w * int(d) for w, d in zip(weights, text, strict=True)) % 11 == 0:
            out.append(text)
        number += 1
    return out


@dataclass
class Trial:
    """A register with one user per role (and two assigners at different sites)."""

    url: str
    tokens: dict[str, str]


def make_trial(url: str, text: str = PROTOCOL) -> Trial:
    """Create the register at ``url`` and add users: ede/tiel assigners, monitor, stats, admin."""
    protocol = Protocol.from_text(text, source="trial.toml")
    tokens: dict[str, str] = {}
    with Register.create(url, protocol, key=KEY) as reg:
        for name, role, sites in (
            ("ede", Role.ASSIGNER, ["Ede"]),
            ("tiel", Role.ASSIGNER, ["Tiel"]),
            ("both", Role.ASSIGNER, ["Ede", "Tiel"]),
            ("monitor", Role.MONITOR, []),
            ("stats", Role.STATISTICIAN, []),
            ("admin", Role.ADMIN, []),
            ("gone", Role.ASSIGNER, ["Ede"]),
        ):
            _user, tokens[name] = users.add_user(reg, name, role, sites, by="test")
        users.revoke_user(reg, "gone", by="test")
    return Trial(url, tokens)


def pg_schema_url(base: str) -> Iterator[str]:
    """A fresh schema with a random name in the server at ``base``, dropped afterwards."""
    import sqlalchemy as sa

    schema = f"prct_svc_{secrets.token_hex(6)}"
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


def sqlite_url(folder: Path) -> str:
    """An SQLite register URL in ``folder``."""
    return f"sqlite:///{folder / 'trial.db'}"
