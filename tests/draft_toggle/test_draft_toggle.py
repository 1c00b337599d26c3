"""draft-toggle through the real entry point, the real `issues.labeled` payload and the fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_toolkit.draft_toggle.decision import AGENT_ACTIONS
from ci_toolkit.markdown import marker
from conftest import ROOT, Result, run_action, webhook, webhook_names
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
    ({"agent-authors": "Copilot, not a login"}, "agent-authors"),
    ({"reviewers": "mona; hubot"}, "reviewers"),
    ({"labels": "x" * 51}, "labels"),
])
def test_invalid_inputs_exit_2_before_any_request(tmp_path: Path, gh: FakeGitHub,
                                                  inputs: dict[str, str], name: str) -> None:
    result = toggle(tmp_path, gh, inputs)
    assert result.rc == 2
    assert f"'{name}'" in result.errors[0]
    assert gh.requests == []


# --- the recipe and the README


def test_agent_lane_recipe_is_the_readme_example_with_both_lanes() -> None:
    # test_workflows.py checks every recipe against the workflow schema, zizmor and our audit.
    recipe = ROOT / "docs" / "recipes" / "agent-lane.yml"
    text = recipe.read_text()
    readme = (ROOT / "draft-toggle" / "README.md").read_text()
    assert text in readme
    assert "starts no workflow runs" in readme and "Allow GitHub Actions to create" in readme
    flow = yaml.safe_load(text)
    assert flow[True] == {  # YAML 1.1 reads `on` as True
        "issues": {"types": ["labeled"]},
        "pull_request_target": {"types": list(AGENT_ACTIONS)}}
    kickoff, agents = flow["jobs"]["kickoff"], flow["jobs"]["agent-pull-requests"]
    assert kickoff["permissions"] == {"contents": "write", "pull-requests": "write",
                                      "issues": "write"}
    assert agents["permissions"] == {"contents": "write", "pull-requests": "write"}
    step = kickoff["steps"][0]
    assert step["env"] == {"CODEX_PR_DRAFT": "${{ vars.CODEX_PR_DRAFT }}"}
    assert agents["steps"][0]["env"] == step["env"]  # one toggle for both lanes
    assert f"'{step['with']['trigger-label']}'" in kickoff["if"]
    assert {"labels", "reviewers", "command"} <= set(step["with"])
    listed = agents["steps"][0]["with"]["agent-authors"]
    assert all(f"`{login.strip()}`" in readme for login in listed.split(","))
    # nothing in the agent job checks out or runs the pull request's code
    assert all("run" in s or s["uses"].startswith("ci-toolkit/") for s in agents["steps"])


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


# --- labels and reviewers on the pull requests it opens, each added once


def test_labels_and_reviewers_are_added_to_the_new_pr(tmp_path: Path, gh: FakeGitHub) -> None:
    result = toggle(tmp_path, gh, {"labels": "agent, needs review", "reviewers": "mona, @hubot",
                                   "command": COMMAND})
    assert result.rc == 0, result.stdout + result.stderr
    number = int(result.outputs["pr-number"])
    assert [lb["name"] for lb in gh.issues[number]["labels"]] == ["agent", "needs review"]
    assert gh.pulls[number]["requested_reviewers"] == ["mona", "hubot"]
    # A pull request opened seconds ago is not read back for labels, reviews or comments.
    reads = [r.path for r in gh.requests if r.method == "GET"]
    assert not [p for p in reads if p.endswith(("/comments", "/reviews", "/labels"))]
    assert "requested reviews on" in result.summary and "labelled" in result.summary


def test_a_second_label_event_adds_no_label_or_reviewer_twice(tmp_path: Path,
                                                              gh: FakeGitHub) -> None:
    inputs = {"labels": "agent", "reviewers": "mona, hubot"}
    first = toggle(tmp_path / "1", gh, inputs)
    assert first.rc == 0, first.stdout
    number = int(first.outputs["pr-number"])
    gh.add_review(number, "mona")  # a review ends mona's request: she is not asked again
    posts = gh.count("POST")
    second = toggle(tmp_path / "2", gh, inputs)
    assert second.rc == 0, second.stdout
    assert second.outputs["operation"] == "reused"
    assert gh.count("POST") == posts
    assert gh.pulls[number]["requested_reviewers"] == ["hubot"]
    assert [lb["name"] for lb in gh.issues[number]["labels"]] == ["agent"]


def test_a_reused_pr_gets_only_the_missing_labels_and_reviewers(tmp_path: Path,
                                                                gh: FakeGitHub) -> None:
    pr = gh.add_pull("Spelling error in the README file", BRANCH, "master", "Closes #1")
    gh.issues[pr["number"]]["labels"] = [gh._label("Agent", create=True)]
    result = toggle(tmp_path, gh, {"labels": "agent, ci", "reviewers": "mona"})
    assert result.rc == 0, result.stdout
    n = pr["number"]
    assert [lb["name"] for lb in gh.issues[n]["labels"]] == ["Agent", "ci"]
    label_posts = [r.body for r in gh.requests if r.path.endswith(f"/issues/{n}/labels")]
    assert label_posts == [["ci"]]  # `agent` is there already (GitHub compares without case)
    assert gh.pulls[n]["requested_reviewers"] == ["mona"]


def test_a_reviewer_who_cannot_review_fails_naming_the_input_after_the_pr_is_open(
        tmp_path: Path, gh: FakeGitHub) -> None:
    result = toggle(tmp_path, gh, {"reviewers": "mona, stranger", "command": COMMAND})
    assert result.rc == 1
    error = result.errors[0]
    assert "`reviewers`" in error and "stranger" in error and "collaborators" in error
    assert result.outputs["pr-number"] and result.outputs["operation"] == ""
    assert result.stdout.index("opened pull request") < result.stdout.index("::error")
    assert len(gh.pulls) == 1


# --- agents' own pull requests: the toggle through GraphQL


AGENTS = {"agent-authors": "Copilot, devin-ai-integration[bot], google-labs-jules"}


def agent_event(pull: dict[str, Any], action: str = "opened",
                sender: tuple[str, str] | None = None) -> dict[str, Any]:
    """The real pull_request payload as `action`, naming the fake's pull request."""
    name = f"pull_request.{action}"  # our own payloads: opened, synchronize and the variants
    event = webhook(name) if name in webhook_names() else webhook(
        "pull_request.opened", action=action)
    event["number"] = pull["number"]
    event["pull_request"].update(number=pull["number"], node_id=pull["node_id"],
                                 draft=pull["draft"], user=pull["user"])
    login, kind = sender or (pull["user"]["login"], pull["user"]["type"])
    event["sender"].update(login=login, type=kind)
    return event


