"""`--version` and the soft gate's dry run on files import no PyGithub (start-up time on runners
and for the Quick start); checked with `python -X importtime`, not with a timing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import sample_coverage


def imported(args: list[str], cwd: Path) -> set[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "ci_toolkit.cli", *args],
                          capture_output=True, text=True, cwd=cwd, check=False,
                          env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout + done.stderr
    return {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
            if line.startswith("import time:")}


def test_version_imports_no_pygithub(tmp_path: Path) -> None:
    modules = imported(["--version"], tmp_path)
    assert "ci_toolkit.runtime" in modules
    assert not {m for m in modules if m == "github" or m.startswith(("github.", "requests"))}


def test_dry_run_on_files_imports_no_pygithub(tmp_path: Path) -> None:
    (tmp_path / "leg").mkdir()
    (tmp_path / "leg" / "coverage.json").write_bytes(sample_coverage().branch.report("a"))
    modules = imported(["coverage-soft-gate", "--files", "leg/coverage.json", "--dry-run"],
                       tmp_path)
    assert "ci_toolkit.coverage" in modules
    assert not {m for m in modules if m == "github" or m.startswith(("github.", "requests"))}
