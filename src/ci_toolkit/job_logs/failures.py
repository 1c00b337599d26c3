"""Why each failed job failed, as data and in words. Pure: no I/O.

A job's check-run annotations carry what its log may not: the runner's own messages (the time
limit, a lost runner, why a job did not start) and problem matchers' `file:line` errors. With
the log's cause lines (`excerpts`) they make one `Failure` per failed job: its kind, its step,
its cause in plain text, and a sentence for cancelled, timed-out, awaiting-approval and startup
failures. The `failures` output is a list of these, an agent's input without any Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ci_toolkit.job_logs.causes import Kind
from ci_toolkit.job_logs.excerpts import Excerpt
from ci_toolkit.joblist import Job, Step, duration, failed_step, human_duration, step_url
from ci_toolkit.markdown import link, prose

RUNNER_PATH = ".github"  # the path GitHub gives the runner's own annotations
_TIME_LIMIT = re.compile(r"exceeded the maximum execution time of (\d+) minutes")
_LOST_RUNNER = ("lost communication with the server", "received a shutdown signal",
                "runner has received a shutdown", "could not find any runner",
                "was not acquired by runner", "The hosted runner encountered an error")


@dataclass(frozen=True)
class Annotation:
    path: str
    line: int | None
    level: str  # notice, warning or failure
    message: str
    title: str = ""

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Annotation:
        line = raw.get("start_line")
        return cls(path=str(raw.get("path") or ""), line=line if isinstance(line, int) else None,
                   level=str(raw.get("annotation_level") or ""),
                   message=str(raw.get("message") or ""), title=str(raw.get("title") or ""))

    @property
    def from_runner(self) -> bool:
        return self.path in ("", RUNNER_PATH)

    def url(self, server_url: str, repository: str, sha: str | None) -> str | None:
        """The file line at the run's commit; None for the runner's own messages."""
        if self.from_runner or not sha:
            return None
        anchor = f"#L{self.line}" if self.line else ""
        return f"{server_url}/{repository}/blob/{sha}/{self.path}{anchor}"

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "level": self.level,
                "message": self.message}


def time_limit(annotations: Sequence[Annotation]) -> int | None:
    """The job's time limit in minutes, when the runner says it was reached."""
    for note in annotations:
        found = _TIME_LIMIT.search(note.message)
        if found:
            return int(found.group(1))
    return None


def lost_runner(annotations: Sequence[Annotation]) -> Annotation | None:
    return next((note for note in annotations if note.from_runner and
                 any(words in note.message for words in _LOST_RUNNER)), None)


def kind(job: Job, excerpt: Excerpt | None, annotations: Sequence[Annotation]) -> Kind:
    """What kind of failure: the conclusion first, the runner's word, then the log's cause."""
    if job.conclusion == "timed_out" or time_limit(annotations) is not None:
        return Kind.TIMEOUT
    if lost_runner(annotations):
        return Kind.INFRASTRUCTURE
    special = {"cancelled": Kind.CANCELLED, "action_required": Kind.AWAITING_APPROVAL,
               "startup_failure": Kind.STARTUP}
    if job.conclusion in special:
        return special[job.conclusion]
    if excerpt is not None and excerpt.kind is not None and excerpt.kind is not Kind.UNKNOWN:
        return excerpt.kind
    return Kind.UNKNOWN


def in_words(job: Job, annotations: Sequence[Annotation], now: datetime | None = None, *,
             markdown: bool = False) -> str:
    """A sentence for a failure the log does not explain (empty for a plain failure); with
    `markdown`, the outside text in it (a step's name, GitHub's message) escaped."""
    step = failed_step(job)
    said: Callable[[str], str] = prose if markdown else str
    where = f" in step {step.number} {_named(job, step, markdown)}" if step else ""
    took = duration(job, now)
    after = f" after {human_duration(took)}" if took is not None else ""
    limit = time_limit(annotations)
    if limit is not None:
        return f"timed out at its {limit}-minute limit{where}"
    lost = lost_runner(annotations)
    if lost:
        return f"its runner was lost{after}{where}: {said(lost.message)}"
    if job.conclusion == "timed_out":
        return f"timed out{after}{where}"
    if job.conclusion == "cancelled":
        return f"cancelled{after}{where}"
    if job.conclusion == "action_required":
        return "waiting for approval"
    if job.conclusion == "startup_failure":
        message = next((note.message for note in annotations if note.message), "")
        return "the workflow file is invalid" + (f": {said(message)}" if message else "")
    return ""


def _named(job: Job, step: Step, markdown: bool) -> str:
    """The step's name: linked to its log line in Markdown, a code span in plain text."""
    return link(step.name, step_url(job, step)) if markdown else f"`{step.name}`"


def entry(job: Job, excerpt: Excerpt | None, annotations: Sequence[Annotation],
          now: datetime | None = None) -> dict[str, Any]:
    """One item of the `failures` output."""
    step = failed_step(job)
    lines = list(excerpt.cause) if excerpt is not None else []
    if excerpt is not None and excerpt.more:
        lines.append(f"… and {excerpt.more} more")
    words = in_words(job, annotations, now)
    cause = "\n".join([words, *lines] if words else lines)
    if not cause:
        cause = "\n".join(note.message for note in annotations if note.level == "failure")
    return {
        "name": job.name, "url": job.url, "conclusion": job.conclusion,
        "kind": str(kind(job, excerpt, annotations)),
        "step": None if step is None else {"number": step.number, "name": step.name,
                                           "url": step_url(job, step)},
        "cause": cause,
        "annotations": [note.as_json() for note in annotations],
    }
