"""Per-job totals, average, worst, the union across jobs, and the hotspot files.

The union (`combined`) follows coverage.py's formula over the files of every job:
a line counts as executed when any job executed it, a branch as taken when any job
took it. Readers keep each file's *missing* lines and branches, so the union's misses
are their intersection — exactly what `coverage combine` gives when the jobs measured
the same code. Rules where the data cannot say more:

- branches enter the union only when every job names its branches the same way
  (`JobReport.branch_kind`: all coverage.py JSON ≥ 7.4, all coverage.py Cobertura, or
  all LCOV); otherwise `combined` counts statements only and `combined_branches` is False;
- `combined` is None when any job has counts without per-line data;
- a file whose statement counts differ between jobs uses the largest count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from .model import FileCoverage, JobReport, TestCounts, Totals


@dataclass(frozen=True, slots=True)
class JobSummary:
    job: str
    format: str
    source_path: str
    totals: Totals
    tests: TestCounts | None

    @property
    def percent(self) -> float:
        return self.totals.percent


@dataclass(frozen=True, slots=True)
class Hotspot:
    path: str
    totals: Totals  # the union across the jobs that report this file
    jobs: int  # how many jobs report it

    @property
    def percent(self) -> float:
        return self.totals.percent


@dataclass(frozen=True, slots=True)
class Summary:
    jobs: tuple[JobSummary, ...]
    average: float | None  # mean of the job percents; None without jobs
    worst: float | None
    combined: float | None  # union across jobs; None without per-line data
    combined_totals: Totals | None
    combined_branches: bool  # False: `combined` counts statements only
    hotspots: tuple[Hotspot, ...]


def summarize(jobs: Sequence[JobReport], hotspots: int = 15) -> Summary:
    job_rows = tuple(JobSummary(j.job, j.format, j.source_path, j.totals, j.tests) for j in jobs)
    percents = [row.percent for row in job_rows]
    use_branches = _common_branch_kind(jobs)
    by_path = _by_path(jobs)
    union = {path: _union(files, use_branches) for path, files in by_path.items()}
    line_data = bool(jobs) and all(j.has_line_data for j in jobs)
    combined_totals = sum(union.values(), Totals()) if line_data else None
    return Summary(
        jobs=job_rows,
        average=sum(percents) / len(percents) if percents else None,
        worst=min(percents) if percents else None,
        combined=combined_totals.percent if combined_totals is not None else None,
        combined_totals=combined_totals,
        combined_branches=use_branches and line_data,
        hotspots=_hotspots(union, {path: len(files) for path, files in by_path.items()},
                           hotspots),
    )


def _common_branch_kind(jobs: Sequence[JobReport]) -> bool:
    kinds = {j.branch_kind for j in jobs}
    return len(kinds) == 1 and None not in kinds


def _by_path(jobs: Iterable[JobReport]) -> dict[str, list[FileCoverage]]:
    grouped: dict[str, list[FileCoverage]] = defaultdict(list)
    for job in jobs:
        for path, fc in job.files.items():
            grouped[path].append(fc)
    return grouped


def _union(files: list[FileCoverage], use_branches: bool) -> Totals:
    """One file across jobs. Without per-line data: the best job's figures (a lower bound)."""
    statements = max(f.totals.statements for f in files)
    executed = _covered_in_any(statements, max(f.totals.executed for f in files),
                               [f.missing_lines for f in files])
    if not use_branches:
        return Totals(statements, executed)
    branches = max(f.totals.branches for f in files)
    taken = _covered_in_any(branches, max(f.totals.taken for f in files),
                            [f.missing_branches for f in files])
    return Totals(statements, executed, branches, taken)


def _covered_in_any(total: int, best: int,
                    missing: Sequence[Collection[int] | Collection[str] | None]) -> int:
    """Lines (or branches) covered by any job: all but those every job missed.

    Never below the best single job, never above the total: reports of one file may disagree.
    """
    known = [m for m in missing if m is not None]
    if len(missing) < 2 or len(known) < len(missing):
        return best
    missed_by_all = set(known[0]).intersection(*known[1:])
    return max(best, min(total - len(missed_by_all), total))


def _hotspots(union: dict[str, Totals], jobs: dict[str, int], limit: int) -> tuple[Hotspot, ...]:
    rows = [Hotspot(path, t, jobs[path]) for path, t in union.items() if t.statements > 0]
    rows.sort(key=lambda h: (h.percent, -h.totals.missed_statements, h.path))
    return tuple(rows[: max(limit, 0)])
