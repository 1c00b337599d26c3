"""coverage-soft-gate 1.2, the pull request first, end to end (the real entry point against
the fake): the verdict on line 1, annotations, merge queues, wrong reports named with their
fix, nothing measured never 100 %, re-runs, and the fork's recorded commit checked."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import cmarkgfm
import pytest
from test_soft_gate_pull import (
    HEAD_PATCH,
    Measured,
    ci_run,
    measured,
    open_pull,
    pr_comments,
    pull_run,
)
from test_soft_gate_support import (
    LABEL,
    MARK,
    RUN_ID,
    TITLE,
    add_run,
    coverage_json,
    one_warning,
    pr_event,
    run_gate,
    sample_report,
    webhook,
)
from wrong_reports import write_all

from ci_toolkit.coverage_soft_gate import history, origin
from ci_toolkit.markdown import ISSUE_BODY_LIMIT
from conftest import Result

__all__ = ["measured"]  # the module's fixture, shared

NOTICE = re.compile(r"^::notice file=(?P<file>[^,]+),line=(?P<line>\d+),endLine=(?P<end>\d+),"
                    r"title=[^:]*::(?P<message>.*)$", re.M)


def notices(result: Result) -> list[tuple[str, int, int]]:
    return [(m["file"], int(m["line"]), int(m["end"])) for m in NOTICE.finditer(result.stdout)]


# ------------------------------------------------------------------ 1. the verdict first


def test_the_pull_request_comment_opens_with_the_verdict_then_files_tests_project(
        tmp_path: Path, fake: Any, measured: Measured) -> None:
    pull = open_pull(fake, measured)

    pull_run(tmp_path, fake, pull)

    [comment] = pr_comments(fake, pull.number)
    lines = comment["body"].split("\n")
    assert re.fullmatch(r"⚠️ \*\*\d+ of \d+ changed statements never ran\*\* \(patch [\d.]+%\)",
                        lines[1])
    order = [comment["body"].index(part) for part in (
        "changed statements never ran", "### Changed files", "**Project:** average",
        "the tracking issue")]
    assert order == sorted(order)
    assert "Hotspots" not in comment["body"] or "among the changed files" in comment["body"]
    assert comment["body"].count("**Project:**") == 1


@pytest.mark.parametrize(("path", "verdict", "patch"), [
    ("src/ok.py", "✅ **All 3 changed statements ran**", "100.00"),
    ("README.md", "➖ **This change touched no measured statement**", ""),
])
def test_the_verdict_says_all_ran_or_no_statement_changed(
        tmp_path: Path, fake: Any, path: str, verdict: str, patch: str) -> None:
    fake.add_issue(TITLE, f"{MARK}\nthe default branch's figures", [LABEL])
    pr = fake.add_pull("Feature", head="feature")
    fake.set_pull_files(pr["number"], [fake.diff_entry(path, "@@ -0,0 +1,3 @@\n+a\n+b\n+c")])
    add_run(fake, {"coverage-a": coverage_json({"src/ok.py": (5, 5)})})
    payload = {**pr_event(fake), "number": pr["number"], "pull_request": pr}

    result = run_gate(tmp_path, fake, pull_request=True, event=payload,
                      env={"GITHUB_SHA": pr["head"]["sha"]})

    [comment] = pr_comments(fake, pr["number"])
    assert comment["body"].split("\n")[1] == verdict
    assert result.outputs["patch"] == patch and notices(result) == []


# ------------------------------------------------------------------ 3. annotations; faults


def many_ranges(fake: Any, ranges: int, *, big: int = 0) -> dict[str, Any]:
    """A pull request changing `ranges` separate lines of a.py (and `big` lines of b.py), none
    of them run; the run's report measures both files."""
    fake.add_issue(TITLE, f"{MARK}\nfigures", [LABEL])
    pr = fake.add_pull("Many", head="many")
    hunks = "".join(f"@@ -{2 * n},0 +{2 * n + 1} @@\n+x\n" for n in range(ranges))
    files = [fake.diff_entry("src/a.py", hunks)]
    if big:
        files.append(fake.diff_entry("src/b.py", f"@@ -0,0 +1,{big} @@\n" + "+y\n" * big))
    fake.set_pull_files(pr["number"], files)
    add_run(fake, {"coverage-a": coverage_json({"src/a.py": (2 * ranges + 1, 0),
                                                "src/b.py": (max(big, 1), 0)})})
    return {**pr_event(fake), "number": pr["number"], "pull_request": pr}


