"""Helpers of the service tests: a register with users of every role (test BSNs and
PostgreSQL schemas come from the register tests' helpers)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from participatie_rct.keyfiles import encode_key
from participatie_rct.protocol import Protocol
from participatie_rct.registry import Register, users
from participatie_rct.registry.users import Role
from registry.helpers import elfproef_bsns as elfproef_bsns
from registry.helpers import pg_schema_url as pg_schema_url

KEY = hashlib.sha256(b"participatie-rct service tests: key").digest()
SECRET = hashlib.sha256(b"participatie-rct service tests: secret").digest()
KEY_TEXT, SECRET_TEXT = encode_key(KEY), encode_key(SECRET)
#: every form in which the key or the secret could leak
SECRET_NEEDLES = (KEY_TEXT, SECRET_TEXT, KEY.hex(), SECRET.hex())


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


@dataclass
class Trial:
    """A register with one user per role (and two assigners at different sites)."""

    url: str
    tokens: dict[str, str]


#: the same trial, sealed: its draws and its blinding letters come from a trial secret
SEALED = PROTOCOL.replace("seed = 20180213", 'concealment = "sealed"')


def make_trial(url: str, text: str = PROTOCOL, *, secret: bytes | None = None) -> Trial:
    """Create the register at ``url`` and add users: ede/tiel assigners, monitor, stats, admin.

    A sealed protocol needs its trial ``secret``.
    """
    protocol = Protocol.from_text(text, source="trial.toml")
    tokens: dict[str, str] = {}
    with Register.create(url, protocol, key=KEY, secret=secret) as reg:
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


def sqlite_url(folder: Path) -> str:
    """An SQLite register URL in ``folder``."""
    return f"sqlite:///{folder / 'trial.db'}"
