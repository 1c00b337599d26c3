"""The ONE tracking issue: found by its hidden marker and label, created once, kept unique.

Found through the issues list API (search lags behind writes and allows 30 requests a minute).
No API call creates atomically, so after creating, the issues are listed again: the lowest
numbered marked issue is kept and any other is closed with a link to it. Of two racing runs,
the one that created the higher number always sees the lower one (issue numbers follow creation
order, and it lists after its own create), so exactly one issue stays open.

A duplicate is only an issue this action made: the marker, the tracking title and the kept
issue's author (the token's identity). A person's issue that carries a copy of the marker (the
tracking issue's text pasted into a follow-up) is left open, however it looks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from github import GithubException
from github.Issue import Issue
from github.IssueComment import IssueComment
from github.Repository import Repository

from ci_toolkit.github.client import create_once, explain, retry_rate_limited
from ci_toolkit.github.issues import ensure_labels, open_issues, recently_updated, with_marker
from ci_toolkit.github.permissions import Permission
from ci_toolkit.runtime import Warn

WRITE = Permission.ISSUES_WRITE


@dataclass
class Tracking:
    issue: Issue
    created: bool = False
    closed: list[int] = field(default_factory=list)  # duplicates this run closed


def find(repo: Repository, mark: str, label: str) -> list[Issue]:
    """Open issues carrying `mark`, lowest number first.

    The labelled list is one request in the usual case. When it finds nothing (the label was
    removed by hand or could not be set, or there is none), the 100 most recently updated open
    issues are read — one request, where every open issue of a big repository was 50: every
    run comments on the tracking issue, which keeps it among them.
    """
    if label:
        found = with_marker(open_issues(repo, [label]), mark)
        if found:
            return found
    return with_marker(recently_updated(repo), mark)


def keeper(found: list[Issue], title: str, author: str | None = None) -> tuple[Issue, list[Issue]]:
    """The issue to keep of the marked ones (lowest number first), and the duplicates to close.

    Only issues with the tracking title are candidates (any marked one when none has it); of
    those, the kept issue is the first made by `author` (the token's identity, when known), and
    a duplicate has the kept issue's author too.
    """
    titled = [issue for issue in found if issue.title == title] or found
    kept = next((i for i in titled if author is None or _author(i) == author), titled[0])
    return kept, [i for i in titled if i is not kept and _author(i) == _author(kept)]


def _author(issue: Issue) -> str:
    return str(issue.user.login).lower() if issue.user else ""


def ensure(repo: Repository, *, title: str, label: str, mark: str, body: str,
           warn: Warn) -> Tracking:
    """The tracking issue, created with `body` (which must carry `mark`) when there is none."""
    found = find(repo, mark, label)
    if found:
        kept, duplicates = keeper(found, title)
        return Tracking(kept, closed=close_duplicates(kept, duplicates, warn))
    _ensure_label(repo, label, warn)

    def look() -> Issue | None:
        again = find(repo, mark, label)
        return again[0] if again else None

    issue = create_once(
        lambda: retry_rate_limited(lambda: _create(repo, title, body, label, warn)), look)
    after = find(repo, mark, label)
    everyone = sorted({i.number: i for i in [*after, issue]}.values(), key=lambda i: i.number)
    kept, duplicates = keeper(everyone, title, _author(issue))  # our identity: we made `issue`
    return Tracking(kept, created=kept.number == issue.number,
                    closed=close_duplicates(kept, duplicates, warn))


def _ensure_label(repo: Repository, label: str, warn: Warn) -> None:
    """Make sure the label exists; a refusal is a warning, not the end."""
    if not label:
        return
    try:
        ensure_labels(repo, [label])
    except GithubException as exc:
        warn(explain(exc, f"create the label '{label}'", WRITE).then(" Carrying on without it."))


def _create(repo: Repository, title: str, body: str, label: str, warn: Warn) -> Issue:
    """Create the issue with its label; should GitHub refuse the label (422), without it."""
    try:
        return repo.create_issue(title=title, body=body, labels=[label] if label else [])
    except GithubException as exc:
        if exc.status != 422 or not label:
            raise
        warn(explain(exc, f"label the tracking issue '{label}'").then(" It is created without it."))
        return repo.create_issue(title=title, body=body)


def close_duplicates(keeper: Issue, others: list[Issue], warn: Warn) -> list[int]:
    """Close every other marked issue with a comment pointing at the one kept."""
    closed = []
    for other in others:
        try:
            _close(keeper, other)
            closed.append(other.number)
        except GithubException as exc:
            warn(explain(exc, f"close the duplicate tracking issue #{other.number}", WRITE))
    return closed


def _close(keeper: Issue, other: Issue) -> None:
    note = (f"Closing in favour of #{keeper.number}, the one tracking issue of this soft gate "
            f"({keeper.html_url}). Two runs created an issue at the same time.")
    retry_rate_limited(lambda: other.create_comment(note))
    retry_rate_limited(lambda: other.edit(state="closed", state_reason="not_planned"))


def post_comment(issue: Issue, body: str, mark: str, since: datetime) -> IssueComment:
    """One comment per run: after a failure without an answer, look for it before retrying."""
    def look() -> IssueComment | None:
        return next((c for c in issue.get_comments(since=since) if mark in (c.body or "")), None)

    return create_once(lambda: retry_rate_limited(lambda: issue.create_comment(body)), look)


def replace_body(issue: Issue, body: str) -> None:
    """Replace the body; repeating the same edit is harmless, so it may be retried."""
    create_once(lambda: retry_rate_limited(lambda: issue.edit(body=body)), lambda: None)
