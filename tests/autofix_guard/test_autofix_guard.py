"""autofix-guard through the real entry point, real webhook payloads and the fake GitHub."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT, Result, run_action, webhook

BOT = "github-actions[bot]"
BOT_PERSON = {"name": BOT, "email": "41898282+github-actions[bot]@users.noreply.github.com"}
MONA = {"name": "Mona Lisa", "email": "mona@example.com"}


def head_commit(message: str, author: dict[str, str], username: str | None,
                committer: dict[str, str] | None = None,
                committer_username: str | None = None) -> dict[str, Any]:
    """A push payload's head_commit, in the shape GitHub sends (the sample has null there)."""
    sha = "7c5b5d3c0c5e5f4d8d4b1d2a8a4f0b2c6e8d9a1f"
    return {
        "id": sha, "tree_id": "f9d2a07e9488b91af2641b26b9407fe22a451433", "distinct": True,
        "message": message, "timestamp": "2026-08-17T12:00:00Z",
        "url": f"https://github.com/Codertocat/Hello-World/commit/{sha}",
        "author": {**author, **({"username": username} if username else {})},
        "committer": {**(committer or author),
                      **({"username": committer_username or username}
                         if committer_username or username else {})},
        "added": [], "removed": [], "modified": ["README.md"],
    }


def push(message: str, author: dict[str, str], username: str | None, **extra: Any) -> Any:
    return webhook("push", ref="refs/heads/main", deleted=False,
                   after="7c5b5d3c0c5e5f4d8d4b1d2a8a4f0b2c6e8d9a1f",
                   head_commit=head_commit(message, author, username, **extra))


def actors(actor: str, triggering: str | None = None) -> dict[str, str]:
    return {"GITHUB_ACTOR": actor, "GITHUB_TRIGGERING_ACTOR": triggering or actor}


def assert_decision(result: Result, skip: bool, *words: str) -> None:
    assert result.rc == 0, result.stdout + result.stderr
    assert result.outputs["skip"] == ("true" if skip else "false"), result.outputs
    for word in words:
        assert word in result.outputs["reason"], result.outputs["reason"]


# --- push: head_commit from the payload, no API request at all


def test_pat_push_of_a_bot_authored_autofix_commit_skips(tmp_path: Path, fake: Any) -> None:
    # A PAT push: the actor is the token's owner (a human), the commit is github-actions[bot]'s.
    event = push("chore(autofix): ruff format", BOT_PERSON, BOT)
    result = run_action("autofix-guard", tmp_path=tmp_path, fake=fake, event=event,
                        event_name="push", env=actors("mona"))
    assert_decision(result, True, "commit author is github-actions[bot]")
    assert fake.requests == []
    assert "Skipping" in result.summary


def test_human_pushing_a_prefixed_commit_they_authored_does_not_skip(
        tmp_path: Path, fake: Any) -> None:
    event = push("chore(autofix): fix it by hand", MONA, "mona")
    result = run_action("autofix-guard", tmp_path=tmp_path, fake=fake, event=event,
                        event_name="push", env=actors("mona"))
    assert_decision(result, False, "no bot-actor", "actor: mona", "commit author: Mona Lisa")
    assert fake.requests == []
    assert result.warnings == []


def test_app_token_push_matches_bot_actors_without_the_suffix(tmp_path: Path) -> None:
    event = push("chore(autofix): regenerate", MONA, "mona")
    result = run_action("autofix-guard", {"bot-actors": "renovate, fixer-app"},
                        tmp_path=tmp_path, event=event, event_name="push",
                        env=actors("fixer-app[bot]"))
    assert_decision(result, True, "actor is fixer-app[bot]")


def test_bot_commit_without_the_prefix_does_not_skip(tmp_path: Path) -> None:
    event = push("style: ruff format", BOT_PERSON, BOT)
    result = run_action("autofix-guard", tmp_path=tmp_path, event=event, event_name="push",
                        env=actors(BOT))
    assert_decision(result, False, "does not start with 'chore(autofix):'")


def test_committer_name_counts_when_the_author_is_human(tmp_path: Path) -> None:
    # `git commit --author=...` in an autofix job: the committer stays the bot.
    event = push("fixup: lint", MONA, "mona", committer=BOT_PERSON, committer_username=BOT)
    result = run_action("autofix-guard", {"prefix": "fixup:"}, tmp_path=tmp_path, event=event,
                        event_name="push", env=actors("mona"))
    assert_decision(result, True, "committer is github-actions[bot]")