def test_missed_ranges_are_annotated_at_most_ten_the_rest_counted(
        tmp_path: Path, fake: Any) -> None:
    payload = many_ranges(fake, 12, big=5000)

    result = run_gate(tmp_path, fake, pull_request=True, event=payload,
                      env={"GITHUB_SHA": payload["pull_request"]["head"]["sha"]})

    annotated = notices(result)
    assert annotated == [("src/a.py", 2 * n + 1, 2 * n + 1) for n in range(10)]  # file order
    assert "13 missed ranges of changed lines: the first 10 are annotated" in result.summary
    [comment] = pr_comments(fake, payload["number"])
    assert comment["body"].split("\n")[1] == (
        "⚠️ **5,012 of 5,012 changed statements never ran** (patch 0.00%)")
    # 5,000 missed lines of one file are one range, never 5,000 links
    assert "[1\u20115000](" in comment["body"] and len(comment["body"]) < 10_000
    assert "and 7 more" in comment["body"]  # a.py's 12 ranges: 5 linked, the rest counted


def test_annotate_false_writes_none(tmp_path: Path, fake: Any) -> None:
    payload = many_ranges(fake, 3)

    result = run_gate(tmp_path, fake, {"annotate": "false"}, pull_request=True, event=payload,
                      env={"GITHUB_SHA": payload["pull_request"]["head"]["sha"]})

    assert notices(result) == [] and result.outputs["patch"] == "0.00"


def test_a_comment_at_the_limit_is_cut_below_the_verdict(tmp_path: Path, fake: Any) -> None:
    fake.add_issue(TITLE, f"{MARK}\nfigures", [LABEL])
    pr = fake.add_pull("Huge", head="huge")
    names = [f"src/{'deep/' * 8}module_{n:04d}_with_a_long_name.py" for n in range(3000)]
    fake.set_pull_files(pr["number"], [fake.diff_entry(n, "@@ -0,0 +1 @@\n+x") for n in names])
    add_run(fake, {"coverage-a": coverage_json({n: (3, 0) for n in names[:2900]})})
    payload = {**pr_event(fake), "number": pr["number"], "pull_request": pr}

    result = run_gate(tmp_path, fake, pull_request=True, event=payload,
                      env={"GITHUB_SHA": pr["head"]["sha"]})

    verdict = "⚠️ **2,900 of 2,900 changed statements never ran** (patch 0.00%)"
    [comment] = pr_comments(fake, pr["number"])  # 25 files, then "and N more": small
    assert comment["body"].split("\n")[1] == verdict and len(comment["body"]) < 20_000
    [run_comment] = fake.comments[1]  # the tracking issue's: every file, cut at the limit
    assert len(run_comment["body"]) <= ISSUE_BODY_LIMIT < len(result.summary)
    assert verdict in run_comment["body"] and "cut to GitHub's limit" in run_comment["body"]
    assert result.outputs["patch"] == "0.00"


# ------------------------------------------------------------------ 4. merge queues


def queue_event(fake: Any, ref: str) -> dict[str, Any]:
    payload = webhook("merge_group.checks_requested")
    payload["merge_group"]["head_ref"] = ref
    payload["merge_group"]["base_ref"] = f"refs/heads/{fake.default_branch}"
    return payload


