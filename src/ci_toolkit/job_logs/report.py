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
from ci_toolkit.job_logs.failures import Annotation, in_words
from ci_toolkit.joblist import (
    Job,
    duration,
    failed_step,
    is_failed,
    is_pending,
    jobs_table,
    step_url,
)
from ci_toolkit.markdown import ISSUE_BODY_LIMIT, Unit, code, fenced, heading, link, prose, size

MAX_QUOTED = 10  # failed jobs whose logs are read: the first ten, in the table's order


@dataclass(frozen=True)
class Quoted:
    """A failed job, what its log says (or why it says nothing; None: logs not read) and its
    check run's annotations."""

    job: Job
    excerpt: Excerpt | None
    annotations: tuple[Annotation, ...] = ()


@dataclass(frozen=True)
class Where:
    """Where file annotations link to: the file line at the run's commit."""

    server_url: str = "https://github.com"
    repository: str = ""
    sha: str | None = None


MAX_ANNOTATIONS = 10  # file annotations listed per job


def excerpt_text(quoted: Quoted, where: Where = Where()) -> str:
    """One failed job: which step failed (linked) or why in words, its cause lines open, the
    file annotations, then the step's last lines folded."""
    job, found = quoted.job, quoted.excerpt
    name = f"**{code(job.name, in_table=False)}**"
    words = in_words(job, quoted.annotations, markdown=True)
    missing = found.missing if found is not None else ""
    if words:  # the step is in the words
        head = f"{name}: {words}." + (f" No log excerpt: {prose(missing)}." if missing else "")
    else:
        step = failed_step(job)
        at = ""
        if step:
            named = link(step.name or f"step {step.number}", step_url(job, step))
            at = f" at step {step.number}, {named}"
        head = f"{name} failed{at}" + (f": no log excerpt, {prose(missing)}." if missing else ":")
    parts = [head]
    if found is not None and found.cause:
        more = f"\n\n_… and {found.more} more failure lines in this step._" if found.more else ""
        parts.append(fenced(found.cause, "text") + more)
    notes = _annotations(quoted.annotations, job, where)
    if notes:
        parts.append(notes)
    if found is not None and found.lines and not missing:
        parts.append(_folded(found))
    if len(parts) == 1 and head.endswith(":"):
        return head[:-1] + "."
    return "\n\n".join(parts)


def _folded(found: Excerpt) -> str:
    note = ""
    if not found.by_window:
        note = ("_Found by the log's first error line: the failed step's times could "
                "not be used to find its lines._\n\n")
    if found.cause:
        return note + block(found.lines, f"The step's last {len(found.lines)} lines")
    how = "up to its first error" if any(line.startswith("Error: ") for line in found.lines) \
        else "(no error line in it)"
    return note + block(found.lines, f"The last {len(found.lines)} lines of its log, {how}")


def _annotations(notes: Sequence[Annotation], job: Job, where: Where) -> str:
    """The file annotations (problem matchers' findings), each linked to its line."""
    files = [note for note in notes if not note.from_runner and note.level == "failure"]
    items = []
    for note in files[:MAX_ANNOTATIONS]:
        place = f"{note.path}:{note.line}" if note.line else note.path
        url = note.url(where.server_url, where.repository, where.sha or job.head_sha)
        first = note.message.splitlines()[0] if note.message else ""
        items.append(f"- {link(place, url)}: {prose(first)}")
    if len(files) > MAX_ANNOTATIONS:
        items.append(f"- _… and {len(files) - MAX_ANNOTATIONS} more annotations._")
    return "\n".join(items)


def excerpts(quoted: Sequence[Quoted], budget: int, unit: Unit, where: Where = Where()) -> str:
    """The excerpts that fit whole in `budget`, in order, then a note for those left out."""
    kept: list[str] = []
    used = 0
    for number, one in enumerate(quoted):
        text = excerpt_text(one, where)
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
            unit: Unit = "bytes", now: datetime | None = None, where: Where = Where()) -> str:
    """The step summary: the table, the commit it describes, then the excerpts, within `limit`."""
    quotes = excerpts(quoted, limit // 2, unit, where) if quoted else ""
    commit = commit_line(where)
    room = limit - (size(quotes, unit) + 2 if quotes else 0) - size(commit, unit) - 2
    table = jobs_table(jobs, title=title, limit=room, unit=unit, now=now)
    return "\n\n".join(part for part in (table, commit, quotes) if part)


def commit_line(where: Where) -> str:
    """`At commit abc1234.`, linked: which code the report describes."""
    if not where.sha:
        return ""
    url = f"{where.server_url}/{where.repository}/commit/{where.sha}" if where.repository \
        else None
    return f"At commit {link(where.sha[:7], url)}." if url else f"At commit {code(where.sha[:7])}."


def comment(jobs: Sequence[Job], quoted: Sequence[Quoted], *, title: str | None,
            run_url: str | None, now: datetime | None = None, where: Where = Where()) -> str:
    """The pull-request comment: failed jobs first with their excerpts, or that none failed.

    Without its marker (`upsert_comment` puts it first); within 65,536 characters with room
    for the marker.
    """
    limit = ISSUE_BODY_LIMIT - 200
    head = f"{heading(title)}\n\n" if title else ""
    run = f"[the run]({run_url})" if run_url else "the run"
    if where.sha:
        run += f" ({commit_line(where)[3:-1]})"
    failed = [job for job in jobs if is_failed(job)]
    if not failed:
        others = [job for job in jobs if not job.this]  # this job: neither passed nor running
        pending = sum(is_pending(job) for job in others)
        done = len(others) - pending
        if pending:
            return (f"{head}✅ No job failed: all {done} finished jobs passed, {pending} still "
                    f"running. Every job is listed in {run}.")
        return f"{head}✅ All {done} jobs passed. Every job is listed in {run}."
    quotes = excerpts(quoted, limit // 2, "chars", where) if quoted else ""
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