def test_star_skips_a_prefixed_commit_from_anyone(tmp_path: Path) -> None:
    event = push("chore(autofix): x", MONA, "mona")
    result = run_action("autofix-guard", {"bot-actors": "*"}, tmp_path=tmp_path, event=event,
                        event_name="push", env=actors("mona"))
    assert_decision(result, True, "'*'")


def test_push_without_head_commit_does_not_skip(tmp_path: Path, fake: Any) -> None:
    # The sample payload as it is: a deleted tag, `head_commit: null`.
    result = run_action("autofix-guard", tmp_path=tmp_path, fake=fake, event=webhook("push"),
                        event_name="push")
    assert_decision(result, False, "nothing to guard", "deleted")
    assert fake.requests == []


# --- pull_request: the head commit through the API, never the merge commit


def pull_request_event(fake: Any, head_sha: str) -> Any:
    event = webhook("pull_request.synchronize")
    event["pull_request"]["head"]["sha"] = head_sha
    event["after"] = head_sha
    return event


def test_merge_commit_checkout_reads_the_pull_requests_head_commit(
        tmp_path: Path, fake: Any) -> None:
    head = fake.add_commit("chore(autofix): ruff format", author=BOT_PERSON)["sha"]
    base = fake.refs["refs/heads/main"]
    # actions/checkout checks out this merge commit: GITHUB_SHA points at it.
    merge = fake.add_commit(f"Merge {head} into {base}", parents=[base, head])["sha"]
    result = run_action("autofix-guard", tmp_path=tmp_path, fake=fake,
                        event=pull_request_event(fake, head), event_name="pull_request",
                        env={**actors("mona"), "GITHUB_SHA": merge})
    assert_decision(result, True, "commit author is github-actions[bot]")
    reads = [r.path for r in fake.requests]
    assert reads == [f"/repos/{fake.repo_full_name}/commits/{head}"]
    assert not any(merge in path for path in reads)


def test_pull_request_head_commit_by_a_human_does_not_skip(tmp_path: Path, fake: Any) -> None:
    head = fake.add_commit("chore(autofix): by hand", author=MONA)["sha"]
    result = run_action("autofix-guard", tmp_path=tmp_path, fake=fake,
                        event=pull_request_event(fake, head), event_name="pull_request_target",
                        env=actors("mona"))
    assert_decision(result, False, "no bot-actor", "commit author: Mona Lisa")


def test_read_failure_is_a_warning_and_no_skip(tmp_path: Path, fake: Any) -> None:
    head = fake.add_commit("chore(autofix): x", author=BOT_PERSON)["sha"]
    fake.fail("GET", r".*/commits/.*", 403,
              body={"message": "Resource not accessible by integration"})
    result = run_action("autofix-guard", tmp_path=tmp_path, fake=fake,
                        event=pull_request_event(fake, head), event_name="pull_request",
                        env=actors(BOT))
    assert_decision(result, False, "could not be read")
    assert len(result.warnings) == 1
    assert "contents: read" in result.warnings[0]
    assert "Not skipping" in result.summary
    assert fake.token not in result.outputs["reason"]


def test_summary_escapes_what_github_answered(tmp_path: Path, fake: Any) -> None:
    head = fake.add_commit("chore(autofix): x", author=BOT_PERSON)["sha"]
    fake.fail("GET", r".*/commits/.*", 422, body={"message": "<b>bad</b> | cc @octo-org/team"})
    result = run_action("autofix-guard", tmp_path=tmp_path, fake=fake,
                        event=pull_request_event(fake, head), event_name="pull_request")
    assert_decision(result, False, "could not be read")
    assert "<b>" not in result.summary and "&lt;b&gt;" in result.summary
    assert "@octo-org" not in result.summary and "\\|" in result.summary


def test_unknown_head_commit_is_a_warning_and_no_skip(tmp_path: Path, fake: Any) -> None:
    result = run_action("autofix-guard", tmp_path=tmp_path, fake=fake,
                        event=pull_request_event(fake, "ab" * 20), event_name="pull_request")
    assert_decision(result, False, "could not be read")
    assert result.warnings


# --- other events: the commit at GITHUB_SHA


