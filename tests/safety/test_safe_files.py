"""Safe writes: private, atomic, exclusive temporary files, never through a planted symlink."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from participatie_rct.errors import ParticipatieRCTError
from participatie_rct.safe_files import (
    UnsafePathError,
    atomic_path,
    create_private_file,
    make_private_dir,
    remove_file,
    write_bytes,
    write_text,
)

from .helpers import mode


def test_a_new_file_is_private_whatever_the_umask(tmp_path: Path, open_umask) -> None:
    target = write_text(tmp_path / "out.csv", "a,b\n")
    assert target.read_text() == "a,b\n"
    assert mode(target) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary file left


def test_a_folder_the_tool_creates_is_private(tmp_path: Path, open_umask) -> None:
    folder = make_private_dir(tmp_path / "a" / "b")
    assert mode(folder) == 0o700 and mode(tmp_path / "a") == 0o700


def test_a_symlink_at_the_target_is_refused_and_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "export.csv"
    link.symlink_to(victim)
    with pytest.raises(
        UnsafePathError, match="symbolic link, and participatie-rct never writes through"
    ):
        write_bytes(link, b"participant data")
    assert victim.read_text() == "precious" and link.is_symlink()


def test_a_dangling_symlink_at_the_target_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "export.csv"
    link.symlink_to(tmp_path / "elsewhere" / "loot.csv")
    with pytest.raises(UnsafePathError):
        write_bytes(link, b"participant data")
    assert not (tmp_path / "elsewhere").exists()


def test_a_symlink_at_a_guessed_temporary_name_is_never_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attacker guesses the next random name; the exclusive open skips to another."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    names = iter(["guessed", "second"])
    monkeypatch.setattr(tempfile, "_get_candidate_names", lambda: names)
    trap = tmp_path / ".out.csv.guessed.tmp"
    trap.symlink_to(victim)
    write_bytes(tmp_path / "out.csv", b"data")
    assert victim.read_text() == "precious" and trap.is_symlink()
    assert (tmp_path / "out.csv").read_bytes() == b"data"


def test_the_old_predictable_partial_name_is_no_trap(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / ".out.csv.partial").symlink_to(victim)
    write_bytes(tmp_path / "out.csv", b"data")
    assert victim.read_text() == "precious"


def test_overwrite_false_never_replaces_a_file(tmp_path: Path) -> None:
    target = tmp_path / "backup.db"
    target.write_bytes(b"old")
    with pytest.raises(UnsafePathError, match="never overwritten"):
        write_bytes(target, b"new", overwrite=False)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["backup.db"]


def test_atomic_path_leaves_nothing_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "backup.db"
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        assert mode(temporary) == 0o600 and temporary.parent == tmp_path
        temporary.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_installs_the_finished_file(tmp_path: Path) -> None:
    target = tmp_path / "backup.db"
    with atomic_path(target, overwrite=False) as temporary:
        temporary.write_bytes(b"whole")
    assert target.read_bytes() == b"whole" and mode(target) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["backup.db"]


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(ParticipatieRCTError, match="does not exist; create it"):
        write_bytes(tmp_path / "nowhere" / "x.csv", b"")


def test_create_private_file_keeps_an_existing_file(tmp_path: Path, open_umask) -> None:
    path = tmp_path / "trial.db"
    assert create_private_file(path) and mode(path) == 0o600
    path.write_bytes(b"data")
    assert not create_private_file(path) and path.read_bytes() == b"data"


def test_remove_file_removes_a_link_not_its_target(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "old.svg"
    link.symlink_to(victim)
    remove_file(link)
    assert not link.is_symlink() and victim.read_text() == "precious"


def test_the_error_survives_a_process_boundary() -> None:
    import pickle

    error = UnsafePathError(Path("/data/x.csv"), "cannot write there (denied)", "check it.")
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error) == "/data/x.csv: cannot write there (denied); check it."
    assert again.reason == "cannot write there (denied)"
