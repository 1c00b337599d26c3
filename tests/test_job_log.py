"""The job log holds the answer: each command's stdout (through the real entry point) ends with
one result line, `<command>: <figures>`, and says what it does, phase by phase."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from test_audit_action import VULNERABLE, workspace
from test_soft_gate_support import coverage_json

from ci_toolkit import runtime
from ci_toolkit.runtime import Log
from conftest import run_action, webhook


def result_line(stdout: str, command: str) -> str:
    lines = [line for line in stdout.splitlines() if line.startswith(f"{command}: ")]
    assert lines, stdout
    return lines[-1]


def test_ci_gate_says_how_many_passed(tmp_path: Path) -> None:
    needs = {"test": {"result": "success", "outputs": {}}, "lint": {"result": "failure",
                                                                   "outputs": {}}}
    result = run_action("ci-gate", {"needs": json.dumps(needs)}, tmp_path=tmp_path)
    assert result.rc == 1
    assert result_line(result.stdout, "ci-gate") == \
        "ci-gate: failure · 1 of 2 needed jobs passed their policy · failed: lint"


def test_workflow_audit_gives_its_counts_and_verdict(tmp_path: Path) -> None:
    workspace(tmp_path, **{"pr.yml": VULNERABLE})
    result = run_action("workflow-audit", tmp_path=tmp_path)
    assert result.rc == 1
    assert "workflow-audit: auditing 1 workflow file(s)" in result.stdout
    line = result_line(result.stdout, "workflow-audit")
    assert line.startswith("workflow-audit: 1 file(s), ") and line.endswith(
        "· fails (fail-on: error)")


def test_autofix_guard_gives_its_decision(tmp_path: Path) -> None:
    commit = {"id": "a" * 40, "message": "chore(autofix): format", "author": {
        "name": "github-actions[bot]", "username": "github-actions[bot]",
        "email": "41898282+github-actions[bot]@users.noreply.github.com"}}
    event = webhook("push", ref="refs/heads/main", deleted=False, after="a" * 40,
                    head_commit=commit)
    result = run_action("autofix-guard", {"max-bot-commits": "0"}, tmp_path=tmp_path,
                        event=event, event_name="push")
    assert result.rc == 0
    assert "autofix-guard: reading the triggering commit" in result.stdout
    assert result_line(result.stdout, "autofix-guard").startswith("autofix-guard: skip=true: ")


def test_soft_gate_without_a_token_prints_the_report_and_its_figures(tmp_path: Path) -> None:
    """Local use: no token, no --dry-run: the report is still printed, with how to give one."""
    reports = tmp_path / "workspace" / "reports" / "a"
    reports.mkdir(parents=True)
    (reports / "coverage.json").write_bytes(coverage_json({"pkg/a.py": (10, 9)}))
    result = run_action("coverage-soft-gate", {"files": "reports/*/coverage.json",
                                                "github-token": ""},
                        tmp_path=tmp_path, env={"GITHUB_TOKEN": "", "GH_TOKEN": ""})
    assert result.rc == 0, result.stdout + result.stderr
    assert "coverage-soft-gate: reading reports/*/coverage.json" in result.stdout
    said = "No token: nothing was written to GitHub; the report is above."
    assert said in result.stdout and "GH_TOKEN" in result.stdout
    assert "90.00%" in result.stdout.split(said)[0].split("::warning::No token")[1]
    assert result_line(result.stdout, "coverage-soft-gate") == \
        "coverage-soft-gate: 1 job(s) · average 90.00% · worst 90.00% · combined 90.00%"


def test_job_logs_gives_its_counts(fake: Any, tmp_path: Path) -> None:
    fake.add_run(1001, jobs=[{"name": "a", "conclusion": "success"},
                             {"name": "b", "conclusion": "failure"}])
    result = run_action("job-logs", {"excerpt-lines": "0"}, tmp_path=tmp_path, fake=fake)
    assert result.rc == 0, result.stdout + result.stderr
    assert "job-logs: listing the jobs of run 1001" in result.stdout
    assert result_line(result.stdout, "job-logs") == "job-logs: 2 job(s) · 1 failed · 0 pending"


def test_progress_is_a_line_every_few_seconds_and_the_last(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    clock = iter([0.0, 1.0, 2.0, 6.0, 7.0, 8.0])
    monkeypatch.setattr(runtime.time, "monotonic", lambda: next(clock))
    out = io.StringIO()
    log = Log(on_runner=True, stream=out)
    with log.group("downloading 5 artifacts (12 MB)"):
        for done in range(1, 6):
            log.progress(done, 5, "artifacts downloaded")
    assert out.getvalue().splitlines() == [
        "::group::downloading 5 artifacts (12 MB)", "3/5 artifacts downloaded",
        "5/5 artifacts downloaded", "::endgroup::"]


def test_soft_gate_groups_the_artifact_downloads_and_counts_them(fake: Any,
                                                               tmp_path: Path) -> None:
    from test_soft_gate_support import add_run, run_gate

    add_run(fake, {"coverage-a": coverage_json({"a.py": (10, 9)}),
                   "coverage-b": coverage_json({"a.py": (10, 8)})})
    result = run_gate(tmp_path, fake)
    out = result.stdout
    group = out.index("::group::coverage-soft-gate: downloading the artifacts of run 1001")
    end = out.index("::endgroup::", group)
    assert "2/2 artifacts read (" in out[group:end] and "MB zipped in all)" in out[group:end]
    assert "coverage-soft-gate: read 2 job(s)" in out[end:]
    assert "coverage-soft-gate: listing the jobs of run 1001" in out[end:]
    assert result_line(out, "coverage-soft-gate").startswith("coverage-soft-gate: 2 job(s) · ")


def test_job_logs_groups_the_failed_jobs_reads(fake: Any, tmp_path: Path) -> None:
    fake.add_run(1001, jobs=[{"name": "a", "conclusion": "failure"},
                             {"name": "b", "conclusion": "failure"}])
    result = run_action("job-logs", {"excerpt-lines": "0"}, tmp_path=tmp_path, fake=fake)
    out = result.stdout
    group = out.index("::group::job-logs: reading the logs and annotations of 2 failed job(s)")
    assert "2/2 failed jobs read" in out[group:out.index("::endgroup::", group)]
    assert result_line(out, "job-logs") == "job-logs: 2 job(s) · 2 failed · 0 pending"


def test_bulk_issues_and_draft_toggle_end_with_their_result_line(fake: Any,
                                                               tmp_path: Path) -> None:
    made = run_action("bulk-issues", {"spec": "## One\n\nbody\n\n## Two\n"},
                      tmp_path=tmp_path, fake=fake)
    assert made.rc == 0, made.stdout + made.stderr
    assert result_line(made.stdout, "bulk-issues") == \
        "bulk-issues: 2 created, 0 updated, 0 skipped, 0 failed"
    (tmp_path / "d").mkdir()
    skipped = run_action("draft-toggle", {}, tmp_path=tmp_path / "d", fake=fake,
                         event=webhook("issues.opened"), event_name="issues")
    assert skipped.rc == 0, skipped.stdout + skipped.stderr
    assert result_line(skipped.stdout, "draft-toggle") == "draft-toggle: skipped · draft false"
