"""Golden files of every rendered report, for fixed inputs full of hostile names.

Each report is compared with its file under tests/golden/, so every change of a report shows
in review. After changing a report on purpose, rewrite them all with one variable:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_golden.py

and read the diff. Each golden text is also judged by GitHub's renderer (cmarkgfm): every table
row has its header's cells, each hostile name's visible text is exactly as given, and no element
or link came in with the input.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_audit_action import VULNERABLE, workspace
from test_soft_gate_support import coverage_json

from ci_toolkit.ci_gate import command as ci_gate
from ci_toolkit.ci_gate import decision as gate
from ci_toolkit.coverage import read_job, summarize
from ci_toolkit.coverage_soft_gate import report
from ci_toolkit.coverage_soft_gate.history import Point
from ci_toolkit.coverage_soft_gate.origin import Run
from ci_toolkit.coverage_soft_gate.patch import ChangedFile, KeepChanged, patch_coverage
from ci_toolkit.coverage_soft_gate.report import Report
from ci_toolkit.joblist import Job, jobs_table
from ci_toolkit.markdown import Message
from conftest import run_action, webhook
from fake_github import FakeGitHub
from rendered import HOSTILE, Page, render, seen

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
REGENERATE = "UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_golden.py"

# One line each, as a job or file name can be; the multi-line one checks the line break.
NAMES = tuple(name for name in HOSTILE if name == name.strip())
OURS = ("https://github.com/octo-org/octo-repo/", "https://github.com/Codertocat/Hello-World/")
# Elements our reports make; anything else came in with an input.
ELEMENTS = {"h2", "h3", "p", "strong", "em", "br", "a", "code", "pre", "ul", "li", "blockquote",
            "table", "thead", "tbody", "tr", "th", "td", "details", "summary", "hr"}


def golden(name: str, text: str) -> Page:
    """`text` checked against (or, with UPDATE_GOLDEN=1, written to) tests/golden/<name>.md."""
    path = GOLDEN / f"{name}.md"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run {REGENERATE}"
    assert text == path.read_text(encoding="utf-8"), \
        f"{path.name} changed: if on purpose, run {REGENERATE} and review the diff"
    return judged(text)


def judged(text: str) -> Page:
    """What GitHub's renderer makes of `text`: nothing the inputs brought in."""
    page = render(text)
    for table in page.tables:
        assert {len(row) for row in table} == {len(table[0])}, table
    assert set(page.elements) <= ELEMENTS, set(page.elements) - ELEMENTS
    assert all(link.startswith(OURS) for link in page.links), page.links
    return page


def shown(page: Page, names: tuple[str, ...], *, code: bool = True) -> None:
    """Every name is visible exactly as given (as a code span in a table), pinging no one."""
    for name in names:
        if code:
            assert seen(name, code=True) in page.codes, name
        else:
            assert seen(name).strip() in page.text, name
    prose = page.text
    for text in page.codes:
        prose = prose.replace(text, "")
    assert "@someone" not in prose and "@org" not in prose  # mentions only inside code


def jobs(names: tuple[str, ...]) -> list[Job]:
    conclusions = ["success", "failure", "skipped", "cancelled", "timed_out", None]
    return [Job(7000 + i, name, "completed" if conclusions[i % 6] else "in_progress",
                conclusions[i % 6], f"{OURS[0]}actions/runs/1001/job/{7000 + i}", 1)
            for i, name in enumerate(names)]


# ---------------------------------------------------------------- coverage-soft-gate


@pytest.fixture(scope="module")
def soft_gate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, tuple[str, ...]]:
    """The visible report, and its hotspots' paths (as the reader normalised them)."""
    root = tmp_path_factory.mktemp("golden-soft-gate")
    reports = []
    for index, name in enumerate(NAMES[:6]):
        path = root / f"job{index}.json"
        path.write_bytes(coverage_json({f"src/{other}.py": (10 + i, i)
                                        for i, other in enumerate(NAMES)}))
        reports.append(read_job(path, name))
    summary = summarize(reports, hotspots=len(NAMES))
    rep = Report(summary,
                 Run(1001, f"{OURS[0]}actions/runs/1001", "a" * 40, NAMES[4], True),
                 jobs=jobs(NAMES),
                 problems=[Message("No file matches `files` ({}) under {}.", NAMES[2], NAMES[5]),
                           "GitHub said: " + NAMES[3]])
    return report.render(rep), tuple(h.path for h in summary.hotspots)


