"""coverage-soft-gate end to end: the real entry point against the fake GitHub."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from test_soft_gate_support import (
    LABEL,
    MARK,
    RUN_ID,
    TITLE,
    add_run,
    average_and_worst,
    percent,
    push_event,
    repository,
    run_gate,
    sample_report,
    tracking_issues,
)

from ci_toolkit.coverage_soft_gate import history
from conftest import SAMPLE_JOBS, sample_coverage, webhook


def two_jobs(fake: Any, **run: Any) -> None:
    """The sample's matrix: artifacts coverage-a and coverage-b."""
    add_run(fake, {f"coverage-{job}": sample_report(job) for job in SAMPLE_JOBS}, **run)


def test_two_artifacts_three_jobs_existing_issue_within_eight_requests(
        tmp_path: Path, fake: Any) -> None:
    fake.add_issue(TITLE, f"{MARK}\nold figures", [LABEL])
    two_jobs(fake)

    result = run_gate(tmp_path, fake)

    assert len(fake.requests) <= 8, [f"{r.method} {r.path}" for r in fake.requests]
    assert fake.count(prefix="/search") == 0
    assert result.warnings == []
    assert result.outputs["jobs"] == "2"
    assert (result.outputs["average"], result.outputs["worst"]) == average_and_worst()
    assert result.outputs["combined"] == percent("combined")
    assert result.outputs["issue-number"] == "1"
    assert result.outputs["issue-url"].endswith("/issues/1")
    body = fake.issues[1]["body"]
    assert body.startswith(MARK) and f"| `coverage-a` | {percent('a')}% |" in body
    assert "tally/legacy.py" in body  # the file never imported leads the hotspots
    assert len(fake.comments[1]) == 1
    logs = result.summary.split("### Logs for this run", 1)[1]
    assert logs.count("/job/") == 3  # every job of the run, linked


def test_creates_the_labelled_issue_when_there_is_none(tmp_path: Path, fake: Any) -> None:
    two_jobs(fake)

    result = run_gate(tmp_path, fake)

    [issue] = tracking_issues(fake)
    assert issue["title"] == TITLE
    assert [label["name"] for label in issue["labels"]] == [LABEL]
    assert LABEL in fake.labels
    assert "xychart-beta" not in issue["body"]  # one point is no trend yet
    assert len(history.parse(issue["body"])) == 1
    assert fake.count("PATCH") == 0  # created with its final body
    assert result.outputs["issue-number"] == str(issue["number"])


def test_pull_request_run_comments_but_never_replaces_the_body(tmp_path: Path, fake: Any) -> None:
    fake.add_issue(TITLE, f"{MARK}\nthe default branch's figures", [LABEL])
    two_jobs(fake, head_branch="feature", event="pull_request")

    result = run_gate(tmp_path, fake, pull_request=True)

    assert fake.issues[1]["body"] == f"{MARK}\nthe default branch's figures"
    assert fake.count("PATCH") == 0
    [comment] = fake.comments[1]
    assert "Not a default-branch run" in comment["body"]
    assert f"Average {average_and_worst()[0]}%" in comment["body"]
    assert result.outputs["issue-number"] == "1"


def test_pull_request_run_creates_an_issue_without_figures(tmp_path: Path, fake: Any) -> None:
    two_jobs(fake, head_branch="feature", event="pull_request")

    run_gate(tmp_path, fake, pull_request=True)

    [issue] = tracking_issues(fake)
    assert "Average" not in issue["body"] and history.parse(issue["body"]) == []
    assert f"Average {average_and_worst()[0]}%" in fake.comments[issue["number"]][0]["body"]


def test_default_branch_runs_replace_the_body_and_the_trend_grows(
        tmp_path: Path, fake: Any) -> None:
    fake.add_issue(TITLE, f"{MARK}\nold", [LABEL])
    values = []
    for n, executed in enumerate((50, 60, 75), start=1):
        fake.add_run(RUN_ID + n, jobs=[{"name": "test"}], artifacts=[
            {"name": "coverage-a", "files": {"coverage.json": _report(executed)}}])
        env = {"GITHUB_RUN_ID": str(RUN_ID + n), "GITHUB_SHA": f"{n:x}" * 40}
        (tmp_path / str(n)).mkdir()
        run_gate(tmp_path / str(n), fake, env=env)
        values.append(float(executed))

    body = fake.issues[1]["body"]
    points = history.parse(body)
    assert [p.average for p in points] == values
    assert [p.run_id for p in points] == [RUN_ID + 1, RUN_ID + 2, RUN_ID + 3]
    assert "```mermaid\n%%{init: " in body and "%%\nxychart-beta\n" in body
    assert re.search(r"line \[50\.00, 60\.00, 75\.00\]", body)
    last_comment = fake.comments[1][-1]["body"]
    assert "▁▄█ average 50.00% → 75.00% (+25.00) over the last 3 runs" in last_comment
    assert "old" not in body


def _report(executed: int) -> bytes:
    from test_soft_gate_support import coverage_json

    return coverage_json({"src/app.py": (100, executed)})


