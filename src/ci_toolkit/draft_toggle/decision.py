"""draft-toggle's decisions: pure, so every rule is tested without GitHub.

Two lanes share one toggle (draft or ready):
- the kick-off: an `issues` `labeled` event for the trigger label opens a branch and a pull
  request for the issue;
- agents' own pull requests: a `pull_request` event on a pull request whose author is one of
  `agent-authors` sets its draft state to the toggle, unless a person just changed that state
  by hand (their choice wins).
Anything else is skipped without a request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ci_toolkit.github.permissions import Needs, Permission

DRAFT_ENV = "CODEX_PR_DRAFT"
TRUE = frozenset({"true", "1", "yes"})
FALSE = frozenset({"false", "0", "no"})
# The pull_request actions after which an agent's pull request may be off the toggle.
AGENT_ACTIONS = ("opened", "reopened", "ready_for_review", "converted_to_draft")
HAND_ACTIONS = ("ready_for_review", "converted_to_draft")  # the draft state changed
PULL_EVENTS = ("pull_request", "pull_request_target")  # the same payload


class Operation(StrEnum):
    """The `operation` output."""

    CREATED = "created"
    REUSED = "reused"
    SKIPPED = "skipped"
    ASSIGNED = "assigned"  # the issue was assigned to the Copilot coding agent
    MARKED_READY = "marked-ready"
    CONVERTED_TO_DRAFT = "converted-to-draft"
    UNCHANGED = "unchanged"


class Agent(StrEnum):
    """How the kick-off starts the agent (the `agent` input)."""

    COMMAND = "command"  # a branch, a pull request and the `command` comment on it
    COPILOT = "copilot"  # the issue assigned to the Copilot coding agent through the REST API


AGENTS = tuple(Agent)
# The logins Copilot shows as: the assignee `Copilot`, the login the assignment takes.
COPILOT_LOGINS = ("Copilot", "copilot-swe-agent")
COPILOT_ASSIGNEE = "copilot-swe-agent[bot]"


@dataclass(frozen=True)
class Options:
    """Every input of draft-toggle, checked before any request."""

    label: str
    draft: Draft
    prefix: str
    command: str
    agent_authors: tuple[str, ...]
    labels: tuple[str, ...]
    reviewers: tuple[str, ...]
    agent: Agent = Agent.COMMAND
    agent_token: str = field(default="", repr=False)  # a person's token, for `agent: copilot`


@dataclass(frozen=True)
class Draft:
    """The toggle, and a warning when the environment variable was not a boolean."""

    value: bool
    warning: str = ""


def resolve_draft(given: bool | None, variable: str) -> Draft:
    """The `draft` input (already parsed strictly), else CODEX_PR_DRAFT (lenient), else false."""
    if given is not None:
        return Draft(given)
    lowered = variable.strip().lower()
    if not lowered or lowered in FALSE:
        return Draft(False)
    if lowered in TRUE:
        return Draft(True)
    return Draft(False, f"{DRAFT_ENV}={variable.strip()!r} is not true/false/1/0/yes/no; "
                        "using a ready (non-draft) pull request.")


def same_login(a: str, b: str) -> bool:
    """`Copilot`, `copilot` and `copilot[bot]` are one identity (GitHub logins ignore case)."""
    return _bare(a) == _bare(b) != ""


def is_listed(login: str, logins: Iterable[str]) -> bool:
    return any(same_login(login, listed) for listed in logins)


def _bare(login: str) -> str:
    return login.strip().lstrip("@").lower().removesuffix("[bot]").strip()


@dataclass
class Outcome:
    """What this run did, for the outputs, the log and the summary."""

    branch: str = ""
    draft: bool = False
    operation: str = ""
    pr_number: int | None = None
    pr_url: str = ""
    done: list[str] = field(default_factory=list)
    doing: str = "read the issue"  # the step under way, for the error message
    permission: Needs = Permission.ISSUES_READ

    def step(self, doing: str, permission: Needs) -> None:
        self.doing, self.permission = doing, permission


# --- what the event asks for


@dataclass(frozen=True)
class Kickoff:
    """Open (or find) the branch and pull request for issue `issue`."""

    issue: int


@dataclass(frozen=True)
class Toggle:
    """Set the draft state of an agent's pull request `number` to the toggle."""

    number: int
    author: str
    action: str


