"""draft-toggle: when an issue gets the trigger label, open a branch and a pull request for it.

An operation: exit 1 when it could not be done, after saying what was done. Idempotent: a
second label event finds the branch and the open pull request again, and the command comment
is found again by its hidden marker, so nothing is created twice.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ci_toolkit.markdown import ISSUE_BODY_LIMIT, callout, code, escape, truncate
from ci_toolkit.runtime import Input, InputError, Runtime, parse_bool

if TYPE_CHECKING:
    from github.GithubException import GithubException
    from github.GitRef import GitRef
    from github.PullRequest import PullRequest
    from github.Repository import Repository

INPUTS = (
    Input("github-token", secret=True),
    Input("trigger-label", "agent:codex"),
    Input("draft", ""),
    Input("branch-prefix", "codex/issue-"),
    Input("command", ""),
)
SOFT = False
DRAFT_ENV = "CODEX_PR_DRAFT"
SETTING = ('Settings → Actions → General → Workflow permissions → "Allow GitHub Actions to '
           'create and approve pull requests"')
_BAD_REF = re.compile(r"[\s~^:?*\[\\\x00-\x1f\x7f]|\.\.|@\{|//|^[/.-]|/\.|\.lock(/|$)")


class Skip(Exception):
    """Nothing to do for a reason the user should see (a closed issue)."""


class Failed(Exception):
    """The operation could not be completed; the message says why and what to change."""


@dataclass(frozen=True)
class Settings:
    label: str
    draft: bool
    prefix: str
    command: str


@dataclass
class Outcome:
    """What this run did, for the outputs, the log and the summary."""

    branch: str = ""
    draft: bool = False
    operation: str = ""
    pr: PullRequest | None = None
    done: list[str] = field(default_factory=list)
    doing: str = "read the issue"  # the step under way, for the error message
    permission: str = "issues: read"

    def step(self, doing: str, permission: str) -> None:
        self.doing, self.permission = doing, permission


def run(rt: Runtime) -> int:
    settings = read_settings(rt)
    number, why = labelled_issue(rt, settings.label)
    if number is None:
        return skipped(rt, Outcome(draft=settings.draft), why)
    outcome = Outcome(branch=f"{settings.prefix}{number}", draft=settings.draft)
    try:
        Kickoff(rt, settings, number, outcome).run()
    except Skip as why_not:
        return skipped(rt, outcome, str(why_not), warn=True)
    except Exception as exc:
        from ci_toolkit.github import explain

        message = str(exc) if isinstance(exc, Failed) else explain(exc, outcome.doing,
                                                                   outcome.permission)
        finish(rt, outcome, failed=message)  # first say what was done, then why it stopped
        rt.log.error(message)
        return 1
    finish(rt, outcome)
    return 0


# --- inputs and the event


def read_settings(rt: Runtime) -> Settings:
    label = rt.inputs.text("trigger-label")
    if not label:
        raise InputError("trigger-label", "must name the label that starts the agent")
    prefix = rt.inputs.text("branch-prefix")
    if _BAD_REF.search(f"{prefix}1"):
        raise InputError("branch-prefix", f"{prefix!r} does not make a valid branch name")
    return Settings(label, resolve_draft(rt), prefix, rt.inputs.raw("command").strip())


def resolve_draft(rt: Runtime) -> bool:
    """The `draft` input (strict), else CODEX_PR_DRAFT (lenient: a warning), else false."""
    given = rt.inputs.text("draft")
    if given:
        return parse_bool("draft", given)
    variable = rt.context.env.get(DRAFT_ENV, "").strip()
    if not variable:
        return False
    try:
        return parse_bool(DRAFT_ENV, variable)
    except InputError:
        rt.log.warning(f"{DRAFT_ENV}={variable!r} is not true/false/1/0/yes/no; "
                       "opening a ready (non-draft) pull request.")
        return False


def labelled_issue(rt: Runtime, label: str) -> tuple[int | None, str]:
    """The issue number when this is an `issues` `labeled` event for `label`; else why not."""
    event, name = rt.context.event, rt.context.event_name
    if name != "issues" or event.get("action") != "labeled":
        return None, f"not an issues/labeled event ({name or 'no event'}/{event.get('action')})"
    added = str((event.get("label") or {}).get("name") or "")
    if added.casefold() != label.casefold():
        return None, f"the label added is {added!r}, not {label!r}"
    issue = event.get("issue") or {}
    if "pull_request" in issue:
        return None, "the labelled item is a pull request, not an issue"
    number = issue.get("number")
    if not isinstance(number, int):
        return None, "the event payload names no issue"
    return number, ""


# --- the operation


class Kickoff:
    """Branch, bootstrap commit, pull request and command comment, each found before made."""

    def __init__(self, rt: Runtime, settings: Settings, number: int, outcome: Outcome) -> None:
        self.rt, self.settings, self.number, self.out = rt, settings, number, outcome
        self.repo: Repository
        self.title = ""
        self.base = ""

    def run(self) -> None:
        from ci_toolkit.github import connect_repository

        self.out.step(f"read issue #{self.number}", "issues: read")
        self.repo = connect_repository(self.rt)
        issue = self.repo.get_issue(self.number)
        if issue.state != "open":
            raise Skip(f"issue #{self.number} is {issue.state}; nothing was opened for it")
        self.title = issue.title
        self.base = self.rt.context.default_branch or self.repo.default_branch
        self.out.step("look for an open pull request", "pull-requests: read")
        self.out.pr = self.find_pull()
        if self.out.pr is not None:
            self.out.operation, self.out.draft = "reused", bool(self.out.pr.draft)
            self.out.done.append(f"found the open pull request #{self.out.pr.number}")
        else:
            self.out.step(f"create the branch {self.out.branch!r}", "contents: write")
            self.ensure_branch()
            self.out.step("open the pull request", "pull-requests: write")
            self.out.pr = self.open_pull()
            self.out.operation = "created"
        self.post_command(self.out.pr)

    # branch

    def ensure_branch(self) -> None:
        base_sha = self.ref_sha(self.base)
        if base_sha is None:
            raise Failed(f"the default branch {self.base!r} was not found")
        head = self.ref(self.out.branch)
        if head is None:
            self.create_branch(base_sha)
        elif head.object.sha == base_sha:  # a PR needs a commit its base lacks
            head.edit(self.bootstrap(base_sha))  # a fast-forward: never forced
            self.out.done.append(f"added an empty bootstrap commit to `{self.out.branch}`")
        else:
            self.out.done.append(f"found the branch `{self.out.branch}`")

    def ref(self, branch: str) -> GitRef | None:
        """The branch's ref, read now (a lazy ref would PATCH the wrong URL), or None."""
        from github import GithubException

        found = self.repo.get_git_ref(f"heads/{branch}")
        try:
            found.object  # noqa: B018 - completes the lazy object: one GET
        except GithubException as exc:
            if exc.status == 404:
                return None
            raise
        return found

    def ref_sha(self, branch: str) -> str | None:
        found = self.ref(branch)
        return str(found.object.sha) if found else None

    def create_branch(self, base_sha: str) -> None:
        from ci_toolkit.github import create_once

        # A ref made at the base head has no commit the base lacks: commit first, then point
        # the new ref at that commit.
        commit = self.bootstrap(base_sha)
        ref = f"refs/heads/{self.out.branch}"

        def made() -> GitRef | None:
            found = self.ref(self.out.branch)
            return found if found and found.object.sha == commit else None

        create_once(lambda: self.repo.create_git_ref(ref, commit), made)
        self.out.done.append(f"created the branch `{self.out.branch}` from `{self.base}` with "
                             "an empty bootstrap commit")

    def bootstrap(self, parent_sha: str) -> str:
        """An empty commit (the parent's tree) on top of `parent_sha`, through the Git Data API."""
        parent = self.repo.get_git_commit(parent_sha)
        message = (f"Start work on #{self.number}: {self.title}"[:72] +
                   f"\n\nEmpty commit so that a pull request can be opened for issue "
                   f"#{self.number} (ci-toolkit draft-toggle).")
        return str(self.repo.create_git_commit(message, parent.tree, [parent]).sha)

    # pull request

    def find_pull(self) -> PullRequest | None:
        owner = self.rt.context.repository.split("/")[0]
        pulls = self.repo.get_pulls(state="open", head=f"{owner}:{self.out.branch}")
        return next(iter(pulls), None)

    def open_pull(self) -> PullRequest:
        from github import GithubException

        try:
            return self.create_pull(self.out.draft)
        except GithubException as exc:
            if _says(exc, "not permitted to create or approve pull requests"):
                raise Failed(f"GitHub Actions may not create pull requests in "
                             f"{self.rt.context.repository}: allow it under {SETTING} (or use "
                             f"a GitHub App token).") from exc
            if exc.status == 422 and _says(exc, "no commits between"):
                return self.after_bootstrap()
            if not (self.out.draft and exc.status == 422 and _says(exc, "draft pull requests")):
                raise
        self.rt.log.warning("Draft pull requests are not supported in this repository; "
                            "opening a ready pull request instead.")
        self.out.draft = False
        return self.create_pull(False)

    def after_bootstrap(self) -> PullRequest:
        """The branch holds nothing its base lacks (e.g. made earlier at an older base head)."""
        head = self.ref(self.out.branch)
        if head is None:
            raise Failed(f"the branch {self.out.branch!r} disappeared while opening the PR")
        head.edit(self.bootstrap(head.object.sha))
        self.out.done.append(f"added an empty bootstrap commit to `{self.out.branch}`")
        return self.create_pull(self.out.draft)

    def create_pull(self, draft: bool) -> PullRequest:
        from ci_toolkit.github import create_once

        body = (f"Closes #{self.number}\n\nOpened for #{self.number} "
                f"({escape(self.title)}) by ci-toolkit draft-toggle when the "
                f"{code(self.settings.label, in_table=False)} label was added.")
        pull = create_once(lambda: self.repo.create_pull(
            self.base, self.out.branch, title=self.title[:256] or f"Issue #{self.number}",
            body=body, draft=draft), self.find_pull)
        self.out.done.append(f"opened {'draft ' if pull.draft else ''}pull request #{pull.number}")
        return pull

    # command comment

    def post_command(self, pull: PullRequest) -> None:
        from ci_toolkit.github import create_once
        from ci_toolkit.github.issues import marker

        if not self.settings.command:
            return
        self.out.step(f"post the command on #{pull.number}", "issues: write")
        mark = marker("draft-toggle-command", str(self.number))

        def find() -> Any:
            return next((c for c in pull.get_issue_comments() if mark in (c.body or "")), None)

        # A pull request opened seconds ago by this run has no comments: no read to find one.
        if self.out.operation != "created" and find() is not None:
            self.out.done.append("the command was already posted")
            return
        text = self.settings.command.replace("{issue}", str(self.number)).replace(
            "{pr}", str(pull.number))
        body = truncate(text, ISSUE_BODY_LIMIT - len(mark) - 2,
                        "The command was cut to GitHub's comment size limit.") + "\n\n" + mark
        create_once(lambda: pull.create_issue_comment(body), find)
        self.out.done.append(f"posted the command on #{pull.number}")


def _says(exc: GithubException, text: str) -> bool:
    """Whether GitHub's answer mentions `text`, at the top level or in `errors`."""
    return text.lower() in json.dumps(exc.data).lower()


# --- outputs


def skipped(rt: Runtime, outcome: Outcome, why: str, *, warn: bool = False) -> int:
    outcome.operation = "skipped"
    (rt.log.warning if warn else rt.log.info)(f"draft-toggle skipped: {why}.")
    finish(rt, outcome)
    return 0


def finish(rt: Runtime, outcome: Outcome, failed: str = "") -> None:
    pr = outcome.pr
    rt.outputs.set("pr-number", pr.number if pr else "")
    rt.outputs.set("pr-url", pr.html_url if pr else "")
    rt.outputs.set("branch", outcome.branch)
    rt.outputs.set("draft", "true" if outcome.draft else "false")
    rt.outputs.set("operation", outcome.operation)
    for step in outcome.done:
        rt.log.info(f"draft-toggle: {step}")
    if outcome.operation == "skipped":
        return
    lines = [f"- {step}" for step in outcome.done] or ["- nothing was done"]
    if failed:
        lines.append("\n" + callout("caution", escape(failed)))
    rt.summary.write("### draft-toggle\n\n" + "\n".join(lines))
