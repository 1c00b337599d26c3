"""coverage-soft-gate: every fault is exit 0, a `::warning::` naming its cause, the step
summary still written and the outputs that could be computed still set."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from test_soft_gate_support import (
    LABEL,
    MARK,
    TITLE,
    add_run,
    coverage_json,
    one_warning,
    percent,
    run_gate,
    sample_report,
    tracking_issues,
)

from ci_toolkit.coverage_soft_gate import history
from ci_toolkit.markdown import ISSUE_BODY_LIMIT, escape
from conftest import Result
from rendered import render, seen

GOOD = "a"  # the sample matrix job whose report every fault test keeps
SECONDARY = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes "
             "before you try again.",
             "documentation_url": "https://docs.github.com/rest/overview/rate-limits"}


def good_and(fake: Any, name: str, files: dict[str, bytes] | None = None, *,
             data: bytes | None = None) -> None:
    """Run 1001: one good artifact, and `name` with the given content."""
    add_run(fake, {"coverage-good": sample_report(GOOD)})
    if data is not None:
        fake.add_artifact(1001, name, data=data)
    else:
        fake.add_artifact(1001, name, files=files or {})


def still_soft(result: Result, jobs: int) -> None:
    """What every fault keeps: the figures that could be computed and the summary."""
    assert result.outputs["jobs"] == str(jobs)
    if jobs:
        assert result.outputs["average"] == percent(GOOD)
        assert "## Coverage soft gate" in result.summary
        assert "coverage-good" in result.summary
    assert "[!WARNING]" in result.summary


# ------------------------------------------------------------------ permissions and labels


def test_read_only_token_names_the_permission_and_forks(tmp_path: Path, fake: Any) -> None:
    fake.add_issue(TITLE, f"{MARK}\nold", [LABEL])
    fake.read_only = True
    add_run(fake, {"coverage-good": sample_report(GOOD)})

    result = run_gate(tmp_path, fake)

    warning = one_warning(result, "403", "issues: write")
    assert "fork" in warning and "read-only" in warning
    still_soft(result, 1)
    assert result.outputs["issue-number"] == "1"  # found: reading is allowed
    assert fake.comments[1] == [] and fake.issues[1]["body"] == f"{MARK}\nold"


def test_read_only_token_and_no_issue_yet(tmp_path: Path, fake: Any) -> None:
    fake.read_only = True
    add_run(fake, {"coverage-good": sample_report(GOOD)})

    result = run_gate(tmp_path, fake)

    one_warning(result, "403", "issues: write", "fork")
    still_soft(result, 1)
    assert fake.issues == {} and "issue-number" not in result.outputs


def test_a_persons_issue_with_a_copied_marker_is_not_a_duplicate(tmp_path: Path,
                                                                 fake: Any) -> None:
    ours = fake.add_issue(TITLE, f"{MARK}\nthe figures", labels=[LABEL])
    copied = f"Follow-up: the numbers below.\n\n{MARK}\nthe figures"
    same_title = fake.add_issue(TITLE, copied, labels=[LABEL], user="someone")
    other_title = fake.add_issue("Raise coverage of the parser", copied, labels=[LABEL])
    twin = fake.add_issue(TITLE, f"{MARK}\nmade by a racing run", labels=[LABEL])
    add_run(fake, {"coverage-good": sample_report(GOOD)})

    result = run_gate(tmp_path, fake)

    assert result.outputs["issue-number"] == str(ours["number"])
    states = {n: fake.issues[n]["state"] for n in fake.issues}
    assert states == {ours["number"]: "open", same_title["number"]: "open",
                      other_title["number"]: "open", twin["number"]: "closed"}
    assert fake.comments[same_title["number"]] == fake.comments[other_title["number"]] == []


def test_a_tracking_issue_whose_label_was_removed_is_found_in_one_request(
        tmp_path: Path, fake: Any) -> None:
    for n in range(250):
        fake.add_issue(f"Other issue {n}", "text")
    issue = fake.add_issue(TITLE, f"{MARK}\nthe figures")  # no label: removed by hand
    add_run(fake, {"coverage-good": sample_report(GOOD)})

    result = run_gate(tmp_path, fake)

    assert result.outputs["issue-number"] == str(issue["number"])
    lists = [r.query for r in fake.requests if r.method == "GET" and r.path.endswith("/issues")]
    assert lists == [
        {"state": "open", "labels": LABEL, "sort": "created", "direction": "asc",
         "per_page": "100"},
        {"state": "open", "sort": "updated", "direction": "desc", "per_page": "100"}]


def test_a_first_run_in_a_big_repository_reads_one_page_of_issues(tmp_path: Path,
                                                                   fake: Any) -> None:
    for n in range(450):
        fake.add_issue(f"Other issue {n}", "text")
    add_run(fake, {"coverage-good": sample_report(GOOD)})

    run_gate(tmp_path, fake)

    assert len(tracking_issues(fake)) == 1
    lists = [r for r in fake.requests if r.method == "GET" and r.path.endswith("/issues")]
    assert len(lists) == 3  # labelled, recent, labelled after the create: was 1 + 5 + 1


def test_label_404_is_a_warning_and_the_issue_is_still_created(tmp_path: Path, fake: Any) -> None:
    fake.fail("*", r"/labels$", 404, times=10)
    add_run(fake, {"coverage-good": sample_report(GOOD)})

    result = run_gate(tmp_path, fake)

    one_warning(result, "label", LABEL, "404")
    [issue] = tracking_issues(fake)
    assert len(fake.comments[issue["number"]]) == 1
    assert result.outputs["issue-number"] == str(issue["number"])


# ------------------------------------------------------------------ retries and waits


def test_server_errors_on_reads_are_retried(tmp_path: Path, fake: Any) -> None:
    fake.add_issue(TITLE, f"{MARK}\nold", [LABEL])
    add_run(fake, {"coverage-good": sample_report(GOOD)})
    fake.fail("GET", r"/issues$", 502, times=1)
    fake.fail("GET", r"/artifacts$", 503, times=2)

    result = run_gate(tmp_path, fake)

    assert result.warnings == []
    assert fake.count("GET", f"/repos/{fake.repo_full_name}/issues") == 2
    assert len(fake.comments[1]) == 1 and f"Average {percent(GOOD)}%" in fake.issues[1]["body"]


def test_a_comment_whose_answer_was_lost_is_not_posted_twice(tmp_path: Path, fake: Any) -> None:
    fake.add_issue(TITLE, f"{MARK}\nold", [LABEL])
    add_run(fake, {"coverage-good": sample_report(GOOD)})
    fake.hang("POST", r"/issues/1/comments$", times=1, then_apply=True)

    result = run_gate(tmp_path, fake)

    assert result.warnings == []
    assert len(fake.comments[1]) == 1  # looked for it before retrying: found


def test_a_comment_that_got_a_server_error_is_retried_once_checked(
        tmp_path: Path, fake: Any) -> None:
    fake.add_issue(TITLE, f"{MARK}\nold", [LABEL])
    add_run(fake, {"coverage-good": sample_report(GOOD)})
    fake.fail("POST", r"/issues/1/comments$", 502, times=1)

    run_gate(tmp_path, fake)

    assert len(fake.comments[1]) == 1
    assert fake.count("POST", f"/repos/{fake.repo_full_name}/issues/1/comments") == 2


def test_secondary_rate_limit_with_retry_after_is_waited_out(tmp_path: Path, fake: Any) -> None:
    fake.add_issue(TITLE, f"{MARK}\nold", [LABEL])
    add_run(fake, {"coverage-good": sample_report(GOOD)})
    fake.fail("GET", r"/issues$", 403, body=SECONDARY, headers={"Retry-After": "3"})
    fake.fail("POST", r"/comments$", 403, body=SECONDARY, headers={"Retry-After": "5"})

    result = run_gate(tmp_path, fake)

    assert result.warnings == []
    assert fake.count("GET", f"/repos/{fake.repo_full_name}/issues") == 2
    assert fake.count("POST", f"/repos/{fake.repo_full_name}/issues/1/comments") == 2
    assert len(fake.comments[1]) == 1


def test_rate_limit_waits_past_the_budget_degrade_to_a_warning(tmp_path: Path, fake: Any) -> None:
    fake.add_issue(TITLE, f"{MARK}\nold", [LABEL])
    add_run(fake, {"coverage-good": sample_report(GOOD)})
    fake.fail("POST", r"/comments$", 403, body=SECONDARY, headers={"Retry-After": "600"})

    result = run_gate(tmp_path, fake, env={"CI_TOOLKIT_MAX_WAIT": "60"})

    one_warning(result, "rate limit", "comment")
    still_soft(result, 1)
    assert fake.comments[1] == [] and fake.count("POST") == 1  # no blind retry


def test_primary_rate_limit_degrades_at_once_instead_of_waiting_a_minute(
        tmp_path: Path, fake: Any) -> None:
    """The hourly limit resets far beyond the budget: no sleep toward it, no second try."""
    fake.add_issue(TITLE, f"{MARK}\nold", [LABEL])
    add_run(fake, {"coverage-good": sample_report(GOOD)})
    reset = str(int(time.time()) + 3000)
    fake.fail("POST", r"/comments$", 403,
              body={"message": "API rate limit exceeded for installation ID 1."},
              headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})

    result = run_gate(tmp_path, fake, env={"CI_TOOLKIT_MAX_WAIT": "60"})

    one_warning(result, "rate limit", "comment")
    still_soft(result, 1)
    assert fake.comments[1] == [] and fake.count("POST") == 1


# ------------------------------------------------------------------ unreadable reports


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE coverage [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<coverage line-rate="1" branch-rate="1" version="&d;"><packages/></coverage>
"""


