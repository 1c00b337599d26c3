"""draft-toggle through the real entry point, the real `issues.labeled` payload and the fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_toolkit.github.issues import marker
from conftest import ROOT, Result, run_action, webhook
from fake_github import FakeGitHub

LABEL = "agent:codex"
BRANCH = "codex/issue-1"
COMMAND = "@codex please work on #{issue} in #{pr}"


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    # The repository the sample payloads come from, so that they need no other edit.
    with FakeGitHub(owner="Codertocat", repo="Hello-World", default_branch="master") as server:
        server.add_issue("Spelling error in the README file", "It says Helo.")
        yield server


def labeled(label: str = LABEL) -> dict[str, Any]:
    event = webhook("issues.labeled")
    event["label"]["name"] = label
    return event


def toggle(tmp_path: Path, gh: FakeGitHub, inputs: dict[str, str] | None = None,
           event: dict[str, Any] | None = None, event_name: str = "issues",
           env: dict[str, str] | None = None) -> Result:
    tmp_path.mkdir(parents=True, exist_ok=True)  # one folder per run: separate output files
    return run_action("draft-toggle", inputs, tmp_path=tmp_path, fake=gh,
                      event=labeled() if event is None else event, event_name=event_name,
                      env=env)


def writes(gh: FakeGitHub) -> list[str]:
    return [f"{r.method} {r.path}" for r in gh.requests if r.method != "GET"]


def base_head(gh: FakeGitHub) -> str:
    return gh.refs["refs/heads/master"]


def assert_bootstrapped(gh: FakeGitHub, base: str) -> None:
    """The branch holds exactly one empty commit on top of `base`."""
    head = gh.commits[gh.refs[f"refs/heads/{BRANCH}"]]
    assert head["sha"] != base
    assert [p["sha"] for p in head["parents"]] == [base]
    assert head["tree"]["sha"] == gh.commits[base]["tree"]["sha"]
    assert "#1" in head["message"]


# --- created


def test_creates_branch_bootstrap_commit_draft_pr_and_command(tmp_path: Path,
                                                              gh: FakeGitHub) -> None:
    base = base_head(gh)
    result = toggle(tmp_path, gh, {"draft": "true", "command": COMMAND})
    assert result.rc == 0, result.stdout + result.stderr
    out = result.outputs
    assert out["operation"] == "created" and out["draft"] == "true" and out["branch"] == BRANCH
    number = int(out["pr-number"])
    assert out["pr-url"] == f"https://github.com/Codertocat/Hello-World/pull/{number}"
    assert_bootstrapped(gh, base)
    assert base_head(gh) == base  # the default branch is untouched
    pull, issue = gh.pulls[number], gh.issues[number]
    assert pull["draft"] and pull["head"] == BRANCH and pull["base"] == "master"
    assert issue["title"] == "Spelling error in the README file"
    assert issue["body"].startswith("Closes #1\n")
    comments = gh.comments[number]
    assert len(comments) == 1
    assert comments[0]["body"].startswith(f"@codex please work on #1 in #{number}")
    assert marker("draft-toggle-command", "1") in comments[0]["body"]
    # the pull request is seconds old: its comments are not read before commenting
    assert gh.count("GET", f"/repos/Codertocat/Hello-World/issues/{number}/comments") == 0
    # the commit is made first, then the ref pointing at it
    assert [w.split(" ")[1].rsplit("/", 1)[-1] for w in writes(gh)][:2] == ["commits", "refs"]
    assert "opened draft pull request" in result.summary


def test_draft_defaults_to_false_and_no_command_means_no_comment(tmp_path: Path,
                                                                 gh: FakeGitHub) -> None:
    result = toggle(tmp_path, gh)
    assert result.rc == 0, result.stdout
    assert result.outputs["draft"] == "false"
    number = int(result.outputs["pr-number"])
    assert gh.pulls[number]["draft"] is False
    assert gh.comments[number] == []


# --- reused


def test_second_label_event_reuses_branch_and_pr_and_posts_the_command_once(
        tmp_path: Path, gh: FakeGitHub) -> None:
    first = toggle(tmp_path / "1", gh, {"draft": "true", "command": COMMAND})
    assert first.rc == 0, first.stdout
    posts = gh.count("POST")
    second = toggle(tmp_path / "2", gh, {"draft": "true", "command": COMMAND})
    assert second.rc == 0, second.stdout
    assert second.outputs["operation"] == "reused"
    assert second.outputs["pr-number"] == first.outputs["pr-number"]
    assert second.outputs["draft"] == "true"
    assert gh.count("POST") == posts
    assert len(gh.pulls) == 1
    assert len(gh.comments[int(first.outputs["pr-number"])]) == 1


def test_reused_pr_without_the_command_gets_it_once(tmp_path: Path, gh: FakeGitHub) -> None:
    pr = gh.add_pull("Spelling error in the README file", BRANCH, "master", "Closes #1")
    result = toggle(tmp_path, gh, {"command": "go"})
    assert result.rc == 0, result.stdout
    assert result.outputs["operation"] == "reused"
    assert result.outputs["pr-number"] == str(pr["number"])
    assert [c["body"].split("\n")[0] for c in gh.comments[pr["number"]]] == ["go"]
    assert writes(gh) == [f"POST /repos/Codertocat/Hello-World/issues/{pr['number']}/comments"]


# --- branches that already exist


def test_existing_branch_at_the_base_head_gets_the_bootstrap_commit(tmp_path: Path,
                                                                    gh: FakeGitHub) -> None:
    base = base_head(gh)
    gh.add_branch(BRANCH, base)
    result = toggle(tmp_path, gh)
    assert result.rc == 0, result.stdout
    assert_bootstrapped(gh, base)
    assert result.outputs["operation"] == "created"


def test_existing_branch_with_work_is_used_as_it_is(tmp_path: Path, gh: FakeGitHub) -> None:
    work = gh.add_branch(BRANCH)["object"]["sha"]
    result = toggle(tmp_path, gh)
    assert result.rc == 0, result.stdout
    assert gh.refs[f"refs/heads/{BRANCH}"] == work
    assert gh.count("POST", "/repos/Codertocat/Hello-World/git/") == 0


# --- GitHub refusing


def test_drafts_unsupported_opens_a_ready_pr_and_warns(tmp_path: Path, gh: FakeGitHub) -> None:
    gh.drafts_supported = False
    result = toggle(tmp_path, gh, {"draft": "true"})
    assert result.rc == 0, result.stdout
    assert result.outputs["draft"] == "false"
    assert result.outputs["operation"] == "created"
    assert gh.pulls[int(result.outputs["pr-number"])]["draft"] is False
    assert any("Draft pull requests are not supported" in w for w in result.warnings)
    assert len(gh.pulls) == 1


def test_actions_not_permitted_fails_naming_the_setting_after_saying_what_was_done(
        tmp_path: Path, gh: FakeGitHub) -> None:
    gh.actions_can_create_prs = False
    result = toggle(tmp_path, gh, {"command": COMMAND})
    assert result.rc == 1
    assert len(result.errors) == 1
    error = result.errors[0]
    assert "Codertocat/Hello-World" in error
    assert "Allow GitHub Actions to create and approve pull requests" in error
    assert "Workflow permissions" in error
    # what was done is said first, and the branch is kept for the next attempt
    said = result.stdout.index("created the branch `codex/issue-1`")
    assert said < result.stdout.index("::error")
    assert result.outputs["branch"] == BRANCH and result.outputs["operation"] == ""
    assert result.outputs["pr-number"] == ""
    assert f"refs/heads/{BRANCH}" in gh.refs
    assert "Allow GitHub Actions" in result.summary


def test_a_retry_after_the_branch_was_kept_reuses_it(tmp_path: Path, gh: FakeGitHub) -> None:
    gh.actions_can_create_prs = False
    assert toggle(tmp_path / "1", gh).rc == 1
    head = gh.refs[f"refs/heads/{BRANCH}"]
    gh.actions_can_create_prs = True
    result = toggle(tmp_path / "2", gh)
    assert result.rc == 0, result.stdout
    assert result.outputs["operation"] == "created"
    assert gh.refs[f"refs/heads/{BRANCH}"] == head  # no second bootstrap commit


def test_pr_create_without_an_answer_is_looked_for_not_repeated(tmp_path: Path,
                                                                gh: FakeGitHub) -> None:
    gh.hang("POST", r".*/pulls$", then_apply=True)
    result = toggle(tmp_path, gh)
    assert result.rc == 0, result.stdout + result.stderr
    assert len(gh.pulls) == 1
    assert result.outputs["pr-number"] == str(next(iter(gh.pulls)))


def test_read_only_token_fails_naming_the_permission(tmp_path: Path, gh: FakeGitHub) -> None:
    gh.read_only = True
    result = toggle(tmp_path, gh)
    assert result.rc == 1
    assert "contents: write" in result.errors[0]
    assert gh.token not in result.stdout.replace(f"::add-mask::{gh.token}", "")


# --- skipped: no write request


@pytest.mark.parametrize("name, event", [
    ("issues", "real-bug-label"),
    ("push", "push"),
    ("issues", "opened"),
])
def test_other_events_and_labels_are_skipped_without_writing(
        tmp_path: Path, gh: FakeGitHub, name: str, event: str) -> None:
    payload = {"real-bug-label": webhook("issues.labeled"), "push": webhook("push"),
               "opened": webhook("issues.opened")}[event]
    result = toggle(tmp_path, gh, event=payload, event_name=name)
    assert result.rc == 0, result.stdout
    assert result.outputs["operation"] == "skipped"
    assert result.outputs["pr-number"] == "" and result.outputs["branch"] == ""
    assert gh.requests == []


def test_label_match_ignores_case(tmp_path: Path, gh: FakeGitHub) -> None:
    result = toggle(tmp_path, gh, event=labeled("Agent:Codex"))
    assert result.outputs["operation"] == "created"


def test_closed_issue_is_skipped_with_a_warning(tmp_path: Path, gh: FakeGitHub) -> None:
    gh.issues[1]["state"] = "closed"
    result = toggle(tmp_path, gh)
    assert result.rc == 0
    assert result.outputs["operation"] == "skipped"
    assert any("closed" in w for w in result.warnings)
    assert writes(gh) == []


# --- draft from the input, the CODEX_PR_DRAFT variable, or false


@pytest.mark.parametrize("given, variable, expected", [
    ("", "yes", "true"),
    ("", "FALSE", "false"),
    ("false", "true", "false"),  # the input wins
    ("1", "", "true"),
])
def test_draft_resolution(tmp_path: Path, gh: FakeGitHub, given: str, variable: str,
                          expected: str) -> None:
    result = toggle(tmp_path, gh, {"draft": given}, env={"CODEX_PR_DRAFT": variable})
    assert result.rc == 0, result.stdout
    assert result.outputs["draft"] == expected
    assert result.warnings == []


def test_bad_codex_pr_draft_is_a_warning_and_false(tmp_path: Path, gh: FakeGitHub) -> None:
    result = toggle(tmp_path, gh, env={"CODEX_PR_DRAFT": "maybe"})
    assert result.rc == 0
    assert result.outputs["draft"] == "false"
    assert any("CODEX_PR_DRAFT" in w for w in result.warnings)


@pytest.mark.parametrize("inputs, name", [
    ({"draft": "maybe"}, "draft"),
    ({"branch-prefix": "bad prefix/"}, "branch-prefix"),
    ({"branch-prefix": "../x"}, "branch-prefix"),
    ({"trigger-label": " "}, "trigger-label"),
])
def test_invalid_inputs_exit_2_before_any_request(tmp_path: Path, gh: FakeGitHub,
                                                  inputs: dict[str, str], name: str) -> None:
    result = toggle(tmp_path, gh, inputs)
    assert result.rc == 2
    assert f"'{name}'" in result.errors[0]
    assert gh.requests == []


# --- the recipe and the README


def test_agent_kickoff_recipe_is_the_readme_example() -> None:
    # test_workflows.py checks every recipe against the workflow schema.
    recipe = ROOT / "docs" / "recipes" / "agent-kickoff.yml"
    text = recipe.read_text()
    readme = (ROOT / "draft-toggle" / "README.md").read_text()
    assert text in readme
    assert "starts no workflow runs" in readme and "Allow GitHub Actions to create" in readme
    flow = yaml.safe_load(text)
    assert flow[True] == {"issues": {"types": ["labeled"]}}  # YAML 1.1 reads `on` as True
    job = flow["jobs"]["kickoff"]
    assert job["permissions"] == {"contents": "write", "pull-requests": "write",
                                  "issues": "write"}
    step = job["steps"][0]
    assert step["env"] == {"CODEX_PR_DRAFT": "${{ vars.CODEX_PR_DRAFT }}"}
    assert f"'{step['with']['trigger-label']}'" in job["if"]


def test_branch_behind_the_base_gets_a_bootstrap_commit_on_no_commits_between(
        tmp_path: Path, gh: FakeGitHub) -> None:
    old = base_head(gh)
    gh.add_branch(BRANCH, old)
    gh.add_branch("master")  # the base moves on; the branch is now behind it
    # GitHub's answer for a head with nothing its base lacks (the fake does not compute it).
    gh.fail("POST", r".*/pulls$", 422, body={
        "message": "Validation Failed", "documentation_url": "https://docs.github.com/rest",
        "errors": [{"resource": "PullRequest", "code": "custom",
                    "message": "No commits between master and codex/issue-1"}]})
    result = toggle(tmp_path, gh)
    assert result.rc == 0, result.stdout
    assert result.outputs["operation"] == "created"
    head = gh.commits[gh.refs[f"refs/heads/{BRANCH}"]]
    assert [p["sha"] for p in head["parents"]] == [old]
    assert len(gh.pulls) == 1
