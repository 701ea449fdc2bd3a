"""Safe writes: every file the tool writes goes through here.

A file is written to a temporary file that is created exclusively (``O_CREAT | O_EXCL``,
``O_NOFOLLOW`` where the system has it) under a random name in the target's own folder,
flushed to disk (``fsync``), given its final mode and then renamed over the target with
``os.replace``. So

* a reader never sees half a file, and a failure leaves the old file (or nothing) behind;
* a symlink planted at the target path, or at a temporary name an attacker guessed, is never
  written through: the target is refused when it is a symlink, and the temporary name is
  random and opened exclusively, so an existing entry of that name makes the open fail;
* files hold participant data or keys, so they are created readable by their owner only
  (:data:`FILE_MODE`, 0600) and the folders the tool creates likewise (:data:`DIR_MODE`, 0700).

``docs/output-safety.md`` lists what the tool writes and why. This module sits at the bottom
of the package (beside :mod:`participatie_rct.errors`), so every layer may use it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from participatie_rct.errors import ParticipatieRCTError

#: Mode of every file the tool creates: read and write for the owner only.
FILE_MODE = 0o600
#: Mode of every folder the tool creates.
DIR_MODE = 0o700

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class UnsafePathError(ParticipatieRCTError):
    """A path to write is a symlink, not the kind of entry expected, or cannot be written.

    The message is ``PATH: REASON; FIX``; ``reason`` alone serves callers that word their own.
    """

    def __init__(self, path: str | Path, reason: str | None = None, fix: str = "") -> None:
        # one argument: an already formatted message (as when the error is unpickled)
        super().__init__(str(path) if reason is None else f"{path}: {reason}; {fix}")
        self.reason = str(path) if reason is None else reason


def is_symlink(path: str | Path) -> bool:
    """True when ``path`` itself is a symbolic link (the link is not followed)."""
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def refuse_symlink(path: str | Path, *, what: str = "file") -> None:
    """Refuse ``path`` when it is a symlink: a planted link would redirect the write."""
    if is_symlink(path):
        raise UnsafePathError(
            path,
            f"this {what} is a symbolic link, and participatie-rct never writes through a link",
            "remove the link or give the real path.",
        )


def make_private_dir(path: str | Path) -> Path:
    """Create folder ``path`` (and missing parents) with mode 0700; an existing one is kept.

    A symlink at ``path`` is refused; so is a file. The mode of a folder that already exists
    is left as its owner set it.
    """
    folder = Path(path)
    refuse_symlink(folder, what="folder")
    if folder.exists() and not folder.is_dir():
        raise UnsafePathError(folder, "this is a file, not a folder", "give a folder.")
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for part in reversed(missing):
        try:
            os.mkdir(part, DIR_MODE)
        except FileExistsError:
            refuse_symlink(part, what="folder")
        except OSError as exc:
            raise UnsafePathError(
                part,
                f"cannot create the folder ({exc.strerror or exc})",
                "check the path and that you may write there.",
            ) from None
    return folder


def create_private_file(path: str | Path) -> bool:
    """Create an empty file at ``path`` with mode 0600 unless something is there already.

    Returns True when the file was created. Used before a library (SQLite) creates the file
    itself with the process umask. A symlink at ``path`` is refused and left alone.
    """
    refuse_symlink(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, FILE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def _temporary(target: Path) -> tuple[int, Path]:
    """A new temporary file beside ``target``: random name, created exclusively, mode 0600."""
    # mkstemp opens with O_CREAT | O_EXCL (and O_NOFOLLOW where available) and retries
    # on a name that exists, so a link planted at a guessed name is never opened.
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    return fd, Path(name)


def _set_mode(fd: int, path: Path, mode: int) -> None:
    """Set the mode through the open file where the system can (no path lookup to race)."""
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:  # pragma: no cover - Windows before Python 3.13
        os.chmod(path, mode)


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable: fsync the folder (not possible on every system; then skip)."""
    try:
        fd = os.open(folder, os.O_RDONLY | _CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _exists(target: Path) -> UnsafePathError:
    return UnsafePathError(
        target, "the file exists and is never overwritten", "choose a new file name."
    )


def _cannot_create(target: Path, exc: OSError) -> UnsafePathError:
    return UnsafePathError(
        target,
        f"cannot write there ({exc.strerror or exc})",
        "check that you may write in that folder.",
    )


def _check_target(target: Path, *, overwrite: bool) -> None:
    refuse_symlink(target)
    if target.exists() and not target.is_file():
        raise UnsafePathError(target, "this is not a regular file", "give a file name.")
    if not overwrite and target.exists():
        raise _exists(target)
    if not target.parent.is_dir():
        raise UnsafePathError(
            target,
            f"the folder {target.parent} does not exist",
            "create it or choose another path.",
        )


def _temporary_for(target: Path, *, overwrite: bool) -> tuple[int, Path]:
    """Check ``target`` may be written, then make the private temporary file beside it."""
    _check_target(target, overwrite=overwrite)
    try:
        return _temporary(target)
    except OSError as exc:
        raise _cannot_create(target, exc) from None


def _install(temporary: Path, target: Path, *, overwrite: bool) -> None:
    """Move the finished temporary file to ``target`` in one step."""
    refuse_symlink(target)  # again: a link may have been planted while we wrote
    if overwrite:
        os.replace(temporary, target)
        return
    try:
        os.link(temporary, target)  # fails when target exists: no clobbering, no race
    except FileExistsError:
        raise _exists(target) from None
    except OSError:
        # a file system without hard links: check, then rename (a small window remains)
        if os.path.lexists(target):
            raise _exists(target) from None
        os.replace(temporary, target)
        return
    os.unlink(temporary)


@contextlib.contextmanager
def atomic_path(
    path: str | Path, *, overwrite: bool = True, mode: int = FILE_MODE
) -> Iterator[Path]:
    """Yield the path of a fresh private temporary file; on success it becomes ``path``.

    For writers that need a file name rather than bytes (SQLite's backup API, ``pg_dump``).
    The temporary file exists, is empty and has mode 0600 when the block starts; on an
    exception it is removed and ``path`` is untouched. ``overwrite=False`` refuses an
    existing ``path`` (before and, atomically, after writing).
    """
    target = Path(path)
    fd, temporary = _temporary_for(target, overwrite=overwrite)
    os.close(fd)
    try:
        yield temporary
        refuse_symlink(temporary, what="temporary file")
        finished = os.open(temporary, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
        try:
            _set_mode(finished, temporary, mode)
            os.fsync(finished)
        finally:
            os.close(finished)
        _install(temporary, target, overwrite=overwrite)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    _fsync_folder(target.parent)


@dataclass(frozen=True)
class Staged:
    """A finished private temporary file beside ``target``, not yet installed."""

    temporary: Path
    target: Path
    overwrite: bool


def stage(
    path: str | Path,
    chunks: Iterable[bytes],
    *,
    overwrite: bool = True,
    mode: int = FILE_MODE,
) -> Staged:
    """Write ``chunks`` (streamed: memory does not grow with the file) to a fresh private
    temporary file beside ``path``, flushed to disk; :func:`install` makes it ``path``.

    Staging several files before installing any gives all-or-nothing across files.
    """
    target = Path(path)
    fd, temporary = _temporary_for(target, overwrite=overwrite)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            _set_mode(handle.fileno(), temporary, mode)
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return Staged(temporary, target, overwrite)


def install(staged: Staged) -> Path:
    """Rename a staged file over its target (never through a link); return the target."""
    _install(staged.temporary, staged.target, overwrite=staged.overwrite)
    _fsync_folder(staged.target.parent)
    return staged.target


def discard(staged: Staged) -> None:
    """Remove a staged file that was not installed (nothing happens once it was)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(staged.temporary)


def write_bytes(
    path: str | Path, data: bytes, *, overwrite: bool = True, mode: int = FILE_MODE
) -> Path:
    """Write ``data`` to ``path`` safely (see the module docstring); return ``path``."""
    try:
        staged = stage(path, [data], overwrite=overwrite, mode=mode)
        try:
            return install(staged)
        finally:
            discard(staged)
    except OSError as exc:
        raise UnsafePathError(
            path, f"cannot write the file ({exc.strerror or exc})", "nothing was changed."
        ) from None


def write_text(
    path: str | Path, text: str, *, overwrite: bool = True, mode: int = FILE_MODE
) -> Path:
    """Write ``text`` as UTF-8 to ``path`` safely; return ``path``."""
    return write_bytes(path, text.encode("utf-8"), overwrite=overwrite, mode=mode)


def remove_file(path: str | Path) -> None:
    """Remove a regular file (or a dangling entry); never follows a link, never a folder."""
    target = Path(path)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        raise UnsafePathError(target, "this is a folder, not a file", "remove it by hand.")
    os.unlink(target)