POINTS = [Point(990 + n, f"{n:012x}", f"2026-11-{n + 1:02d}", 70 + n, 60 + n, 75.0 + n)
          for n in range(8)]
MARK = "<!-- ci-toolkit:coverage-soft-gate:0123456789abcdef -->"


def test_soft_gate_report(soft_gate: tuple[str, tuple[str, ...]]) -> None:
    visible, paths = soft_gate
    page = golden("soft-gate-report", visible)
    shown(page, NAMES)  # the logs table's jobs
    shown(page, paths)  # the hotspots' files
    assert len(paths) == len(NAMES)
    assert "files" in page.codes  # our Markdown in the problems callout stays code
    assert seen(NAMES[2]) in page.text and seen(NAMES[3]) in page.text  # outside: as given


def test_soft_gate_issue_body(soft_gate: tuple[str, tuple[str, ...]]) -> None:
    page = golden("soft-gate-issue-body", report.body(MARK, soft_gate[0], POINTS))
    shown(page, NAMES)


def test_soft_gate_comment(soft_gate: tuple[str, tuple[str, ...]]) -> None:
    text = report.comment(MARK, soft_gate[0], POINTS, default_branch=False)
    shown(golden("soft-gate-comment", text), NAMES)


# ---------------------------------------------------------------- job-logs, ci-gate


def test_job_logs_table() -> None:
    page = golden("job-logs-table", jobs_table(jobs(NAMES), title="Logs for this run"))
    shown(page, NAMES)
    assert sorted(row[0] for row in page.rows()) == sorted(seen(n, code=True) for n in NAMES)


def test_ci_gate_table() -> None:
    needs = {name: ["success", "failure", "skipped"][i % 3] for i, name in enumerate(NAMES)}
    verdicts = gate.decide(needs, [NAMES[1]], [NAMES[2]])
    page = golden("ci-gate", ci_gate.render(verdicts, gate.passed(verdicts)))
    shown(page, NAMES)
    assert len(page.rows()) == len(NAMES)


# ---------------------------------------------------------------- whole actions


def test_bulk_issues_plan(tmp_path: Path) -> None:
    titles = tuple(name for name in NAMES  # a title is one line, and no other block
                   if "\n" not in name and not name.startswith(("#", "1.", "-")))
    spec = "".join(f"## {name}\nLabels: {name.replace(',', ' ')[:50]}, ok\nbody {i}\n\n"
                   for i, name in enumerate(titles))
    result = run_action("bulk-issues", {"spec": spec, "github-token": "", "dry-run": "true"},
                        tmp_path=tmp_path)
    assert result.rc == 0, result.stdout + result.stderr
    page = golden("bulk-issues-plan", result.summary)
    shown(page, titles, code=False)
    assert "ok" in page.codes


def test_workflow_audit_summary(tmp_path: Path) -> None:
    workspace(tmp_path, **{"pr.yml": VULNERABLE})
    result = run_action("workflow-audit", tmp_path=tmp_path)
    assert result.rc == 1, result.stdout + result.stderr
    golden("workflow-audit-summary", result.summary)


def test_autofix_guard_summary(tmp_path: Path) -> None:
    sha = "7c5b5d3c0c5e5f4d8d4b1d2a8a4f0b2c6e8d9a1f"
    bot = {"name": "github-actions[bot]",
           "email": "41898282+github-actions[bot]@users.noreply.github.com",
           "username": "github-actions[bot]"}
    commit = {"id": sha, "tree_id": "f9d2a07e9488b91af2641b26b9407fe22a451433",
              "distinct": True, "message": "chore(autofix): " + NAMES[2],
              "timestamp": "2026-08-17T12:00:00Z",
              "url": f"https://github.com/Codertocat/Hello-World/commit/{sha}",
              "author": bot, "committer": bot, "added": [], "removed": [],
              "modified": ["README.md"]}
    event = webhook("push", ref="refs/heads/main", deleted=False, after=sha,
                    head_commit=commit)
    result = run_action("autofix-guard", tmp_path=tmp_path, event=event, event_name="push",
                        env={"GITHUB_ACTOR": "mona", "GITHUB_TRIGGERING_ACTOR": "mona"})
    assert result.rc == 0 and result.outputs["skip"] == "true", result.stdout + result.stderr
    golden("autofix-guard-summary", result.summary)


