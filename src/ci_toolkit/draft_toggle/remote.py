"""draft-toggle's GitHub side: the kick-off (branch, bootstrap commit, pull request, labels,
reviewers, command comment, each found before it is made) and the draft state of an agent's
pull request (GraphQL: REST cannot change it).

The decisions are `ci_toolkit.draft_toggle.decision`; this module only reads and writes. It is
built from the client, the repository's name and a warn callback (with the GraphQL URL and the
default branch as plain values), and raises only `Skipped` and `Failed`: every error of GitHub's
is turned into `Failed`, explained with the step under way and the permission it needs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Self

from github import Github, GithubException
from github.GitRef import GitRef
from github.PullRequest import PullRequest
from github.Repository import Repository

from ci_toolkit.draft_toggle.decision import (
    COPILOT_ASSIGNEE,
    COPILOT_LOGINS,
    Operation,
    Options,
    Outcome,
    command_text,
    is_listed,
    missing,
    toggle_operation,
)
from ci_toolkit.github.client import (
    ERRORS,
    GraphQLError,
    RemoteBase,
    connect,
    create_once,
    explain,
    graphql,
)
from ci_toolkit.github.permissions import DRAFT_STATE, Permission
from ci_toolkit.markdown import ISSUE_BODY_LIMIT, MessageError, code, escape, marker, truncate
from ci_toolkit.runtime import Warn

SETTING = ('Settings → Actions → General → Workflow permissions → "Allow GitHub Actions to '
           'create and approve pull requests"')
COPILOT_SETTING = ("the Copilot coding agent is not enabled for this repository, or the token's "
                   "user cannot use it: enable it under the repository's Settings → Copilot → "
                   "Coding agent (and the organization's Copilot policies), for a user whose "
                   "Copilot plan includes it.")
MUTATIONS = {True: "convertPullRequestToDraft", False: "markPullRequestReadyForReview"}


class Skipped(Exception):
    """Nothing to do for a reason the user should see (a closed issue or pull request)."""


class Failed(MessageError):
    """The operation could not be completed; the message says why and what to change."""


@dataclass
class Remote(RemoteBase):
    """One repository, reached with the step's token; with the GraphQL URL and default branch
    as plain values, and `agent`, a client with a person's token (it assigns Copilot)."""

    graphql_url: str = ""
    default_branch: str = ""
    agent: Github | None = None

    @classmethod
    def connect(cls, token: str, api_url: str, full_name: str, warn: Warn, *,
                graphql_url: str = "", default_branch: str = "",
                agent_token: str = "") -> Self:
        agent = connect(agent_token, api_url) if agent_token else None
        return cls(connect(token, api_url), full_name, warn, graphql_url=graphql_url,
                   default_branch=default_branch, agent=agent)

    def assign_copilot(self, number: int, instructions: str, outcome: Outcome) -> None:
        """Assign issue `number` to the Copilot coding agent, once, with the default branch as
        its base and `instructions` (`{issue}` replaced) as its custom instructions."""
        with explained(outcome):
            self._assign_copilot(number, instructions, outcome)

    def kickoff(self, options: Options, issue: int, outcome: Outcome) -> None:
        """The branch and pull request for `issue`, with its labels, reviewers and command."""
        with explained(outcome):
            Kickoff(self, options, issue, outcome).run()

    def toggle(self, number: int, draft: bool, outcome: Outcome) -> None:
        """Set pull request `number`'s draft state to `draft`: one GET, and a mutation if
        needed."""
        with explained(outcome):
            self._toggle(number, draft, outcome)

    # --- agents' own pull requests

    def _toggle(self, number: int, draft: bool, outcome: Outcome) -> None:
        outcome.step(f"read pull request #{number}", Permission.PULL_REQUESTS_READ)
        pull = self.repo.get_pull(number)  # now, not the payload: it may be stale
        found(outcome, pull)
        outcome.branch = pull.head.ref
        if pull.state != "open":
            raise Skipped(f"pull request #{number} is {pull.state}; its draft state was left")
        operation = toggle_operation(bool(pull.draft), draft)
        outcome.operation = operation
        if operation is Operation.UNCHANGED:
            outcome.done.append(f"pull request #{number} is already "
                                f"{'a draft' if draft else 'ready for review'}")
            return
        doing = "turn pull request #{n} into a draft" if draft else \
            "mark pull request #{n} ready for review"
        outcome.step(doing.format(n=number), DRAFT_STATE)
        try:
            outcome.draft = self.set_draft(pull, MUTATIONS[draft])
        except GraphQLError as exc:
            if not (draft and _no_drafts(exc)):
                raise
            self.warn(f"Pull request #{number} cannot be made a draft in {self.full_name}: "
                      "draft pull requests need a public repository, or GitHub Team or "
                      f"Enterprise for a private one ({exc}). It stays ready for review.")
            outcome.operation = Operation.UNCHANGED
            outcome.done.append(f"left pull request #{number} ready for review: drafts are "
                                "not available here")
            return
        outcome.done.append(f"{'turned' if draft else 'marked'} pull request #{number} "
                            f"{'into a draft' if draft else 'ready for review'}")

    def set_draft(self, pull: PullRequest, mutation: str) -> bool:
        """Run `mutation` on the pull request; the draft state GitHub answers with."""
        query = (f"mutation($input: {mutation[0].upper()}{mutation[1:]}Input!) "
                 f"{{ {mutation}(input: $input) {{ pullRequest {{ number isDraft }} }} }}")
        data = graphql(pull.requester, mutation, query,
                       {"input": {"pullRequestId": pull.node_id}}, url=self.graphql_url)
        answer = (data.get(mutation) or {}).get("pullRequest") or {}
        return bool(answer.get("isDraft"))


    # --- the Copilot coding agent

    def _assign_copilot(self, number: int, instructions: str, outcome: Outcome) -> None:
        outcome.step(f"read issue #{number}", Permission.ISSUES_READ)
        issue = self.repo.get_issue(number)
        if issue.state != "open":
            raise Skipped(f"issue #{number} is {issue.state}; Copilot was not assigned")
        if any(is_listed(user.login, COPILOT_LOGINS) for user in issue.assignees):
            outcome.operation = Operation.UNCHANGED
            outcome.done.append(f"issue #{number} is already assigned to Copilot")
            return
        assert self.agent is not None  # read_options asked for a person's token
        base = self.default_branch or self.repo.default_branch
        assignment = {"target_repo": self.full_name, "base_branch": base}
        if instructions:
            assignment["custom_instructions"] = command_text(instructions, number)
        outcome.step(f"assign issue #{number} to Copilot", Permission.ISSUES_WRITE)
        # POST /repos/{owner}/{repo}/issues/{issue_number}/assignees with `agent_assignment`
        # (GitHub's changelog of 2025-12-03, "Assign issues to Copilot using the API")
        try:
            _, answer = self.agent.requester.requestJsonAndCheck(
                "POST", f"{self.repo.url}/issues/{number}/assignees",
                input={"assignees": [COPILOT_ASSIGNEE], "agent_assignment": assignment})
        except GithubException as exc:
            raise Failed(self._refused(exc, number, base)) from exc
        logins = [str(user.get("login")) for user in answer.get("assignees") or []]
        if not any(is_listed(login, COPILOT_LOGINS) for login in logins):
            raise Failed(f"GitHub answered, but Copilot is not among the assignees of #{number} "
                         f"({', '.join(logins) or 'none'}): {COPILOT_SETTING}")
        outcome.operation = Operation.ASSIGNED
        outcome.done.append(f"assigned issue #{number} to Copilot (base branch `{base}`"
                            f"{', with the instructions' if instructions else ''})")

    def _refused(self, exc: GithubException, number: int, base: str) -> str:
        """Why GitHub refused the assignment, and what to change."""
        said = f"GitHub refused to assign issue #{number} to Copilot ({exc.status}: " \
               f"{_said(exc)})"
        if exc.status in (401, 403):
            return (f"{said}. `agent-token` must be a person's token with read and write access "
                    "to actions, contents, issues and pull requests (fine-grained), or the "
                    "`repo` scope (classic), of a user with Copilot; an installation token "
                    "(GITHUB_TOKEN, a GitHub App's) cannot assign Copilot.")
        if exc.status == 404:
            return f"{said}. {COPILOT_SETTING}"
        if exc.status == 422:
            return (f"{said}. GitHub refused the assignment's values: the base branch {base!r} "
                    f"must exist in {self.full_name}.")
        return str(explain(exc, f"assign issue #{number} to Copilot", Permission.ISSUES_WRITE))


