"""Job logs as GitHub serves them, for the tests and the benchmark.

Every line starts with a timestamp (7 decimals, `Z`), the file starts with a byte-order mark,
each step opens with `##[group]Run <command>` … `##[endgroup]` around its header only, then
its output; a failing step ends with `##[error]Process completed with exit code 1.`
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 1, 15, 10, 0, 0, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class LogStep:
    """One step: its header command, its output lines, whether it fails, its seconds."""

    name: str  # as the API names it
    command: str  # as the log's header shows it (`Run <command>`)
    output: Sequence[str] = ()
    fails: bool = False
    seconds: int = 5
    errors: Sequence[str] = field(default_factory=list)  # ##[error] lines before the end


def lines(steps: Sequence[LogStep], start: datetime = T0) -> Iterator[str]:
    """The log's lines (without newlines), set-up section first."""
    now, failed = start, False
    yield "\ufeff" + stamp(now) + " Current runner version: '2.321.0'"
    yield stamp(now) + " ##[group]Operating System"
    yield stamp(now) + " Ubuntu 24.04.1 LTS"
    yield stamp(now) + " ##[endgroup]"
    now += timedelta(seconds=1)
    for step in steps:
        if failed:
            break  # a step after a failure is skipped: it writes nothing to the log
        begin = now
        yield stamp(now) + f" ##[group]Run {step.command}"
        yield stamp(now) + f" {step.command}"
        yield stamp(now) + " shell: /usr/bin/bash -e {0}"
        yield stamp(now) + " ##[endgroup]"
        per_line = timedelta(seconds=max(step.seconds - 1, 0)) / max(len(step.output), 1)
        for n, text in enumerate(step.output):
            yield stamp(begin + per_line * n + timedelta(microseconds=100)) + " " + text
        now = begin + timedelta(seconds=step.seconds)
        for error in step.errors:
            yield stamp(now - timedelta(milliseconds=500)) + f" ##[error]{error}"
        if step.fails:
            yield stamp(now - timedelta(milliseconds=100)) + \
                " ##[error]Process completed with exit code 1."
            failed = True
        now += timedelta(seconds=1)
    yield stamp(now) + " Cleaning up orphan processes"


def text(steps: Sequence[LogStep], start: datetime = T0) -> str:
    return "\n".join(lines(steps, start)) + "\n"


def api_steps(steps: Sequence[LogStep], start: datetime = T0) -> list[dict[str, object]]:
    """The same steps as the jobs listing gives them (Set up job first, Complete job last)."""
    out: list[dict[str, object]] = [{"name": "Set up job", "conclusion": "success",
                                     "started_at": iso(start), "completed_at": iso(start)}]
    now, failed = start + timedelta(seconds=1), False
    for step in steps:
        end = now + timedelta(seconds=step.seconds)
        conclusion = "skipped" if failed else "failure" if step.fails else "success"
        out.append({"name": step.name, "conclusion": conclusion, "started_at": iso(now),
                    "completed_at": iso(end)})
        failed = failed or step.fails
        now = end + timedelta(seconds=1)
    out.append({"name": "Complete job", "conclusion": "success", "started_at": iso(now),
                "completed_at": iso(now)})
    return out


def failing_job(name: str, output: Sequence[str], *, start: datetime = T0,
                command: str = "pytest -q") -> tuple[dict[str, object], str]:
    """(the job's fields for `FakeGitHub.add_job`, its log): checkout, then a failing test."""
    steps = [LogStep("Checkout", "actions/checkout@v4", ["Syncing repository"], seconds=2),
             LogStep("Tests", command, output, fails=True, seconds=30),
             LogStep("Upload", "actions/upload-artifact@v4")]
    listing = api_steps(steps, start)
    end = start + timedelta(seconds=45)
    job = {"name": name, "conclusion": "failure", "started_at": iso(start),
           "completed_at": iso(end), "steps": listing}
    return job, text(steps, start)
