"""job-logs through the real entry point, against the fake GitHub over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ci_toolkit.github import connect
from ci_toolkit.github.jobs import IncompleteJobs, fetch_jobs
from conftest import run_action
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
    assert len(fake.requests) == 3  # three pages of 100, and nothing else (no GET of the run)
    assert [r.query.get("per_page") for r in fake.requests] == ["100"] * 3
    out = result.outputs
    assert out["total"] == "256"
    assert out["failed"] == "4"  # failure, cancelled, timed_out and the unknown; not skipped
    assert out["pending"] == "2"  # the running job and the queued one
    listed = json.loads(out["jobs"])
    assert len(listed) == 256 and len({j["url"] for j in listed}) == 256
    assert listed[0] == {"name": "CI / test (3.11, os-0)", "status": "completed",
                         "conclusion": "success", "url": listed[0]["url"], "attempt": 1}
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
    assert [r.query["filter"] for r in fake.requests] == ["latest", "all"]


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
    assert any("no answer from GitHub" in line for line in result.warnings)


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
    assert any("`jobs` output holds the first" in line for line in result.warnings)
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
