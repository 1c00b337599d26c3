"""draft-toggle `agent: copilot`: the labelled issue assigned to the Copilot coding agent through
the REST API (POST .../issues/{n}/assignees with `agent_assignment`), with a person's token,
once; through the real entry point, the real `issues.labeled` payload and the fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import Result, run_action, webhook
from fake_github import FakeGitHub

ASSIGNEES = "/repos/Codertocat/Hello-World/issues/1/assignees"


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    # The repository the sample payloads come from, so that they need no other edit.
    with FakeGitHub(owner="Codertocat", repo="Hello-World", default_branch="master") as server:
        server.add_issue("Spelling error in the README file", "It says Helo.")
        yield server


def copilot(tmp_path: Path, gh: FakeGitHub, inputs: dict[str, str] | None = None,
            env: dict[str, str] | None = None) -> Result:
    tmp_path.mkdir(parents=True, exist_ok=True)
    event = webhook("issues.labeled")
    event["label"]["name"] = "agent:copilot"
    given = {"trigger-label": "agent:copilot", "agent": "copilot",
             "agent-token": gh.user_token, "command": "Fix #{issue}; keep the tests green.",
             **(inputs or {})}
    return run_action("draft-toggle", given, tmp_path=tmp_path, fake=gh, event=event,
                      event_name="issues", env=env)


def posts(gh: FakeGitHub) -> list[Any]:
    return [r for r in gh.requests if r.method == "POST"]


def test_the_issue_is_assigned_to_copilot_with_base_and_instructions(tmp_path: Path,
                                                                      gh: FakeGitHub) -> None:
    result = copilot(tmp_path, gh)
    assert result.rc == 0, result.stdout + result.stderr
    assert result.outputs["operation"] == "assigned" and result.outputs["pr-number"] == ""
    [post] = posts(gh)  # no branch, no pull request, no comment: Copilot opens its own
    assert post.path == ASSIGNEES
    assert post.body == {"assignees": ["copilot-swe-agent[bot]"], "agent_assignment": {
        "target_repo": "Codertocat/Hello-World", "base_branch": "master",
        "custom_instructions": "Fix #1; keep the tests green."}}
    assert post.headers["Authorization"].endswith(gh.user_token)  # the person's token
    assert [u["login"] for u in gh.issues[1]["assignees"]] == ["Copilot"]
    assert "assigned issue #1 to Copilot (base branch `master`" in result.summary


def test_a_second_label_event_assigns_nothing_twice(tmp_path: Path, gh: FakeGitHub) -> None:
    assert copilot(tmp_path / "1", gh).rc == 0
    again = copilot(tmp_path / "2", gh)
    assert again.rc == 0 and again.outputs["operation"] == "unchanged"
    assert len(posts(gh)) == 1
    assert "already assigned to Copilot" in again.stdout


@pytest.mark.parametrize("token, env, says", [
    ("", {}, "is empty, and `agent: copilot` needs it"),
    ("ghs_anInstallationToken", {}, "installation token (`ghs_…`)"),
    ("v1.0123456789abcdef", {"GITHUB_TOKEN": "v1.0123456789abcdef"}, "workflow's GITHUB_TOKEN"),
])
def test_the_workflows_token_is_refused_before_any_request(
        tmp_path: Path, gh: FakeGitHub, token: str, env: dict[str, str], says: str) -> None:
    result = copilot(tmp_path, gh, {"agent-token": token}, env=env)
    assert result.rc == 2 and gh.requests == []
    [error] = result.errors
    assert "input 'agent-token'" in error and says in error and "a person's token" in error


def test_an_unknown_agent_is_an_input_error(tmp_path: Path, gh: FakeGitHub) -> None:
    result = copilot(tmp_path, gh, {"agent": "devin"})
    assert result.rc == 2 and "command, copilot" in result.errors[0] and gh.requests == []


@pytest.mark.parametrize("fault, status, says", [
    ("token", 403, "an installation token (GITHUB_TOKEN, a GitHub App's) cannot assign"),
    ("disabled", 404, "Settings → Copilot → Coding agent"),
    ("branch", 422, "the base branch 'master' must exist"),
])
def test_a_refused_assignment_names_what_to_change(tmp_path: Path, gh: FakeGitHub, fault: str,
                                                   status: int, says: str) -> None:
    if fault == "token":  # a token GitHub does not take for Copilot, not caught by its form
        gh.fail("POST", ASSIGNEES, 403, body={"message": "Resource not accessible by integration"})
    if fault == "disabled":
        gh.copilot_enabled = False
    if fault == "branch":  # the payload's default branch is gone from the repository
        del gh.refs["refs/heads/master"]
    result = copilot(tmp_path, gh)
    assert result.rc == 1, result.stdout + result.stderr
    [error] = result.errors
    assert f"GitHub refused to assign issue #1 to Copilot ({status}" in error and says in error
    assert result.outputs["operation"] == "" and gh.issues[1]["assignees"] == []


def test_an_answer_without_copilot_among_the_assignees_fails(tmp_path: Path,
                                                             gh: FakeGitHub) -> None:
    issue = gh._issue_json(1)
    gh.fail("POST", ASSIGNEES, 201, body=issue)  # GitHub drops an assignee it cannot take
    result = copilot(tmp_path, gh)
    assert result.rc == 1 and "Copilot is not among the assignees of #1" in result.errors[0]


def test_a_closed_issue_is_skipped_with_a_warning(tmp_path: Path, gh: FakeGitHub) -> None:
    gh.issues[1]["state"] = "closed"
    result = copilot(tmp_path, gh)
    assert result.rc == 0 and result.outputs["operation"] == "skipped" and posts(gh) == []
