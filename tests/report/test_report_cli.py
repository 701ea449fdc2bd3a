"""The report and demo commands: JSON output, refusals with exit code 2, light --help."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from participatie_rct.cli import main


def run(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    captured = capsys.readouterr()
    return stop.value.code, captured.out, captured.err


def test_report_json(demo, tmp_path, capsys) -> None:
    code, out, err = run(
        [
            "report",
            "interim",
            "--db",
            demo.db_url,
            "--data",
            str(demo.data_dir),
            "--out",
            str(tmp_path / "r"),
            "--lang",
            "en",
            "--as-of",
            "2018-10-31",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    payload = json.loads(out)
    assert (
        payload["kind"] == "interim"
        and payload["language"] == "en"
        and payload["as_of"] == "2018-10-31"
    )
    assert "report.html" in payload["files"] and "manifest.json" in payload["files"]
    numbers = {"estimate", "ci_low", "ci_high", "p_holm", "n"}
    for row in payload["headline"]:  # an effect the report hides is hidden here too
        assert set(row) == {"arm", "hidden"} if row["hidden"] else {"arm", *numbers} <= set(row)
    assert (tmp_path / "r" / "report.html").is_file()


def test_report_text_names_the_folder(demo, tmp_path, capsys) -> None:
    code, out, _ = run(
        [
            "report",
            "final",
            "--db",
            demo.db_url,
            "--data",
            str(demo.data_dir),
            "--out",
            str(tmp_path / "f"),
            "--formats",
            "md",
        ],
        capsys,
    )
    assert code == 0
    assert str(tmp_path / "f") in out and "pp" in out
    assert (tmp_path / "f" / "report.md").is_file() and not (
        tmp_path / "f" / "report.html"
    ).exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--formats", "html,docx"], "'docx' is not a report format"),
        (["--as-of", "31/12/2019"], "'--as-of': '31/12/2019' is not a day; write it as"),
        (["--as-of", "2016-01-31"], "nobody assigned on or before the as-of date 2016-01-31"),
    ],
)
def test_bad_input_exits_2_with_one_line(demo, tmp_path, capsys, extra, message) -> None:
    code, out, err = run(
        [
            "report",
            "final",
            "--db",
            demo.db_url,
            "--data",
            str(demo.data_dir),
            "--out",
            str(tmp_path / "x"),
            *extra,
        ],
        capsys,
    )
    assert code == 2
    assert message in err and err.count("\n") == 1 and out == ""
    assert not (tmp_path / "x").exists()  # nothing written when refused


def test_missing_data_folder_is_refused(demo, tmp_path, capsys) -> None:
    code, _, err = run(
        [
            "report",
            "final",
            "--db",
            demo.db_url,
            "--data",
            str(tmp_path / "nowhere"),
            "--out",
            str(tmp_path / "x"),
        ],
        capsys,
    )
    assert code == 2
    assert "no such data folder" in err


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from participatie_rct.cli import main\n"
        "for argv in (['report', '--help'], ['demo', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "names = ('pandas', 'numpy', 'scipy', 'statsmodels', 'plotnine', 'sqlalchemy')\n"
        "names += ('matplotlib', 'linearmodels')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY=\n" in done.stdout or done.stdout.strip().endswith("HEAVY=")
    assert "--blinded" in done.stdout and "--as-of" in done.stdout
