"""Key files: the one text form of a trial secret and of a pseudonymisation key.

A key is 32 random bytes from the operating system (:func:`secrets.token_bytes`), written as
one line of text that says what it is::

    prct-key-v1.<43 characters of base64url>.<8 hex digits of checksum>

The prefix names the format and its version, so a wrong file (a protocol, a password, a key
of another program) is recognised at once; the checksum (the first four bytes of
``SHA-256("participatie-rct key checksum v1" || key)``) catches a typo or a truncated copy.
Anything else is refused, with the command that makes a proper key. A short password can be
guessed; 256 random bits cannot, which is what every promise of ``docs/threat-model.md``
rests on.

Key files are secret: :func:`write_key_file` creates them with mode 0600 through an exclusive
create (never overwriting, never following a planted symlink), and :func:`load_key` and
:func:`load_secret` refuse a file that its group or others may read, as ssh does, naming the
``chmod`` that fixes it. One format serves both uses:

* the **trial secret** (``--secret-file`` or ``$PARTICIPATIE_RCT_SECRET``) from which a sealed
  trial's random draws, chain key and blinding letters are derived (:mod:`.concealment`);
* the **pseudonymisation key** (``--key-file`` or ``$PARTICIPATIE_RCT_KEY``) that turns BSNs
  into pseudonyms.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

from participatie_rct.errors import KeyMissingError

KEY_BYTES = 32
PREFIX = "prct-key-v1"
KEY_ENV = "PARTICIPATIE_RCT_KEY"
SECRET_ENV = "PARTICIPATIE_RCT_SECRET"
MAKE_ONE = "Make one with: participatie-rct keygen --out trial.key"
_CHECKSUM_LABEL = b"participatie-rct key checksum v1"
_FINGERPRINT_LABEL = b"participatie-rct key fingerprint v1"


def _checksum(raw: bytes) -> str:
    return hashlib.sha256(_CHECKSUM_LABEL + raw).hexdigest()[:8]


def encode_key(raw: bytes) -> str:
    """The text form of ``raw`` (32 bytes).

    >>> text = encode_key(bytes(32))
    >>> text.startswith("prct-key-v1.") and decode_key(text) == bytes(32)
    True
    """
    if len(raw) != KEY_BYTES:
        raise ValueError(f"a key is {KEY_BYTES} bytes; got {len(raw)}")
    body = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    return f"{PREFIX}.{body}.{_checksum(raw)}"


def new_key() -> str:
    """A new key in text form: 32 bytes from the operating system's random source."""
    return encode_key(secrets.token_bytes(KEY_BYTES))


def decode_key(text: str, *, source: str = "the key") -> bytes:
    """The 32 bytes of a key in text form; :class:`KeyMissingError` for anything else.

    The message never repeats the text given: it may be a password or a secret.
    """
    parts = text.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise KeyMissingError(
            f"{source}: not a participatie-rct key (a key is one line starting with "
            f"'{PREFIX}.'; passwords and other formats are refused because they can be "
            f"guessed). {MAKE_ONE}"
        )
    try:
        raw = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES or not hmac.compare_digest(_checksum(raw), parts[2].lower()):
        raise KeyMissingError(
            f"{source}: the key is damaged (its checksum does not match): a character was "
            f"changed, lost or added in copying. Copy the key file again, or {MAKE_ONE[0].lower()}"
            f"{MAKE_ONE[1:]} (a new key only for a new trial)."
        )
    return raw


def write_key_file(path: str | Path, *, raw: bytes | None = None) -> Path:
    """Create ``path`` holding a new key (or ``raw``), mode 0600; refuse when anything is there.

    The file is created exclusively (``O_CREAT | O_EXCL``), so an existing key, another file or
    a planted symlink is never overwritten or followed.
    """
    target = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(target, flags, 0o600)
    except FileExistsError:
        raise KeyMissingError(
            f"{target}: a file is already there; keygen never overwrites (a lost key cannot "
            "be made again). Choose another --out path."
        ) from None
    except OSError as exc:
        raise KeyMissingError(
            f"{target}: cannot create the key file ({exc.strerror}). Check that the folder "
            "exists and that you may write there."
        ) from None
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write((new_key() if raw is None else encode_key(raw)) + "\n")
    return target


def _read_file(path: Path, what: str) -> bytes:
    try:
        info = path.stat()
    except OSError as exc:
        raise KeyMissingError(f"{path}: cannot read the {what} file ({exc.strerror}).") from None
    if not stat.S_ISREG(info.st_mode):
        raise KeyMissingError(f"{path}: the {what} file is not a regular file.")
    if os.name == "posix" and info.st_mode & 0o077:
        mode = stat.S_IMODE(info.st_mode)
        raise KeyMissingError(
            f"{path}: the {what} file may be read by others (mode {mode:04o}); a secret must "
            f"be readable by its owner only. Fix it with: chmod 600 {path}"
        )
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        text = ""
    return decode_key(text, source=str(path))


def _load(
    path: str | Path | None, *, env: str, what: str, environ: Mapping[str, str] | None
) -> bytes | None:
    if path is not None:
        return _read_file(Path(path), what)
    value = (os.environ if environ is None else environ).get(env, "")
    if not value.strip():
        return None
    return decode_key(value, source=f"${env}")


def optional_key(
    path: str | Path | None, *, environ: Mapping[str, str] | None = None
) -> bytes | None:
    """The pseudonymisation key from ``path``, else ``$PARTICIPATIE_RCT_KEY``, else None."""
    return _load(path, env=KEY_ENV, what="key", environ=environ)


def optional_secret(
    path: str | Path | None, *, environ: Mapping[str, str] | None = None
) -> bytes | None:
    """The trial secret from ``path``, else ``$PARTICIPATIE_RCT_SECRET``, else None."""
    return _load(path, env=SECRET_ENV, what="secret", environ=environ)


def load_key(path: str | Path | None) -> bytes:
    """The pseudonymisation key from ``path`` (or ``$PARTICIPATIE_RCT_KEY`` when None).

    Refuses a missing key, a file others may read, and anything not made by ``keygen``.
    """
    key = optional_key(path)
    if key is None:
        raise KeyMissingError(
            f"No pseudonymisation key: pass --key-file FILE or set ${KEY_ENV}. {MAKE_ONE}"
        )
    return key


def load_secret(path: str | Path | None) -> bytes:
    """The trial secret from ``path`` (or ``$PARTICIPATIE_RCT_SECRET`` when None).

    Refuses a missing secret, a file others may read, and anything not made by ``keygen``.
    """
    secret = optional_secret(path)
    if secret is None:
        raise KeyMissingError(
            f"No trial secret: pass --secret-file FILE or set ${SECRET_ENV}. {MAKE_ONE}"
        )
    return secret


def key_fingerprint(key: bytes) -> str:
    """What the register stores to recognise the pseudonymisation key: an HMAC, not a hash.

    ``HMAC-SHA256(key, fixed label)``: computing it needs the key itself, so the fingerprint
    tells a guesser nothing beyond "this guess is right", and 2^256 guesses are out of reach.
    """
    return hmac.new(key, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()
