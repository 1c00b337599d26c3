"""bulk-issues' GitHub side: every read and write, and the only module of the action that
imports PyGithub (the command imports it once the spec is known to be good).

Built from the client, the repository's name and a warn callback. It hands back plain data
(`plan.Existing`) and raises typed errors: `Stop` when nothing (more) can be done, `WriteFailed`
when one write failed (`fatal`: every following write would fail the same way).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from github import GithubException
from github.GithubException import RateLimitExceededExceedsMaxWait
from github.Issue import Issue

from ci_toolkit.bulk_issues.plan import KIND, Existing, Found, Planned
from ci_toolkit.bulk_issues.spec import COPILOT, PlannedIssue
from ci_toolkit.github.client import (
    ERRORS,
    RemoteBase,
    WaitBudgetExceeded,
    create_once,
    explain,
    graphql,
    retry_rate_limited,
)
from ci_toolkit.github.issues import create_labels, missing_labels, open_issues
from ci_toolkit.github.permissions import Permission
from ci_toolkit.markdown import Message, MessageError, Text, marker

PERMISSION = Permission.ISSUES_WRITE
READ = Permission.ISSUES_READ
RATE_LIMIT_TRIES = 5
TYPES_NEED = ("`Type:` lines need a token that may read the organization's issue types: the "
              "organization permission \"Issue Types\" (read) of a fine-grained token or a "
              "GitHub App, or the `read:org` scope of a classic token.")
SUGGESTED = ("query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) "
             "{ suggestedActors(capabilities: [CAN_BE_ASSIGNED], first: 100) "
             "{ nodes { login } } } }")


class Stop(MessageError):
    """Nothing (more) can be done: the message says why."""


class WriteFailed(MessageError):
    """One write failed; the message says why. `fatal`: the cause will fail every following
    write too."""

    def __init__(self, message: Text, fatal: bool) -> None:
        super().__init__(message)
        self.fatal = fatal


class Remote(RemoteBase):
    """One repository, reached with the step's token."""

    # --- reads

    def open_issues(self) -> list[Existing]:
        try:
            return [_plain(issue) for issue in open_issues(self.repo)]
        except ERRORS as exc:
            raise Stop(explain(exc, "list the open issues", READ).then(
                " Nothing was created: without that list a create could duplicate an "
                "issue.")) from None

    def for_plan(self) -> tuple[list[Existing], set[str]]:
        """The open issues and the labels' names (lower case), for a dry run."""
        try:
            issues = [_plain(issue) for issue in open_issues(self.repo)]
            return issues, {label.name.lower() for label in self.repo.get_labels()}
        except ERRORS as exc:
            raise Stop(explain(exc, "read the open issues and labels", READ)) from None

    def find(self, specs: Sequence[PlannedIssue]) -> Found:
        """Every milestone, assignee and numbered parent the spec names, as GitHub has them."""
        found = Found()
        try:
            if any(spec.milestone for spec in specs):
                listed = sorted(self.repo.get_milestones(state="all"),
                                key=lambda m: m.state != "open")
                for milestone in listed:  # an open one first where titles repeat
                    found.milestones.setdefault(milestone.title, milestone.number)
            logins = dict.fromkeys(login for spec in specs for login in spec.assignees)
            # GET /repos/{o}/{r}/assignees/{login}: 204 when they can be assigned, else 404
            found.assignable = {login: self._copilot() if login == COPILOT
                                else self.repo.has_in_assignees(login) for login in logins}
            for number in dict.fromkeys(s.parent for s in specs if isinstance(s.parent, int)):
                if (issue := self._issue_or_none(number)) is not None:
                    found.parents[number] = issue
        except ERRORS as exc:
            raise Stop(explain(exc, "read the milestones, assignees and parent issues the spec "
                                    "names", READ).then(" Nothing was created.")) from None
        if any(spec.type for spec in specs):
            self._types(found)
        return found

    def _types(self, found: Found) -> None:
        """The owner's kind and, for an organization, its enabled issue types."""
        found.owner = self.full_name.split("/")[0]
        try:
            found.organization = self.repo.owner.type == "Organization"  # one GET of the repo
            if not found.organization:
                return
            # GET /orgs/{org}/issue-types (docs.github.com/rest/orgs/issue-types)
            _, listed = self.gh.requester.requestJsonAndCheck(
                "GET", f"/orgs/{found.owner}/issue-types")
        except ERRORS as exc:
            raise Stop(explain(exc, f"list the issue types of {found.owner}").then(
                " " + TYPES_NEED + " Nothing was created.")) from None
        found.types = tuple(str(t["name"]) for t in listed or []
                            if isinstance(t, dict) and t.get("is_enabled", True) is not False)

    def _copilot(self) -> bool:
        """Whether the Copilot coding agent can be assigned here: GitHub's documented check is
        the repository's `suggestedActors` (GraphQL) holding `copilot-swe-agent`."""
        owner, name = self.full_name.split("/", 1)
        data = graphql(self.gh.requester, "suggestedActors", SUGGESTED,
                       {"owner": owner, "name": name})
        nodes = ((data.get("repository") or {}).get("suggestedActors") or {}).get("nodes") or []
        return any(str(node.get("login")) == "copilot-swe-agent" for node in nodes)

    def _issue_or_none(self, number: int) -> Existing | None:
        """Issue `number` (read now), or None when there is none (or it is a pull request)."""
        try:
            issue = self.repo.get_issue(number)
            data = issue.raw_data  # completes the lazy object: one GET
        except GithubException as exc:
            if exc.status in (404, 410):
                return None
            raise
        return None if "pull_request" in data else _plain(issue)

    # --- writes

    def missing_labels(self, names: Iterable[str], create: bool) -> list[str]:
        """The labels to create (a read only); Stop when some are missing and may not be."""
        try:
            missing = missing_labels(self.repo, names)
        except ERRORS as exc:
            raise Stop(explain(exc, "list the labels", READ).then(
                " Nothing was created.")) from None
        if missing and not create:
            raise Stop(Message("These labels do not exist: {}. Create them, or set "
                               "`create-labels: true`. Nothing was created.",
                               ", ".join(missing)))
        return missing

    def create_labels(self, names: Sequence[str]) -> list[str]:
        try:
            return create_labels(self.repo, names)
        except ERRORS as exc:
            raise Stop(explain(exc, "create the missing labels", PERMISSION).then(
                " Nothing was created.")) from None

    def create(self, item: Planned, found: Found, known: set[int]) -> Existing:
        """Create the issue once: a create without an answer is looked for before a retry."""
        spec = item.spec
        payload: dict[str, Any] = {"title": item.title, "body": item.body,
                                   "labels": list(item.labels)}
        if spec.assignees:
            payload["assignees"] = list(spec.assignees)
        if spec.milestone:
            payload["milestone"] = found.milestones[spec.milestone]
        if spec.type:
            payload["type"] = spec.type  # POST .../issues takes the type's name
        try:
            return create_once(
                lambda: retry_rate_limited(lambda: self._send("POST", "/issues", payload),
                                           RATE_LIMIT_TRIES),
                lambda: self._find_created(item.title, known))
        except ERRORS as exc:
            raise _failed(exc, f"create issue {item.title!r}") from None

    def update(self, issue: Existing, item: Planned, labels: list[str]) -> Existing:
        payload: dict[str, Any] = {"body": item.body, "labels": labels}
        if item.spec.type:
            payload["type"] = item.spec.type
        try:
            return retry_rate_limited(
                lambda: self._send("PATCH", f"/issues/{issue.number}", payload),
                RATE_LIMIT_TRIES)
        except ERRORS as exc:
            raise _failed(exc, f"update issue {item.title!r}") from None

    def link(self, parent: int, child: Existing) -> None:
        """Make `child` a sub-issue of issue `parent` (POST .../sub_issues takes its id)."""
        issue = self.repo.get_issue(parent)  # lazy: no request
        try:
            create_once(lambda: retry_rate_limited(lambda: issue.add_sub_issue(child.id),
                                                   RATE_LIMIT_TRIES),
                        lambda: _linked(issue, child))
        except ERRORS as exc:
            raise _failed(exc, f"make #{child.number} a sub-issue of #{parent}") from None

    def _send(self, verb: str, path: str, payload: dict[str, Any]) -> Existing:
        _, data = self.gh.requester.requestJsonAndCheck(verb, self.repo.url + path,
                                                        input=payload)
        return _from_json(data)

    def _find_created(self, title: str, known: set[int]) -> Existing | None:
        """After a create without an answer: the marked issue that was not there before."""
        mark = marker(KIND, title)
        fresh = [issue for issue in open_issues(self.repo)
                 if mark in (issue.body or "") and issue.number not in known]
        return _plain(min(fresh, key=lambda issue: issue.number)) if fresh else None


