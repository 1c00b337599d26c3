"""The jobs of a run: their verdicts, and THE "Logs for this run" table.

Pure: no I/O. Used by job-logs and by the coverage soft gate's report, so both show one table.

Every conclusion GitHub defines is mapped explicitly. A conclusion we do not know (one GitHub
adds later) or a completed job without one is a failure, never a pass; a job not completed yet
(queued, waiting, the running job itself) is pending, never counted as passed nor as failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

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


class Verdict(StrEnum):
    PASSED = "passed"
    SKIPPED = "skipped"  # not run: neither passed nor failed
    NEUTRAL = "neutral"
    FAILED = "failed"
    PENDING = "pending"


@dataclass(frozen=True)
class Job:
    id: int
    name: str
    status: str
    conclusion: str | None
    url: str | None
    attempt: int


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


def result_cell(job: Job) -> str:
    found = outcome(job)
    return f"{found.emoji} {escape(found.word)}"


def jobs_table(jobs: Sequence[Job], *, title: str | None = None, limit: int | None = None,
               unit: Unit = "bytes") -> str:
    """The Markdown table of `jobs`: name, result, log link (and attempt, when several).

    With `limit` (in UTF-8 bytes, or characters with `unit="chars"`) whole rows are dropped from
    the end to fit, and a last line says how many jobs were left out.
    """
    head = f"{heading(title)}\n\n" if title else ""
    if not jobs:
        return head + "_No jobs._"
    several = len({job.attempt for job in jobs}) > 1
    headers = ["Job", "Result", "Log"] + (["Attempt"] if several else [])
    lines = table(headers, [_row(job, several) for job in jobs],
                  "llc" + ("r" if several else "")).split("\n")
    text = head + "\n".join(lines)
    if limit is None or size(text, unit) <= limit:
        return text
    return _cut(head, lines, limit, unit)


def _row(job: Job, several: bool) -> list[str]:
    log = link("log", job.url) if job.url else "—"
    return [code(job.name), result_cell(job), log] + ([str(job.attempt)] if several else [])


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