@pytest.mark.parametrize(("files", "cause"), [
    ({"coverage.json": b"{\"meta\": {\"version\": "}, "coverage.json"),
    ({"coverage.json": b""}, "empty"),
    ({"coverage.json": b'{"meta": {}, "files": {"a.py": {"summary": 3}}}'}, "not a coverage.py"),
    ({"coverage.json": b'{"totally": "different"}'}, "not a coverage.py"),
    ({"coverage.xml": BILLION_LAUGHS}, "coverage.xml"),
    ({"notes.txt": b"no report here"}, "no coverage report"),
], ids=["corrupt-json", "empty-json", "wrong-schema", "other-json", "entity-bomb", "no-report"])
def test_one_unreadable_artifact_of_two(tmp_path: Path, fake: Any, files: dict[str, bytes],
                                        cause: str) -> None:
    good_and(fake, "coverage-bad", files)

    result = run_gate(tmp_path, fake)

    warning = one_warning(result, "coverage-bad", cause)
    assert "left out" in warning
    still_soft(result, 1)
    assert "coverage-bad" in result.summary  # the problem is in the summary too
    [issue] = tracking_issues(fake)
    assert f"Average {percent(GOOD)}%" in issue["body"]


def test_zip_entry_climbing_out_is_refused(tmp_path: Path, fake: Any) -> None:
    report = coverage_json({"a.py": (1, 1)})
    good_and(fake, "coverage-evil", data=_zip({"../../escaped.json": report,
                                               "coverage.json": report}))

    result = run_gate(tmp_path, fake)

    one_warning(result, "coverage-evil", "leaves the artifact")
    still_soft(result, 1)
    assert not list((tmp_path).rglob("escaped.json"))


