"""THE one comment of ours on a pull request: found by its hidden marker, edited in place.

The soft gate and job-logs each keep ONE comment on a pull request (issue and pull-request
comments are the same API). `upsert_comment` finds it over every page of the conversation,
edits it in place (GitHub sends no notification for an edit), and otherwise creates it once: a
create that failed without an answer is retried only after looking again for the marker, never
blindly. Every failure comes back as `CommentError`, one line that names the cause (a read-only
token, a locked conversation, a pull request that is not there), for the caller's warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from github import GithubException
from github.IssueComment import IssueComment
from github.Repository import Repository

from ci_toolkit.github.client import create_once, explain, retry_rate_limited
from ci_toolkit.github.permissions import COMMENT, spelled
from ci_toolkit.markdown import ISSUE_BODY_LIMIT, Message, MessageError, truncate

_CUT = "Cut to GitHub's 65,536-character limit for a comment."


@dataclass(frozen=True)
class PostedComment:
    id: int
    url: str  # the comment's page (html_url)
    created: bool  # False: an earlier run's comment was edited in place


class CommentError(MessageError):
    """The comment could not be read or written; the message names the cause, no secrets."""


def find_comment(repo: Repository, number: int, mark: str) -> IssueComment | None:
    """Our comment on issue or pull request `number`: the oldest carrying `mark` (all pages)."""
    comments = repo.get_issue(number).get_comments()
    return next((c for c in comments if mark in (c.body or "")), None)


def upsert_comment(repo: Repository, number: int, mark: str, body: str) -> PostedComment:
    """Edit our marked comment on `number` to `body`, or create it once; raise CommentError.

    `body` gets `mark` first when it does not carry it, and is cut (with a visible note) to
    GitHub's 65,536 characters, so a long report never makes the write fail.
    """
    posted = _keep_comment(repo, number, mark, body, create=True)
    assert posted is not None  # created when there was none
    return posted


def edit_comment(repo: Repository, number: int, mark: str, body: str) -> PostedComment | None:
    """Edit our marked comment on `number` to `body` if there is one (never create it): None
    when there is none; raise CommentError."""
    return _keep_comment(repo, number, mark, body, create=False)


def _keep_comment(repo: Repository, number: int, mark: str, body: str, *,
                  create: bool) -> PostedComment | None:
    text = truncate(body if mark in body else f"{mark}\n{body}", ISSUE_BODY_LIMIT, _CUT)
    doing = f"read the comments of pull request #{number}"
    try:
        found = find_comment(repo, number, mark)
        if found is not None:
            doing = f"edit our comment on pull request #{number}"
            _edit(found, text)
            return PostedComment(found.id, found.html_url, created=False)
        if not create:
            return None
        doing = f"comment on pull request #{number}"
        posted = _create(repo, number, mark, text)
    except Exception as exc:
        raise CommentError(explain_comment_error(exc, doing)) from exc
    return PostedComment(posted.id, posted.html_url, created=True)


def _edit(comment: IssueComment, text: str) -> None:
    if comment.body == text:
        return  # nothing changed: no write, no request
    # The same edit twice is harmless, so one without an answer may simply be sent again.
    create_once(lambda: retry_rate_limited(lambda: comment.edit(text)), lambda: None)


def _create(repo: Repository, number: int, mark: str, text: str) -> IssueComment:
    issue = repo.get_issue(number)  # lazy: no request of its own
    return create_once(lambda: retry_rate_limited(lambda: issue.create_comment(text)),
                       lambda: find_comment(repo, number, mark))


def explain_comment_error(exc: BaseException, doing: str) -> Message:
    """One line for a failed comment request: permissions, a missing pull request; a bad token
    (401) and a locked conversation are named by `explain`."""
    if isinstance(exc, GithubException):
        message = str(exc.data.get("message", "")) if isinstance(exc.data, dict) else ""
        if exc.status == 404:
            return Message("Could not {}: not found (404). The pull request may not exist in "
                           "this repository, or the token cannot see it.", doing)
        if exc.status == 403 and not any(w in message.lower() for w in ("rate limit", "locked")):
            return Message(f"Could not {{}}: GitHub answered {exc.status} ({{}}). The token "
                           f"needs {spelled(COMMENT)}: add them under `permissions:`. Pull "
                           "requests from forks always get a read-only token.", doing,
                           message or "Forbidden")
    return explain(exc, doing)
