"""job-logs through the real entry point, against the fake GitHub over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from joblog_samples import failing_job

from ci_toolkit.github.client import connect
from ci_toolkit.github.jobs import IncompleteJobs, fetch_jobs
from conftest import run_action, webhook
from rendered import render

RUN = 1001  # GITHUB_RUN_ID as run_action sets it
JOBS = f"/repos/octo-org/octo-repo/actions/runs/{RUN}/jobs"
NASTY = {
    "pipe": "lint | format",
    "backticks": "`whoami`",
    "script": "<script>alert(1)</script>",
    "newline": "first\nsecond",
    "mention": "notify @someone",
}


def matrix_run(count: int) -> list[dict[str, Any]]:
    """`count` jobs: a reusable-workflow caller / callee matrix plus a few special ones."""
    special = [
        {"name": NASTY["pipe"], "conclusion": "failure"},
        {"name": NASTY["backticks"], "conclusion": "skipped"},
        {"name": NASTY["script"], "conclusion": "cancelled"},
        {"name": NASTY["newline"], "conclusion": "timed_out"},
        {"name": NASTY["mention"], "conclusion": "brand_new_conclusion"},
        {"name": "job-logs", "status": "in_progress", "conclusion": None},  # this very job
        {"name": "deploy", "status": "queued", "conclusion": None},
    ]
    legs = [{"name": f"CI / test ({py}, os-{i})", "conclusion": "success"}
            for i, py in zip(range(count - len(special)), ["3.11", "3.12", "3.13"] * count,
                             strict=False)]
    return legs + special


def jobs_requests(fake: Any) -> int:
    return fake.count("GET", JOBS)


def test_256_jobs_in_3_requests_every_one_listed(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=matrix_run(256))
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    assert result.rc == 0, result.stdout + result.stderr
    # three pages of 100 (no GET of the run), then one request for the annotations of each
    # failed job (they have no steps: no log to read)
    assert len(fake.requests) == 3 + 4
    assert [r.query.get("per_page") for r in fake.requests] == ["100"] * 7
    assert all(r.path.endswith("/annotations") for r in fake.requests[3:])
    out = result.outputs
    assert out["total"] == "256"
    assert out["failed"] == "4"  # failure, cancelled, timed_out and the unknown; not skipped
    assert out["pending"] == "2"  # the running job and the queued one
    listed = json.loads(out["jobs"])
    assert len(listed) == 256 and len({j["url"] for j in listed}) == 256
    first = listed[0]
    assert first == {"name": "CI / test (3.11, os-0)", "status": "completed",
                     "conclusion": "success", "url": first["url"], "attempt": 1,
                     "started_at": first["started_at"], "completed_at": first["completed_at"],
                     "duration_s": 0, "failed_step": None}
    rows = [line for line in result.summary.splitlines() if line.startswith("| ")][2:]
    assert len(rows) == 256
    assert out["table"] in result.summary


def test_failed_counts_timed_out_and_unknown_but_not_skipped(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=[
        {"name": "a", "conclusion": "success"}, {"name": "b", "conclusion": "skipped"},
        {"name": "c", "conclusion": "neutral"}, {"name": "d", "conclusion": "action_required"},
        {"name": "e", "conclusion": "timed_out"}, {"name": "f", "conclusion": "mystery"},
    ])
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    assert (result.outputs["failed"], result.outputs["pending"]) == ("3", "0")
    assert "| `f` | ❓ mystery |" in result.summary


def test_150_jobs_take_2_requests(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=matrix_run(150))
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    assert result.outputs["total"] == "150"
    assert jobs_requests(fake) == 2


def test_names_show_exactly_as_given_and_nobody_is_pinged(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=matrix_run(20))
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    page = render(result.summary)
    results = {row[0]: row[1] for row in page.rows()}  # rendered: as a reader sees them
    assert results[NASTY["pipe"]] == "❌ failure"
    assert results[NASTY["backticks"]] == "⏭️ skipped"
    assert results["first second"] == "⏱️ timed out"
    assert results[NASTY["script"]] == "🚫 cancelled"
    assert results[NASTY["mention"]] == "❓ brand_new_conclusion"
    assert results["job-logs"] == "🏃 running" and results["deploy"] == "🕒 queued"
    assert all(len(row) == 4 for row in page.rows())
    assert "script" not in page.elements  # names are code spans: no mention, no tag
    assert set(page.codes) == set(results)
    # the JSON output keeps the real names
    names = {j["name"] for j in json.loads(result.outputs["jobs"])}
    assert set(NASTY.values()) <= names


def test_filter_all_lists_every_attempt_grouped(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, run_attempt=2, jobs=[
        {"name": "test", "conclusion": "failure", "run_attempt": 1},
        {"name": "build", "conclusion": "success", "run_attempt": 2},
        {"name": "lint", "conclusion": "success", "run_attempt": 1},
        {"name": "test", "conclusion": "success", "run_attempt": 2},
    ])
    for sub in ("latest", "all"):
        (tmp_path / sub).mkdir()
    latest = run_action("job-logs", tmp_path=tmp_path / "latest", fake=fake)
    assert latest.outputs["total"] == "2" and latest.outputs["failed"] == "0"
    every = run_action("job-logs", {"filter": "all"}, tmp_path=tmp_path / "all", fake=fake)
    listed = json.loads(every.outputs["jobs"])
    assert [(j["name"], j["attempt"]) for j in listed] == [
        ("test", 1), ("lint", 1), ("build", 2), ("test", 2)]
    assert every.outputs["failed"] == "1"
    assert "| Job | Result | Duration | Log | Attempt |" in every.summary
    assert [r.query["filter"] for r in fake.requests if r.path == JOBS] == ["latest", "all"]


def test_exclude_globs_and_title(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=[{"name": "CI / test (3.12)"}, {"name": "CI / lint"},
                            {"name": "Status summary", "status": "in_progress"}])
    result = run_action("job-logs", {"exclude": "Status summary\n*lint*\n",
                                     "title": "Automated Status Summary"},
                        tmp_path=tmp_path, fake=fake)
    assert result.outputs["total"] == "1" and result.outputs["pending"] == "0"
    assert result.summary.startswith("### Automated Status Summary\n")
    assert "lint" not in result.summary


def test_run_id_lists_another_run(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=[{"name": "here"}])
    fake.add_run(77, jobs=[{"name": "there"}, {"name": "too"}])
    result = run_action("job-logs", {"run-id": "77"}, tmp_path=tmp_path, fake=fake)
    assert result.outputs["total"] == "2"
    assert fake.requests[0].path.endswith("/actions/runs/77/jobs")


def test_summary_false_writes_outputs_only(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=[{"name": "a"}])
    result = run_action("job-logs", {"summary": "false"}, tmp_path=tmp_path, fake=fake)
    assert result.summary == ""
    assert "| `a` | ✅ success |" in result.outputs["table"]


@pytest.mark.parametrize(("status", "said"), [(403, "actions: read"), (404, "actions: read")])
def test_forbidden_or_not_found_names_the_permission_and_stays_soft(
        fake: Any, tmp_path: Path, status: int, said: str) -> None:
    fake.add_run(RUN, jobs=[{"name": "a"}])
    fake.fail("GET", r"/actions/runs/\d+/jobs$", status, times=5)
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    assert result.rc == 0
    assert any(said in line for line in result.warnings)
    assert said in result.summary
    assert "total" not in result.outputs  # no made-up figures
    shown = [line for line in result.stdout.splitlines() if not line.startswith("::add-mask::")]
    assert fake.token not in "\n".join(shown) + result.stderr + result.summary


def test_an_error_message_from_the_server_is_inert_in_the_summary(fake: Any,
                                                                  tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=[{"name": "a"}])
    fake.fail("GET", r"/actions/runs/\d+/jobs$", 403,
              body={"message": "Denied <img src=x> for @admins\n## not a heading"})
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    assert result.rc == 0
    assert "<img" not in result.summary and "@admins" not in result.summary
    quoted = result.summary.split("[!WARNING]", 1)[1].strip().splitlines()
    assert quoted and all(line.startswith(">") for line in quoted)  # nothing leaves the quote


def test_server_error_on_a_page_is_retried(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=matrix_run(150))
    fake.fail("GET", r"/actions/runs/\d+/jobs$", 502, times=1)
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    assert result.outputs["total"] == "150"
    assert jobs_requests(fake) == 3


def test_github_unreachable_is_a_warning(tmp_path: Path) -> None:
    result = run_action("job-logs", tmp_path=tmp_path)  # API URL points at a closed port
    assert result.rc == 0
    assert any("was refused" in line for line in result.warnings)


def test_short_listing_warns_and_keeps_what_came(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=[{"name": "a"}])
    [job] = fake.jobs[RUN]
    fake.fail("GET", r"/actions/runs/\d+/jobs$", 200, body={"total_count": 3, "jobs": [job]})
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    assert result.rc == 0 and result.outputs["total"] == "1"
    assert any("announced 3 jobs but listed 1" in line for line in result.warnings)


@pytest.mark.parametrize(("inputs", "named"), [
    ({"filter": "newest"}, "filter"),
    ({"summary": "maybe"}, "summary"),
    ({"run-id": "abc"}, "run-id"),
    ({"run-id": "-3"}, "run-id"),
    ({"run-id": "0"}, "run-id"),
    ({"run-id": "\u00b2"}, "run-id"),  # str.isdigit() says yes, int() says no
])
def test_invalid_input_exits_2_before_any_request(fake: Any, tmp_path: Path,
                                                  inputs: dict[str, str], named: str) -> None:
    fake.add_run(RUN, jobs=[{"name": "a"}])
    result = run_action("job-logs", inputs, tmp_path=tmp_path, fake=fake)
    assert result.rc == 2
    assert any(f"'{named}'" in line for line in result.errors)
    assert fake.requests == []


def test_huge_names_keep_the_summary_under_1_mib(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=[{"name": f"job {i} " + "x" * 6000} for i in range(256)])
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    assert result.rc == 0
    assert len(result.summary.encode()) < 1024 * 1024
    assert "more jobs, left out to stay within the size limit" in result.summary
    assert len(result.outputs["table"].encode()) <= 256 * 1024
    assert len(result.outputs["jobs"].encode()) <= 256 * 1024
    assert any("`jobs` output holds " in line for line in result.warnings)
    assert result.outputs["total"] == "256"


# --- fetch_jobs directly: the function the coverage soft gate calls -------------------------

def test_fetch_jobs_drops_a_job_repeated_across_pages(fake: Any) -> None:
    fake.add_run(RUN, jobs=[{"name": "a"}])
    [job] = fake.jobs[RUN]
    fake.fail("GET", r"/jobs$", 200, body={"total_count": 1, "jobs": [job, job]})
    jobs = fetch_jobs(connect(fake.token, fake.url), fake.repo_full_name, RUN)
    assert [j.name for j in jobs] == ["a"]


def test_fetch_jobs_raises_with_the_partial_list(fake: Any) -> None:
    fake.add_run(RUN, jobs=[{"name": "a"}])
    fake.fail("GET", r"/jobs$", 200, body={"total_count": 2, "jobs": fake.jobs[RUN]})
    with pytest.raises(IncompleteJobs) as caught:
        fetch_jobs(connect(fake.token, fake.url), fake.repo_full_name, RUN)
    assert [j.name for j in caught.value.jobs] == ["a"] and caught.value.total_count == 2


def test_fetch_jobs_refuses_an_unknown_filter(fake: Any) -> None:
    with pytest.raises(ValueError, match="latest, all"):
        fetch_jobs(connect(fake.token, fake.url), fake.repo_full_name, RUN, attempts="newest")


def test_fetch_jobs_reads_steps_and_times(fake: Any) -> None:
    fake.add_run(RUN, jobs=[{
        "name": "test", "conclusion": "failure",
        "started_at": "2026-01-15T10:00:00Z", "completed_at": "2026-01-15T10:03:12Z",
        "steps": [{"name": "Set up job", "conclusion": "success"},
                  {"name": "Run pytest", "conclusion": "failure",
                   "started_at": "2026-01-15T10:00:09Z", "completed_at": "2026-01-15T10:03:10Z"},
                  {"name": "Upload", "status": "queued"}]}])
    [job] = fetch_jobs(connect(fake.token, fake.url), fake.repo_full_name, RUN)
    assert job.started_at is not None and job.completed_at is not None
    assert (job.completed_at - job.started_at).total_seconds() == 192
    assert [(s.number, s.name, s.status, s.conclusion) for s in job.steps] == [
        (1, "Set up job", "completed", "success"), (2, "Run pytest", "completed", "failure"),
        (3, "Upload", "queued", None)]
    assert job.steps[1].started_at is not None and job.steps[1].started_at.second == 9


# --- 1.1: why a run failed: steps, durations, excerpts, the pull-request comment -------------

LOGS = "/repos/octo-org/octo-repo/actions/jobs/"
OUTPUT = ["============ test session starts ============", "collected 3 items",
          "tests/test_x.py ..F", "E   assert 1 == 2", "FAILED tests/test_x.py::test_y"]


def add_failing(fake: Any, name: str, output: list[str] | None = None, *,
                log: str | bytes | bool | None = True, **changes: Any) -> dict[str, Any]:
    """A failed job (checkout, failing Tests, skipped Upload) and, unless `log` is False, its
    log; `log=None` is a log GitHub deleted; a str or bytes replaces the sample log."""
    fields, text = failing_job(name, OUTPUT if output is None else output)
    job = fake.add_job(RUN, **{**fields, **changes})
    if log is not False:
        fake.add_job_log(job["id"], text if log is True else log)
    return job


def log_requests(fake: Any) -> list[str]:
    return [r.path for r in fake.requests if r.path.startswith(LOGS)]


def excerpt_of(summary: str, name: str) -> str:
    """The excerpt paragraph and block of job `name` in the summary."""
    start = summary.index(f"**`{name}`**")
    end = summary.find("**`", start + 5)
    return summary[start:] if end < 0 else summary[start:end]


def test_failed_job_shows_its_step_duration_and_the_lines_that_explain_it(
        fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=[{"name": "lint"}])
    job = add_failing(fake, "test (3.12)")
    fake.add_job(RUN, "job-logs", status="in_progress", conclusion=None)

    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)

    assert result.rc == 0 and result.warnings == []
    summary = result.summary
    assert "❌ 1 failed · 🏃 1 running · ✅ 1 passed, of 3" in summary
    page = render(summary)
    assert [row[0] for row in page.rows()] == ["test (3.12)", "job-logs", "lint"]
    step_link = f"{job['html_url']}#step:3:1"
    assert page.rows()[0][:4] == ["test (3.12)", "❌ failure", "45s", "Tests"]
    assert step_link in page.links
    assert page.rows()[1][2].endswith(" so far")
    quoted = excerpt_of(summary, "test (3.12)")
    assert f"failed at step 3, [Tests]({step_link})" in quoted
    # the cause first, open: pytest's `E` line and its summary line
    cause = quoted[:quoted.index("<details>")]
    assert "```text\ntests/test_x.py ..F\nE   assert 1 == 2\nFAILED tests/test_x.py::test_y\n" \
        "```" in cause
    assert "<details>" in quoted and "The step's last 6 lines" in quoted
    for line in OUTPUT:
        assert f"\n{line}\n" in quoted
    assert "Error: Process completed with exit code 1." in quoted
    assert "##[" not in quoted and "2026-01-15T" not in quoted and "\ufeff" not in quoted
    assert "shell: /usr/bin/bash" not in quoted  # the step's header is not its output
    # one log download, through the redirect; the storage host never saw the token
    assert log_requests(fake) == [f"{LOGS}{job['id']}/logs"]
    assert len(fake.blob_requests) == 1
    assert "Authorization" not in fake.blob_requests[0].headers
    [entry] = [j for j in json.loads(result.outputs["jobs"]) if j["name"] == "test (3.12)"]
    assert entry["started_at"] == "2026-01-15T10:00:00Z"
    assert entry["completed_at"] == "2026-01-15T10:00:45Z" and entry["duration_s"] == 45
    assert entry["failed_step"] == {"number": 3, "name": "Tests", "url": step_link}
    assert "Tests" in result.outputs["table"] and "<details>" not in result.outputs["table"]


def test_a_passed_job_has_no_failed_step_in_the_output(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=[{"name": "lint"}])
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    [entry] = json.loads(result.outputs["jobs"])
    assert entry["failed_step"] is None and entry["duration_s"] == 0


def test_30_jobs_3_failed_cost_the_jobs_page_and_one_log_each(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=[{"name": f"test ({i})"} for i in range(27)])
    failed = [add_failing(fake, f"broken {i}") for i in range(3)]
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    assert result.outputs["failed"] == "3"
    assert len(fake.requests) == 1 + 3 * 2  # the page, then a log and the annotations each
    assert log_requests(fake) == [f"{LOGS}{j['id']}/logs" for j in failed]
    assert result.summary.count("<details>") == 3


def test_only_the_first_10_failed_jobs_are_quoted(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    for i in range(12):
        add_failing(fake, f"broken {i:02d}")
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    assert len(log_requests(fake)) == 10 and result.summary.count("<details>") == 10
    assert "**`broken 09`**" in result.summary and "**`broken 10`**" not in result.summary


def test_excerpt_lines_0_reads_no_log(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    add_failing(fake, "test")
    result = run_action("job-logs", {"excerpt-lines": "0"}, tmp_path=tmp_path, fake=fake)
    assert log_requests(fake) == [] and fake.blob_requests == []
    assert "<details>" not in result.summary and "| Tests" not in result.summary
    assert "Tests" in result.summary  # the failing step is still named and linked


def test_excerpt_lines_sets_the_length(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    add_failing(fake, "test", [f"output {i}" for i in range(50)])
    result = run_action("job-logs", {"excerpt-lines": "3"}, tmp_path=tmp_path, fake=fake)
    quoted = excerpt_of(result.summary, "test")
    assert "output 48\noutput 49\nError: Process" in quoted and "output 47" not in quoted


@pytest.mark.parametrize("value", ["-1", "201", "many"])
def test_excerpt_lines_out_of_range_is_exit_2(fake: Any, tmp_path: Path, value: str) -> None:
    result = run_action("job-logs", {"excerpt-lines": value}, tmp_path=tmp_path, fake=fake)
    assert result.rc == 2 and any("'excerpt-lines'" in line for line in result.errors)
    assert fake.requests == []


def test_a_huge_log_is_streamed(fake: Any, tmp_path: Path) -> None:
    noise = [f"{i:08d} " + "progress " * 10 for i in range(250_000)]  # about 25 MB
    fake.add_run(RUN)
    add_failing(fake, "test", [*noise, "the real cause"])
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    assert result.rc == 0 and result.warnings == []
    quoted = excerpt_of(result.summary, "test")
    assert "the real cause\nError: Process completed" in quoted
    assert quoted.count("progress") == 18 * 10  # 20 lines: 18 of noise, the cause, the error


def test_code_fences_in_the_log_cannot_close_the_block(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    add_failing(fake, "test", ["```", "</details>", "## not a heading", "@someone ````"])
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    page = render(result.summary)
    assert "h2" not in page.elements and page.elements.count("details") == 1
    assert any("</details>\n## not a heading\n@someone ````" in c for c in page.codes)


# --- faults: the row still shows, the excerpt says why, a warning names the cause, exit 0 ----

def fault_result(fake: Any, tmp_path: Path) -> tuple[Any, str]:
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    assert result.rc == 0
    assert render(result.summary).rows()[0][0] == "test"  # the row shows
    return result, excerpt_of(result.summary, "test")


def test_a_deleted_log_is_410_explained(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    add_failing(fake, "test", log=None)
    result, quoted = fault_result(fake, tmp_path)
    assert "no log excerpt, its log is gone (410)" in quoted and "retention" in quoted
    assert any("'test'" in w and "410" in w for w in result.warnings)


def test_a_missing_log_is_404_explained(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    add_failing(fake, "test", log=False)
    result, quoted = fault_result(fake, tmp_path)
    assert "not found (404)" in quoted and "actions: read" in quoted
    assert any("404" in w for w in result.warnings)


def test_a_log_without_step_markers(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    add_failing(fake, "test", log="2026-01-15T10:00:10.0000000Z plain text, no markers\n")
    result, quoted = fault_result(fake, tmp_path)
    assert "no step markers" in quoted and any("no step markers" in w for w in result.warnings)


@pytest.mark.parametrize("how", ["503", "hang"])
def test_a_failing_storage_host(fake: Any, tmp_path: Path, how: str) -> None:
    fake.add_run(RUN)
    job = add_failing(fake, "test")
    down = {"Location": f"{fake.url}/storage-down"}
    fake.fail("GET", rf"/actions/jobs/{job['id']}/logs$", 302, body=b"", headers=down, times=3)
    if how == "503":
        fake.fail("GET", r"^/storage-down$", 503, times=3)
    else:
        fake.hang("GET", r"^/storage-down$", times=3, then_apply=False)
    result, quoted = fault_result(fake, tmp_path)
    assert "the storage host" in quoted and "3 times" in quoted
    assert len(log_requests(fake)) == 3  # a fresh link for each try
    assert any("storage host" in w for w in result.warnings)


def test_a_storage_host_that_refuses(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    job = add_failing(fake, "test")
    down = {"Location": f"{fake.url}/storage-down"}
    fake.fail("GET", rf"/actions/jobs/{job['id']}/logs$", 302, body=b"", headers=down)
    fake.fail("GET", r"^/storage-down$", 403)
    _, quoted = fault_result(fake, tmp_path)
    assert "the storage host answered 403" in quoted
    assert len(log_requests(fake)) == 1  # a clear answer: not tried again


def test_a_job_with_no_steps_reads_no_log(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    add_failing(fake, "test", steps=[])
    result, quoted = fault_result(fake, tmp_path)
    assert "lists no steps" in quoted and log_requests(fake) == []
    assert any("lists no steps" in w for w in result.warnings)
    assert json.loads(result.outputs["jobs"])[0]["failed_step"] is None


def test_clocks_in_the_wrong_order(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    job = add_failing(fake, "test", completed_at="2026-01-15T09:59:00Z")
    job["steps"][2]["completed_at"] = "2026-01-15T09:59:59Z"  # before its start too
    result, quoted = fault_result(fake, tmp_path)
    assert render(result.summary).rows()[0][2] == "—"
    assert json.loads(result.outputs["jobs"])[0]["duration_s"] is None
    assert any("end" in w and "before its start" in w for w in result.warnings)
    assert any("failed step 3 ends before it starts" in w for w in result.warnings)
    assert "Found by the log's first error line" in quoted
    assert "Error: Process completed with exit code 1." in quoted


# --- the budgets: 1 MiB summary, 65,536-character comment -------------------------------------

def test_excerpts_respect_the_summary_limit_with_a_note(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    for i in range(10):
        add_failing(fake, f"broken {i}", [f"{i} {n} " + "z" * 400 for n in range(300)])
    summary = tmp_path / "file_commands" / "step_summary"
    summary.parent.mkdir(parents=True)
    summary.write_text("x" * 700_000)  # an earlier step's summary
    result = run_action("job-logs", {"excerpt-lines": "200"}, tmp_path=tmp_path, fake=fake)
    assert result.rc == 0
    assert len(result.summary.encode()) <= 1024 * 1024
    assert "more log excerpts, left out to stay within the size limit" in result.summary
    assert result.summary.count("<details>") == result.summary.count("</details>") >= 1


# --- the pull-request comment ---------------------------------------------------------------

def pr_event(fake: Any) -> dict[str, Any]:
    number = fake.add_pull("a change", head="feature")["number"]
    event = webhook("pull_request.synchronize", number=number)
    event["pull_request"]["number"] = number
    return event


def test_pr_comment_created_then_edited_in_place(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN, jobs=[{"name": "lint"}])
    add_failing(fake, "test")
    event = pr_event(fake)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = run_action("job-logs", {"pr-comment": "true"}, tmp_path=tmp_path / "one", fake=fake,
                       event=event, event_name="pull_request")
    assert first.rc == 0 and first.warnings == []
    [comment] = fake.comments[1]
    assert first.outputs["pr-comment-url"] == comment["html_url"]
    body = comment["body"]
    assert body.startswith("<!-- ci-toolkit:job-logs:")
    assert "❌ 1 failed · ✅ 1 passed, of 2" in body and "**`test`** failed" in body
    assert "`lint`" not in body  # the failed jobs only; the rest are in the run
    assert "Error: Process completed with exit code 1." in body
    assert render(body).rows() and "/actions/runs/1001" in body

    fake.jobs[RUN][1].update(conclusion="success", steps=[])  # fixed on the next push
    second = run_action("job-logs", {"pr-comment": "true"}, tmp_path=tmp_path / "two",
                        fake=fake, event=event, event_name="pull_request")
    assert second.rc == 0
    [edited] = fake.comments[1]
    assert edited["id"] == comment["id"] and second.outputs["pr-comment-url"] == first.outputs[
        "pr-comment-url"]
    assert "✅ All 2 jobs passed." in edited["body"]
    assert fake.count("POST") == 1 and fake.count("PATCH") == 1


def test_pr_comment_read_only_token_is_a_warning(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    add_failing(fake, "test")
    event = pr_event(fake)
    fake.read_only = True
    result = run_action("job-logs", {"pr-comment": "true"}, tmp_path=tmp_path, fake=fake,
                        event=event, event_name="pull_request")
    assert result.rc == 0 and "<details>" in result.summary
    assert any("`pull-requests: write`" in w and "`issues: write`" in w for w in result.warnings)
    assert "pr-comment-url" not in result.outputs


def test_pr_comment_off_a_pull_request_writes_nothing(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    add_failing(fake, "test")
    result = run_action("job-logs", {"pr-comment": "true"}, tmp_path=tmp_path, fake=fake)
    assert result.rc == 0 and result.warnings == [] and fake.count("POST") == 0


def test_pr_comment_respects_the_comment_limit(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    for i in range(10):
        add_failing(fake, f"broken {i}", [f"{i} {n} " + "q" * 400 for n in range(30)])
    result = run_action("job-logs", {"pr-comment": "true"}, tmp_path=tmp_path, fake=fake,
                        event=pr_event(fake), event_name="pull_request")
    assert result.rc == 0 and result.warnings == []
    [comment] = fake.comments[1]
    assert len(comment["body"]) <= 65_536
    assert "more log excerpts, left out to stay within the size limit" in comment["body"]


# --- the soft gate's "Logs for this run" is the same table ------------------------------------

def test_the_soft_gate_shows_the_same_table_and_reads_no_log(fake: Any, tmp_path: Path) -> None:
    from test_soft_gate_support import add_run, run_gate, sample_report

    add_run(fake, {"coverage-a": sample_report("a")}, jobs=1)
    job = add_failing(fake, "test (b)")
    result = run_gate(tmp_path, fake)
    assert result.rc == 0
    logs = result.summary.split("### Logs for this run", 1)[1]
    assert "❌ 1 failed · ✅ 1 passed, of 2" in logs
    page = render(logs)
    assert page.rows()[0][:4] == ["test (b)", "❌ failure", "45s", "Tests"]
    assert f"{job['html_url']}#step:3:1" in page.links
    assert log_requests(fake) == []  # the soft gate links the step; it quotes no log


def test_an_outside_job_or_step_name_is_inert_in_the_excerpt(fake: Any, tmp_path: Path) -> None:
    fake.add_run(RUN)
    job = add_failing(fake, "`x` @team <b>bold</b> &#64;all")
    job["steps"][2]["name"] = "Run <img src=x> @ops [x](http://evil)"
    result = run_action("job-logs", tmp_path=tmp_path, fake=fake)
    page = render(result.summary)
    assert not {"b", "img"} & set(page.elements)
    assert "http://evil" not in page.links
    assert "`x` @team <b>bold</b> &#64;all" in page.codes
    assert "@ops" not in page.text and "@team" not in page.text.replace(
        "`x` @team <b>bold</b> &#64;all", "")