@pytest.mark.parametrize(("ref", "named"), [
    ("refs/heads/gh-readonly-queue/main/pr-42-" + "ab" * 20, "merge queue: #42 into main"),
    ("refs/heads/gh-readonly-queue/main", "merge queue: into main"),  # no number in the ref
])
def test_a_merge_queue_run_writes_nothing_and_names_its_entry(
        tmp_path: Path, fake: Any, ref: str, named: str) -> None:
    kept = history.render([history.Point(900, "abc", "2026-01-01", 50, 50, 50)])
    history_body = f"{MARK}\n{kept}"
    fake.add_issue(TITLE, history_body, [LABEL])
    add_run(fake, {"coverage-a": sample_report("a")}, head_branch=ref.removeprefix("refs/heads/"),
            event="merge_group")
    fake.requests.clear()

    result = run_gate(tmp_path, fake, event=queue_event(fake, ref), event_name="merge_group",
                      env={"GITHUB_REF": ref})

    assert result.warnings == []
    assert fake.count("POST") == 0 and fake.count("PATCH") == 0  # no comment, no history point
    assert fake.issues[1]["body"] == history_body
    assert f"({named})" in result.summary and "A merge queue's run" in result.summary
    assert result.outputs["jobs"] == "1" and result.outputs["issue-number"] == "1"
    # the delta is read against the default branch's history, which is left as it was
    assert result.outputs["delta"] == f"{float(result.outputs['combined']) - 50:+.2f}"
    assert json.loads(result.outputs["report-json"])["run"]["merge_queue"] == named


# ------------------------------------------------------------------ 5. wrong reports


def test_each_wrong_report_is_named_with_its_fix(tmp_path: Path, fake: Any) -> None:
    workspace = tmp_path / "workspace"
    names = write_all(workspace)

    result = run_gate(tmp_path, fake, {"files": "\n".join(
        f"{job}/{name}" for job, name in names.items()), "dry-run": "true"})

    said = {job: one_warning(result, f"Job '{job}' was left out") for job in names}
    assert "Clover XML report" in said["clover"] and "Cobertura" in said["clover"]
    assert "JaCoCo XML report" in said["jacoco"]
    assert "coverage.py's data file" in said["data"] and "coverage json" in said["data"]
    assert "JUnit test report, not coverage" in said["junit"]
    assert "is empty" in said["empty"] and "ends mid-way" in said["cut"]
    assert all(f"{names[job]} " in said[job] for job in names)  # each names its file
    assert result.outputs["combined"] == "" and "100.00%" not in result.summary


def test_a_clover_file_beside_lcov_is_never_read_as_cobertura(tmp_path: Path, fake: Any) -> None:
    from wrong_reports import CLOVER

    job = tmp_path / "workspace" / "js"
    job.mkdir(parents=True)
    (job / "coverage.xml").write_bytes(CLOVER)
    (job / "lcov.info").write_bytes(sample_report("a", "lcov.info"))

    result = run_gate(tmp_path, fake, {"files": "js/*", "dry-run": "true"})

    assert result.warnings == [] and result.outputs["jobs"] == "1"
    assert float(result.outputs["combined"]) < 100


def test_nothing_measured_is_never_100(tmp_path: Path, fake: Any) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "coverage.json").write_bytes(coverage_json({}))

    result = run_gate(tmp_path, fake, {"files": "coverage.json", "dry-run": "true"})

    assert result.outputs["combined"] == "" and result.outputs["average"] == ""
    assert "100.00%" not in result.summary and "nothing measured" in result.summary
    # a report at the workspace root names its job by its file, not `.`
    assert "Job 'coverage.json'" in one_warning(result, "no statements measured")


# ------------------------------------------------------------------ 6. re-runs


def test_a_re_run_reads_the_newest_artifact_and_comments_as_its_own_attempt(
        tmp_path: Path, fake: Any) -> None:
    fake.add_issue(TITLE, f"{MARK}\nfigures", [LABEL])
    add_run(fake, {"coverage-a": coverage_json({"src/old.py": (10, 1)})})
    (tmp_path / "1").mkdir()
    run_gate(tmp_path / "1", fake)
    # attempt 2: upload-artifact's `overwrite: true` replaced attempt 1's artifact
    [old] = [a for a in fake.artifacts.values() if a["name"] == "coverage-a"]
    del fake.artifacts[old["id"]]
    fake.add_artifact(RUN_ID, "coverage-a", files={"coverage.json": coverage_json(
        {"src/old.py": (10, 9)})})

    result = run_gate(tmp_path, fake, env={"GITHUB_RUN_ATTEMPT": "2"})

    assert result.outputs["average"] == "90.00" and result.warnings == []
    assert len(fake.comments[1]) == 2  # one per attempt


# ------------------------------------------------------------------ the fork's recorded commit