def agent_pull(gh: FakeGitHub, user: str = "Copilot", draft: bool = True) -> dict[str, Any]:
    return gh.add_pull("[WIP] Fix the spelling", "copilot/fix-spelling", "master",
                       "Fixes #1", draft=draft, user=user)


def toggle_agent(tmp_path: Path, gh: FakeGitHub, event: dict[str, Any],
                 inputs: dict[str, str] | None = None, event_name: str = "pull_request",
                 env: dict[str, str] | None = None) -> Result:
    return toggle(tmp_path, gh, {**AGENTS, **(inputs or {})}, event=event,
                  event_name=event_name, env=env)


def graphql_calls(gh: FakeGitHub) -> list[dict[str, Any]]:
    return [r.body for r in gh.requests if r.path == "/graphql"]


def test_an_agents_draft_pr_is_marked_ready_through_graphql(tmp_path: Path,
                                                            gh: FakeGitHub) -> None:
    pull = agent_pull(gh)
    result = toggle_agent(tmp_path, gh, agent_event(pull))
    assert result.rc == 0, result.stdout + result.stderr
    assert result.outputs["operation"] == "marked-ready"
    assert result.outputs["draft"] == "false"
    assert result.outputs["pr-number"] == str(pull["number"])
    assert result.outputs["pr-url"] == pull["html_url"]
    assert result.outputs["branch"] == "copilot/fix-spelling"
    assert gh.pulls[pull["number"]]["draft"] is False
    [call] = graphql_calls(gh)
    assert "markPullRequestReadyForReview(input: $input)" in call["query"]
    assert call["variables"] == {"input": {"pullRequestId": pull["node_id"]}}
    # one read of the pull request (its state now), one mutation, nothing else
    assert [f"{r.method} {r.path}" for r in gh.requests] == [
        f"GET /repos/Codertocat/Hello-World/pulls/{pull['number']}", "POST /graphql"]
    assert "ready for review" in result.summary


def test_with_the_toggle_on_an_agents_ready_pr_becomes_a_draft(tmp_path: Path,
                                                               gh: FakeGitHub) -> None:
    pull = agent_pull(gh, "devin-ai-integration[bot]", draft=False)
    result = toggle_agent(tmp_path, gh, agent_event(pull), env={"CODEX_PR_DRAFT": "true"})
    assert result.rc == 0, result.stdout
    assert result.outputs["operation"] == "converted-to-draft"
    assert result.outputs["draft"] == "true"
    assert gh.pulls[pull["number"]]["draft"] is True
    assert "convertPullRequestToDraft" in graphql_calls(gh)[0]["query"]


