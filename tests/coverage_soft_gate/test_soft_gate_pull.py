"""coverage-soft-gate on a pull request, end to end: the real entry point against the fake.

The coverage is made at test time by coverage.py on a small package (two jobs that run
different halves of it), and the expected patch figures come from `coverage combine` of the
same data, never typed in. The pull request's diff differs between the head and the merge
commit the jobs measured, as it does on GitHub when the base moved on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_soft_gate_support import LABEL, MARK, RUN_ID, TITLE, one_warning, pr_event, run_gate

from ci_toolkit.coverage_soft_gate import history
from ci_toolkit.markdown import marker
from conftest import Result
from test_coverage_analysis import MODULE, run_coverage, write_package

PR_MARK = marker("coverage-soft-gate-pr", TITLE)
# The merge commit's diff against the base (its first parent): lines 9-19 of MODULE were added.
MERGE_PATCH = "@@ -8,0 +9,11 @@\n" + "".join(f"+{line}\n" for line in MODULE.splitlines()[8:19])
# The same change as the head sees it: the base has not got the lines above it yet.
HEAD_PATCH = "@@ -1,0 +1,11 @@\n" + "".join(f"+{line}\n" for line in MODULE.splitlines()[8:19])
CHANGED = set(range(9, 20))


@dataclass(frozen=True)
class Measured:
    reports: dict[str, bytes]  # job -> coverage.json
    executed: set[int]  # lines of pkg/mod.py executed by the union (coverage combine)
    statements: set[int]


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Measured:
    root = tmp_path_factory.mktemp("sample")
    write_package(root)
    (root / "run_a.py").write_text("from pkg.mod import sign, evens\nsign(1)\nevens(False)\n")
    (root / "run_b.py").write_text("from pkg.mod import sign\nsign(-1)\n")
    reports = {}
    for job in ("a", "b"):
        data = f"--data-file=.coverage.{job}"
        run_coverage(root, "run", "--branch", "--source=pkg", data, f"run_{job}.py")
        run_coverage(root, "json", data, "-o", f"{job}.json")
        reports[job] = (root / f"{job}.json").read_bytes()
    run_coverage(root, "combine", "--keep", ".coverage.a", ".coverage.b")
    run_coverage(root, "json", "-o", "combined.json")
    entry = json.loads((root / "combined.json").read_text())["files"]["pkg/mod.py"]
    return Measured(reports, set(entry["executed_lines"]),
                    set(entry["executed_lines"]) | set(entry["missing_lines"]))


@dataclass
class Pull:
    number: int
    merge: str
    payload: dict[str, Any]


def open_pull(fake: Any, measured: Measured, *, fork: str | None = None,
              commit_file: bool = True) -> Pull:
    """A pull request changing pkg/mod.py, its merge commit, and the CI run that measured it."""
    fake.add_issue(TITLE, f"{MARK}\nthe default branch's figures", [LABEL])
    pr = fake.add_pull("Feature", head="feature", fork=fork)
    fake.set_pull_files(pr["number"], [fake.diff_entry("pkg/mod.py", HEAD_PATCH),
                                       fake.diff_entry("pkg/new.py", "@@ -0,0 +1 @@\n+x = 1"),
                                       fake.diff_entry("docs/logo.png", None, "added")])
    merge = fake.add_merge_commit(pr["number"], [
        fake.diff_entry("pkg/mod.py", MERGE_PATCH),
        fake.diff_entry("pkg/new.py", "@@ -0,0 +1 @@\n+x = 1"),
        fake.diff_entry("docs/logo.png", None, "added")])
    ci_run(fake, RUN_ID, measured, merge, pr["number"], commit_file)
    payload = {**pr_event(fake), "number": pr["number"],
               "pull_request": {**pr, "changed_files": 3}}
    return Pull(pr["number"], merge, payload)


def ci_run(fake: Any, run_id: int, measured: Measured, merge: str, number: int,
           commit_file: bool = True) -> None:
    """The CI run: two test jobs' artifacts, each with coverage-upload's commit file."""
    record = json.dumps({"sha": merge, "ref": f"refs/pull/{number}/merge"}).encode()
    fake.add_run(run_id, head_branch="feature", event="pull_request",
                 jobs=[{"name": "test (a)"}, {"name": "test (b)"}, {"name": "coverage"}],
                 artifacts=[{"name": f"coverage-{job}", "files": {
                     "coverage.json": report,
                     **({"ci-toolkit-commit.json": record} if commit_file else {})}}
                     for job, report in measured.reports.items()])


def pull_run(tmp_path: Path, fake: Any, pull: Pull, inputs: dict[str, str] | None = None,
             run_id: int = RUN_ID) -> Result:
    env = {"GITHUB_SHA": pull.merge, "GITHUB_REF": f"refs/pull/{pull.number}/merge",
           "GITHUB_RUN_ID": str(run_id)}
    return run_gate(tmp_path, fake, inputs, pull_request=True, event=pull.payload, env=env)


def expected(measured: Measured) -> tuple[str, str, str]:
    statements = CHANGED & measured.statements
    covered = statements & measured.executed
    return f"{100 * len(covered) / len(statements):.2f}", str(len(covered)), str(len(statements))


def pr_comments(fake: Any, number: int) -> list[dict[str, Any]]:
    return [c for c in fake.comments.get(number, []) if PR_MARK in c["body"]]


# ------------------------------------------------------------------ a same-repository pull request


def test_same_repo_pull_request_comments_its_patch_coverage(
        tmp_path: Path, fake: Any, measured: Measured) -> None:
    pull = open_pull(fake, measured)

    result = pull_run(tmp_path, fake, pull)

    assert result.warnings == []
    patch, covered, statements = expected(measured)
    assert (result.outputs["patch"], result.outputs["patch-covered"],
            result.outputs["patch-statements"]) == (patch, covered, statements)
    [comment] = pr_comments(fake, pull.number)
    body = comment["body"]
    blob = f"https://github.com/{fake.repo_full_name}/blob/{pull.merge}/pkg/mod.py"
    assert f"[`pkg/mod.py`]({blob})" in body  # linked at the measured (merge) commit
    missing = int(statements) - int(covered)
    assert body.split("\n")[1] == (  # line 1 after the hidden marker: the verdict
        f"⚠️ **{missing} of {statements} changed statements never ran** (patch {patch}%)")
    assert f"at [`{pull.merge[:7]}`](https://github.com/{fake.repo_full_name}/commit/" \
           f"{pull.merge})" in body  # the commit it describes
    assert "- `pkg/new.py`: in no coverage report\n" in body
    assert "`docs/logo.png`: GitHub gives no patch for it" in body
    assert "not measured (" not in body
    assert "/issues/1" in body and "/actions/runs/1001" in body
    assert result.outputs["pr-comment-url"] == comment["html_url"]
    # the merge commit's lines, not the head's: the missed lines are where the jobs ran
    missed = sorted((CHANGED & measured.statements) - measured.executed)
    assert f"#L{missed[0]}" in body
    data = json.loads(result.outputs["report-json"])
    [changed] = [f for f in data["patch"]["files"] if f["path"] == "pkg/mod.py"]
    assert sum(b - a + 1 for a, b in changed["missed"]) == len(missed)
    assert data["patch"]["statements"] == int(statements)
    # the tracking issue keeps its comment per run; a pull request never replaces the body
    assert fake.issues[1]["body"] == f"{MARK}\nthe default branch's figures"
    assert len(fake.comments[1]) == 1


def test_a_second_run_edits_the_comment_in_place_within_twelve_requests(
        tmp_path: Path, fake: Any, measured: Measured) -> None:
    pull = open_pull(fake, measured)
    (tmp_path / "first").mkdir()
    pull_run(tmp_path / "first", fake, pull)
    [first] = pr_comments(fake, pull.number)
    ci_run(fake, RUN_ID + 1, measured, pull.merge, pull.number)  # pushed again: a new run
    fake.requests.clear()

    result = pull_run(tmp_path, fake, pull, run_id=RUN_ID + 1)

    [again] = pr_comments(fake, pull.number)
    assert again["id"] == first["id"]  # edited, not a second comment
    assert f"/actions/runs/{RUN_ID + 1}" in again["body"]
    assert fake.count("PATCH", f"/repos/{fake.repo_full_name}/issues/comments/") == 1
    assert len(fake.requests) <= 12, [f"{r.method} {r.path}" for r in fake.requests]
    assert fake.count(prefix="/search") == 0
    assert result.outputs["pr-comment-url"] == first["html_url"]


def test_pr_comment_false_writes_none(tmp_path: Path, fake: Any, measured: Measured) -> None:
    pull = open_pull(fake, measured)

    result = pull_run(tmp_path, fake, pull, {"pr-comment": "false"})

    assert pr_comments(fake, pull.number) == []
    assert result.outputs["patch"] == expected(measured)[0]  # still measured


# ------------------------------------------------------------------ a fork and its follow-up


def test_fork_warns_then_the_workflow_run_follow_up_writes_the_comment(
        tmp_path: Path, fake: Any, measured: Measured) -> None:
    pull = open_pull(fake, measured, fork="forker")
    fake.read_only = True
    (tmp_path / "ci").mkdir()

    ci = pull_run(tmp_path / "ci", fake, pull)

    one_warning(ci, "pull-requests: write", "issues: write", "fork")
    assert ci.outputs["patch"] == expected(measured)[0]  # read: the summary and outputs are done
    assert "Changed files" in ci.summary
    assert pr_comments(fake, pull.number) == []

    fake.read_only = False
    upstream = {**fake.runs[RUN_ID], "pull_requests": [],  # GitHub lists none for a fork
                "head_sha": pull.payload["pull_request"]["head"]["sha"],
                "head_repository": pull.payload["pull_request"]["head"]["repo"]}
    fake.runs[RUN_ID] = upstream
    event = {**pr_event(fake), "action": "completed", "workflow_run": upstream}
    event.pop("pull_request", None)
    follow = run_gate(tmp_path, fake, {"run-id": str(RUN_ID)}, event=event,
                      event_name="workflow_run", env={"GITHUB_RUN_ID": "2002"})

    assert follow.warnings == []
    [comment] = pr_comments(fake, pull.number)
    assert f"/blob/{pull.merge}/pkg/mod.py" in comment["body"]  # the recorded measured commit
    assert follow.outputs["patch"] == expected(measured)[0]
    assert fake.count("GET", f"/repos/{fake.repo_full_name}/pulls") >= 1


# ------------------------------------------------------------------ faults: warnings, exit 0


def test_pull_files_404_is_a_warning_and_the_rest_is_done(
        tmp_path: Path, fake: Any, measured: Measured) -> None:
    pull = open_pull(fake, measured, commit_file=False)
    head = pull.payload["pull_request"]["head"]["sha"]
    fake.fail("GET", r".*/pulls/\d+/files", 404)

    result = run_gate(tmp_path, fake, pull_request=True, event=pull.payload,
                      env={"GITHUB_SHA": head})  # measured the head: the pull request's files

    one_warning(result, "changed files", "404")
    assert result.outputs["patch"] == "" and result.outputs["jobs"] == "2"
    assert len(fake.comments[1]) == 1  # the tracking issue is still done
    assert len(pr_comments(fake, pull.number)) == 1


def test_a_cut_diff_is_named(tmp_path: Path, fake: Any, measured: Measured) -> None:
    pull = open_pull(fake, measured, commit_file=False)
    head = pull.payload["pull_request"]["head"]["sha"]
    many = [fake.diff_entry("pkg/mod.py", HEAD_PATCH)] + [
        fake.diff_entry(f"data/f{n}.txt", "@@ -0,0 +1 @@\n+x") for n in range(3000)]
    fake.set_pull_files(pull.number, many)
    pull.payload["pull_request"]["changed_files"] = len(many)

    result = run_gate(tmp_path, fake, pull_request=True, event=pull.payload,
                      env={"GITHUB_SHA": head})

    one_warning(result, "3,000", "3,001")
    assert "3,000 changed files" in result.summary


def test_a_locked_conversation_is_a_warning(tmp_path: Path, fake: Any, measured: Measured) -> None:
    pull = open_pull(fake, measured)
    fake.issues[pull.number]["locked"] = True

    result = pull_run(tmp_path, fake, pull)

    one_warning(result, "locked")
    assert result.outputs["patch"] == expected(measured)[0]
    assert len(fake.comments[1]) == 1 and result.outputs["pr-comment-url"] == ""


def test_a_pull_request_the_token_may_not_read(
        tmp_path: Path, fake: Any, measured: Measured) -> None:
    pull = open_pull(fake, measured)
    fake.fail("GET", r".*/commits/[0-9a-f]+", 403, body={"message": "Resource not accessible "
                                                         "by integration"})

    result = pull_run(tmp_path, fake, pull)

    one_warning(result, "403", "pull-requests: read")
    assert result.outputs["patch"] == "" and result.outputs["average"]
    assert len(fake.comments[1]) == 1


# ------------------------------------------------------------------ the change against main


def test_delta_against_the_last_default_branch_run(
        tmp_path: Path, fake: Any, measured: Measured) -> None:
    pull = open_pull(fake, measured)
    last = history.Point(900, "abc", "2026-11-30", 40.0, 30.0, 50.0)
    fake.issues[1]["body"] = f"{MARK}\nfigures\n{history.render([last])}"

    result = pull_run(tmp_path, fake, pull)

    combined = float(result.outputs["combined"])
    assert result.outputs["delta"] == f"{combined - 50.0:+.2f}"
    [comment] = pr_comments(fake, pull.number)
    assert f"({combined - 50.0:+.2f} against the default branch)" in comment["body"]
    assert json.loads(result.outputs["report-json"])["delta"] == round(combined - 50.0, 2)


def test_no_history_no_delta(tmp_path: Path, fake: Any, measured: Measured) -> None:
    result = pull_run(tmp_path, fake, open_pull(fake, measured))
    assert result.outputs["delta"] == ""
