"""Issues and labels: found through the issues list API (never search), created once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from itertools import islice

from github import GithubException
from github.GithubObject import NotSet
from github.Issue import Issue
from github.Repository import Repository

from ci_toolkit.github.client import PER_PAGE, retry_rate_limited

DEFAULT_LABEL_COLOR = "ededed"


def open_issues(repo: Repository, labels: Sequence[str] = ()) -> list[Issue]:
    """Every open issue (all pages, oldest first), pull requests left out.

    The list API reads our own writes at once; search lags and allows 30 requests a minute.
    """
    # An empty `labels=` is left out: GitHub's description does not say what it means.
    found = repo.get_issues(state="open", labels=list(labels) if labels else NotSet,
                            sort="created", direction="asc")
    # `issue.pull_request` would cost one GET per issue (PyGithub completes absent attributes).
    return [issue for issue in found if "/pull/" not in issue.html_url]


def recently_updated(repo: Repository, count: int = PER_PAGE) -> list[Issue]:
    """The `count` most recently updated open issues (one request for up to 100)."""
    found = repo.get_issues(state="open", sort="updated", direction="desc")
    return [issue for issue in islice(found, count) if "/pull/" not in issue.html_url]


def with_marker(issues: Iterable[Issue], mark: str) -> list[Issue]:
    """The issues whose body carries `mark`, lowest number first."""
    return sorted((i for i in issues if mark in (i.body or "")), key=lambda i: i.number)


class MissingLabels(Exception):
    """Labels that do not exist and may not be created."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"labels that do not exist: {', '.join(names)}")
        self.names = names


def ensure_labels(repo: Repository, names: Iterable[str], *, create: bool = True) -> list[str]:
    """Make sure every label exists; return the ones created.

    One listing (all pages) instead of one request per label; a label created meanwhile by
    someone else (422 `already_exists`) is fine; a rate-limit answer is waited out and the
    create tried again.
    """
    missing = missing_labels(repo, names)
    if missing and not create:
        raise MissingLabels(missing)
    return create_labels(repo, missing)


def missing_labels(repo: Repository, names: Iterable[str]) -> list[str]:
    """The names no label has yet (GitHub compares them without case): one listing, no write."""
    wanted = list(dict.fromkeys(n for n in names if n))
    if not wanted:
        return []
    existing = {label.name.lower() for label in repo.get_labels()}
    return [name for name in wanted if name.lower() not in existing]


def create_labels(repo: Repository, names: Iterable[str]) -> list[str]:
    """Create each label (in the default colour); the ones created. One made meanwhile by
    someone else is fine."""
    created = []
    for name in names:
        try:
            retry_rate_limited(partial(repo.create_label, name=name, color=DEFAULT_LABEL_COLOR))
            created.append(name)
        except GithubException as exc:
            if not _already_exists(exc):
                raise
    return created


def _already_exists(exc: GithubException) -> bool:
    errors = exc.data.get("errors") if isinstance(exc.data, dict) else None
    return exc.status == 422 and any(
        isinstance(e, dict) and e.get("code") == "already_exists" for e in errors or [])
