"""job-logs 1.2 through the real entry point: annotations, failures in words, the `failures`
output, outputs cut keeping failed jobs, steps ending at post steps, `pr-comment: auto`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from joblog_samples import LogStep, failing_job, lines
from test_job_log_excerpts import window_of
from test_job_logs import JOBS, RUN, add_failing, excerpt_of, pr_event

from ci_toolkit.job_logs.excerpts import decoded_lines, find
from conftest import run_action
from rendered import render

TIME_LIMIT = ("The job running on runner GitHub Actions 7 has exceeded the maximum execution "
              "time of 360 minutes.")


def annotation_requests(fake: Any) -> list[str]:
    return [r.path for r in fake.requests if r.path.endswith("/annotations")]


def test_no_request_beyond_the_listing_when_nothing_failed(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=[{"name": "a"}, {"name": "b"}])
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    assert [r.path for r in fake.requests] == [JOBS]
    assert json.loads(result.outputs["failures"]) == []


def test_a_timeout_in_words_from_the_runners_annotation(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    job = add_failing(fake, "slow", conclusion="cancelled")
    fake.add_annotation(job["id"], TIME_LIMIT)
    fake.add_annotation(job["id"], "The operation was canceled.")
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    assert result.rc == 0 and result.warnings == []
    said = excerpt_of(result.summary, "slow")
    assert said.startswith("**`slow`**: timed out at its 360-minute limit in step 3 [Tests](")
    [failure] = json.loads(result.outputs["failures"])
    assert failure["kind"] == "timeout" and failure["conclusion"] == "cancelled"
    assert failure["cause"].startswith("timed out at its 360-minute limit")
    assert failure["annotations"][0] == {"path": ".github", "line": 1, "level": "failure",
                                         "message": TIME_LIMIT}
    assert len(annotation_requests(fake)) == 1  # with the log: 2 requests for the job


def test_cancelled_waiting_and_startup_in_words(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    add_failing(fake, "stopped", conclusion="cancelled")
    fake.add_job(RUN, "deploy", conclusion="action_required")
    broken = fake.add_job(RUN, "startup", conclusion="startup_failure")
    fake.add_annotation(broken["id"], "Invalid workflow file: .github/workflows/ci.yml#L3")
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    summary = result.summary
    assert "**`stopped`**: cancelled after 45s in step 3 [Tests](" in summary
    assert "**`deploy`**: waiting for approval." in summary
    assert "the workflow file is invalid: Invalid workflow file" in summary
    kinds = {f["name"]: f["kind"] for f in json.loads(result.outputs["failures"])}
    assert kinds == {"stopped": "cancelled", "deploy": "awaiting-approval", "startup": "startup"}


def test_matcher_annotations_link_the_line_at_the_commit(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    job = add_failing(fake, "lint")
    fake.add_annotation(job["id"], "'x' is assigned a value but never used.", path="src/a.js",
                        line=3)
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    sha = job["head_sha"]
    url = f"https://github.com/octo-org/octo-repo/blob/{sha}/src/a.js#L3"
    assert f"- [src/a.js:3]({url}): 'x' is assigned" in excerpt_of(result.summary, "lint")
    assert f"At commit [{sha[:7]}](" in result.summary
    page = render(result.summary)  # as GitHub renders it: the cause a code block, open
    assert url in page.links
    assert f"https://github.com/octo-org/octo-repo/commit/{sha}" in page.links
    assert "tests/test_x.py ..F\nE   assert 1 == 2\nFAILED tests/test_x.py::test_y\n" in page.codes


def test_annotations_refused_one_warning_everything_else_shown(fake: Any,
                                                               tmp_path: Path) -> None:
    fake.add_run(RUN)
    for n in range(3):
        add_failing(fake, f"broken {n}")
    fake.fail("GET", r"/annotations$", 403)
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    assert result.rc == 0
    [warning] = [w for w in result.warnings if "annotations" in w]
    assert "`checks: read`" in warning
    assert len(annotation_requests(fake)) == 1  # refused once: not asked again
    assert result.summary.count("<details>") == 3


def test_a_step_ends_at_its_post_step(fake: Any, tmp_path: Path) -> None:
    """A Docker action failing without an error line: the post step is not its output."""
    steps = [LogStep("Build", "docker://builder", ["building", "it broke"], seconds=5)]
    log = [*lines(steps), "2026-01-15T10:00:07.0000000Z Post job cleanup.",
           "2026-01-15T10:00:07.0000000Z [command]/usr/bin/git version"]
    found = find(log, None, 20)
    assert "Post job cleanup." not in found.lines


def test_matcher_errors_are_all_the_cause(fake: Any, tmp_path: Path) -> None:
    steps = [LogStep("Lint", "npx eslint .", ["linting"], fails=True,
                     errors=[f"src/f{n}.js: problem {n}" for n in range(9)])]
    found = find(list(lines(steps)), None, 20)
    assert found.cause[:2] == ["Error: src/f0.js: problem 0", "Error: src/f1.js: problem 1"]
    assert len(found.cause) == 6 and found.more == 3


def test_a_million_failed_lines_stay_bounded() -> None:
    output = (f"FAILED tests/t.py::test_{n} - boom" for n in range(1_000_000))
    log = ["2026-01-15T10:00:01.0000000Z ##[group]Run pytest",
           "2026-01-15T10:00:01.0000000Z ##[endgroup]", *output,
           "2026-01-15T10:00:09.0000000Z ##[error]Process completed with exit code 1."]
    found = find(log, None, 5)
    assert found.cause[0] == "FAILED tests/t.py::test_0 - boom" and len(found.cause) == 6
    assert found.more == 1_000_000 - 6 and len(found.lines) == 5


def test_a_marker_in_the_step_header_never_counts() -> None:
    _, log = failing_job("t", ["all good"], command="pytest -q || echo 'FAILED a::b'")
    found = find(log.splitlines(), None, 5)
    assert found.cause == [] and found.lines[-1].startswith("Error: Process completed")


def test_the_jobs_output_cut_keeps_every_failed_job(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=[{"name": f"leg {n} " + "x" * 400} for n in range(1000)])
    for n in range(3):
        fake.add_job(RUN, f"broken {n}", conclusion="failure")
    result = run_action("job-logs", {"excerpt-lines": "0"}, tmp_path=tmp_path, fake=fake)
    listed = json.loads(result.outputs["jobs"])
    assert len(listed) < 1003
    assert [j["name"] for j in listed if j["conclusion"] == "failure"] == [
        "broken 0", "broken 1", "broken 2"]


def test_auto_comments_once_failed_then_edits_when_passing(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=[{"name": "lint"}])
    job = add_failing(fake, "test")
    event = pr_event(fake)
    for sub in ("one", "two"):
        (tmp_path / sub).mkdir()
    first = run_action("job-logs", tmp_path=tmp_path / "one", fake=fake, event=event,
                       event_name="pull_request")
    [comment] = fake.comments[event["pull_request"]["number"]]
    assert "**`test`** failed" in comment["body"] and job["head_sha"][:7] in comment["body"]
    assert first.outputs["pr-comment-url"] == comment["html_url"]
    fake.add_run(RUN, jobs=[{"name": "lint"}, {"name": "test"}])  # the next run passes
    run_action("job-logs", tmp_path=tmp_path / "two", fake=fake, event=event,
               event_name="pull_request")
    [edited] = fake.comments[event["pull_request"]["number"]]
    assert edited["id"] == comment["id"] and "All 2 jobs passed" in edited["body"]


def test_auto_never_comments_on_an_all_green_pull_request(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=[{"name": "lint"}])
    event = pr_event(fake)
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake, event=event,
                        event_name="pull_request")
    assert result.rc == 0 and not fake.comments.get(event["pull_request"]["number"])


def test_a_merge_queue_run_writes_no_comment(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    add_failing(fake, "test")
    event = pr_event(fake)
    result = run_action("job-logs", {"pr-comment": "true"}, tmp_path=tmp_path, fake=fake,
                        event=event, event_name="merge_group")
    assert result.rc == 0 and not fake.comments.get(event["pull_request"]["number"])


def test_this_job_is_found_by_its_runner_and_never_counted_running(fake: Any,
                                                                   tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=[{"name": "lint"}, {"name": "docs", "status": "in_progress"}])
    fake.add_job(RUN, "report", status="in_progress", runner_name="GitHub Actions 9")
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake,
                        env={"RUNNER_NAME": "GitHub Actions 9"})
    assert "🏃 1 running · ✅ 1 passed, of 2 and this job" in result.summary
    assert "| `report` | 👈 this job |" in result.summary
    assert result.outputs["pending"] == "1"
    other = tmp_path / "other"
    other.mkdir()
    unknown = run_action("job-logs", tmp_path=other, fake=fake)  # no RUNNER_NAME: unmarked
    assert "🏃 2 running · ✅ 1 passed, of 3" in unknown.summary


def test_the_failures_output_cut_keeps_every_failed_job(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    for n in range(10):
        job = fake.add_job(RUN, f"broken {n}", conclusion="failure")
        for line in range(100):
            fake.add_annotation(job["id"], f"finding {line}: " + "x" * 1000, path="src/a.py",
                                line=line + 1)
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    text = result.outputs["failures"]
    assert len(text.encode()) <= 256 * 1024
    listed = json.loads(text)
    assert [f["name"] for f in listed] == [f"broken {n}" for n in range(10)]
    assert all(f["annotations"][0]["message"].startswith("finding 0: ") for f in listed)
    assert len(listed[0]["annotations"]) == 5
    assert any("`failures` output is shortened" in w for w in result.warnings)


def test_a_lost_runner_is_infrastructure(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    job = fake.add_job(RUN, "build", conclusion="failure")
    fake.add_annotation(job["id"], "The hosted runner: GitHub Actions 3 lost communication with "
                        "the server. Anything in your workflow that terminates the runner "
                        "process, starves it for CPU/Memory, or blocks its network access can "
                        "cause this error.")
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    [failure] = json.loads(result.outputs["failures"])
    assert failure["kind"] == "infrastructure"
    assert failure["cause"].startswith("its runner was lost after ")
    assert "lost communication with the server" in excerpt_of(result.summary, "build")


def test_a_1_mb_line_is_cut_and_still_the_cause() -> None:
    job, log = failing_job("t", ["collected 1 item"])
    huge = "E   AssertionError: " + "x" * 1024 * 1024
    text = log.replace("collected 1 item", f"collected 1 item\n2026-01-15T10:00:05.0000000Z {huge}")
    chunks = [text.encode()[i:i + 65536] for i in range(0, len(text.encode()), 65536)]
    found = find(decoded_lines(chunks), window_of(job, 3), 5)
    [before, line] = found.cause  # pytest's `E` block with the line before it
    assert before == "collected 1 item"
    assert line.startswith("E   AssertionError: xxx") and line.endswith("…") and len(line) == 300