@contextmanager
def explained(outcome: Outcome) -> Iterator[None]:
    """GitHub's errors as `Failed`, naming the step under way and the permission it needs."""
    try:
        yield
    except ERRORS as exc:
        raise Failed(explain(exc, outcome.doing, outcome.permission)) from exc


def found(outcome: Outcome, pull: PullRequest) -> None:
    outcome.pr_number, outcome.pr_url, outcome.draft = pull.number, pull.html_url, bool(pull.draft)


# --- the kick-off


class Kickoff:
    """Branch, bootstrap commit, pull request, labels, reviewers and command comment."""

    def __init__(self, remote: Remote, options: Options, issue: int, outcome: Outcome) -> None:
        self.remote, self.want, self.issue, self.out = remote, options, issue, outcome
        self.repo: Repository = remote.repo
        self.title = ""
        self.base = ""

    def run(self) -> None:
        number = self.issue
        self.out.step(f"read issue #{number}", Permission.ISSUES_READ)
        issue = self.repo.get_issue(number)
        if issue.state != "open":
            raise Skipped(f"issue #{number} is {issue.state}; nothing was opened for it")
        self.title = issue.title
        self.base = self.remote.default_branch or self.repo.default_branch
        self.out.step("look for an open pull request", Permission.PULL_REQUESTS_READ)
        pull = self.find_pull()
        if pull is not None:
            self.out.operation = Operation.REUSED
            self.out.done.append(f"found the open pull request #{pull.number}")
        else:
            self.out.step(f"create the branch {self.out.branch!r}", Permission.CONTENTS_WRITE)
            self.ensure_branch()
            self.out.step("open the pull request", Permission.PULL_REQUESTS_WRITE)
            pull = self.open_pull()
            self.out.operation = Operation.CREATED
        found(self.out, pull)
        fresh = self.out.operation == Operation.CREATED  # nothing on it yet: nothing to read
        self.add_labels(pull, fresh)
        self.request_reviews(pull, fresh)
        self.post_command(pull, fresh)

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
        number = self.issue
        parent = self.repo.get_git_commit(parent_sha)
        message = (f"Start work on #{number}: {self.title}"[:72] +
                   f"\n\nEmpty commit so that a pull request can be opened for issue "
                   f"#{number} (ci-toolkit draft-toggle).")
        return str(self.repo.create_git_commit(message, parent.tree, [parent]).sha)

    # pull request

    def find_pull(self) -> PullRequest | None:
        owner = self.remote.full_name.split("/")[0]
        pulls = self.repo.get_pulls(state="open", head=f"{owner}:{self.out.branch}")
        return next(iter(pulls), None)

    def open_pull(self) -> PullRequest:
        try:
            return self.create_pull(self.want.draft.value)
        except GithubException as exc:
            if _says(exc, "not permitted to create or approve pull requests"):
                raise Failed(f"GitHub Actions may not create pull requests in "
                             f"{self.remote.full_name}: allow it under {SETTING} (or use "
                             f"a GitHub App token).") from exc
            if exc.status == 422 and _says(exc, "no commits between"):
                return self.after_bootstrap()
            unsupported = exc.status == 422 and _says(exc, "draft pull requests")
            if not (self.want.draft.value and unsupported):
                raise
        self.remote.warn("Draft pull requests are not supported in this repository; "
                            "opening a ready pull request instead.")
        return self.create_pull(False)

    def after_bootstrap(self) -> PullRequest:
        """The branch holds nothing its base lacks (e.g. made earlier at an older base head)."""
        head = self.ref(self.out.branch)
        if head is None:
            raise Failed(f"the branch {self.out.branch!r} disappeared while opening the PR")
        head.edit(self.bootstrap(head.object.sha))
        self.out.done.append(f"added an empty bootstrap commit to `{self.out.branch}`")
        return self.create_pull(self.want.draft.value)

    def create_pull(self, draft: bool) -> PullRequest:
        number = self.issue
        body = (f"Closes #{number}\n\nOpened for #{number} "
                f"({escape(self.title)}) by ci-toolkit draft-toggle when the "
                f"{code(self.want.label, in_table=False)} label was added.")
        pull = create_once(lambda: self.repo.create_pull(
            self.base, self.out.branch, title=self.title[:256] or f"Issue #{number}",
            body=body, draft=draft), self.find_pull)
        self.out.done.append(f"opened {'draft ' if pull.draft else ''}pull request #{pull.number}")
        return pull

    # labels, reviewers, the command comment: each added once

    def add_labels(self, pull: PullRequest, fresh: bool) -> None:
        wanted = missing(self.want.labels, [] if fresh else [lb.name for lb in pull.labels])
        if not wanted:
            return
        self.out.step(f"label #{pull.number}", Permission.PULL_REQUESTS_WRITE)
        # Adding a label that is already there changes nothing: a retry cannot duplicate.
        create_once(lambda: pull.add_to_labels(*wanted), lambda: None)
        self.out.done.append(f"labelled #{pull.number}: {', '.join(wanted)}")

    def request_reviews(self, pull: PullRequest, fresh: bool) -> None:
        asked: list[str] = []
        if not fresh and self.want.reviewers:
            # Asked before: still requested, or has reviewed (a review ends the request).
            asked = [user.login for user in pull.requested_reviewers]
            asked += [review.user.login for review in pull.get_reviews() if review.user]
        wanted = missing(self.want.reviewers, asked)
        if not wanted:
            return
        self.out.step(f"request reviews on #{pull.number}", Permission.PULL_REQUESTS_WRITE)
        try:
            create_once(lambda: pull.create_review_request(reviewers=wanted), lambda: None)
        except GithubException as exc:
            if exc.status == 422:  # not a collaborator, the author, ...: named, with the input
                raise Failed(explain(exc, f"request reviews on #{pull.number} from "
                                          f"{', '.join(wanted)} (input `reviewers`)")) from exc
            raise
        self.out.done.append(f"requested reviews on #{pull.number} from {', '.join(wanted)}")

    def post_command(self, pull: PullRequest, fresh: bool) -> None:
        if not self.want.command:
            return
        self.out.step(f"post the command on #{pull.number}", Permission.ISSUES_WRITE)
        mark = marker("draft-toggle-command", str(self.issue))

        def find() -> Any:
            return next((c for c in pull.get_issue_comments() if mark in (c.body or "")), None)

        # A pull request opened seconds ago holds no comment of ours: no need to list them.
        if not fresh and find() is not None:
            self.out.done.append("the command was already posted")
            return
        text = command_text(self.want.command, self.issue, pull.number)
        body = truncate(text, ISSUE_BODY_LIMIT - len(mark) - 2,
                        "The command was cut to GitHub's comment size limit.") + "\n\n" + mark
        create_once(lambda: pull.create_issue_comment(body), find)
        self.out.done.append(f"posted the command on #{pull.number}")


def _said(exc: GithubException) -> str:
    """GitHub's own words in an error answer."""
    data = exc.data
    return str((data.get("message") if isinstance(data, dict) else data) or exc.status)


def _no_drafts(exc: GraphQLError) -> bool:
    """GitHub's answer to convertPullRequestToDraft where drafts are not available: "<login>
    does not have permission to convert the pull request <id> to draft." (cli/cli#5995), or
    "Draft pull requests are not supported in this repository." Not a FORBIDDEN token."""
    text = str(exc).lower()
    return not exc.forbidden and ("to draft" in text or "draft pull requests" in text)


def _says(exc: GithubException, text: str) -> bool:
    """Whether GitHub's answer mentions `text`, at the top level or in `errors`."""
    return text.lower() in json.dumps(exc.data).lower()

