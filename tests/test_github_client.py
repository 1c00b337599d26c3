"""The client factory and shared issue operations, over real HTTP against the fake GitHub."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from github import Github, GithubException

from ci_toolkit.github import client
from ci_toolkit.github.client import (
    WaitBudgetExceeded,
    Waits,
    connect,
    create_once,
    explain,
    rate_limit_wait,
    repository,
    retry_rate_limited,
)
from ci_toolkit.github.issues import (
    MissingLabels,
    ensure_labels,
    open_issues,
    with_marker,
)
from ci_toolkit.markdown import marker, prose
from rendered import render

SECONDARY = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes "
             "before you try again.", "documentation_url": "https://docs.github.com"}


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> Waits:
    """A fresh shared budget that never really sleeps."""
    fresh = Waits({"CI_TOOLKIT_WAIT_SCALE": "0", "CI_TOOLKIT_WRITE_INTERVAL": "0",
                   "CI_TOOLKIT_HTTP_TIMEOUT": "3"})
    monkeypatch.setattr(client, "WAITS", fresh)
    return fresh


def gh_for(fake: Any, waits: Waits) -> Github:
    return connect(fake.token, fake.url, waits=waits)


def test_reads_page_at_100_and_skip_pull_requests(fake: Any, waits: Waits) -> None:
    for i in range(230):
        fake.add_issue(f"issue {i}", labels=["tech:coverage"] if i % 2 else [])
    fake.add_pull("a pull request", head="feature")
    repo = repository(gh_for(fake, waits), fake.repo_full_name)
    assert len(open_issues(repo)) == 230
    assert fake.count("GET", f"/repos/{fake.repo_full_name}/issues") == 3
    assert all(r.query.get("per_page") == "100" for r in fake.requests)
    labelled = open_issues(repo, ["tech:coverage"])
    assert len(labelled) == 115 and fake.count("GET", "/search") == 0


def test_get_retried_after_5xx(fake: Any, waits: Waits) -> None:
    fake.fail("GET", r"/issues$", 502, times=2)
    repo = repository(gh_for(fake, waits), fake.repo_full_name)
    assert open_issues(repo) == []
    assert fake.count("GET", f"/repos/{fake.repo_full_name}/issues") == 3


def test_secondary_rate_limit_waits_retry_after_from_the_budget(fake: Any, waits: Waits) -> None:
    fake.fail("GET", r"/issues$", 403, body=SECONDARY, headers={"Retry-After": "7"})
    repo = repository(gh_for(fake, waits), fake.repo_full_name)
    open_issues(repo)
    assert waits.spent == 7


def test_waiting_past_the_budget_stops_with_a_clear_cause(fake: Any, waits: Waits) -> None:
    fake.fail("GET", r"/issues$", 403, body=SECONDARY, headers={"Retry-After": "500"})
    repo = repository(gh_for(fake, waits), fake.repo_full_name)
    with pytest.raises(Exception) as caught:
        open_issues(repo)
    cause = explain(caught.value, "list issues")
    assert "rate limit" in str(cause).lower() and "list issues" in cause
    assert waits.spent <= waits.budget


def test_primary_rate_limit_is_not_slept_until_reset(fake: Any, waits: Waits) -> None:
    fake.rate_limit_remaining = 0
    repo = repository(gh_for(fake, waits), fake.repo_full_name)
    with pytest.raises(Exception) as caught:
        open_issues(repo)
    assert "rate limit" in str(explain(caught.value, "list issues")).lower()
    assert waits.spent == 0


def test_post_is_never_blindly_retried(fake: Any, waits: Waits) -> None:
    fake.fail("POST", r"/issues$", 502)
    repo = repository(gh_for(fake, waits), fake.repo_full_name)
    with pytest.raises(GithubException):
        repo.create_issue(title="once")
    assert fake.count("POST") == 1


def test_create_once_finds_a_create_that_happened_without_an_answer(fake: Any,
                                                                    waits: Waits) -> None:
    fake.hang("POST", r"/issues$", then_apply=True)
    repo = repository(gh_for(fake, waits), fake.repo_full_name)
    mark = marker("test", "once")

    def find() -> Any:
        found = with_marker(open_issues(repo), mark)
        return found[0] if found else None

    issue = create_once(lambda: repo.create_issue(title="once", body=mark), find, waits=waits)
    assert issue.title == "once"
    assert len(fake.issues) == 1 and fake.count("POST") == 1


def test_create_once_retries_a_create_that_did_not_happen(fake: Any, waits: Waits) -> None:
    fake.hang("POST", r"/issues$", then_apply=False)
    repo = repository(gh_for(fake, waits), fake.repo_full_name)
    issue = create_once(lambda: repo.create_issue(title="twice"), lambda: None, waits=waits)
    assert issue.number in fake.issues and len(fake.issues) == 1
    assert fake.count("POST") == 2


def test_create_once_does_not_retry_a_clear_refusal(fake: Any, waits: Waits) -> None:
    fake.read_only = True
    repo = repository(gh_for(fake, waits), fake.repo_full_name)
    with pytest.raises(GithubException) as caught:
        create_once(lambda: repo.create_issue(title="x"), lambda: None, waits=waits)
    assert fake.count("POST") == 1
    cause = explain(caught.value, "create the issue", "issues: write")
    assert "`issues: write`" in cause and "fork" in cause and "403" in cause


def test_token_is_only_sent_to_the_api(fake: Any, waits: Waits) -> None:
    repo = repository(gh_for(fake, waits), fake.repo_full_name)
    open_issues(repo)
    assert all(r.headers.get("Authorization") == f"token {fake.token}" for r in fake.requests)


def test_ensure_labels_creates_only_the_missing_and_tolerates_a_race(fake: Any,
                                                                     waits: Waits) -> None:
    fake.add_label("bug")
    fake.fail("POST", r"/labels$", 422, body={
        "message": "Validation Failed", "documentation_url": "https://docs.github.com",
        "errors": [{"resource": "Label", "code": "already_exists", "field": "name"}]})
    repo = repository(gh_for(fake, waits), fake.repo_full_name)
    created = ensure_labels(repo, ["Bug", "ci", "docs", "ci"])
    assert created == ["docs"]  # "ci" was created meanwhile by someone else
    assert "docs" in fake.labels
    with pytest.raises(MissingLabels, match="nope"):
        ensure_labels(repo, ["bug", "nope"], create=False)


def test_explain_names_the_cause() -> None:
    not_found = GithubException(404, {"message": "Not Found"}, {})
    assert "`actions: read`" in explain(not_found, "list jobs", "actions: read")
    invalid = GithubException(422, {"message": "Validation Failed", "errors": [
        {"message": "body is too long (maximum is 65536 characters)"}]}, {})
    assert "body is too long" in explain(invalid, "comment")
    assert "broke off before an answer (ConnectionError)" in str(
        explain(requests.ConnectionError("x"), "comment"))
    assert "would pass" in explain(WaitBudgetExceeded("waiting 5s more would pass"), "x")


def test_budget_is_shared_and_scaled() -> None:
    waits = Waits({"CI_TOOLKIT_WAIT_SCALE": "0", "CI_TOOLKIT_MAX_WAIT": "10"})
    waits.sleep(6)
    with pytest.raises(WaitBudgetExceeded):
        waits.sleep(6)
    assert waits.spent == 6


@pytest.mark.parametrize("status, headers, message, expected", [
    (403, {"Retry-After": "42"}, "secondary rate limit", 42.0),
    (429, {}, "", 60.0),
    (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1100"}, "API rate limit", 101.0),
    (403, {}, "You have exceeded a secondary rate limit", 60.0),
    (403, {}, "Resource not accessible by integration", None),
    (422, {"Retry-After": "5"}, "Validation Failed", None),
])
def test_rate_limit_wait(status: int, headers: dict[str, str], message: str,
                         expected: float | None) -> None:
    exc = GithubException(status, {"message": message}, headers)
    assert rate_limit_wait(exc, now=1000.0) == expected


def test_an_operation_may_wait_longer_unless_the_user_set_the_budget() -> None:
    default = Waits({})
    default.allow_operation_wait(600)
    assert default.budget == 600
    chosen = Waits({"CI_TOOLKIT_MAX_WAIT": "5"})
    chosen.allow_operation_wait(600)
    assert chosen.budget == 5


def test_a_rate_limited_write_is_waited_out_then_done(fake: Any, waits: Waits) -> None:
    fake.fail("POST", r"/labels$", 403, body=SECONDARY, headers={"Retry-After": "4"})
    repo = repository(gh_for(fake, waits), fake.repo_full_name)
    retry_rate_limited(lambda: repo.create_label(name="x", color="ededed"))
    assert "x" in fake.labels and waits.spent == 4


def test_a_primary_limit_far_from_reset_is_refused_at_once(fake: Any, waits: Waits) -> None:
    """Soft actions never sleep toward an hourly reset: the wait is refused before any sleep."""
    reset = str(int(time.time()) + 3000)
    fake.fail("POST", r"/labels$", 403, body={"message": "API rate limit exceeded"},
              headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
    repo = repository(gh_for(fake, waits), fake.repo_full_name)
    with pytest.raises(WaitBudgetExceeded):
        retry_rate_limited(lambda: repo.create_label(name="x", color="ededed"))
    assert waits.spent == 0 and fake.count("POST") == 1


def test_a_bad_token_is_named_as_such_not_as_a_missing_permission(fake: Any,
                                                                   waits: Waits) -> None:
    expired = connect("ghs_expired_token", fake.url, waits=waits)  # not the one GitHub takes
    repo = repository(expired, fake.repo_full_name)
    with pytest.raises(GithubException) as caught:
        open_issues(repo)
    cause = explain(caught.value, "list the issues", "issues: read")
    assert "refused the token (401: Bad credentials)" in cause and "expired" in cause
    assert "permissions:" not in cause and "issues: read" not in cause


def test_a_locked_conversation_is_named_as_such(fake: Any, waits: Waits) -> None:
    issue = fake.add_issue("Locked", "text")
    issue["locked"] = True
    repo = repository(gh_for(fake, waits), fake.repo_full_name)
    with pytest.raises(GithubException) as caught:
        repo.get_issue(issue["number"]).create_comment("hello")
    cause = explain(caught.value, "comment on issue #1", "issues: write")
    assert "the conversation is locked (Unable to create comment because issue is locked.)" \
        in cause and "permissions:" not in cause
    assert "`github-token`" not in cause  # not a token problem either


def test_explain_keeps_our_markdown_apart_from_githubs_words() -> None:
    exc = GithubException(403, {"message": "Resource `not` accessible <b>"}, {})
    cause = explain(exc, "comment on issue #1", "issues: write")
    page = render(f"- {prose(cause)}")
    assert page.codes == ["issues: write", "permissions:"]  # ours: code
    assert "Resource `not` accessible <b>" in page.text  # GitHub's: shown as sent
    assert "b" not in page.elements
