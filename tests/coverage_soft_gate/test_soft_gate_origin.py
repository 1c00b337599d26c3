"""The soft gate's run origin: which run, which commit, and whether it speaks for the default
branch. A pure function, tested without GitHub."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from ci_toolkit.coverage_soft_gate.origin import Here, Run, own_run, upstream_run

HERE = Here(repository="octo-org/octo-repo", run_id=7, run_url="https://github.com/r/7",
            sha="a" * 40, ref="refs/heads/main", head_ref="", event_name="push",
            default_branch="main", attempt=2)


def test_a_push_to_the_default_branch_speaks_for_it() -> None:
    assert own_run(HERE) == Run(7, "https://github.com/r/7", "a" * 40, "main", True, 2)


@pytest.mark.parametrize(("changes", "branch"), [
    ({"ref": "refs/heads/feature"}, "feature"),
    ({"event_name": "pull_request", "ref": "refs/pull/3/merge", "head_ref": "feature"}, "feature"),
    ({"event_name": "pull_request_target"}, "main"),  # runs on the base branch, for a PR
    ({"default_branch": ""}, "main"),  # no payload: never assumed
])
def test_other_runs_do_not(changes: dict[str, Any], branch: str) -> None:
    run = own_run(replace(HERE, **changes))
    assert run.default_branch is False
    assert run.branch == branch


def upstream(**changes: Any) -> dict[str, Any]:
    run: dict[str, Any] = {
        "id": 99, "head_sha": "b" * 40, "head_branch": "main", "event": "push",
        "run_attempt": 3, "repository": {"full_name": "octo-org/octo-repo",
                                         "default_branch": "main"},
        "head_repository": {"full_name": "octo-org/octo-repo"}}
    run.update(changes)
    return run


def test_the_follow_up_of_a_default_branch_push() -> None:
    run = upstream_run(HERE, 99, "u", upstream())
    assert run == Run(99, "u", "b" * 40, "main", True, 3)


@pytest.mark.parametrize("changes", [
    {"event": "pull_request"},
    {"head_branch": "feature"},
    {"head_repository": {"full_name": "fork-owner/octo-repo"}},  # a fork's branch named main
])
def test_the_follow_up_of_a_pull_request_or_fork_is_not_the_default_branch(
        changes: dict[str, Any]) -> None:
    assert upstream_run(HERE, 99, "u", upstream(**changes)).default_branch is False


def test_the_default_branch_comes_from_the_upstream_run_without_a_payload() -> None:
    here = replace(HERE, default_branch="")
    assert upstream_run(here, 99, "u", upstream()).default_branch is True
    assert upstream_run(here, 99, "u", upstream(repository=None)).default_branch is False


def test_an_unknown_upstream_run_is_never_the_default_branch() -> None:
    assert upstream_run(HERE, 99, "u", {}) == Run(99, "u", "", "", False, 1)
    assert upstream_run(HERE, 99, "u", upstream(run_attempt="x")).attempt == 1
