#!/usr/bin/env python3
"""API requests of coverage-soft-gate, counted at the fake GitHub (figures for
docs/performance.md, section "coverage-soft-gate requests").

The whole `ci-toolkit coverage-soft-gate` entry point runs as the runner runs the action
(INPUT_* with the action.yml defaults, GITHUB_*, a push or pull_request payload), against
tests/fake_github.py over real HTTP on 127.0.0.1, with two real jinja2 reports from
../shared/coverage-corpus as the two artifacts. Requests are what counts for a user
(GITHUB_TOKEN: 1,000 an hour per repository); the storage host that serves the artifact zips
is another origin and not the API, so it is listed apart.

    python bench/bench_soft_gate_requests.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "coverage-corpus"
sys.path.insert(0, str(ROOT / "tests"))

from ci_toolkit.github.issues import marker  # noqa: E402
from fake_github import FakeGitHub  # noqa: E402

RUN = 1001
CLI = Path(sys.executable).parent / "ci-toolkit"
TITLE = "Increase test coverage (soft gate)"


def seed(fake: Any, *, issue: bool, event: str = "push", others: int = 0) -> None:
    for n in range(others):  # the repository's other open issues
        fake.add_issue(f"Some other issue {n}", "text")
    if issue:
        fake.add_issue(TITLE, marker("coverage-soft-gate", TITLE) + "\nold", ["tech:coverage"])
    fake.add_run(RUN, event=event, jobs=[{"name": f"test ({v})"} for v in ("3.11", "3.12")]
                 + [{"name": "coverage", "status": "in_progress"}], artifacts=[
        {"name": f"coverage-{job[-5:]}", "files": {
            "coverage.json": (CORPUS / job / "coverage.json").read_bytes(),
            "pytest-report.xml": (CORPUS / job / "pytest-report.xml").read_bytes()}}
        for job in ("jinja2-py311", "jinja2-py312")])


def seed_pull(fake: Any) -> tuple[dict[str, Any], str]:
    """An open pull request changing two of the reports' files, its merge commit (the commit a
    pull_request run measures) and our comment on it from an earlier run."""
    pr = fake.add_pull("Feature", head="feature")
    patch = "@@ -10,0 +11,3 @@\n+a\n+b\n+c"
    files = [fake.diff_entry(f"src/jinja2/{name}.py", patch) for name in ("lexer", "utils")]
    fake.set_pull_files(pr["number"], files)
    merge = fake.add_merge_commit(pr["number"], files)
    fake.add_comment(pr["number"], marker("coverage-soft-gate-pr", TITLE) + "\nan earlier run")
    return {"number": pr["number"], "pull_request": pr}, merge


def environment(fake: Any, tmp: str, *, pull_request: bool, inputs: dict[str, str],
                pull: dict[str, Any] | None = None, sha: str = "a" * 40) -> dict[str, str]:
    event = {"ref": "refs/heads/main", "repository": {
        "full_name": fake.repo_full_name, "default_branch": fake.default_branch}, **(pull or {})}
    Path(tmp, "event.json").write_text(json.dumps(event))
    env = {
        "PATH": os.environ.get("PATH", ""), "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": fake.repo_full_name, "GITHUB_RUN_ID": str(RUN),
        "GITHUB_API_URL": fake.url, "GITHUB_STEP_SUMMARY": f"{tmp}/summary",
        "GITHUB_OUTPUT": f"{tmp}/output", "GITHUB_EVENT_PATH": f"{tmp}/event.json",
        "GITHUB_EVENT_NAME": "pull_request" if pull_request else "push",
        "GITHUB_REF": "refs/pull/7/merge" if pull_request else "refs/heads/main",
        "GITHUB_SHA": sha, "GITHUB_WORKSPACE": tmp, "RUNNER_TEMP": tmp,
        "CI_TOOLKIT_WAIT_SCALE": "0",
    }
    spec = yaml.safe_load((ROOT / "coverage-soft-gate" / "action.yml").read_text())["inputs"]
    for name, declared in spec.items():
        value = inputs.get(name, str(declared.get("default", "")))
        env[f"INPUT_{name.upper()}"] = value.replace("${{ github.token }}", fake.token)
    return env


def measure(*, issue: bool, pull_request: bool = False, others: int = 0,
            inputs: dict[str, str] | None = None,
            comment: bool = False) -> tuple[Counter[str], int]:
    """`comment`: a pull request with its diff and our comment from an earlier run."""
    with FakeGitHub() as fake, tempfile.TemporaryDirectory() as tmp:
        seed(fake, issue=issue, event="pull_request" if pull_request else "push", others=others)
        pull, sha = seed_pull(fake) if comment else (None, "a" * 40)
        env = environment(fake, tmp, pull_request=pull_request, inputs=inputs or {}, pull=pull,
                          sha=sha)
        done = subprocess.run([str(CLI), "coverage-soft-gate"], env=env, capture_output=True,
                              text=True, check=False)
        if done.returncode or "::warning" in done.stdout:
            raise SystemExit(f"coverage-soft-gate failed: {done.stdout}{done.stderr}")
        kinds = Counter(_kind(r.method, r.path, fake.repo_full_name) for r in fake.requests)
        return kinds, len(fake.blob_requests)


def _kind(method: str, path: str, repo: str) -> str:
    path = path.removeprefix(f"/repos/{repo}")
    for token in ("artifacts/", "runs/", "issues/", "comments/", "commits/"):
        head, _, rest = path.partition(token)
        if rest:
            path = head + token + "/".join("{n}" if p.isdigit() else "{sha}" if len(p) == 40
                                           else p for p in rest.split("/"))
    return f"{method} {path}"


def main() -> None:
    cases = [
        ("2 artifacts, 3 jobs, existing issue, push to the default branch", True, False, 0, False),
        ("the same, pull request run (comment only)", True, True, 0, False),
        ("pull request run, 2 artifacts, existing issue and pull-request comment "
         "(patch coverage at the merge commit, the comment edited)", True, True, 0, True),
        ("2 artifacts, 3 jobs, no issue yet (first run)", False, False, 0, False),
        ("the same first run in a repository with 5,000 other open issues", False, False, 5000,
         False),
    ]
    for title, issue, pull_request, others, comment in cases:
        kinds, blobs = measure(issue=issue, pull_request=pull_request, others=others,
                               comment=comment)
        print(f"\n### {title}: {sum(kinds.values())} API requests, "
              f"{kinds.get('GET /search/issues', 0)} to /search, {blobs} to the storage host\n")
        print("| request | count |\n|---|---:|")
        for kind, count in kinds.items():
            print(f"| `{kind}` | {count} |")


if __name__ == "__main__":
    main()