def test_workflow_dispatch_reads_the_commit_at_github_sha(tmp_path: Path, fake: Any) -> None:
    sha = fake.add_commit("chore(autofix): nightly", author=BOT_PERSON)["sha"]
    result = run_action("autofix-guard", tmp_path=tmp_path, fake=fake,
                        event=webhook("workflow_dispatch"), event_name="workflow_dispatch",
                        env={**actors("mona"), "GITHUB_SHA": sha})
    assert_decision(result, True, "commit author is github-actions[bot]")
    assert [r.path for r in fake.requests] == [f"/repos/{fake.repo_full_name}/commits/{sha}"]


def test_api_login_of_the_commit_author_counts(tmp_path: Path, fake: Any) -> None:
    # The fake links every commit to the account `octocat`; the git name says something else.
    sha = fake.add_commit("chore(autofix): x", author=MONA)["sha"]
    result = run_action("autofix-guard", {"bot-actors": "octocat"}, tmp_path=tmp_path,
                        fake=fake, event=webhook("workflow_dispatch"),
                        event_name="workflow_dispatch",
                        env={**actors("mona"), "GITHUB_SHA": sha})
    assert_decision(result, True, "commit author is octocat")


# --- invalid inputs: exit 2, naming the input


def test_empty_prefix_is_an_input_error(tmp_path: Path) -> None:
    result = run_action("autofix-guard", {"prefix": "  "}, tmp_path=tmp_path,
                        event=push("x", MONA, "mona"), event_name="push")
    assert result.rc == 2
    assert "prefix" in result.errors[0]


def test_empty_bot_actors_is_an_input_error(tmp_path: Path) -> None:
    result = run_action("autofix-guard", {"bot-actors": " , "}, tmp_path=tmp_path,
                        event=push("x", MONA, "mona"), event_name="push")
    assert result.rc == 2
    assert "bot-actors" in result.errors[0]


# --- the recipe and the README


def test_autofix_lane_recipe_is_the_readme_example() -> None:
    # test_workflows.py checks every recipe against the workflow schema.
    recipe = ROOT / "docs" / "recipes" / "autofix-lane.yml"
    text = recipe.read_text()
    assert text in (ROOT / "autofix-guard" / "README.md").read_text()
    steps = yaml.safe_load(text)["jobs"]["autofix"]["steps"]
    assert steps[0]["id"] == "guard" and steps[0]["uses"].endswith("/autofix-guard@v1")
    prefix = steps[0]["with"]["prefix"]
    later = [s for s in steps[1:] if s.get("name") != "Skipped"]
    assert all(s["if"] == "steps.guard.outputs.skip != 'true'" for s in later)
    assert any(s.get("env", {}).get("PREFIX") == prefix and '"$PREFIX ' in s["run"]
               for s in later)


# --- the ping-pong cap: the branch's last commits through the API

FORMATTER = "pre-commit-ci[bot]"
FORMATTER_PERSON = {"name": FORMATTER, "email": "66853113+pre-commit-ci[bot]@users.noreply"
                    ".github.com"}
FIXERS = {"bot-actors": f"{BOT}, {FORMATTER}"}


def chain(fake: Any, *commits: tuple[str, dict[str, str], str]) -> str:
    """Commits on top of the default branch, oldest first; the branch points at the last."""
    for message, person, login in commits:
        sha = fake.add_commit(message, author=person, login=login)["sha"]
        fake.refs["refs/heads/main"] = sha
    return sha


def push_of(fake: Any, sha: str) -> Any:
    """The push payload whose head_commit is the fake's commit `sha`."""
    git, login = fake.commits[sha], fake.commit_logins.get(sha)
    event = push(git["message"], {k: git["author"][k] for k in ("name", "email")}, login)
    event["head_commit"]["id"] = event["after"] = sha
    return event


def ping_pong(fake: Any) -> str:
    return chain(fake, ("feat: the work", MONA, "mona"),
                 ("style: pre-commit fixes", FORMATTER_PERSON, FORMATTER),
                 ("chore(autofix): ruff fixes", BOT_PERSON, BOT),
                 ("style: pre-commit fixes", FORMATTER_PERSON, FORMATTER))


