"""`diff-base`: patch coverage before pushing, from `git diff` in the workspace, on the real
entry point. The expected figures come from coverage.py's own report of the same run."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import Result, run_action
from test_coverage_analysis import MODULE, run_coverage, write_package

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
BEFORE = "\n".join(MODULE.splitlines()[:7]) + "\n"  # sign() only: the change adds the rest


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                           "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A checkout whose working tree adds evens() and never() to main, measured by one job."""
    root = tmp_path / "workspace"
    write_package(root, BEFORE)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    write_package(root)  # not committed yet: before pushing
    (root / "run_a.py").write_text("from pkg.mod import sign, evens\nsign(1)\nevens(False)\n")
    measure(root)
    return root


def measure(root: Path) -> None:
    """The one job: run_a.py under coverage.py, its report in a/coverage.json."""
    run_coverage(root, "run", "--branch", "--source=pkg", "run_a.py")
    run_coverage(root, "json", "-o", "a/coverage.json")


def test_diff_base_gives_patch_coverage_locally(tmp_path: Path, workspace: Path) -> None:
    result = run_action("coverage-soft-gate", {"files": "a/coverage.json", "dry-run": "true",
                                               "diff-base": "main"}, tmp_path=tmp_path)

    assert result.rc == 0, result.stdout + result.stderr
    entry = json.loads((workspace / "a" / "coverage.json").read_text())["files"]["pkg/mod.py"]
    changed = set(range(8, 20))
    statements = changed & (set(entry["executed_lines"]) | set(entry["missing_lines"]))
    covered = statements & set(entry["executed_lines"])
    assert result.outputs["patch-statements"] == str(len(statements))
    assert result.outputs["patch-covered"] == str(len(covered))
    assert result.outputs["patch"] == f"{100 * len(covered) / len(statements):.2f}"
    assert "### Changed files" in result.stdout and "`pkg/mod.py`" in result.stdout


def test_without_git_diff_base_is_an_input_error(tmp_path: Path, workspace: Path) -> None:
    result = run_action("coverage-soft-gate", {"files": "a/coverage.json", "dry-run": "true",
                                               "diff-base": "main"}, tmp_path=tmp_path,
                        env={"PATH": str(tmp_path / "no-git-here")})

    assert result.rc == 2
    [error] = result.errors
    assert "diff-base" in error and "git" in error


def test_an_unknown_revision_is_an_input_error(tmp_path: Path, workspace: Path) -> None:
    result = run_action("coverage-soft-gate", {"files": "a/coverage.json", "dry-run": "true",
                                               "diff-base": "origin/nope"}, tmp_path=tmp_path)

    assert result.rc == 2
    assert "diff-base" in result.errors[0] and "origin/nope" in result.errors[0]


def test_a_new_file_counts_once_git_is_told_of_it(tmp_path: Path, workspace: Path) -> None:
    """Like `git diff` (and diff-cover), a file git does not track is no change; after
    `git add --intent-to-add` (the README's advice) all its statements are changed lines."""
    (workspace / "pkg" / "new.py").write_text("def f():\n    return 1\n")
    measure(workspace)
    files = json.loads((workspace / "a" / "coverage.json").read_text())["files"]
    inputs = {"files": "a/coverage.json", "dry-run": "true", "diff-base": "main"}

    before = run_action("coverage-soft-gate", inputs, tmp_path=tmp_path)
    shutil.rmtree(tmp_path / "file_commands")  # the second run's outputs alone
    git(workspace, "add", "--intent-to-add", "pkg/new.py")
    after = run_action("coverage-soft-gate", inputs, tmp_path=tmp_path)

    def changed(result: Result) -> list[str]:
        return [f["path"] for f in json.loads(result.outputs["report-json"])["patch"]["files"]]

    assert before.rc == after.rc == 0, before.stderr + after.stderr
    assert changed(before) == ["pkg/mod.py"] and changed(after) == ["pkg/mod.py", "pkg/new.py"]
    added = files["pkg/new.py"]["summary"]["num_statements"]
    assert added and int(after.outputs["patch-statements"]) == \
        int(before.outputs["patch-statements"]) + added
