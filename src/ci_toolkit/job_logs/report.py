"""job-logs' report: the step summary, the pull-request comment and the `jobs` output. Pure.

The table is `joblist.jobs_table` (the soft gate shows the same one). Below it, for each failed
job that was quoted, its failing step and the lines of its log that explain the failure, in a
collapsed block. Each text has a budget (the summary's 1 MiB, the comment's 65,536 characters):
the excerpts keep at most half of it, and those that do not fit are left out whole, with a
visible note, so a cut never leaves a code block open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ci_toolkit.job_logs.excerpts import Excerpt, block
from ci_toolkit.joblist import (
    Job,
    duration,
    failed_step,
    is_failed,
    is_pending,
    jobs_table,
    step_url,
)
from ci_toolkit.markdown import ISSUE_BODY_LIMIT, Unit, code, heading, link, prose, size

MAX_QUOTED = 10  # failed jobs whose logs are read: the first ten, in the table's order


@dataclass(frozen=True)
class Quoted:
    """A failed job and what its log says (or why it says nothing)."""

    job: Job
    excerpt: Excerpt


def excerpt_text(quoted: Quoted) -> str:
    """One failed job's excerpt: which step failed (linked), then its lines, collapsed."""
    job, found = quoted.job, quoted.excerpt
    step = failed_step(job)
    where = ""
    if step:
        named = link(step.name or f"step {step.number}", step_url(job, step))
        where = f" at step {step.number}, {named}"
    title = f"**{code(job.name, in_table=False)}** failed{where}"
    if found.missing:
        return f"{title}: no log excerpt, {prose(found.missing)}."
    how = "up to its first error" if any(line.startswith("Error: ") for line in found.lines) \
        else "(no error line in it)"
    note = ""
    if not found.by_window:
        note = ("\n\n_Found by the log's first error line: the failed step's times could "
                "not be used to find its lines._")
    summary = f"The last {len(found.lines)} lines of its log, {how}"
    return f"{title}:{note}\n\n{block(found.lines, summary)}"


def excerpts(quoted: Sequence[Quoted], budget: int, unit: Unit) -> str:
    """The excerpts that fit whole in `budget`, in order, then a note for those left out."""
    kept: list[str] = []
    used = 0
    for number, one in enumerate(quoted):
        text = excerpt_text(one)
        left = len(quoted) - number
        if used + size(text, unit) + 2 + size(_left_out(left), unit) > budget:
            kept.append(_left_out(left))
            break
        kept.append(text)
        used += size(text, unit) + 2
    return "\n\n".join(kept)


def _left_out(count: int) -> str:
    return f"_… and {count} more log excerpts, left out to stay within the size limit._"


def summary(jobs: Sequence[Job], quoted: Sequence[Quoted], *, title: str | None, limit: int,
            unit: Unit = "bytes", now: datetime | None = None) -> str:
    """The step summary: the table, then the excerpts, within `limit`."""
    quotes = excerpts(quoted, limit // 2, unit) if quoted else ""
    room = limit - (size(quotes, unit) + 2 if quotes else 0)
    table = jobs_table(jobs, title=title, limit=room, unit=unit, now=now)
    return f"{table}\n\n{quotes}" if quotes else table


def comment(jobs: Sequence[Job], quoted: Sequence[Quoted], *, title: str | None,
            run_url: str | None, now: datetime | None = None) -> str:
    """The pull-request comment: failed jobs first with their excerpts, or that none failed.

    Without its marker (`upsert_comment` puts it first); within 65,536 characters with room
    for the marker.
    """
    limit = ISSUE_BODY_LIMIT - 200
    head = f"{heading(title)}\n\n" if title else ""
    run = f"[the run]({run_url})" if run_url else "the run"
    failed = [job for job in jobs if is_failed(job)]
    if not failed:
        pending = sum(is_pending(job) for job in jobs)
        done = len(jobs) - pending
        if pending:
            return (f"{head}✅ No job failed: all {done} finished jobs passed, {pending} still "
                    f"running (this one included). Every job is listed in {run}.")
        return f"{head}✅ All {len(jobs)} jobs passed. Every job is listed in {run}."
    quotes = excerpts(quoted, limit // 2, "chars") if quoted else ""
    tail = f"Passed, skipped and running jobs are listed in {run}."
    room = limit - size(head + tail, "chars") - (size(quotes, "chars") + 4 if quotes else 4)
    table = jobs_table(failed, limit=room, unit="chars", now=now, counted=jobs)
    parts = [table, quotes, tail] if quotes else [table, tail]
    return head + "\n\n".join(parts)


def jobs_json(jobs: Sequence[Job], now: datetime | None = None) -> list[dict[str, Any]]:
    """The `jobs` output's entries, in the run's order."""
    return [_entry(job, now) for job in jobs]


def _entry(job: Job, now: datetime | None) -> dict[str, Any]:
    step = failed_step(job)
    seconds = duration(job, now)
    return {
        "name": job.name, "status": job.status, "conclusion": job.conclusion, "url": job.url,
        "attempt": job.attempt, "started_at": _iso(job.started_at),
        "completed_at": _iso(job.completed_at),
        "duration_s": None if seconds is None else int(seconds),
        "failed_step": None if step is None else {
            "number": step.number, "name": step.name, "url": step_url(job, step)},
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
