"""workflow-audit through the real entry point, as the runner starts the Docker action."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from conftest import CLI, run_action

VULNERABLE = """
on: pull_request_target
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4.2.2
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci && npm test
"""
ONLY_WARNING = """
on: workflow_run
permissions: {}
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4.2.2
"""


def workspace(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "workspace" / ".github" / "workflows"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


def test_vulnerable_workflow_fails_with_annotations_outputs_and_summary(tmp_path: Path) -> None:
    workspace(tmp_path, **{"pr.yml": VULNERABLE})
    result = run_action("workflow-audit", tmp_path=tmp_path)
    assert result.rc == 1, result.stderr
    assert result.outputs == {"findings": "3", "errors": "1", "warnings": "1"}
    assert result.errors[0].startswith(
        "::error file=.github/workflows/pr.yml,line=8,title=pr-code-execution::")
    assert "line 11" in result.errors[0]
    assert "| error | `pr-code-execution` | `.github/workflows/pr.yml` | 8, 11 |" in result.summary
    assert "`persisted-credentials`" in result.summary and "`no-sparse-checkout`" in result.summary


@pytest.mark.parametrize(("fail_on", "files", "rc"), [
    ("error", {"w.yml": ONLY_WARNING}, 0),
    ("warning", {"w.yml": ONLY_WARNING}, 1),
    ("never", {"pr.yml": VULNERABLE}, 0),
    ("NEVER", {"pr.yml": VULNERABLE}, 0),
    ("error", {}, 0),
])
def test_fail_on_levels(tmp_path: Path, fail_on: str, files: dict[str, str], rc: int) -> None:
    workspace(tmp_path, **files)
    result = run_action("workflow-audit", {"fail-on": fail_on}, tmp_path=tmp_path)
    assert result.rc == rc, result.stdout + result.stderr


@pytest.mark.parametrize(("inputs", "named"), [
    ({"fail-on": "sometimes"}, "fail-on"),
    ({"path": "no/such/folder"}, "path"),
])
def test_bad_input_exits_2_naming_the_input(tmp_path: Path, inputs: dict[str, str],
                                             named: str) -> None:
    workspace(tmp_path)
    result = run_action("workflow-audit", inputs, tmp_path=tmp_path)
    assert result.rc == 2
    assert f"input '{named}'" in result.stdout


def test_annotations_are_capped_most_severe_first_and_the_summary_says_so(
        tmp_path: Path) -> None:
    steps = "".join(f"      - run: echo \"${{{{ github.event.pull_request.title }}}}\" {i}\n"
                    f"      - uses: actions/checkout@v4.2.2\n" for i in range(13))
    workspace(tmp_path, **{"many.yml": "on: pull_request_target\npermissions: {}\njobs:\n"
                                       "  j:\n    runs-on: ubuntu-latest\n    steps:\n" + steps})
    result = run_action("workflow-audit", tmp_path=tmp_path)
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")
                   and line.split(" ")[0] in ("::error", "::warning", "::notice")]
    assert (len(result.errors), len(result.warnings)) == (10, 10)
    assert annotations.index(result.errors[-1]) < annotations.index(result.warnings[0])
    assert "3 more errors, 3 more warnings" in result.summary
    assert result.summary.count("`untrusted-input-injection`") == 13
    assert result.outputs["errors"] == "13"


def test_suppression_with_and_without_reason(tmp_path: Path) -> None:
    comment = "      # ci-toolkit: ignore[persisted-credentials] pushes tags\n"
    reasoned = ONLY_WARNING.replace("      - uses", comment + "      - uses")
    workspace(tmp_path, **{"a.yml": reasoned,
                           "b.yml": reasoned.replace(" pushes tags", "")})
    result = run_action("workflow-audit", {"fail-on": "warning"}, tmp_path=tmp_path)
    assert result.rc == 1
    assert "1 suppressed by a comment" in result.summary
    rules = sorted(line.split("title=")[1].split("::")[0] for line in result.warnings)
    assert rules == ["persisted-credentials", "suppression-without-reason"]
    assert all("b.yml" in line for line in result.warnings)


def test_unparsable_yaml_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    workspace(tmp_path, **{"bad.yml": "on: [push\njobs:\n  x: 1\n", "good.yml": ONLY_WARNING})
    result = run_action("workflow-audit", {"sarif": "out/audit.sarif"}, tmp_path=tmp_path)
    assert result.rc == 1 and "Traceback" not in result.stderr
    assert result.errors[0].startswith("::error file=.github/workflows/bad.yml,line=")
    assert "unparsable-workflow" in result.errors[0]
    log = json.loads((tmp_path / "workspace" / "out" / "audit.sarif").read_text())
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]}
    assert uris == {".github/workflows/bad.yml", ".github/workflows/good.yml"}


def test_runs_locally_with_path_flag(tmp_path: Path) -> None:
    folder = workspace(tmp_path, **{"pr.yml": VULNERABLE})
    done = subprocess.run([CLI, "workflow-audit", "--path", str(folder)], cwd=tmp_path,
                          capture_output=True, text=True, check=False,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 1, done.stderr
    assert "error: " in done.stderr and "pr.yml:8: " in done.stderr
    assert "1 error(s)" in done.stdout


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="the container runs as root; here only root can play it")
def test_sarif_and_its_folders_belong_to_the_workspace_owner(tmp_path: Path) -> None:
    folder = workspace(tmp_path, **{"pr.yml": VULNERABLE})
    runner_user = 1001  # owns the workspace on a GitHub-hosted runner
    for path in (folder.parents[1], folder.parent, folder, *folder.iterdir()):
        os.chown(path, runner_user, runner_user)
    result = run_action("workflow-audit", {"sarif": "audit/run/out.sarif"}, tmp_path=tmp_path)
    assert result.rc == 1, result.stderr
    root = folder.parents[1]
    left = [root / "audit", root / "audit" / "run", root / "audit" / "run" / "out.sarif"]
    assert {(p.stat().st_uid, p.stat().st_gid) for p in left} == {(runner_user, runner_user)}