def test_zip_bomb_is_capped(tmp_path: Path, fake: Any) -> None:
    good_and(fake, "coverage-bomb", data=_zip({"coverage.json": b"0" * 20_000_000}))

    result = run_gate(tmp_path, fake, env={"CI_TOOLKIT_MAX_UNPACKED_BYTES": "5000000"})

    one_warning(result, "coverage-bomb", "more than")
    still_soft(result, 1)


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_two_artifacts_of_one_name_are_one_job_the_newest(tmp_path: Path, fake: Any) -> None:
    add_run(fake, {"coverage-py311": coverage_json({"src/old.py": (10, 5)})})  # attempt 1
    newer = {"coverage.json": sample_report(GOOD)}
    fake.add_artifact(1001, "coverage-py311", files=newer)  # attempt 2

    result = run_gate(tmp_path, fake)

    assert result.outputs["jobs"] == "1" and result.outputs["average"] == percent(GOOD)
    warning = one_warning(result, "2 artifacts of run 1001 are named 'coverage-py311'")
    assert "only the newest was read" in warning
    assert fake.count("GET", "/repos/octo-org/octo-repo/actions/artifacts/") == 1  # one download


def test_no_artifact_matches(tmp_path: Path, fake: Any) -> None:
    add_run(fake, {"test-results": b"{}"})

    result = run_gate(tmp_path, fake)

    one_warning(result, "no artifact", "coverage-*")
    still_soft(result, 0)
    assert result.outputs["average"] == "" and result.outputs["combined"] == ""
    assert "No coverage report could be read" in result.summary
    assert fake.count("POST") == 0 and fake.count("PATCH") == 0
    # the problems callout: our Markdown as code, the pattern (outside text) shown as given
    [problem] = [li for li in render(result.summary).text.split("\n") if "No artifact" in li]
    assert problem == ("No artifact of run 1001 matches 'coverage-*': upload each test job's "
                       "reports as an artifact with a matching name, or set files.")
    assert "files" in render(result.summary).codes


