"""Report output folders: refused when they hold files, ``--overwrite`` removes only what the
previous report's manifest lists, and links planted in the folder are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import run

ARM_LABELS = ("Control", "No application duty")


def report_args(trial, out: Path, kind: str = "interim", *extra: str) -> list[str]:
    return [
        "report",
        kind,
        "--db",
        trial.db,
        "--data",
        str(trial.data),
        "--out",
        str(out),
        "--lang",
        "en",
        *extra,
    ]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def interim(hostile_trial, tmp_path_factory) -> Path:
    """An unblinded interim report (it has figures/boundary.svg), written once."""
    from participatie_rct.trial import write_report

    out = tmp_path_factory.mktemp("folders") / "interim"
    write_report(hostile_trial.db, hostile_trial.data, out, kind="interim", language="en")
    assert (out / "figures" / "boundary.svg").is_file()
    return out


def copy_of(folder: Path, target: Path) -> Path:
    import shutil

    shutil.copytree(folder, target)
    return target


def test_a_folder_with_files_is_refused_and_left_unchanged(
    hostile_trial, interim, tmp_path, capsys
) -> None:
    out = copy_of(interim, tmp_path / "r")
    before = snapshot(out)
    code, stdout, err = run(report_args(hostile_trial, out, "final"), capsys)
    assert code == 2 and stdout == ""
    assert "already holds files" in err and "--overwrite" in err and err.count("\n") == 1
    assert snapshot(out) == before


def test_overwrite_leaves_no_stale_file(hostile_trial, interim, tmp_path, capsys) -> None:
    out = copy_of(interim, tmp_path / "r")
    code, _, err = run(report_args(hostile_trial, out, "final", "--overwrite"), capsys)
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    present = set(snapshot(out))
    assert not (out / "figures" / "boundary.svg").exists()  # the interim's figure is gone
    assert present == {*manifest["outputs"], "manifest.json"}
    assert manifest["settings"]["kind"] == "final"


def test_a_blinded_report_over_an_unblinded_one_keeps_no_arm_name(
    hostile_trial, interim, tmp_path, capsys
) -> None:
    out = copy_of(interim, tmp_path / "r")
    code, _, err = run(report_args(hostile_trial, out, "final", "--blinded", "--overwrite"), capsys)
    assert code == 0, err
    assert not (out / "figures" / "boundary.svg").exists()
    for name, data in snapshot(out).items():
        text = data.decode("utf-8", errors="replace")
        for label in ARM_LABELS:
            assert label not in text, f"{name} still names the arm {label!r}"


def test_overwrite_refuses_a_file_the_manifest_does_not_list(
    hostile_trial, interim, tmp_path, capsys
) -> None:
    out = copy_of(interim, tmp_path / "r")
    (out / "notes.txt").write_text("my own notes")
    (out / "figures" / "mine.svg").write_text("<svg/>")
    before = snapshot(out)
    code, _, err = run(report_args(hostile_trial, out, "final", "--overwrite"), capsys)
    assert code == 2
    assert "these are not listed: figures/mine.svg, notes.txt" in err
    assert snapshot(out) == before


def test_overwrite_refuses_a_folder_without_a_manifest(hostile_trial, tmp_path, capsys) -> None:
    out = tmp_path / "r"
    out.mkdir()
    (out / "report.html").write_text("someone else's")
    code, _, err = run(report_args(hostile_trial, out, "final", "--overwrite"), capsys)
    assert code == 2 and "holds files but no manifest.json" in err
    assert (out / "report.html").read_text() == "someone else's"


def test_a_manifest_cannot_make_overwrite_remove_other_files(
    hostile_trial, interim, tmp_path, capsys
) -> None:
    """A doctored manifest that lists the register or a path outside is not obeyed."""
    out = copy_of(interim, tmp_path / "r")
    outside = tmp_path / "precious.txt"
    outside.write_text("keep")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["outputs"]["../precious.txt"] = "0" * 64
    manifest["outputs"]["trial.db"] = "0" * 64
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "trial.db").write_text("a register")
    code, _, err = run(report_args(hostile_trial, out, "final", "--overwrite"), capsys)
    assert code == 2 and "trial.db" in err
    assert outside.read_text() == "keep" and (out / "trial.db").exists()


@pytest.mark.parametrize("where", ["report.html", "figures/boundary.svg", "figures"])
def test_a_symlink_planted_in_the_folder_is_refused(
    hostile_trial, interim, tmp_path, capsys, where
) -> None:
    out = copy_of(interim, tmp_path / "r")
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "boundary.svg").write_text("precious")
    planted = out / where
    if planted.is_dir():
        import shutil

        shutil.rmtree(planted)
        planted.symlink_to(victim, target_is_directory=True)
    else:
        planted.unlink()
        planted.symlink_to(victim / "boundary.svg")
    code, _, err = run(report_args(hostile_trial, out, "final", "--overwrite"), capsys)
    assert code == 2 and "symbolic link" in err
    assert (victim / "boundary.svg").read_text() == "precious"
    assert planted.is_symlink()


def test_an_output_folder_that_is_a_symlink_is_refused(hostile_trial, tmp_path, capsys) -> None:
    victim = tmp_path / "public"
    victim.mkdir()
    (tmp_path / "r").symlink_to(victim, target_is_directory=True)
    code, _, err = run(report_args(hostile_trial, tmp_path / "r", "final"), capsys)
    assert code == 2 and "is a symbolic link" in err
    assert list(victim.iterdir()) == []


def test_an_empty_folder_is_fine(hostile_trial, tmp_path, capsys) -> None:
    out = tmp_path / "r"
    (out / "figures").mkdir(parents=True)
    code, _, err = run(report_args(hostile_trial, out, "final"), capsys)
    assert code == 0, err
    assert (out / "report.html").is_file()


def test_demo_refuses_a_folder_with_files_unless_overwrite(tmp_path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = run(["demo", "--out", str(tmp_path)], capsys)
    assert code == 2 and "the demo writes into a new or empty folder" in err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_overwrite_clears_what_an_interrupted_write_left(
    hostile_trial, interim, tmp_path, capsys
) -> None:
    out = copy_of(interim, tmp_path / "r")
    (out / ".report.html.k2j4x9_a.tmp").write_text("half a report")
    (out / "figures" / ".forest.svg.0abc12de.tmp").write_text("half a figure")
    code, _, err = run(report_args(hostile_trial, out, "final", "--overwrite"), capsys)
    assert code == 0, err
    assert not [p for p in out.rglob("*.tmp")]
