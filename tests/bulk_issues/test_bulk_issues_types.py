"""bulk-issues `Type:` lines (an organization's issue types, checked before anything is written,
set on create and on `on-existing: update`) and the Copilot coding agent in `Assignees:`;
through the real entry point against the fake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ci_toolkit.bulk_issues.spec import SpecError, parse
from ci_toolkit.markdown import marker
from conftest import run_action

TYPES = "/orgs/octo-org/issue-types"


def bulk(tmp_path: Path, fake: Any, spec: str, **inputs: str) -> Any:
    tmp_path.mkdir(parents=True, exist_ok=True)  # one folder per run: separate output files
    return run_action("bulk-issues", {"spec": spec, **inputs}, tmp_path=tmp_path, fake=fake)


def writes(fake: Any) -> list[str]:
    """Every write request (a GraphQL query is a POST that reads)."""
    return [f"{r.method} {r.path}" for r in fake.requests if r.method != "GET"
            and not (r.path == "/graphql" and r.body["query"].startswith("query"))]


@pytest.fixture
def typed(fake: Any) -> Any:
    for name in ("Task", "Bug", "Feature"):  # GitHub's defaults for a new organization
        fake.add_issue_type(name)
    fake.add_issue_type("Epic", enabled=False)
    return fake


def test_a_type_line_sets_the_issue_type(tmp_path: Path, typed: Any) -> None:
    result = bulk(tmp_path, typed, "## Crash on start\nType: Bug\nLabels: ci\nIt crashes.\n\n"
                                   "## Untyped\nbody\n")
    assert result.rc == 0, result.stdout + result.stderr
    assert typed.issues[1]["type"]["name"] == "Bug" and typed.issues[2]["type"] is None
    assert [r.body.get("type") for r in typed.requests
            if r.method == "POST" and r.path.endswith("/issues")] == ["Bug", None]
    assert typed.count("GET", TYPES) == 1  # one listing for the whole spec


def test_update_sets_the_type_once(tmp_path: Path, typed: Any) -> None:
    typed.add_issue("One", body=marker("bulk-issues", "One") + "\n\nfirst")
    spec = "## One\nType: Feature\nfirst\n"
    result = bulk(tmp_path / "1", typed, spec, **{"on-existing": "update"})
    assert result.rc == 0, result.stdout + result.stderr
    assert result.outputs["updated"] == "1" and typed.issues[1]["type"]["name"] == "Feature"
    patches = typed.count("PATCH")
    again = bulk(tmp_path / "2", typed, spec, **{"on-existing": "update"})
    assert again.outputs["skipped"] == "1" and typed.count("PATCH") == patches


def test_without_type_lines_no_type_is_read(tmp_path: Path, typed: Any) -> None:
    assert bulk(tmp_path, typed, "## One\nbody\n").rc == 0
    assert typed.count("GET", TYPES) == 0


@pytest.mark.parametrize("setup, spec, says", [
    (None, "## A\nLabels: new\nType: Story\nx\n",
     "line 3: octo-org has no issue type 'Story' (it has: Task, Bug, Feature)"),
    (None, "## A\nType: Epic\nx\n", "no issue type 'Epic'"),  # disabled in the organization
    (None, "## A\nx\n\n## B\nType: bug\ny\n",
     "line 5: the issue type is spelled 'Bug' in octo-org, not 'bug'"),
    ("user", "## A\nLabels: new\nType: Bug\nx\n",
     "line 3: issue types belong to organizations, and octo-org is a personal account"),
    ("refused", "## A\nLabels: new\nType: Bug\nx\n",
     "Could not list the issue types of octo-org: GitHub answered 403"),
])
def test_a_type_github_cannot_set_is_named_before_any_write(
        tmp_path: Path, typed: Any, setup: str | None, spec: str, says: str) -> None:
    if setup == "user":
        typed.owner_type = "User"
    if setup == "refused":
        typed.fail("GET", TYPES, 403, body={"message": "Resource not accessible by integration"})
    result = bulk(tmp_path, typed, spec, **{"default-labels": "planned"})
    assert result.rc == 1
    [error] = result.errors
    assert says in error and "Nothing was created" in error
    assert writes(typed) == [] and typed.labels == {}
    if setup == "refused":
        assert '"Issue Types" (read)' in error and "`read:org`" in error


def test_an_empty_type_line_names_its_line() -> None:
    with pytest.raises(SpecError, match=r"^line 2: `Type:` names no issue type"):
        parse("## A\nType:\n")
    assert parse("## A\nLabels: x\nType: Bug\nbody\n")[0].type == "Bug"


# --- the Copilot coding agent as an assignee


def test_copilot_is_assigned_where_github_suggests_it(tmp_path: Path, fake: Any) -> None:
    spec = "## A\nAssignees: @Copilot, mona\nx\n"
    result = bulk(tmp_path, fake, spec, **{"github-token": fake.user_token})
    assert result.rc == 0, result.stdout + result.stderr
    assert [u["login"] for u in fake.issues[1]["assignees"]] == ["Copilot", "mona"]
    [post] = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/issues")]
    assert post.body["assignees"] == ["copilot-swe-agent[bot]", "mona"]
    [query] = [r.body["query"] for r in fake.requests if r.path == "/graphql"]
    assert "suggestedActors(capabilities: [CAN_BE_ASSIGNED]" in query


@pytest.mark.parametrize("enabled", [True, False])
def test_copilot_github_does_not_suggest_is_named_before_any_write(
        tmp_path: Path, fake: Any, enabled: bool) -> None:
    fake.copilot_enabled = enabled  # enabled, but the workflow's token cannot assign it
    result = bulk(tmp_path, fake, "## A\nLabels: new\nAssignees: copilot\nx\n")
    assert result.rc == 1 and writes(fake) == []
    assert "line 3: the Copilot coding agent cannot be assigned here" in result.errors[0]
