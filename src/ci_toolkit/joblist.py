"""The jobs of a run: their verdicts, and THE "Logs for this run" table.

Pure: no I/O. Used by job-logs and by the coverage soft gate's report, so both show one table:
a line counting the jobs by verdict, then failed jobs first, then pending ones, then the rest
(each group in the run's order), each row with its duration and, for a failed job, its first
failed step linked to that step's log line. All of it comes from the jobs listing: no request.

Every conclusion GitHub defines is mapped explicitly. A conclusion we do not know (one GitHub
adds later) or a completed job without one is a failure, never a pass; a job not completed yet
(queued, waiting, the running job itself) is pending, never counted as passed nor as failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from ci_toolkit.markdown import (
    Unit,
    code,
    escape,
    heading,
    lines_that_fit,
    link,
    size,
    table,
    truncate,
)

DEFAULT_TITLE = "Logs for this run"
Attempts = Literal["latest", "all"]  # which attempts' jobs: the jobs API's `filter`
ATTEMPTS: tuple[Attempts, ...] = ("latest", "all")


class Verdict(StrEnum):
    PASSED = "passed"
    SKIPPED = "skipped"  # not run: neither passed nor failed
    NEUTRAL = "neutral"
    FAILED = "failed"
    PENDING = "pending"
    THIS = "this job"  # the job reading the list: neither running nor a result


@dataclass(frozen=True)
class Step:
    number: int
    name: str
    status: str
    conclusion: str | None
    started_at: datetime | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True)
class Job:
    id: int
    name: str
    status: str
    conclusion: str | None
    url: str | None
    attempt: int
    started_at: datetime | None = None
    completed_at: datetime | None = None
    steps: tuple[Step, ...] = ()
    check_run_url: str | None = None  # its check run (annotations: this + `/annotations`)
    head_sha: str | None = None
    runner_name: str | None = None
    this: bool = False  # the job running this step (see `job_logs.command.this_job`)


@dataclass(frozen=True)
class Outcome:
    emoji: str
    word: str
    verdict: Verdict


# Check-run conclusions (the jobs API documents the first seven; check runs add the last two).
CONCLUSIONS: dict[str, Outcome] = {
    "success": Outcome("✅", "success", Verdict.PASSED),
    "neutral": Outcome("⚪", "neutral", Verdict.NEUTRAL),
    "skipped": Outcome("⏭️", "skipped", Verdict.SKIPPED),
    "failure": Outcome("❌", "failure", Verdict.FAILED),
    "cancelled": Outcome("🚫", "cancelled", Verdict.FAILED),
    "timed_out": Outcome("⏱️", "timed out", Verdict.FAILED),
    "action_required": Outcome("✋", "action required", Verdict.FAILED),
    "startup_failure": Outcome("💥", "startup failure", Verdict.FAILED),
    "stale": Outcome("🕸️", "stale", Verdict.FAILED),
}

# Statuses of a job that has not completed yet.
STATUSES: dict[str, Outcome] = {
    "queued": Outcome("🕒", "queued", Verdict.PENDING),
    "in_progress": Outcome("🏃", "running", Verdict.PENDING),
    "waiting": Outcome("⏸️", "waiting", Verdict.PENDING),
    "requested": Outcome("🕒", "requested", Verdict.PENDING),
    "pending": Outcome("🕒", "pending", Verdict.PENDING),
}


def outcome(job: Job) -> Outcome:
    """How a job ended (or that it has not yet)."""
    if job.this:
        return Outcome("👈", "this job", Verdict.THIS)
    if job.status != "completed":
        return STATUSES.get(job.status, Outcome("🕒", job.status or "unknown status",
                                                Verdict.PENDING))
    if job.conclusion is None:
        return Outcome("❓", "no conclusion", Verdict.FAILED)
    return CONCLUSIONS.get(job.conclusion, Outcome("❓", job.conclusion, Verdict.FAILED))


def verdict(job: Job) -> Verdict:
    return outcome(job).verdict


def is_failed(job: Job) -> bool:
    return verdict(job) is Verdict.FAILED


def is_pending(job: Job) -> bool:
    return verdict(job) is Verdict.PENDING


def failed_step(job: Job) -> Step | None:
    """A failed job's first step (by number) that ended in a failing conclusion, if any."""
    if not is_failed(job):
        return None
    for step in sorted(job.steps, key=lambda st: st.number):
        if step.status == "completed" and step.conclusion not in ("success", "skipped",
                                                                    "neutral"):
            return step
    return None


def step_url(job: Job, step: Step) -> str | None:
    """The step's first log line on the job's page (GitHub opens and scrolls to it)."""
    return f"{job.url}#step:{step.number}:1" if job.url else None


def clocks_wrong(started: datetime | None, completed: datetime | None) -> bool:
    """GitHub gave an end before the start: no duration or time window can be trusted."""
    return started is not None and completed is not None and completed < started