def test_two_fixers_answering_each_other_are_stopped(tmp_path: Path, fake: Any) -> None:
    head = ping_pong(fake)
    result = run_action("autofix-guard", FIXERS, tmp_path=tmp_path, fake=fake,
                        event=push_of(fake, head), event_name="push", env=actors("mona"))
    assert_decision(result, True, "last 3 commits of the branch are all by bot-actors",
                    "1 of them starts with 'chore(autofix):'")
    [listing] = fake.requests  # one request: the list, from the pushed head
    assert listing.path == f"/repos/{fake.repo_full_name}/commits"
    assert listing.query["sha"] == head
    assert "Skipping" in result.summary


def test_a_persons_commit_in_the_window_lets_the_fix_run(tmp_path: Path, fake: Any) -> None:
    head = ping_pong(fake)
    result = run_action("autofix-guard", {**FIXERS, "max-bot-commits": "4"}, tmp_path=tmp_path,
                        fake=fake, event=push_of(fake, head), event_name="push",
                        env=actors("mona"))
    assert_decision(result, False, "does not start with", "is not by a bot-actor",
                    "commit author: mona")
    assert result.warnings == []


def test_max_bot_commits_0_turns_the_cap_off_without_a_request(tmp_path: Path,
                                                               fake: Any) -> None:
    head = ping_pong(fake)
    result = run_action("autofix-guard", {**FIXERS, "max-bot-commits": "0"}, tmp_path=tmp_path,
                        fake=fake, event=push_of(fake, head), event_name="push")
    assert_decision(result, False, "does not start with")
    assert fake.requests == []


def test_a_persons_head_commit_needs_no_history(tmp_path: Path, fake: Any) -> None:
    head = chain(fake, ("chore(autofix): x", BOT_PERSON, BOT), ("feat: y", MONA, "mona"))
    result = run_action("autofix-guard", tmp_path=tmp_path, fake=fake,
                        event=push_of(fake, head), event_name="push", env=actors("mona"))
    assert_decision(result, False, "does not start with")
    assert fake.requests == []  # only a bot's head commit can start a streak of bot commits


def test_the_cap_on_a_pull_request_reads_from_its_head(tmp_path: Path, fake: Any) -> None:
    head = ping_pong(fake)
    result = run_action("autofix-guard", FIXERS, tmp_path=tmp_path, fake=fake,
                        event=pull_request_event(fake, head), event_name="pull_request",
                        env=actors("mona"))
    assert_decision(result, True, "fixers answering each other")
    assert [(r.path.rsplit("/", 1)[-1], r.query.get("sha")) for r in fake.requests] == [
        (head, None), ("commits", head)]


def test_bot_commits_without_any_prefix_do_not_skip(tmp_path: Path, fake: Any) -> None:
    head = chain(fake, *[("style: fix", FORMATTER_PERSON, FORMATTER)] * 3)
    result = run_action("autofix-guard", FIXERS, tmp_path=tmp_path, fake=fake,
                        event=push_of(fake, head), event_name="push")
    assert_decision(result, False, "none of the last 3 commits")


def test_a_history_read_failure_is_a_warning_and_no_skip(tmp_path: Path, fake: Any) -> None:
    head = ping_pong(fake)
    fake.fail("GET", r".*/commits$", 403, body={"message": "Resource not accessible by "
                                                           "integration"})
    result = run_action("autofix-guard", FIXERS, tmp_path=tmp_path, fake=fake,
                        event=push_of(fake, head), event_name="push")
    assert_decision(result, False, "does not start with", "last commits could not be read")
    assert len(result.warnings) == 1 and "contents: read" in result.warnings[0]


@pytest.mark.parametrize("value", ["-1", "three", "101"])
def test_bad_max_bot_commits_is_an_input_error(tmp_path: Path, value: str) -> None:
    result = run_action("autofix-guard", {"max-bot-commits": value}, tmp_path=tmp_path,
                        event=push("x", MONA, "mona"), event_name="push")
    assert result.rc == 2
    assert "'max-bot-commits'" in result.errors[0]


def test_a_deleted_branch_has_nothing_to_guard(tmp_path: Path, fake: Any) -> None:
    event = webhook("push", ref="refs/heads/feature", deleted=True, head_commit=None,
                    after="0" * 40)
    result = run_action("autofix-guard", tmp_path=tmp_path, fake=fake, event=event,
                        event_name="push")
    assert_decision(result, False, "nothing to guard: the push deleted refs/heads/feature",
                    "head_commit is null")
    assert fake.requests == [] and result.warnings == []