@dataclass(frozen=True)
class Skip:
    """Nothing to do, and why (for the log)."""

    why: str


Lane = Kickoff | Toggle | Skip


def lane(event_name: str, event: Mapping[str, Any], label: str,
         agent_authors: tuple[str, ...]) -> Lane:
    """Which lane this event takes, decided from the payload alone (no request)."""
    if event_name in PULL_EVENTS:
        return _agent_lane(event, agent_authors)
    if event_name != "issues" or event.get("action") != "labeled":
        return Skip(f"not an issues/labeled or pull_request event "
                    f"({event_name or 'no event'}/{event.get('action')})")
    added = str((event.get("label") or {}).get("name") or "")
    if added.casefold() != label.casefold():
        return Skip(f"the label added is {added!r}, not {label!r}")
    issue = event.get("issue") or {}
    if "pull_request" in issue:
        return Skip("the labelled item is a pull request, not an issue")
    number = issue.get("number")
    if not isinstance(number, int):
        return Skip("the event payload names no issue")
    return Kickoff(number)


def _agent_lane(event: Mapping[str, Any], agent_authors: tuple[str, ...]) -> Lane:
    action = str(event.get("action") or "")
    if not agent_authors:
        return Skip("a pull_request event, and `agent-authors` is empty")
    if action not in AGENT_ACTIONS:
        return Skip(f"the pull request was {action or 'changed'}; the toggle acts on "
                    f"{', '.join(AGENT_ACTIONS)}")
    pull = event.get("pull_request") or {}
    number = pull.get("number")
    author = str((pull.get("user") or {}).get("login") or "")
    if not isinstance(number, int):
        return Skip("the event payload names no pull request")
    if not is_listed(author, agent_authors):
        return Skip(f"pull request #{number} is by {author or 'an unknown author'}, "
                    "who is not one of `agent-authors`")
    if action in HAND_ACTIONS and by_hand(event.get("sender") or {}, author, agent_authors):
        sender = str((event.get("sender") or {}).get("login") or "")
        state = "ready for review" if action == "ready_for_review" else "a draft"
        return Skip(f"{sender} made pull request #{number} {state} by hand; their choice stands")
    return Toggle(number, author, action)


def by_hand(sender: Mapping[str, Any], author: str, agent_authors: tuple[str, ...]) -> bool:
    """Whether the event's sender is a person (not the agent, not a bot or app)."""
    login = str(sender.get("login") or "")
    if not login or same_login(login, author) or is_listed(login, agent_authors):
        return False
    return str(sender.get("type") or "User") == "User" and not login.lower().endswith("[bot]")


def toggle_operation(is_draft: bool, draft: bool) -> Operation:
    """What setting the draft state of a pull request that is `is_draft` to `draft` means."""
    if is_draft == draft:
        return Operation.UNCHANGED
    return Operation.CONVERTED_TO_DRAFT if draft else Operation.MARKED_READY


# --- the pull requests the kick-off opens


def missing(wanted: Iterable[str], present: Iterable[str]) -> list[str]:
    """The wanted names not present yet (compared without case, as GitHub compares them)."""
    have = {name.casefold() for name in present}
    return [name for name in dict.fromkeys(wanted) if name.casefold() not in have]


def command_text(template: str, issue: int, pull: int | None = None) -> str:
    """The `command` with `{issue}` (and, where there is one, `{pr}`) replaced."""
    text = template.replace("{issue}", str(issue))
    return text if pull is None else text.replace("{pr}", str(pull))


def installation_token(token: str, workflow_token: str) -> bool:
    """Whether `token` is the workflow's GITHUB_TOKEN or another GitHub App installation token
    (GitHub's documented prefix `ghs_`), which cannot assign Copilot."""
    return token.startswith("ghs_") or (bool(workflow_token) and token == workflow_token)