def test_draft_toggle_summary(tmp_path: Path) -> None:
    with FakeGitHub(owner="Codertocat", repo="Hello-World", default_branch="master") as gh:
        gh.add_issue(NAMES[2], "It says Helo.")
        event: dict[str, Any] = webhook("issues.labeled")
        event["label"]["name"] = "agent:codex"
        event["issue"]["title"] = NAMES[2]
        result = run_action("draft-toggle", {"draft": "true", "command": "@codex go #{issue}"},
                            tmp_path=tmp_path, fake=gh, event=event, event_name="issues")
    assert result.rc == 0, result.stdout + result.stderr
    golden("draft-toggle-summary", result.summary)


# ---------------------------------------------------------- the soft gate, the pull request first

LONG = "src/ci_toolkit/coverage_soft_gate/a_module_with_a_long_name.py"  # 60 characters
SHA = "4adba3a94549c2e3d159d8da30ed042d31b1abf6"
COMMENT_WIDTH = 880  # px: a comment's column at GitHub's widest layout, less its padding


def min_table_width(page: Page) -> int:
    """The narrowest a table can be drawn, in px: per column its longest unbreakable word
    (browsers break at spaces; not at U+2011 or inside a code span's path), 8 px a character
    (GitHub's monospace at 85 % is 7.2), plus 26 px of cell padding and border."""
    widest = 0
    for rows in page.tables:
        columns = zip(*rows, strict=True)
        widest = max(widest, sum(8 * max(len(word) for cell in column for word in cell.split())
                                 + 26 for column in columns))
    return widest


@pytest.fixture(scope="module")
def pull_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """A pull request's report: two jobs (one with a failed test, by pytest itself), a change
    of three files, one of them at a 60-character path, with more missed ranges than shown."""
    root = tmp_path_factory.mktemp("golden-pull")
    (root / "test_sample.py").write_text(
        "def test_parses_the_header():\n    assert 2 == 3, 'header count'\n\n"
        "def test_ok():\n    pass\n")
    job = root / "coverage-py3.12"
    job.mkdir()
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    f"--junitxml={job / 'pytest-report.xml'}", "test_sample.py"], cwd=root,
                   capture_output=True, check=False)
    files = {LONG: (40, 10), "src/ci_toolkit/cli.py": (30, 28), "src/ci_toolkit/retry.py": (8, 8)}
    (job / "coverage.json").write_bytes(coverage_json(files))
    (root / "coverage-py3.11.json").write_bytes(coverage_json({**files, "src/extra.py": (5, 5)}))
    changed = [ChangedFile(LONG, (3, 4, 5, 12, 14, 16, 18, 20, 22, 24, 30)),
               ChangedFile("src/ci_toolkit/cli.py", (5, 6, 7, 29)),
               ChangedFile("src/ci_toolkit/new_module.py", (1, 2))]
    keep = KeepChanged(changed)
    jobs = [read_job(job, "coverage-py3.12", keep),
            read_job(root / "coverage-py3.11.json", "coverage-py3.11", keep)]
    summary = summarize(jobs, hotspots=15)
    return Report(summary, Run(1002, f"{OURS[0]}actions/runs/1002", SHA, "feature"),
                  blob=f"{OURS[0]}blob/{SHA}", patch=patch_coverage(jobs, changed), delta=0.35,
                  issue_url=f"{OURS[0]}issues/1")


def test_soft_gate_pull_comment(pull_report: Report) -> None:
    text = report.pull_comment(pull_report)
    page = golden("soft-gate-pull-comment", text)
    assert text.startswith("⚠️ **9 of 15 changed statements never ran** (patch 40.00%)\n")
    parts = ["Changed files", "Failed tests", "Project:", "least covered files among"]
    assert [page.text.index(p) for p in parts] == sorted(page.text.index(p) for p in parts)
    assert "src/extra.py" not in page.codes  # hotspots: only the changed files
    assert "and 3 more" in page.text and f"{OURS[0]}commit/{SHA}" in page.links
    assert min_table_width(page) <= COMMENT_WIDTH, min_table_width(page)


