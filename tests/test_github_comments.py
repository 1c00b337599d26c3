"""THE pull-request comment operation, through PyGithub against the fake GitHub over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from ci_toolkit.github import client
from ci_toolkit.github.client import Waits, connect, repository
from ci_toolkit.github.comments import (
    CommentError,
    PostedComment,
    find_comment,
    upsert_comment,
)
from ci_toolkit.markdown import ISSUE_BODY_LIMIT, marker
from ci_toolkit.runtime import pull_request_number

MARK = marker("test-comment", "key")
COMMENTS = "/repos/octo-org/octo-repo/issues/1/comments"


@pytest.fixture
def repo(fake: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    waits = Waits({"CI_TOOLKIT_WAIT_SCALE": "0", "CI_TOOLKIT_WRITE_INTERVAL": "0",
                   "CI_TOOLKIT_HTTP_TIMEOUT": "3"})
    monkeypatch.setattr(client, "WAITS", waits)
    fake.add_pull("a change", head="feature")
    return repository(connect(fake.token, fake.url, waits=waits), fake.repo_full_name)


def bodies(fake: Any) -> list[str]:
    return [c["body"] for c in fake.comments[1]]


def test_created_once_then_edited_in_place(fake: Any, repo: Any) -> None:
    first = upsert_comment(repo, 1, MARK, "first report")
    assert first.created and first.url.endswith(f"#issuecomment-{first.id}")
    assert bodies(fake) == [f"{MARK}\nfirst report"]

    second = upsert_comment(repo, 1, MARK, f"{MARK}\nsecond report")
    assert second == PostedComment(first.id, first.url, created=False)
    assert bodies(fake) == [f"{MARK}\nsecond report"]
    assert fake.count("POST") == 1 and fake.count("PATCH") == 1


def test_found_on_a_later_page_among_other_comments(fake: Any, repo: Any) -> None:
    for i in range(150):
        fake.add_comment(1, f"chatter {i}")
    fake.add_comment(1, f"{MARK}\nold report")
    fake.add_comment(1, f"{MARK}\na duplicate from a race")

    posted = upsert_comment(repo, 1, MARK, "new report")

    assert not posted.created
    assert fake.count("GET", COMMENTS) == 2  # 152 comments: two pages of 100
    assert bodies(fake)[150] == f"{MARK}\nnew report"  # the oldest marked one
    assert fake.count("POST") == 0


def test_an_unchanged_comment_is_not_written_again(fake: Any, repo: Any) -> None:
    fake.add_comment(1, f"{MARK}\nsame")
    upsert_comment(repo, 1, MARK, "same")
    assert fake.count("PATCH") == 0 and fake.count("POST") == 0


def test_another_marker_is_not_ours(fake: Any, repo: Any) -> None:
    other = marker("test-comment", "another key")
    fake.add_comment(1, f"{other}\nthe other gate's report")
    assert find_comment(repo, 1, MARK) is None
    upsert_comment(repo, 1, MARK, "ours")
    assert len(bodies(fake)) == 2 and bodies(fake)[0].startswith(other)


def test_a_create_whose_answer_was_lost_is_not_posted_twice(fake: Any, repo: Any) -> None:
    fake.hang("POST", r"/issues/1/comments$", times=1, then_apply=True)
    posted = upsert_comment(repo, 1, MARK, "report")
    assert posted.created and len(bodies(fake)) == 1
    assert fake.count("POST") == 1  # looked before trying again, and found it


def test_a_create_that_was_not_done_is_retried_after_looking(fake: Any, repo: Any) -> None:
    fake.hang("POST", r"/issues/1/comments$", times=1, then_apply=False)
    upsert_comment(repo, 1, MARK, "report")
    assert len(bodies(fake)) == 1 and fake.count("POST") == 2


def test_a_refused_create_is_never_retried(fake: Any, repo: Any) -> None:
    fake.fail("POST", r"/issues/1/comments$", 422)
    with pytest.raises(CommentError, match="422"):
        upsert_comment(repo, 1, MARK, "report")
    assert fake.count("POST") == 1


def test_a_long_body_is_cut_with_a_note_and_keeps_its_marker(fake: Any, repo: Any) -> None:
    upsert_comment(repo, 1, MARK, "a line of the report\n" * 5000)
    body = bodies(fake)[0]
    assert len(body) <= ISSUE_BODY_LIMIT and body.startswith(MARK)
    assert "65,536-character limit" in body


def test_read_only_token_names_both_permissions(fake: Any, repo: Any) -> None:
    fake.read_only = True
    with pytest.raises(CommentError) as caught:
        upsert_comment(repo, 1, MARK, "report")
    text = str(caught.value)
    assert "403" in text and "`pull-requests: write`" in text and "`issues: write`" in text
    assert "pull request #1" in text and fake.token not in text


def test_read_only_token_on_an_edit_says_the_same(fake: Any, repo: Any) -> None:
    fake.add_comment(1, f"{MARK}\nold")
    fake.read_only = True
    with pytest.raises(CommentError, match=r"edit our comment.*`pull-requests: write`"):
        upsert_comment(repo, 1, MARK, "report")


def test_locked_conversation_is_named(fake: Any, repo: Any) -> None:
    fake.issues[1]["locked"] = True
    with pytest.raises(CommentError, match="conversation is locked"):
        upsert_comment(repo, 1, MARK, "report")
    assert bodies(fake) == []


def test_missing_pull_request_is_a_404_explained(fake: Any, repo: Any) -> None:
    with pytest.raises(CommentError, match=r"pull request #99: not found \(404\)"):
        upsert_comment(repo, 99, MARK, "report")


@pytest.mark.parametrize(("event", "number"), [
    ({"pull_request": {"number": 7}}, 7),
    ({"number": 7, "pull_request": {"number": 7}, "action": "synchronize"}, 7),
    ({"issue": {"number": 8, "pull_request": {"url": "x"}}}, 8),
    ({"issue": {"number": 8}}, None),  # a comment on an issue, not on a pull request
    ({"pull_request": {"number": "7"}}, None),
    ({"pull_request": {"number": True}}, None),
    ({"workflow_run": {"pull_requests": [{"number": 3}]}}, None),  # looked up by the caller
    ({}, None),
])
def test_pull_request_number_from_the_event(event: dict[str, Any], number: int | None) -> None:
    assert pull_request_number(event) == number