def test_a_pr_that_cannot_be_a_draft_here_is_a_warning_not_a_failure(tmp_path: Path,
                                                                     gh: FakeGitHub) -> None:
    gh.drafts_supported = False  # a private repository on GitHub Free: no draft pull requests
    pull = agent_pull(gh, "devin-ai-integration[bot]", draft=False)
    result = toggle_agent(tmp_path, gh, agent_event(pull), env={"CODEX_PR_DRAFT": "true"})
    assert result.rc == 0, result.stdout + result.stderr
    assert result.outputs["operation"] == "unchanged" and result.outputs["draft"] == "false"
    [warning] = result.warnings
    assert f"#{pull['number']} cannot be made a draft" in warning
    assert "does not have permission to convert" in warning  # GitHub's own words, kept
    assert result.errors == [] and gh.pulls[pull["number"]]["draft"] is False
    assert "stays ready for review" in warning and "ready for review" in result.summary


def test_a_pr_already_matching_the_toggle_is_unchanged_without_a_write(
        tmp_path: Path, gh: FakeGitHub) -> None:
    pull = agent_pull(gh, draft=False)
    result = toggle_agent(tmp_path, gh, agent_event(pull, "reopened"))
    assert result.rc == 0, result.stdout
    assert result.outputs["operation"] == "unchanged"
    assert result.outputs["draft"] == "false"
    assert writes(gh) == []


@pytest.mark.parametrize("author, listed", [
    ("Copilot", "copilot[bot]"),  # REST and webhooks say `Copilot`, GraphQL `copilot-swe-agent`
    ("devin-ai-integration[bot]", "devin-ai-integration"),
    ("google-labs-jules[bot]", "Google-Labs-Jules"),
])
def test_agent_authors_match_with_and_without_bot(tmp_path: Path, gh: FakeGitHub,
                                                  author: str, listed: str) -> None:
    pull = agent_pull(gh, author)
    result = toggle_agent(tmp_path, gh, agent_event(pull), {"agent-authors": listed})
    assert result.outputs["operation"] == "marked-ready", result.stdout


def test_anyone_elses_pr_is_skipped_without_a_request(tmp_path: Path, gh: FakeGitHub) -> None:
    pull = agent_pull(gh, "mona")
    result = toggle_agent(tmp_path, gh, agent_event(pull))
    assert result.rc == 0, result.stdout
    assert result.outputs["operation"] == "skipped"
    assert result.outputs["pr-number"] == ""
    assert gh.requests == []
    assert gh.pulls[pull["number"]]["draft"] is True


def test_without_agent_authors_a_pull_request_event_is_skipped(tmp_path: Path,
                                                               gh: FakeGitHub) -> None:
    pull = agent_pull(gh)
    result = toggle(tmp_path, gh, event=agent_event(pull), event_name="pull_request")
    assert result.outputs["operation"] == "skipped"
    assert gh.requests == []


@pytest.mark.parametrize("action", ["synchronize", "closed", "edited"])
def test_other_pull_request_actions_are_skipped(tmp_path: Path, gh: FakeGitHub,
                                                action: str) -> None:
    pull = agent_pull(gh)
    result = toggle_agent(tmp_path, gh, agent_event(pull, action))
    assert result.outputs["operation"] == "skipped"
    assert gh.requests == []


@pytest.mark.parametrize("action, is_draft, toggle_env", [
    ("ready_for_review", False, "true"),  # a person marked it ready: not turned back
    ("converted_to_draft", True, "false"),  # a person made it a draft: not marked ready
])
def test_a_person_changing_the_state_by_hand_wins(tmp_path: Path, gh: FakeGitHub, action: str,
                                                  is_draft: bool, toggle_env: str) -> None:
    pull = agent_pull(gh, draft=is_draft)
    result = toggle_agent(tmp_path, gh, agent_event(pull, action, ("mona", "User")),
                          env={"CODEX_PR_DRAFT": toggle_env})
    assert result.rc == 0, result.stdout
    assert result.outputs["operation"] == "skipped"
    assert "by hand" in result.stdout
    assert gh.requests == []
    assert gh.pulls[pull["number"]]["draft"] is is_draft


def test_a_bot_changing_the_state_is_set_back_to_the_toggle(tmp_path: Path,
                                                            gh: FakeGitHub) -> None:
    pull = agent_pull(gh, draft=True)
    event = agent_event(pull, "converted_to_draft", ("some-app[bot]", "Bot"))
    result = toggle_agent(tmp_path, gh, event, event_name="pull_request_target")
    assert result.outputs["operation"] == "marked-ready", result.stdout
    assert gh.pulls[pull["number"]]["draft"] is False


