"""Our own webhook payloads (tests/webhooks) judged by githubkit's webhook models, which are
generated from GitHub's official description: the same event type `githubkit.webhooks.parse`
uses, validated strictly (a number sent as a string, a missing field, an unknown action fail)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from conftest import PULL_REQUEST_ACTIONS, webhook, webhook_names


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def githubkit_model(event: str, payload: dict[str, Any]) -> Any:
    """The payload as githubkit's model of `event` (each action is a model of its own)."""
    import githubkit_schemas.latest.webhooks as models

    adapter: TypeAdapter[Any] = TypeAdapter(getattr(models, camel(event) + "Event"))
    return adapter.validate_json(json.dumps(payload), strict=True)


@pytest.mark.parametrize("name", webhook_names())
def test_payload_is_an_event_as_github_describes_it(name: str) -> None:
    event, _, action = name.partition(".")
    model = githubkit_model(event, webhook(name))
    assert type(model).__name__ == "Webhook" + camel(event) + camel(action)


def test_every_event_the_actions_read_has_a_payload() -> None:
    events = {name.partition(".")[0] for name in webhook_names()}
    assert events >= {"push", "pull_request", "issues", "workflow_run", "workflow_dispatch",
                      "merge_group"}
    assert {"issues.labeled", "pull_request.opened", "pull_request.synchronize",
            "workflow_run.completed"} <= set(webhook_names())


@pytest.mark.parametrize(("action", "draft"), PULL_REQUEST_ACTIONS.items())
def test_pull_request_actions_share_the_opened_payload(action: str, draft: bool) -> None:
    payload = webhook(f"pull_request.{action}")
    opened = webhook("pull_request.opened")
    assert payload["action"] == action and payload["pull_request"]["draft"] is draft
    assert payload["pull_request"]["number"] == opened["pull_request"]["number"]


def test_changes_apply_to_a_fresh_copy() -> None:
    changed = webhook("push", ref="refs/heads/main")
    changed["repository"]["name"] = "edited"
    again = webhook("push")
    assert changed["ref"] == "refs/heads/main" and again["ref"] != "refs/heads/main"
    assert again["repository"]["name"] != "edited"


def test_an_unknown_name_says_which_payloads_there_are() -> None:
    with pytest.raises(AssertionError, match=r"pull_request\.opened"):
        webhook("pull_request.merged")


@pytest.mark.parametrize(("name", "break_it"), [
    ("push", lambda p: p.pop("repository")),
    ("issues.labeled", lambda p: p["label"].update(id=str(p["label"]["id"]))),
    ("pull_request.opened", lambda p: p.update(action="exploded")),
    ("workflow_run.completed", lambda p: p["workflow_run"].pop("head_sha")),
])  # fmt: skip
def test_the_judge_refuses_a_payload_github_would_not_send(name: str, break_it: Any) -> None:
    payload = webhook(name)
    break_it(payload)
    with pytest.raises(ValidationError):
        githubkit_model(name.partition(".")[0], payload)
