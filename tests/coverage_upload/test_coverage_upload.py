"""coverage-upload: its shell step run as the runner runs it, and its action.yml shape."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, parse_outputs

ACTION = yaml.safe_load((ROOT / "coverage-upload" / "action.yml").read_text())
STEPS = {step["id"]: step for step in ACTION["runs"]["steps"]}
DEFAULT_FILES = ACTION["inputs"]["files"]["default"]


def prepare(workdir: Path, suffix: str = "3.12", retention: str = "10",
            files: str = DEFAULT_FILES) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Run the `prepare` step's script with the env the runner gives it."""
    output = workdir / "github_output"
    output.touch()
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(workdir),
        "GITHUB_OUTPUT": str(output),
        "SUFFIX": suffix,
        "RETENTION_DAYS": retention,
        "FILES": files,
    }
    done = subprocess.run(["bash", "-e", "-c", STEPS["prepare"]["run"]], cwd=workdir, env=env,
                          capture_output=True, text=True, check=False)
    return done, parse_outputs(output.read_text())


def test_action_is_composite_over_pinned_upload_artifact() -> None:
    assert ACTION["runs"]["using"] == "composite"
    uses = STEPS["upload"]["uses"]
    assert uses.startswith("actions/upload-artifact@") and len(uses.split("@")[1]) == 40
    assert STEPS["upload"]["with"]["if-no-files-found"] == "warn"
    assert STEPS["upload"]["with"]["overwrite"] is True  # a re-run replaces, never fails
    # Inputs reach the shell only through env, never spliced into the script.
    assert "${{" not in STEPS["prepare"]["run"]


@pytest.mark.parametrize(("suffix", "name"), [
    ("3.12", "coverage-3.12"),
    ("ubuntu-latest / 3.11", "coverage-ubuntu-latest - 3.11"),
    ('a:b<c>d|e*f?g"h\\i\nj', "coverage-a-b-c-d-e-f-g-h-i-j"),
])
def test_artifact_name_replaces_forbidden_characters(tmp_path: Path, suffix: str,
                                                     name: str) -> None:
    done, outputs = prepare(tmp_path, suffix=suffix)
    assert done.returncode == 0, done.stderr
    assert outputs["artifact-name"] == name


@pytest.mark.parametrize("retention", ["abc", "-1", "401", "1.5"])
def test_bad_retention_is_an_input_error(tmp_path: Path, retention: str) -> None:
    done, outputs = prepare(tmp_path, retention=retention)
    assert done.returncode == 2
    assert "::error::Invalid input 'retention-days'" in done.stdout
    assert outputs == {}


def test_empty_suffix_is_an_input_error(tmp_path: Path) -> None:
    done, _ = prepare(tmp_path, suffix="  ")
    assert done.returncode == 2 and "'suffix'" in done.stdout


@pytest.mark.parametrize(("retention", "warned"), [("0", False), ("90", False), ("91", True),
                                                   ("400", True)])
def test_retention_above_90_warns(tmp_path: Path, retention: str, warned: bool) -> None:
    done, _ = prepare(tmp_path, retention=retention)
    assert done.returncode == 0
    assert ("at most 90 days" in done.stdout) is warned


def test_each_missing_file_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "coverage.xml").write_text("<coverage/>")
    done, _ = prepare(tmp_path)
    assert done.returncode == 0
    warnings = [line for line in done.stdout.splitlines() if line.startswith("::warning::")]
    assert len(warnings) == 3
    for missing in ("coverage.json", "htmlcov/**", "pytest-report.xml"):
        assert any(missing in line for line in warnings)


def test_reports_are_written_from_the_data_file_when_only_it_exists(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text("def f(x):\n    if x:\n        return 1\n    return 2\n")
    (tmp_path / "main.py").write_text("import mod\nmod.f(1)\n")
    subprocess.run([sys.executable, "-m", "coverage", "run", "--branch", "main.py"],
                   cwd=tmp_path, check=True, capture_output=True)
    assert (tmp_path / ".coverage").exists()
    done, _ = prepare(tmp_path, files="coverage.xml\ncoverage.json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "coverage.json").exists() and (tmp_path / "coverage.xml").exists()
    assert "::warning::" not in done.stdout


def test_existing_reports_are_not_rewritten(tmp_path: Path) -> None:
    (tmp_path / ".coverage").write_text("not a data file")
    (tmp_path / "coverage.json").write_text("{}")
    (tmp_path / "coverage.xml").write_text("<coverage/>")
    done, _ = prepare(tmp_path, files="coverage.json")
    assert done.returncode == 0
    assert (tmp_path / "coverage.json").read_text() == "{}"


def test_records_the_measured_commit_for_the_soft_gate(tmp_path: Path) -> None:
    from ci_toolkit.coverage_soft_gate.sources import COMMIT_FILE, measured_commit

    sha = "ab" * 20
    env = {**os.environ, "GITHUB_OUTPUT": str(tmp_path / "out"), "SUFFIX": "3.12",
           "RETENTION_DAYS": "10", "FILES": "coverage.json", "GITHUB_SHA": sha,
           "GITHUB_REF": 'refs/pull/7/merge"\\odd'}
    done = subprocess.run(["bash", "-e", "-c", STEPS["prepare"]["run"]], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert measured_commit(tmp_path) == (sha, 'refs/pull/7/merge"\\odd')
    assert COMMIT_FILE in STEPS["upload"]["with"]["path"].split()  # uploaded with the reports
