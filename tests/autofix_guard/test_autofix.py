"""The pure autofix decision: every rule, without GitHub."""

from __future__ import annotations

import pytest

from ci_toolkit.autofix_guard.decision import (
    BranchCommit,
    Identity,
    by_bot,
    decide,
    decide_streak,
    normalise,
    subject,
)

PREFIX = "chore(autofix):"
BOT = "github-actions[bot]"


def people(**roles: str) -> list[Identity]:
    return [Identity(role.replace("_", " "), name) for role, name in roles.items()]


def test_prefix_and_bot_author_skips() -> None:
    skip, reason = decide("chore(autofix): ruff format\n\nbody", PREFIX, [BOT],
                          people(actor="mona", commit_author=BOT))
    assert skip
    assert "commit author is github-actions[bot]" in reason


def test_prefix_without_any_bot_does_not_skip_and_names_who_was_seen() -> None:
    skip, reason = decide("chore(autofix): tidy", PREFIX, [BOT],
                          people(actor="mona", commit_author="Mona Lisa", committer="mona"))
    assert not skip
    assert "no bot-actor" in reason and "actor: mona" in reason and "Mona Lisa" in reason


def test_bot_without_prefix_does_not_skip() -> None:
    skip, reason = decide("fix: real change", PREFIX, [BOT], people(actor=BOT))
    assert not skip
    assert "does not start with 'chore(autofix):'" in reason


@pytest.mark.parametrize("bot", ["my-app", "my-app[bot]", "  My-App[BOT] "])
def test_bots_match_with_and_without_suffix_in_any_case(bot: str) -> None:
    skip, _ = decide("chore(autofix): x", PREFIX, [bot], people(actor="my-app[bot]"))
    assert skip
    skip, _ = decide("chore(autofix): x", PREFIX, ["my-app[bot]"], people(committer="my-app"))
    assert skip


def test_every_role_counts() -> None:
    for role in ("actor", "triggering_actor", "commit_author", "committer"):
        skip, reason = decide("chore(autofix): x", PREFIX, ["ci-bot"], people(**{role: "ci-bot"}))
        assert skip, role
        assert role.replace("_", " ") in reason


def test_star_means_anyone() -> None:
    skip, reason = decide("chore(autofix): x", PREFIX, ["*"], people(actor="mona"))
    assert skip and "'*'" in reason
    assert not decide("feat: x", PREFIX, ["*"], people(actor="mona"))[0]


def test_subject_is_the_first_line_and_the_prefix_must_lead() -> None:
    assert subject("\n  chore(autofix): a  \nsecond") == "chore(autofix): a"
    assert not decide("feat: x\n\nchore(autofix): in the body", PREFIX, [BOT], people(actor=BOT))[0]
    assert not decide("Merge abc into def", PREFIX, [BOT], people(actor=BOT))[0]
    assert not decide("", PREFIX, [BOT], people(actor=BOT))[0]


def test_a_name_that_only_contains_the_bot_is_not_the_bot() -> None:
    skip, _ = decide("chore(autofix): x", PREFIX, [BOT], people(actor="not-github-actions"))
    assert not skip


def test_normalise() -> None:
    assert normalise(" GitHub-Actions[bot] ") == "github-actions"
    assert normalise("renovate") == "renovate"


# --- the ping-pong cap: the branch's newest commits, newest first


def made(message: str, author: str, committer: str | None = None) -> BranchCommit:
    return BranchCommit(f"{abs(hash((message, author))):040d}"[:40], message, (
        Identity("commit author", author), Identity("committer", committer or author)))


FORMATTER = "pre-commit-ci[bot]"
BOTS = [BOT, FORMATTER]


@pytest.mark.parametrize("commits, limit, skip, words", [
    # two fixers answering each other: the formatter's commit on top of an autofix commit
    ([made("style: format", FORMATTER), made("chore(autofix): lint", BOT),
      made("style: format", FORMATTER)], 3, True,
     ["last 3 commits", "pre-commit-ci[bot], github-actions[bot]", "1 of them starts"]),
    ([made("style: format", FORMATTER), made("chore(autofix): lint", BOT),
      made("feat: the work", "mona")], 3, False, ["is not by a bot-actor", "commit author: mona"]),
    ([made("style: a", FORMATTER), made("style: b", FORMATTER), made("style: c", BOT)], 3,
     False, ["none of the last 3"]),
    ([made("style: format", FORMATTER), made("chore(autofix): lint", BOT)], 3, False,
     ["fewer than 3"]),
    ([made("style: format", FORMATTER), made("chore(autofix): lint", BOT),
      made("feat: older human work", "mona")], 2, True, ["last 2 commits"]),
    # a person's commit pushed by the bot: the committer counts
    ([made("chore(autofix): x", "Mona Lisa", BOT), made("style: y", FORMATTER)], 2, True, []),
    ([made("chore(autofix): x", BOT)] * 3, 0, False, []),  # 0: off
])
def test_decide_streak(commits: list[BranchCommit], limit: int, skip: bool,
                       words: list[str]) -> None:
    decided, reason = decide_streak(commits, PREFIX, BOTS, limit)
    assert decided is skip, reason
    for word in words:
        assert word in reason


def test_star_makes_everyone_a_bot_for_the_streak() -> None:
    commits = [made("fix: a", "mona"), made("chore(autofix): b", "hubot")]
    assert decide_streak(commits, PREFIX, ["*"], 2)[0]
    assert by_bot([Identity("commit author", "mona")], ["*"])