def test_a_run_that_read_nothing_still_comments_and_keeps_the_figures(
        tmp_path: Path, fake: Any) -> None:
    body = f"{MARK}\nthe figures of the default branch"
    issue = fake.add_issue(TITLE, body, labels=[LABEL])
    add_run(fake, {"test-results": b"{}"})

    result = run_gate(tmp_path, fake)

    one_warning(result, "no artifact", "coverage-*")
    still_soft(result, 0)
    assert result.outputs["issue-number"] == str(issue["number"])
    assert fake.issues[issue["number"]]["body"] == body
    comments = fake.comments[issue["number"]]
    assert len(comments) == 1 and "No coverage report could be read" in comments[0]["body"]
    assert len(tracking_issues(fake)) == 1


def test_no_file_matches(tmp_path: Path, fake: Any) -> None:
    result = run_gate(tmp_path, fake, {"files": "nowhere/**/coverage.json"})
    one_warning(result, "no file matches", "nowhere/**/coverage.json")
    still_soft(result, 0)


# ------------------------------------------------------------------ size and names


def test_report_over_the_body_limit_is_cut_keeping_marker_and_history(
        tmp_path: Path, fake: Any) -> None:
    long_paths = {f"src/{'deep/' * 140}module_{n:03}.py": (100, n) for n in range(100)}
    folder = tmp_path / "workspace" / "job"
    folder.mkdir(parents=True)
    (folder / "coverage.json").write_bytes(coverage_json(long_paths))
    add_run(fake, {})

    result = run_gate(tmp_path, fake, {"files": "*/coverage.json", "hotspots": "100"})

    [issue] = tracking_issues(fake)
    body = issue["body"]
    assert len(body) <= ISSUE_BODY_LIMIT and body.startswith(MARK)
    assert "cut to GitHub's limit of 65,536 characters" in body
    assert len(history.parse(body)) == 1
    [comment] = fake.comments[issue["number"]]
    assert len(comment["body"]) <= ISSUE_BODY_LIMIT and "65,536" in comment["body"]
    rows = re.findall(r"^\| \[`src/deep/", result.summary, re.M)
    assert len(rows) == 100  # the summary keeps the whole table
    assert len(result.outputs["report"]) <= ISSUE_BODY_LIMIT
    data = json.loads(result.outputs["report-json"])  # the data, capped the same way
    assert len(result.outputs["report-json"]) <= ISSUE_BODY_LIMIT and data["truncated"] is True
    assert 0 < len(data["hotspots"]) < 100 and data["jobs"][0]["statements"] == 10_000