def test_the_agent_changing_its_own_state_is_set_to_the_toggle(tmp_path: Path,
                                                               gh: FakeGitHub) -> None:
    pull = agent_pull(gh, draft=True)
    result = toggle_agent(tmp_path, gh, agent_event(pull, "converted_to_draft"))
    assert result.outputs["operation"] == "marked-ready", result.stdout


def test_a_pr_closed_since_the_event_is_skipped_with_a_warning(tmp_path: Path,
                                                               gh: FakeGitHub) -> None:
    pull = agent_pull(gh)
    event = agent_event(pull)
    gh.issues[pull["number"]]["state"] = "closed"
    result = toggle_agent(tmp_path, gh, event)
    assert result.rc == 0
    assert result.outputs["operation"] == "skipped"
    assert any("closed" in w for w in result.warnings)
    assert graphql_calls(gh) == []


def test_a_graphql_forbidden_error_is_named_with_the_permissions(tmp_path: Path,
                                                                 gh: FakeGitHub) -> None:
    pull = agent_pull(gh)
    gh.read_only = True  # GitHub answers HTTP 200 with errors: [{type: FORBIDDEN, ...}]
    result = toggle_agent(tmp_path, gh, agent_event(pull))
    assert result.rc == 1
    [error] = result.errors
    assert "markPullRequestReadyForReview" in error
    assert "FORBIDDEN: Resource not accessible by integration" in error
    assert "`contents: write`" in error and "`pull-requests: write" in error
    assert result.outputs["operation"] == "" and result.outputs["pr-number"] == str(
        pull["number"])
    assert gh.pulls[pull["number"]]["draft"] is True


def test_a_graphql_not_found_error_is_named(tmp_path: Path, gh: FakeGitHub) -> None:
    pull = agent_pull(gh)
    # GitHub's answer when the node is gone (deleted between the read and the write)
    gh.fail("POST", "^/graphql$", 200, body={
        "data": {"markPullRequestReadyForReview": None},
        "errors": [{"type": "NOT_FOUND", "path": ["markPullRequestReadyForReview"],
                    "locations": [{"line": 1, "column": 66}],
                    "message": f"Could not resolve to a node with the global id of "
                               f"'{pull['node_id']}'."}]})
    result = toggle_agent(tmp_path, gh, agent_event(pull))
    assert result.rc == 1
    assert "NOT_FOUND: Could not resolve to a node" in result.errors[0]
    assert result.outputs["draft"] == "true"


def test_the_runners_graphql_url_is_used(tmp_path: Path, gh: FakeGitHub) -> None:
    pull = agent_pull(gh)
    wrong = toggle_agent(tmp_path / "1", gh, agent_event(pull),
                         env={"GITHUB_GRAPHQL_URL": f"{gh.url}/api/graphql"})
    assert wrong.rc == 1 and "404" in wrong.errors[0]
    assert gh.requests[-1].path == "/api/graphql"
    right = toggle_agent(tmp_path / "2", gh, agent_event(pull),
                         env={"GITHUB_GRAPHQL_URL": f"{gh.url}/graphql"})
    assert right.outputs["operation"] == "marked-ready", right.stdout


def test_a_skipped_event_loads_no_pygithub(tmp_path: Path) -> None:
    # The recipe's agent job starts for every bot's pull request: a skip must stay cheap.
    import subprocess
    import sys

    event = tmp_path / "event.json"
    event.write_text('{"action": "synchronize", "pull_request": {"number": 1}}')
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ci_toolkit.cli", "draft-toggle",
         "--agent-authors", "Copilot"], capture_output=True, text=True, check=False,
        env={"PATH": "/usr/bin:/bin", "GITHUB_EVENT_NAME": "pull_request",
             "GITHUB_EVENT_PATH": str(event)})
    assert done.returncode == 0, done.stdout + done.stderr
    modules = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
               if line.startswith("import time:")}
    assert "ci_toolkit.draft_toggle.decision" in modules
    assert not {m for m in modules if m == "github" or m.startswith(("github.", "requests"))}


# --- `agent: copilot`: the labelled issue assigned to the Copilot coding agent through the REST
# API (POST .../issues/{n}/assignees with `agent_assignment`), with a person's token, once

ASSIGNEES = "/repos/Codertocat/Hello-World/issues/1/assignees"


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


def test_a_closed_issue_is_not_assigned_to_copilot(tmp_path: Path, gh: FakeGitHub) -> None:
    gh.issues[1]["state"] = "closed"
    result = copilot(tmp_path, gh)
    assert result.rc == 0 and result.outputs["operation"] == "skipped" and posts(gh) == []
