"""Which run the figures come from, and whether it speaks for the default branch: pure.

The soft gate runs either inside the test workflow (its own run) or as the `workflow_run`
follow-up that reads another run (`run-id`). Only a run of this repository's default branch
that is not a pull request's may replace the tracking issue's figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


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


@dataclass(frozen=True)
class Run:
    """Where the figures come from."""

    run_id: int | None = None
    url: str | None = None
    sha: str = ""
    branch: str = ""
    default_branch: bool = False
    attempt: int = 1  # a re-run of the same run gets its own comment


def own_run(here: Here) -> Run:
    """The step's own run: on the default branch for a push-like run of it, never a PR's."""
    branch = here.head_ref or here.ref.removeprefix("refs/heads/")
    on_default = (bool(here.default_branch) and here.ref == f"refs/heads/{here.default_branch}"
                  and not here.event_name.startswith("pull_request"))
    return Run(here.run_id, here.run_url, here.sha, branch, on_default, here.attempt)


def upstream_run(here: Here, run_id: int, url: str | None, upstream: Mapping[str, Any]) -> Run:
    """The run named by `run-id`, from its REST/webhook representation (`{}` when unknown)."""
    attempt = upstream.get("run_attempt")
    return Run(run_id, url, str(upstream.get("head_sha") or ""),
               str(upstream.get("head_branch") or ""), upstream_on_default(here, upstream),
               attempt if isinstance(attempt, int) and attempt > 0 else 1)


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