def _plain(issue: Issue) -> Existing:
    """A listed issue as plain data, from what the listing gave (no further request)."""
    return Existing(number=issue.number, title=issue.title or "", body=issue.body or "",
                    labels=tuple(label.name for label in issue.labels), url=issue.html_url,
                    id=issue.id, parent_url=issue.parent_issue_url or "",
                    type=issue.type.name if issue.type else "")


def _from_json(data: dict[str, Any]) -> Existing:
    """GitHub's answer to a create or an update, as plain data."""
    return Existing(number=int(data["number"]), title=str(data.get("title") or ""),
                    body=str(data.get("body") or ""),
                    labels=tuple(str(label["name"]) for label in data.get("labels") or []),
                    url=str(data.get("html_url") or ""), id=int(data.get("id") or 0),
                    parent_url=str(data.get("parent_issue_url") or ""),
                    type=str((data.get("type") or {}).get("name") or ""))


def _linked(parent: Issue, child: Existing) -> object | None:
    """After a link request without an answer: whether the child is now among the parent's."""
    return next((s for s in parent.get_sub_issues() if s.id == child.id), None)


def _failed(exc: BaseException, doing: str) -> WriteFailed:
    return WriteFailed(explain(exc, doing, PERMISSION), _fatal(exc))


def _fatal(exc: BaseException) -> bool:
    """Failures that every following write would meet as well."""
    if isinstance(exc, (WaitBudgetExceeded, RateLimitExceededExceedsMaxWait)):
        return True
    return isinstance(exc, GithubException) and exc.status in (401, 403, 404, 410)