def test_soft_gate_report_tables_fit_a_comment(pull_report: Report) -> None:
    page = judged(report.render(pull_report))
    assert min_table_width(page) <= COMMENT_WIDTH, min_table_width(page)


def test_readme_shows_the_pull_comment() -> None:
    """The README's sample is the golden comment, quoted: it shows the real order."""
    quoted = "\n".join(f"> {line}".rstrip() for line in
                       (GOLDEN / "soft-gate-pull-comment.md").read_text().splitlines())
    for readme in ("README.md", "coverage-soft-gate/README.md"):
        assert quoted in (GOLDEN.parent.parent / readme).read_text(), readme


def test_soft_gate_merge_queue_summary(pull_report: Report) -> None:
    queue = Run(1003, f"{OURS[0]}actions/runs/1003", SHA, "gh-readonly-queue/main/pr-7-" + SHA,
                queue="merge queue: #7 into main")
    text = report.render(Report(pull_report.summary, queue, jobs=[], blob=f"{OURS[0]}blob/{SHA}"))
    page = golden("soft-gate-merge-queue-summary", text)
    assert "(merge queue: #7 into main)" in page.text and "A merge queue's run" in page.text


def test_soft_gate_wrong_reports(tmp_path: Path) -> None:
    from wrong_reports import write_all

    names = write_all(tmp_path / "workspace")
    result = run_action("coverage-soft-gate", {"files": "\n".join(
        f"{job}/{name}" for job, name in names.items()), "dry-run": "true"}, tmp_path=tmp_path)
    callout = result.summary[result.summary.index("> [!WARNING]"):].split("\n\n")[0]
    page = golden("soft-gate-wrong-reports", callout + "\n")
    for job in names:
        assert f"Job '{job}' was left out: {names[job]} " in page.text
# ---------------------------------------------------------------- failure messages

def test_failure_messages_keep_our_markdown() -> None:
    """Every message that names a permission shows it as code, never with visible backslashes;
    GitHub's own words (hostile here) stay outside text."""
    from github import GithubException

    from ci_toolkit.github.client import GraphQLError, explain
    from ci_toolkit.github.comments import explain_comment_error
    from ci_toolkit.github.permissions import COMMENT, DRAFT_STATE, Permission
    from ci_toolkit.job_logs.remote import log_fault
    from ci_toolkit.markdown import prose

    said = {"message": NAMES[2]}
    messages = [
        explain(GithubException(403, said, {}), "list the jobs of run 7", Permission.ACTIONS_READ),
        explain(GithubException(403, said, {}), "comment on issue #3", COMMENT),
        explain(GithubException(404, said, {}), "read pull request #3",
                Permission.PULL_REQUESTS_READ).then(" Patch coverage is left out."),
        explain(GithubException(401, said, {}), "read run 7"),
        explain(GraphQLError("markPullRequestReadyForReview",
                             [{"type": "FORBIDDEN", "message": NAMES[2]}]),
                "mark #3 ready for review", DRAFT_STATE),
        explain_comment_error(GithubException(403, said, {}), "comment on pull request #3"),
        log_fault(GithubException(404, said, {})),
    ]
    page = golden("failure-messages", "\n".join(f"- {prose(m)}" for m in messages) + "\n")
    assert "\\" not in page.text
    for permission in ("actions: read", "pull-requests: write", "issues: write",
                       "pull-requests: read", "contents: write", "permissions:"):
        assert permission in page.codes, permission
    shown(page, (NAMES[2],), code=False)


def test_draft_toggle_failure(tmp_path: Path) -> None:
    """A read-only token (a fork's) refused the pull request: the summary names the permission."""
    with FakeGitHub(owner="Codertocat", repo="Hello-World", default_branch="master") as gh:
        gh.add_issue("Fix the typo", "It says Helo.")
        gh.fail("POST", r"/pulls$", 403, body={"message": "Resource not accessible by integration"})
        event: dict[str, Any] = webhook("issues.labeled")
        event["label"]["name"] = "agent:codex"
        event["issue"]["title"] = "Fix the typo"
        result = run_action("draft-toggle", {"draft": "true"}, tmp_path=tmp_path, fake=gh,
                            event=event, event_name="issues")
    assert result.rc == 1, result.stdout + result.stderr
    page = golden("draft-toggle-failure", result.summary)
    assert "pull-requests: write" in page.codes and "\\" not in page.text
