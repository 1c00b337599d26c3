"""draft-toggle's decisions (`draft_toggle.decision`), table by table: no GitHub, no process."""

from __future__ import annotations

from typing import Any

import pytest

from ci_toolkit.draft_toggle.decision import (
    Draft,
    Kickoff,
    Operation,
    Skip,
    Toggle,
    by_hand,
    command_text,
    lane,
    missing,
    resolve_draft,
    same_login,
    toggle_operation,
)

AGENTS = ("Copilot", "devin-ai-integration[bot]")


@pytest.mark.parametrize("given, variable, expected", [
    (True, "false", Draft(True)),  # the input wins
    (False, "yes", Draft(False)),
    (None, "", Draft(False)),  # unset: ready
    (None, " YES ", Draft(True)),
    (None, "0", Draft(False)),
])
def test_resolve_draft(given: bool | None, variable: str, expected: Draft) -> None:
    assert resolve_draft(given, variable) == expected


def test_a_bad_variable_is_false_with_a_warning() -> None:
    draft = resolve_draft(None, "maybe")
    assert draft.value is False and "CODEX_PR_DRAFT='maybe'" in draft.warning


@pytest.mark.parametrize("a, b, same", [
    ("Copilot", "copilot", True),
    ("copilot[bot]", "Copilot", True),
    ("@mona", "MONA", True),
    ("devin-ai-integration", "devin-ai-integration[bot]", True),
    ("copilot-swe-agent", "Copilot", False),  # GraphQL's name for it: list it if you use it
    ("", "", False),
    ("[bot]", "", False),
])
def test_same_login(a: str, b: str, same: bool) -> None:
    assert same_login(a, b) is same


def labeled(name: str = "agent:codex", **issue: Any) -> dict[str, Any]:
    return {"action": "labeled", "label": {"name": name}, "issue": {"number": 7, **issue}}


def pull_event(action: str = "opened", author: str = "Copilot",
               sender: tuple[str, str] = ("Copilot", "Bot")) -> dict[str, Any]:
    return {"action": action, "pull_request": {"number": 9, "user": {"login": author}},
            "sender": {"login": sender[0], "type": sender[1]}}


@pytest.mark.parametrize("name, event, agents, expected", [
    ("issues", labeled(), (), Kickoff(7)),
    ("issues", labeled("Agent:CODEX"), (), Kickoff(7)),
    ("issues", labeled("bug"), (), Skip("the label added is 'bug', not 'agent:codex'")),
    ("issues", labeled(pull_request={}), (),
     Skip("the labelled item is a pull request, not an issue")),
    ("issues", {"action": "opened"}, (),
     Skip("not an issues/labeled or pull_request event (issues/opened)")),
    ("push", {}, AGENTS, Skip("not an issues/labeled or pull_request event (push/None)")),
    ("pull_request", pull_event(), AGENTS, Toggle(9, "Copilot", "opened")),
    ("pull_request_target", pull_event("reopened"), AGENTS, Toggle(9, "Copilot", "reopened")),
    ("pull_request", pull_event(), (), Skip("a pull_request event, and `agent-authors` is empty")),
    ("pull_request", pull_event(author="mona", sender=("mona", "User")), AGENTS,
     Skip("pull request #9 is by mona, who is not one of `agent-authors`")),
    ("pull_request", pull_event("ready_for_review", sender=("mona", "User")), AGENTS,
     Skip("mona made pull request #9 ready for review by hand; their choice stands")),
    ("pull_request", pull_event("converted_to_draft", sender=("mona", "User")), AGENTS,
     Skip("mona made pull request #9 a draft by hand; their choice stands")),
    ("pull_request", pull_event("converted_to_draft", sender=("fixer[bot]", "Bot")), AGENTS,
     Toggle(9, "Copilot", "converted_to_draft")),
    # a person opening or reopening an agent's pull request is no hand change of its state
    ("pull_request", pull_event("reopened", sender=("mona", "User")), AGENTS,
     Toggle(9, "Copilot", "reopened")),
])
def test_lane(name: str, event: dict[str, Any], agents: tuple[str, ...], expected: Any) -> None:
    assert lane(name, event, "agent:codex", agents) == expected


def test_other_pull_request_actions_are_skipped() -> None:
    decided = lane("pull_request", pull_event("synchronize"), "agent:codex", AGENTS)
    assert isinstance(decided, Skip) and "synchronize" in decided.why


@pytest.mark.parametrize("sender, hand", [
    ({"login": "mona", "type": "User"}, True),
    ({"login": "mona"}, True),
    ({"login": "Copilot", "type": "Bot"}, False),  # the agent itself
    ({"login": "devin-ai-integration[bot]", "type": "Bot"}, False),
    ({"login": "other-app[bot]", "type": "Bot"}, False),
    ({"login": "legacy[bot]", "type": "User"}, False),
    ({}, False),
])
def test_by_hand(sender: dict[str, str], hand: bool) -> None:
    assert by_hand(sender, "Copilot", AGENTS) is hand


@pytest.mark.parametrize("is_draft, draft, expected", [
    (True, False, Operation.MARKED_READY),
    (False, True, Operation.CONVERTED_TO_DRAFT),
    (True, True, Operation.UNCHANGED),
    (False, False, Operation.UNCHANGED),
])
def test_toggle_operation(is_draft: bool, draft: bool, expected: Operation) -> None:
    assert toggle_operation(is_draft, draft) is expected


@pytest.mark.parametrize("wanted, present, expected", [
    (["agent", "ci"], ["Agent"], ["ci"]),
    (["mona", "mona"], [], ["mona"]),
    ([], ["x"], []),
    (["a"], ["a", "b"], []),
])
def test_missing(wanted: list[str], present: list[str], expected: list[str]) -> None:
    assert missing(wanted, present) == expected


def test_command_text() -> None:
    assert command_text("@codex #{issue} in #{pr} ({issue})", 3, 8) == "@codex #3 in #8 (3)"