def test_a_recorded_commit_that_is_not_the_pulls_merge_is_not_trusted(
        tmp_path: Path, fake: Any, measured: Measured) -> None:
    pull = open_pull(fake, measured, fork="forker")
    head = pull.payload["pull_request"]["head"]["sha"]
    base = fake.commits[pull.merge]["parents"][0]["sha"]
    elsewhere = fake.add_commit("Elsewhere", parents=[base])["sha"]
    # a merge commit, but of another head: the fork's artifact names it, the gate must not trust it
    other = fake.add_commit("Merge elsewhere", parents=[base, elsewhere])["sha"]
    fake.commit_files[other] = [fake.diff_entry("pkg/mod.py", HEAD_PATCH)]
    ci_run(fake, RUN_ID + 5, measured, other, pull.number)  # the fork's artifact names it
    upstream = {**fake.runs[RUN_ID + 5], "pull_requests": [], "head_sha": head,
                "event": "pull_request",
                "head_repository": pull.payload["pull_request"]["head"]["repo"]}
    fake.runs[RUN_ID + 5] = upstream
    event = {**pr_event(fake), "action": "completed", "workflow_run": upstream}
    event.pop("pull_request", None)

    result = run_gate(tmp_path, fake, {"run-id": str(RUN_ID + 5)}, event=event,
                      event_name="workflow_run", env={"GITHUB_RUN_ID": "2002"})

    one_warning(result, f"measured commit {other[:7]}", "head's line numbers")
    [comment] = pr_comments(fake, pull.number)
    assert f"/blob/{head}/pkg/mod.py" in comment["body"]  # the head's lines, linked there
    assert result.outputs["patch"] != ""


# ------------------------------------------------------------ 2. readable at a comment's width


def test_missed_ranges_never_break_inside_a_range(tmp_path: Path, fake: Any) -> None:
    payload = many_ranges(fake, 3, big=40)

    run_gate(tmp_path, fake, pull_request=True, event=payload,
             env={"GITHUB_SHA": payload["pull_request"]["head"]["sha"]})

    [comment] = pr_comments(fake, payload["number"])
    html = cmarkgfm.github_flavored_markdown_to_html(comment["body"])
    labels = re.findall(r'#L\d+(?:-L\d+)?">([^<]*)</a>', html)
    assert "1\u201140" in labels
    assert all(re.fullmatch(r"\d+(\u2011\d+)?", label) for label in labels), labels


@pytest.mark.parametrize(("event", "ref", "base", "named"), [
    ("merge_group", "refs/heads/gh-readonly-queue/release/1.x/pr-7-" + "0" * 40, "",
     "merge queue: #7 into release/1.x"),
    ("merge_group", "refs/heads/something-else", "refs/heads/main", "merge queue: into main"),
    ("merge_group", "", "", "merge queue: into its base branch"),
    ("push", "refs/heads/main", "", ""),
])
def test_a_merge_queue_entry_is_named_from_its_ref(event: str, ref: str, base: str,
                                                   named: str) -> None:
    assert origin.merge_queue(event, ref, base) == named


def test_the_follow_up_of_a_merge_queue_run_is_a_queue_run_too() -> None:
    here = origin.Here("o/r", 2002, None, "", "refs/heads/main", "", "workflow_run", "main")
    upstream = {"event": "merge_group", "head_sha": "ab" * 20,
                "head_branch": "gh-readonly-queue/main/pr-3-" + "cd" * 20}
    run = origin.upstream_run(here, 1001, None, upstream)
    assert run.queue == "merge queue: #3 into main" and not run.default_branch


def test_the_readers_themselves_refuse_clover_as_cobertura(tmp_path: Path) -> None:
    """The one XML sniffer (`coverage.readers.xml_kind`) decides for the readers and for the
    soft gate's wrong-report message alike: a Clover `coverage.xml` is never read as Cobertura."""
    from wrong_reports import CLOVER

    from ci_toolkit.coverage import ReportError, read_report

    path = tmp_path / "coverage.xml"
    path.write_bytes(CLOVER)
    with pytest.raises(ReportError, match=r"unsupported format \(Clover XML\)"):
        read_report(path)
