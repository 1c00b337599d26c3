"""Helpers shared by the coverage-soft-gate tests (this module holds no tests itself)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ci_toolkit.markdown import marker
from conftest import SAMPLE_JOBS, Result, run_action, sample_coverage, webhook

TITLE = "Increase test coverage (soft gate)"
LABEL = "tech:coverage"
MARK = marker("coverage-soft-gate", TITLE)
RUN_ID = 1001  # conftest.run_action's GITHUB_RUN_ID


def sample_report(job: str, name: str = "coverage.json") -> bytes:
    """A report the sample package's matrix job `job` ("a", "b") made at test time, branch on."""
    return sample_coverage().branch.report(job, name)


def percent(job: str = "combined") -> str:
    """coverage.py's figure for a sample job, or for `coverage combine` of both, as the gate
    prints it."""
    return f"{sample_coverage().branch.coverage_py(job)['totals']['percent_covered']:.2f}"


def average_and_worst() -> tuple[str, str]:
    """The mean and the lowest of coverage.py's figures for the sample's jobs, as printed."""
    figures = [sample_coverage().branch.coverage_py(job)["totals"]["percent_covered"]
               for job in SAMPLE_JOBS]
    return f"{sum(figures) / len(figures):.2f}", f"{min(figures):.2f}"


def coverage_json(files: dict[str, tuple[int, int]]) -> bytes:
    """A small coverage.py JSON report: {path: (statements, executed)}, statements only."""
    entries = {}
    for path, (statements, executed) in files.items():
        lines = list(range(1, statements + 1))
        entries[path] = {
            "executed_lines": lines[:executed],
            "missing_lines": lines[executed:],
            "excluded_lines": [],
            "summary": {"num_statements": statements, "covered_lines": executed,
                        "missing_lines": statements - executed, "excluded_lines": 0,
                        "percent_covered": 100.0 * executed / statements if statements else 100.0},
        }
    covered = sum(e for _, e in files.values())
    total = sum(s for s, _ in files.values())
    return json.dumps({
        "meta": {"format": 3, "version": "7.6.0", "branch_coverage": False,
                 "show_contexts": False, "timestamp": "2025-01-01T00:00:00"},
        "files": entries,
        "totals": {"num_statements": total, "covered_lines": covered,
                   "missing_lines": total - covered, "excluded_lines": 0,
                   "percent_covered": 100.0 * covered / total if total else 100.0},
    }).encode()


def repository(fake: Any, payload: dict[str, Any]) -> dict[str, Any]:
    repo = dict(payload["repository"])
    repo.update(full_name=fake.repo_full_name, name=fake.repo, default_branch=fake.default_branch)
    return repo


def push_event(fake: Any) -> dict[str, Any]:
    payload = webhook("push")
    return {**payload, "ref": f"refs/heads/{fake.default_branch}",
            "repository": repository(fake, payload)}


def pr_event(fake: Any) -> dict[str, Any]:
    payload = webhook("pull_request.opened")
    return {**payload, "repository": repository(fake, payload)}


def run_gate(tmp_path: Path, fake: Any, inputs: dict[str, str] | None = None, *,
             pull_request: bool = False, event: dict[str, Any] | None = None,
             event_name: str | None = None, env: dict[str, str] | None = None,
             command: str = "coverage-soft-gate") -> Result:
    """The action as the runner runs it: on a push to the default branch, or a pull request."""
    if pull_request:
        env = {"GITHUB_REF": "refs/pull/7/merge", "GITHUB_HEAD_REF": "feature",
               "GITHUB_BASE_REF": "main", **(env or {})}
    result = run_action(
        command, inputs, tmp_path=tmp_path, fake=fake,
        event=event if event is not None else pr_event(fake) if pull_request else push_event(fake),
        event_name=event_name or ("pull_request" if pull_request else "push"), env=env)
    assert result.rc == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    said = [line for line in result.stdout.splitlines() if not line.startswith("::add-mask::")]
    assert fake.token not in "\n".join(said) + result.stderr + result.summary
    return result


def add_run(fake: Any, artifacts: dict[str, bytes | dict[str, bytes]], jobs: int = 3,
            **run: Any) -> None:
    """Run 1001 with `jobs` jobs and one artifact per entry (a report, or {path: bytes})."""
    fake.add_run(RUN_ID, jobs=[{"name": f"test ({n})"} for n in range(jobs)], artifacts=[
        {"name": name, "files": files if isinstance(files, dict) else {"coverage.json": files}}
        for name, files in artifacts.items()], **run)


def tracking_issues(fake: Any, state: str = "open") -> list[dict[str, Any]]:
    return [i for i in fake.issues.values() if MARK in (i["body"] or "") and i["state"] == state]


def one_warning(result: Result, *words: str) -> str:
    """The warning annotation that names every one of `words`."""
    found = [w for w in result.warnings if all(x.lower() in w.lower() for x in words)]
    assert found, f"no warning naming {words}: {result.warnings}"
    return found[0]