def test_run_id_reads_the_upstream_run_of_a_workflow_run_event(tmp_path: Path, fake: Any) -> None:
    """The fork-PR follow-up: this run (1001) reads run 555's artifacts and jobs."""
    fake.add_issue(TITLE, f"{MARK}\nold", [LABEL])
    fake.add_run(RUN_ID, jobs=[{"name": "coverage"}])
    fake.add_run(555, head_branch="main", event="push", jobs=[{"name": "test (a)"},
                 {"name": "test (b)"}],
                 artifacts=[{"name": "coverage-a", "files": {"coverage.json": sample_report("a")}}])
    payload = webhook("workflow_run.completed")
    upstream = {**payload["workflow_run"], "id": 555, "head_branch": "main", "event": "push",
                "head_sha": "ab" * 20, "head_repository": {"full_name": fake.repo_full_name}}
    event = {**payload, "workflow_run": upstream, "repository": repository(fake, payload)}

    result = run_gate(tmp_path, fake, {"run-id": "555"}, event=event, event_name="workflow_run")

    assert result.outputs["jobs"] == "1"
    assert fake.count("GET", f"/repos/{fake.repo_full_name}/actions/runs/555/artifacts") == 1
    assert fake.count("GET", f"/repos/{fake.repo_full_name}/actions/runs/{RUN_ID}") == 0
    assert fake.count("GET", f"/repos/{fake.repo_full_name}/actions/runs/555") == 2  # no 3rd GET
    body = fake.issues[1]["body"]
    assert "test (a)" in body and "test (b)" in body  # the upstream run's logs
    assert history.parse(body)[0].run_id == 555 and history.parse(body)[0].sha == "ab" * 6


def test_run_id_of_a_fork_pull_request_never_replaces_the_body(tmp_path: Path, fake: Any) -> None:
    fake.add_issue(TITLE, f"{MARK}\nkept", [LABEL])
    fake.add_run(555, head_branch="main", event="pull_request",
                 artifacts=[{"name": "coverage-a", "files": {"coverage.json": sample_report("a")}}])
    payload = webhook("workflow_run.completed")
    upstream = {**payload["workflow_run"], "id": 555, "head_branch": "main",
                "event": "pull_request", "head_repository": {"full_name": "someone/fork"}}
    event = {**payload, "workflow_run": upstream, "repository": repository(fake, payload)}

    run_gate(tmp_path, fake, {"run-id": "555"}, event=event, event_name="workflow_run")

    assert fake.issues[1]["body"] == f"{MARK}\nkept"
    assert len(fake.comments[1]) == 1


def test_run_id_without_a_payload_reads_the_run(tmp_path: Path, fake: Any) -> None:
    fake.add_issue(TITLE, f"{MARK}\nold", [LABEL])
    fake.add_run(555, head_branch="main", event="schedule",
                 artifacts=[{"name": "coverage-a", "files": {"coverage.json": sample_report("a")}}])

    run_gate(tmp_path, fake, {"run-id": "555"}, event=push_event(fake),
             event_name="workflow_dispatch")

    assert history.parse(fake.issues[1]["body"])[0].run_id == 555


def test_dry_run_on_files_needs_no_token_and_writes_nothing(tmp_path: Path, fake: Any) -> None:
    for job in SAMPLE_JOBS:
        folder = tmp_path / "workspace" / "reports" / job
        folder.mkdir(parents=True)
        for name in ("coverage.json", "coverage.xml", "lcov.info", "pytest-report.xml"):
            (folder / name).write_bytes(sample_report(job, name))

    result = run_gate(tmp_path, fake, {"files": "reports/**/coverage.*\nreports/**/lcov.info",
                                       "dry-run": "true", "github-token": ""},
                      env={"GITHUB_TOKEN": ""})

    assert fake.requests == []
    assert result.outputs["jobs"] == "2"  # three formats in one folder are one job
    assert f"| `a` | {percent('a')}% |" in result.stdout
    tests = sample_coverage().branch.outcomes("a")["tests"]
    assert f"| {tests} | 0 |" in result.stdout  # JUnit beside the reports
    assert "Left out: dry run on files" in result.stdout
    assert result.summary.startswith("## Coverage soft gate")


def test_action_yml_input_errors_exit_2(tmp_path: Path, fake: Any) -> None:
    from conftest import run_action

    for inputs in ({"hotspots": "1000"}, {"hotspots": "many"}, {"run-id": "latest"},
                   {"dry-run": "maybe"}):
        result = run_action("coverage-soft-gate", inputs, tmp_path=tmp_path, fake=fake)
        name = next(iter(inputs))
        assert result.rc == 2 and f"'{name}'" in result.stdout, result.stdout
    assert fake.requests == []


def test_outputs_hold_the_report(tmp_path: Path, fake: Any) -> None:
    two_jobs(fake)
    result = run_gate(tmp_path, fake, {"comment": "false", "summary": "false"})
    assert result.outputs["report"].startswith("## Coverage soft gate")
    assert result.summary == ""
    assert fake.comments[result_number(result)] == []


def result_number(result: Any) -> int:
    return int(json.loads(result.outputs["issue-number"]))


def test_dry_run_on_files_imports_no_pygithub(tmp_path: Path) -> None:
    import subprocess
    import sys

    folder = tmp_path / "py311"
    folder.mkdir()
    (folder / "coverage.json").write_bytes(sample_report("a"))
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import sys; from ci_toolkit.cli import main; "
         "sys.exit(main(['coverage-soft-gate', '--files', '*/coverage.json', '--dry-run']))"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
        env={"PATH": "", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"| `py311` | {percent('a')}% |" in done.stdout
    imported = [line.split("|")[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")]
    assert "ci_toolkit.coverage" in imported
    assert not [m for m in imported if m.split(".")[0] in ("github", "requests", "urllib3")]
