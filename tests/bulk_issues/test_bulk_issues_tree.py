"""bulk-issues trees: `Assignees:`, `Milestone:` and `Parent:` lines, through the real entry
point against the fake GitHub (sub-issues API: the sub-issue's id, once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ci_toolkit.bulk_issues.spec import SpecError, parse
from conftest import run_action

SUB_ISSUES = "/sub_issues"

TREE = """## Release 1.1
Milestone: v1.1
Assignees: @mona
The epic.

## Parse the tree lines
Parent: Release 1.1
Labels: parser
Assignees: @hubot, mona
Parser work.

## Link sub-issues
Milestone: v1.1
Parent: Release 1.1
The API work.

## Fix the old bug
Parent: #1
Found by hand.
"""


def bulk(tmp_path: Path, fake: Any, spec: str, **inputs: str) -> Any:
    tmp_path.mkdir(parents=True, exist_ok=True)  # one folder per run: separate output files
    return run_action("bulk-issues", {"spec": spec, **inputs}, tmp_path=tmp_path, fake=fake)


def by_title(fake: Any) -> dict[str, dict[str, Any]]:
    return {issue["title"]: issue for issue in fake.issues.values()}


@pytest.fixture
def planned(fake: Any) -> Any:
    fake.add_issue("An older issue", "made by hand")  # #1
    fake.add_milestone("v1.0", state="closed")
    fake.add_milestone("v1.1")
    return fake


def test_a_tree_is_created_with_assignees_milestones_and_sub_issues(tmp_path: Path,
                                                                    planned: Any) -> None:
    result = bulk(tmp_path, planned, TREE)
    assert result.rc == 0, result.stdout + result.stderr
    issues = by_title(planned)
    epic, parser, link, bug = (issues[t] for t in ("Release 1.1", "Parse the tree lines",
                                                   "Link sub-issues", "Fix the old bug"))
    assert [u["login"] for u in epic["assignees"]] == ["mona"]
    assert [u["login"] for u in parser["assignees"]] == ["hubot", "mona"]
    assert epic["milestone"]["title"] == "v1.1" and link["milestone"]["title"] == "v1.1"
    assert parser["milestone"] is None
    assert planned.sub_issues == {epic["number"]: [parser["number"], link["number"]],
                                  1: [bug["number"]]}
    # the sub-issues API takes the sub-issue's id, not its number
    posts = [r for r in planned.requests if r.method == "POST" and r.path.endswith(SUB_ISSUES)]
    assert [r.body for r in posts] == [{"sub_issue_id": parser["id"]},
                                       {"sub_issue_id": link["id"]}, {"sub_issue_id": bug["id"]}]
    assert parser["id"] != parser["number"]
    assert "made a sub-issue of #" in result.summary
    # checked before anything was created: one milestone list, one check per login, issue #1
    gets = [r.path for r in planned.requests if r.method == "GET"]
    assert gets.count("/repos/octo-org/octo-repo/milestones") == 1
    assert sorted(p for p in gets if "/assignees/" in p) == [
        "/repos/octo-org/octo-repo/assignees/hubot", "/repos/octo-org/octo-repo/assignees/mona"]


def test_a_second_run_links_nothing_twice(tmp_path: Path, planned: Any) -> None:
    assert bulk(tmp_path / "1", planned, TREE).rc == 0
    posts, seen = planned.count("POST"), len(planned.requests)
    second = bulk(tmp_path / "2", planned, TREE)
    assert second.rc == 0, second.stdout
    assert planned.count("POST") == posts  # no issue, no link
    assert second.outputs["skipped"] == "4"
    # the link is read from each issue's parent_issue_url in the one listing: no extra read
    assert not [r for r in planned.requests[seen:] if r.path.endswith(SUB_ISSUES)]


def test_an_issue_made_a_sub_issue_elsewhere_is_not_moved(tmp_path: Path, planned: Any) -> None:
    spec = "## Child\nParent: #1\nwork\n"
    assert bulk(tmp_path / "1", planned, "## Child\nwork\n").rc == 0
    other = planned.add_issue("Another epic")
    child = by_title(planned)["Child"]["number"]
    planned.add_sub_issue(other["number"], child)
    result = bulk(tmp_path / "2", planned, spec)
    assert result.rc == 0, result.stdout
    assert planned.sub_issues.get(1) is None
    assert f"already a sub-issue of #{other['number']}" in result.summary


@pytest.mark.parametrize("spec, says", [
    ("## A\nMilestone: v9\nx\n", "line 2: there is no milestone 'v9'"),
    ("## A\nAssignees: mona, stranger\nx\n", "line 2: stranger cannot be assigned"),
    ("## A\nx\n\n## B\nParent: #77\ny\n", "line 5: there is no issue #77"),
])
def test_what_github_lacks_is_named_with_its_line_before_anything_is_created(
        tmp_path: Path, planned: Any, spec: str, says: str) -> None:
    before = len(planned.issues)
    result = bulk(tmp_path, planned, spec)
    assert result.rc == 1
    assert says in result.errors[0] and "Nothing was created" in result.errors[0]
    assert len(planned.issues) == before
    assert planned.count("POST") == 0


@pytest.mark.parametrize("spec", [
    "## A\nLabels: brand-new\nMilestone: v9\nx\n",
    "## A\nLabels: brand-new\nAssignees: stranger\nx\n",
    "## A\nLabels: brand-new\nx\n\n## B\nParent: #77\ny\n",
])
def test_a_failed_check_writes_nothing_not_even_a_label(tmp_path: Path, planned: Any,
                                                        spec: str) -> None:
    result = bulk(tmp_path, planned, spec, **{"default-labels": "planned"})
    assert result.rc == 1 and "Nothing was created" in result.errors[0]
    assert [r for r in planned.requests if r.method != "GET"] == []
    assert "brand-new" not in planned.labels and "planned" not in planned.labels


def test_a_pull_request_is_no_parent(tmp_path: Path, planned: Any) -> None:
    pr = planned.add_pull("A pull request", head="feature")
    result = bulk(tmp_path, planned, f"## A\nParent: #{pr['number']}\nx\n")
    assert result.rc == 1 and f"there is no issue #{pr['number']}" in result.errors[0]


def test_a_link_github_refuses_fails_the_run_after_creating(tmp_path: Path,
                                                            planned: Any) -> None:
    planned.fail("POST", r".*/sub_issues$", 403,
                 body={"message": "Resource not accessible by integration"})
    result = bulk(tmp_path, planned, "## Epic\nx\n\n## Part\nParent: Epic\ny\n")
    assert result.rc == 1
    assert result.outputs["created"] == "2"
    assert "make #" in result.summary and "issues: write" in result.summary


# --- the lines, parsed (pure)


@pytest.mark.parametrize("spec, expected", [
    ("## A\nAssignees: @a, b\nMilestone: M 1\nParent: #12\nLabels: x\nbody\n",
     (("a", "b"), "M 1", 12, ("x",), "body")),
    ("## A\nParent: B\nbody\n\n## B\n", ((), "", "B", (), "body")),
    ("## A\nbody\nParent: #3\n", ((), "", None, (), "body\nParent: #3")),  # not right under it
])
def test_tree_lines_in_any_order(spec: str, expected: tuple[Any, ...]) -> None:
    issue = parse(spec)[0]
    assert (issue.assignees, issue.milestone, issue.parent, issue.labels, issue.body) == expected


@pytest.mark.parametrize("spec, says", [
    ("## A\nParent: Nowhere\n", "line 2: the parent 'Nowhere' is no section"),
    ("## A\nParent: B\n\n## B\nParent: A\n", "would be its own ancestor"),
    ("## A\nParent: A\n", "would be its own ancestor"),
    ("## A\nAssignees: not a login\n", "line 2: 'not a login' is not a GitHub login"),
    ("## A\nAssignees: " + ", ".join(f"u{i}" for i in range(11)) + "\n", "at most 10"),
    ("## A\nMilestone:\n", "names no milestone"),
    ("## A\nParent: #1\nParent: #2\n", "line 3: a second `Parent:` line"),
])
def test_bad_tree_lines_name_their_line(spec: str, says: str) -> None:
    with pytest.raises(SpecError, match=None) as caught:
        parse(spec)
    assert says in str(caught.value)


def test_a_bad_line_is_exit_2_before_any_request(tmp_path: Path, fake: Any) -> None:
    result = bulk(tmp_path, fake, "## A\nParent: Nowhere\n")
    assert result.rc == 2 and "'spec'" in result.errors[0] and "line 2" in result.errors[0]
    assert fake.requests == []
