"""Every job of a workflow run, in as few requests as GitHub allows, and a job's log.

The jobs endpoint is called directly through PyGithub's requester (with its retries and
rate-limit handling): going through `get_repo().get_workflow_run().jobs()` would cost two
extra GETs (the repository, the run) before the first page. 100 jobs a page, so GitHub's
largest run, a 256-job matrix, takes 3 requests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from datetime import datetime
from typing import Any

from github import Github

from ci_toolkit.github import downloads
from ci_toolkit.github.client import PER_PAGE
from ci_toolkit.joblist import ATTEMPTS, Attempts, Job, Step

_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
_MAX_PAGES = 100  # 10,000 jobs: far above anything GitHub runs; stops a Link loop


class IncompleteJobs(Exception):
    """GitHub listed fewer jobs than its `total_count`; `.jobs` holds those it did list."""

    def __init__(self, jobs: list[Job], total_count: int) -> None:
        super().__init__(
            f"GitHub announced {total_count} jobs but listed {len(jobs)}; the run may have "
            "changed while it was being read")
        self.jobs = jobs
        self.total_count = total_count


def fetch_jobs(gh: Github, repository: str, run_id: int, *,
               attempts: Attempts = "latest") -> list[Job]:
    """Every job of run `run_id`: all pages, ordered by attempt (then as GitHub lists them).

    `attempts` is "latest" (the most recent attempt's jobs) or "all" (every attempt).
    Raises `IncompleteJobs` when fewer jobs came back than GitHub's `total_count`.
    """
    if attempts not in ATTEMPTS:
        raise ValueError(f"attempts must be one of {', '.join(ATTEMPTS)}, got {attempts!r}")
    url: str | None = f"/repos/{repository}/actions/runs/{run_id}/jobs"
    params: dict[str, Any] | None = {"filter": attempts, "per_page": PER_PAGE}
    found: dict[int, Job] = {}  # by id: a job added between pages can repeat on the next one
    total = 0
    for _ in range(_MAX_PAGES):
        if url is None:
            break
        headers, data = gh.requester.requestJsonAndCheck("GET", url, parameters=params)
        total = max(total, int(data.get("total_count") or 0))
        for raw in data.get("jobs") or []:
            job = to_job(raw)
            found.setdefault(job.id, job)
        url, params = _next_url(headers), None  # the next URL carries its own query
    jobs = sorted(found.values(), key=lambda job: job.attempt)  # stable: keeps GitHub's order
    if len(jobs) < total:
        raise IncompleteJobs(jobs, total)
    return jobs


def to_job(raw: Mapping[str, Any]) -> Job:
    """A job from the REST representation (`GET .../runs/{id}/jobs` → `jobs[]`)."""
    return Job(
        id=int(raw["id"]),
        name=str(raw.get("name") or ""),
        status=str(raw.get("status") or ""),
        conclusion=raw.get("conclusion"),
        url=raw.get("html_url"),
        attempt=int(raw.get("run_attempt") or 1),
        started_at=timestamp(raw.get("started_at")),
        completed_at=timestamp(raw.get("completed_at")),
        steps=tuple(_step(s) for s in raw.get("steps") or [] if isinstance(s, Mapping)),
        check_run_url=raw.get("check_run_url"),
        head_sha=raw.get("head_sha"),
        runner_name=raw.get("runner_name"),
    )


def _step(raw: Mapping[str, Any]) -> Step:
    return Step(
        number=int(raw.get("number") or 0),
        name=str(raw.get("name") or ""),
        status=str(raw.get("status") or ""),
        conclusion=raw.get("conclusion"),
        started_at=timestamp(raw.get("started_at")),
        completed_at=timestamp(raw.get("completed_at")),
    )


def timestamp(value: object) -> datetime | None:
    """GitHub's ISO 8601 time (`2024-01-15T10:00:05Z`), or None when absent or not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        return None
    return found if found.tzinfo else None


@contextmanager
def job_log(gh: Github, repository: str, job_id: int) -> Iterator[Iterator[bytes]]:
    """The job's log as a stream of byte chunks, never whole in memory.

    `GET .../actions/jobs/{id}/logs` answers 302 to a storage host, which gets no token (the
    same two hops as an artifact, through `downloads`). GithubException (410: deleted after the
    retention period; 404), `downloads.NoRedirect`, `downloads.StorageRefused` and (after the
    retries, or mid-stream) `downloads.Retryable` reach the caller.
    """
    path = f"/repos/{repository}/actions/jobs/{job_id}/logs"
    with ExitStack() as stack:
        def attempt() -> Iterator[bytes]:
            return stack.enter_context(downloads.stream(downloads.location(gh.requester, path)))
        yield downloads.retrying(attempt, "a retried log download")


def _next_url(headers: Mapping[str, Any]) -> str | None:
    value = next((str(v) for k, v in headers.items() if k.lower() == "link"), "")
    match = _NEXT.search(value)
    return match.group(1) if match else None