def duration(job: Job, now: datetime | None = None) -> float | None:
    """Seconds the job took (`completed_at − started_at`), so far for a running one.

    None when it has not started (queued, waiting), when a time is missing, or when the
    clocks are in the wrong order.
    """
    if job.started_at is None:
        return None
    if job.status == "completed":
        if job.completed_at is None or clocks_wrong(job.started_at, job.completed_at):
            return None
        return (job.completed_at - job.started_at).total_seconds()
    if job.status != "in_progress":
        return None
    return max(((now or datetime.now(UTC)) - job.started_at).total_seconds(), 0.0)


def human_duration(seconds: float) -> str:
    """`45s`, `3m 12s`, `1h 02m`."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"


def duration_cell(job: Job, now: datetime | None = None) -> str:
    seconds = duration(job, now)
    if seconds is None:
        return "—"
    return human_duration(seconds) + (" so far" if job.status != "completed" else "")


_ORDER = {Verdict.FAILED: 0, Verdict.PENDING: 1, Verdict.THIS: 1}


def ordered(jobs: Iterable[Job]) -> list[Job]:
    """Failed jobs first, then pending ones, then the rest; each group in the run's order."""
    return sorted(jobs, key=lambda job: _ORDER.get(verdict(job), 2))


_COUNTS = (
    (Verdict.FAILED, "❌", "failed"),
    (Verdict.PENDING, "🏃", "running"),
    (Verdict.PASSED, "✅", "passed"),
    (Verdict.SKIPPED, "⏭️", "skipped"),
    (Verdict.NEUTRAL, "⚪", "neutral"),
)


def count_line(jobs: Sequence[Job]) -> str:
    """`❌ 2 failed · 🏃 1 running · ✅ 14 passed, of 17` (verdicts with no job left out; the
    job running this step, when known, is none of them: `…, of 17 and this job`)."""
    verdicts = [verdict(job) for job in jobs]
    parts = [f"{emoji} {verdicts.count(v)} {word}" for v, emoji, word in _COUNTS
             if v in verdicts]
    this = verdicts.count(Verdict.THIS)
    return f"{' · '.join(parts)}, of {len(jobs) - this}" + (" and this job" if this else "")


def result_cell(job: Job) -> str:
    found = outcome(job)
    return f"{found.emoji} {escape(found.word)}"


def jobs_table(jobs: Sequence[Job], *, title: str | None = None, limit: int | None = None,
               unit: Unit = "bytes", now: datetime | None = None,
               counted: Sequence[Job] | None = None) -> str:
    """The count line and the Markdown table of `jobs`, failed first: name, result, duration,
    first failed step (when a job has one), log link (and attempt, when several).

    With `limit` (in UTF-8 bytes, or characters with `unit="chars"`) whole rows are dropped from
    the end to fit, and a last line says how many jobs were left out. The count line counts
    `counted` (default: `jobs`), so a table of the failed jobs alone still says of how many.
    """
    head = f"{heading(title)}\n\n" if title else ""
    if not jobs:
        return head + "_No jobs._"
    head += count_line(jobs if counted is None else counted) + "\n\n"
    several = len({job.attempt for job in jobs}) > 1
    steps = any(failed_step(job) for job in jobs)
    headers = ["Job", "Result", "Duration"] + (["Failed step"] if steps else []) + ["Log"] + (
        ["Attempt"] if several else [])
    align = "llr" + ("l" if steps else "") + "c" + ("r" if several else "")
    rows = [_row(job, several, steps, now) for job in ordered(jobs)]
    lines = table(headers, rows, align).split("\n")
    text = head + "\n".join(lines)
    if limit is None or size(text, unit) <= limit:
        return text
    return _cut(head, lines, limit, unit)


def _row(job: Job, several: bool, steps: bool, now: datetime | None) -> list[str]:
    log = link("log", job.url) if job.url else "—"
    cells = [code(job.name), result_cell(job), duration_cell(job, now)]
    if steps:
        cells.append(_step_cell(job))
    return cells + [log] + ([str(job.attempt)] if several else [])


def _step_cell(job: Job) -> str:
    step = failed_step(job)
    return link(step.name or f"step {step.number}", step_url(job, step)) if step else ""


def _more(count: int) -> str:
    return f"\n\n_… and {count} more jobs, left out to stay within the size limit._"


def _cut(head: str, lines: list[str], limit: int, unit: Unit) -> str:
    """Keep the header and as many whole rows as fit beside the "N more jobs" line."""
    rows = len(lines) - 2
    budget = limit - size(head, unit) - size(_more(rows), unit)  # the longest note possible
    kept = lines_that_fit(lines, budget, unit)
    if kept < 2:  # not even the header fits
        return truncate(head + _more(rows).strip(), limit, "Cut to the size limit.", unit=unit)
    return head + "\n".join(lines[:kept]) + _more(rows - (kept - 2))
