"""The pure autofix decision: every rule, without GitHub."""

from __future__ import annotations

import pytest

from ci_toolkit.autofix import Identity, decide, normalise, subject

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
