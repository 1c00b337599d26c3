"""Which run the figures come from, and whether it speaks for the default branch: pure.

The soft gate runs either inside the test workflow (its own run) or as the `workflow_run`
follow-up that reads another run (`run-id`). Only a run of this repository's default branch
that is not a pull request's may replace the tracking issue's figures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ci_toolkit.runtime import pull_request_number


@dataclass(frozen=True)
class Here:
    """What the runner says about the step's own run (`GITHUB_*` and the event payload)."""

    repository: str
    run_id: int | None
    run_url: str | None
    sha: str
    ref: str
    head_ref: str  # GITHUB_HEAD_REF: the pull request's branch, empty otherwise
    event_name: str
    default_branch: str
    attempt: int = 1
    base_ref: str = ""  # a merge_group payload's base_ref (`refs/heads/main`)


@dataclass(frozen=True)
class Run:
    """Where the figures come from."""

    run_id: int | None = None
    url: str | None = None
    sha: str = ""
    branch: str = ""
    default_branch: bool = False
    attempt: int = 1  # a re-run of the same run gets its own comment
    queue: str = ""  # a merge queue's run: "merge queue: #12 into main" ("" otherwise)


_QUEUE = re.compile(r"(?:refs/heads/)?gh-readonly-queue/(?P<base>.+?)(?:/pr-(?P<number>\d+)-"
                    r"(?P<sha>[0-9a-f]{40}))?")


def merge_queue(event_name: str, ref: str, base_ref: str = "") -> str:
    """"merge queue: #12 into main" for a `merge_group` run (its ref
    `gh-readonly-queue/<base>/pr-<n>-<sha>`), "" for any other run. A ref GitHub may spell
    otherwise (no pull-request number) still names a queue entry, without the number."""
    found = _QUEUE.fullmatch(ref)
    if found is None and event_name != "merge_group":
        return ""
    base = (found["base"] if found else "") or base_ref.removeprefix("refs/heads/")
    number = f"#{found['number']} " if found and found["number"] else ""
    return f"merge queue: {number}into {base or 'its base branch'}"


def own_run(here: Here) -> Run:
    """The step's own run: on the default branch for a push-like run of it, never a PR's, nor
    a merge queue's (its commit is a candidate, not the default branch yet)."""
    branch = here.head_ref or here.ref.removeprefix("refs/heads/")
    on_default = (bool(here.default_branch) and here.ref == f"refs/heads/{here.default_branch}"
                  and not here.event_name.startswith("pull_request"))
    queue = merge_queue(here.event_name, here.ref, here.base_ref)
    return Run(here.run_id, here.run_url, here.sha, branch, on_default and not queue,
               here.attempt, queue)


def upstream_run(here: Here, run_id: int, url: str | None, upstream: Mapping[str, Any]) -> Run:
    """The run named by `run-id`, from its REST/webhook representation (`{}` when unknown)."""
    attempt = upstream.get("run_attempt")
    branch = str(upstream.get("head_branch") or "")
    queue = merge_queue(str(upstream.get("event") or ""), branch)
    return Run(run_id, url, str(upstream.get("head_sha") or ""), branch,
               upstream_on_default(here, upstream) and not queue,
               attempt if isinstance(attempt, int) and attempt > 0 else 1, queue)


def upstream_on_default(here: Here, upstream: Mapping[str, Any]) -> bool:
    """A push-like run of this repository's default branch; never a pull request's."""
    repo = upstream.get("repository")
    default = here.default_branch or str(
        (repo.get("default_branch") if isinstance(repo, dict) else "") or "")
    head = upstream.get("head_repository")
    head_repo = head.get("full_name") if isinstance(head, dict) else None
    same_repo = head_repo is None or str(head_repo).lower() == here.repository.lower()
    return (bool(default) and upstream.get("head_branch") == default and same_repo
            and not str(upstream.get("event") or "").startswith("pull_request"))


@dataclass(frozen=True)
class PullRequest:
    """The pull request a run is about."""

    number: int
    head_sha: str = ""
    changed_files: int | None = None  # as GitHub announced it, when known


@dataclass(frozen=True)
class PullLookup:
    """A pull request known only by its head: a fork's `workflow_run` lists none."""

    owner: str
    branch: str
    sha: str


def event_pull(event_name: str, event: Mapping[str, Any]) -> PullRequest | None:
    """The pull request of a `pull_request`/`pull_request_target` run, from its payload."""
    pull = event.get("pull_request")
    number = pull_request_number(event)
    if not event_name.startswith("pull_request") or not isinstance(pull, dict) or number is None:
        return None
    head = pull.get("head")
    changed = pull.get("changed_files")
    return PullRequest(number, str((head.get("sha") if isinstance(head, dict) else "") or ""),
                       changed if isinstance(changed, int) else None)


def upstream_pull(upstream: Mapping[str, Any]) -> PullRequest | PullLookup | None:
    """The pull request a `workflow_run`'s upstream run was for, or how to look it up."""
    if not str(upstream.get("event") or "").startswith("pull_request"):
        return None
    sha = str(upstream.get("head_sha") or "")
    listed = [p for p in upstream.get("pull_requests") or [] if isinstance(p, dict)
              and isinstance(p.get("number"), int)]
    if listed:
        at_sha = [p for p in listed if (p.get("head") or {}).get("sha") == sha]
        return PullRequest(int((at_sha or listed)[0]["number"]), sha)
    head = upstream.get("head_repository")
    owner = (head.get("owner") or {}).get("login") if isinstance(head, dict) else None
    branch = upstream.get("head_branch")
    if not (owner and branch):
        return None
    return PullLookup(str(owner), str(branch), sha)