def test_150_jobs(tmp_path: Path, fake: Any) -> None:
    for n in range(150):
        folder = tmp_path / "workspace" / "reports" / f"leg-{n:03}"
        folder.mkdir(parents=True)
        (folder / "coverage.json").write_bytes(coverage_json({"src/app.py": (100, 50 + n % 50)}))
    add_run(fake, {}, jobs=150)

    result = run_gate(tmp_path, fake, {"files": "reports/*/coverage.json"})

    assert result.outputs["jobs"] == "150"
    assert result.outputs["worst"] == "50.00"
    assert result.warnings == []
    body = tracking_issues(fake)[0]["body"]
    assert body.count("| `leg-") == 150
    logs = body.split("### Logs for this run", 1)[1]
    assert logs.count("/job/") == 150  # two pages of jobs, all listed


NASTY = "a|b `x` <script>alert(1)</script> @someone &#64;x [l](javascript:evil)\nnext"


def test_hostile_names_keep_every_table_intact_and_ping_no_one(tmp_path: Path, fake: Any) -> None:
    folder = tmp_path / "workspace" / "reports" / NASTY.replace("/", "_")
    folder.mkdir(parents=True)
    (folder / "coverage.json").write_bytes(coverage_json({f"src/{NASTY}.py": (10, 5)}))
    add_run(fake, {}, jobs=0)
    fake.add_job(1001, NASTY)

    result = run_gate(tmp_path, fake, {"files": "reports/*/coverage.json"})

    body = tracking_issues(fake)[0]["body"]
    comment = fake.comments[1][0]["body"]
    for text in (body, comment, result.summary):
        page = render(text)
        assert "script" not in page.elements
        assert all(link.startswith("https://github.com/") for link in page.links)  # ours only
        for table in page.tables:  # every row has its header's number of cells
            assert {len(row) for row in table} == {len(table[0])}
        job, path = seen(folder.name, code=True), f"src/{seen(NASTY, code=True)}.py"
        assert job in page.codes  # the job, in the jobs table
        assert path in page.codes  # the file, in the hotspots
        logs = seen(NASTY, code=True)  # the run's job, in "Logs for this run"
        assert logs in page.codes
        prose = page.text.replace(job, "").replace(path, "").replace(logs, "")
        assert "@someone" not in prose  # code spans aside, no mention
    assert f"({escape(folder.name)})" in body  # the worst job in the headline, as prose


@pytest.mark.parametrize("command", ["coverage-soft-gate", "job-logs"])
def test_when_every_request_hangs_a_soft_step_ends_within_its_wait_budget(
        tmp_path: Path, fake: Any, command: str) -> None:
    add_run(fake, {"coverage-good": sample_report(GOOD)})
    for method in ("GET", "POST", "PATCH"):
        fake.hang(method, r".*", times=10_000, then_apply=False)
    # Each request without an answer costs its timeout (5 s here) out of the step's budget.
    budget = {"CI_TOOLKIT_MAX_WAIT": "20", "CI_TOOLKIT_HTTP_TIMEOUT": "5"}

    result = run_gate(tmp_path, fake, env=budget, command=command)

    assert len(fake.requests) <= 4  # 20 s / 5 s, backoff included: then nothing is even sent
    assert "the 20s this step may wait in all" in result.warnings[0]
    assert "unexpected error" not in result.stdout
