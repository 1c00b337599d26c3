"""Per-job totals, average, worst, the union across jobs, and the hotspot files.

The union (`combined`) follows coverage.py's formula over the files of every job:
a line counts as executed when any job executed it, a branch as taken when some job took
it. Readers keep each file's *missing* lines (the union's misses are their intersection)
and, per branch line, its branch count, the branches taken and their names. Rules:

- branches are united line by line across every report that carries them, whatever its
  format: where the reports name their branches comparably (coverage.py JSON and
  coverage.py Cobertura name the same arcs), the taken ones are united; otherwise a line
  counts the most any one job took there. A branch is never counted as taken only because
  another job's analysis does not list it (coverage.py versions name arcs differently);
- a job that measured nothing (0 statements) changes no file and is left out of `average`
  and `worst`;
- `combined` is None when any job has counts without per-line data;
- a file whose statement counts differ between jobs uses the largest count.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .model import (
    ARC_KINDS,
    FileCoverage,
    JobReport,
    TestCounts,
    Totals,
    arc_line,
    branch_line,
    unpack_branch_line,
)


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

    @property
    def measured(self) -> bool:
        """False for a job that measured no statement: it says nothing about coverage."""
        return self.totals.statements > 0


@dataclass(frozen=True, slots=True)
class Hotspot:
    path: str
    totals: Totals  # the union across the jobs that report this file
    jobs: int  # how many jobs report it
    missed: tuple[int, ...] = ()  # statements no job executed; () when the reports do not say

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
    percents = [row.percent for row in job_rows if row.measured]
    grouped = by_path(jobs)
    union = {path: _union(files) for path, files in grouped.items()}
    line_data = bool(jobs) and all(j.has_line_data for j in jobs)
    combined_totals = sum(union.values(), Totals()) if line_data else None
    return Summary(
        jobs=job_rows,
        average=sum(percents) / len(percents) if percents else None,
        worst=min(percents) if percents else None,
        combined=combined_totals.percent if combined_totals is not None else None,
        combined_totals=combined_totals,
        combined_branches=line_data and any(t.branches for t in union.values()),
        hotspots=_hotspots(union, grouped, hotspots),
    )


def by_path(jobs: Sequence[JobReport]) -> dict[str, list[FileCoverage]]:
    """Every job's reports of each file, the paths aligned across formats."""
    grouped: dict[str, list[FileCoverage]] = defaultdict(list)
    aligned = align_paths(path for job in jobs for path in job.files)
    for job in jobs:
        for path, fc in job.files.items():
            grouped[aligned.get(path, path)].append(fc)
    return grouped


def align_paths(paths: Iterable[str]) -> dict[str, str]:
    """Absolute paths (a Cobertura `<source>` outside a runner's checkout) renamed to the
    relative path another report gives the same file, so formats mix: `/w/src/a.py` is
    `src/a.py` when some report says `src/a.py`."""
    every = set(paths)
    relative: dict[str, list[str]] = defaultdict(list)
    for path in every:
        if not is_absolute(path):
            relative[path.rsplit("/", 1)[-1]].append(path)
    renamed = {}
    for path in every:
        if is_absolute(path):
            fits = [r for r in relative.get(path.rsplit("/", 1)[-1], ())
                    if path.endswith("/" + r)]
            if fits:
                renamed[path] = max(fits, key=len)
    return renamed


def is_absolute(path: str) -> bool:
    return path.startswith("/") or (len(path) > 2 and path[1] == ":" and path[2] == "/")


def _union(files: list[FileCoverage]) -> Totals:
    """One file across jobs. Without per-line data: the best job's figures (a lower bound)."""
    statements = max(f.totals.statements for f in files)
    executed = _covered_in_any(statements, max(f.totals.executed for f in files),
                               [f.missing_lines for f in files])
    branches, taken = _union_branches(files)
    return Totals(statements, executed, branches, taken)


def _covered_in_any(total: int, best: int, missing: Sequence[Collection[int] | None]) -> int:
    """Lines covered by any job: all but those every job missed.

    Never below the best single job, never above the total: reports of one file may disagree.
    """
    known = [m for m in missing if m is not None]
    if len(missing) < 2 or len(known) < len(missing):
        return best
    missed_by_all = set(known[0]).intersection(*known[1:])
    return max(best, min(total - len(missed_by_all), total))


def missed_by_all(files: Sequence[FileCoverage]) -> tuple[int, ...]:
    """The statements of one file that no job executed; () when a report does not say."""
    known = [f.missing_lines for f in files if f.missing_lines is not None]
    if not known or len(known) < len(files):
        return ()
    return tuple(sorted(set(known[0]).intersection(*known[1:])))


def line_ranges(lines: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted line numbers as runs of consecutive lines: [1, 2, 3, 7] → [(1, 3), (7, 7)]."""
    spans: list[tuple[int, int]] = []
    for line in sorted(set(lines)):
        if spans and line == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], line)
        else:
            spans.append((line, line))
    return spans


# ------------------------------------------------------------------ branches, line by line

Keys = frozenset[int | str]


@dataclass(frozen=True, slots=True)
class _Line:
    """One branch line of one job: its branches, how many taken, and their names if known."""

    total: int
    taken: int
    kind: str | None
    taken_keys: Keys | None
    missing_keys: Keys | None


def _union_branches(files: Sequence[FileCoverage]) -> tuple[int, int]:
    carrying = [f for f in files if f.totals.branches]
    if not carrying:
        return 0, 0
    branches = max(f.totals.branches for f in carrying)
    best = max(f.totals.taken for f in carrying)
    lined = [f for f in carrying if f.branch_lines is not None
             or (f.taken_branches is not None and f.missing_branches is not None)]
    if len(lined) < 2:
        return branches, best
    named = _named_union(lined)
    taken = _union_by_line(lined) if named is None else named
    return branches, min(max(best, taken), branches)


def _union_by_line(files: Sequence[FileCoverage]) -> int:
    """Branches taken in some job, line by line (any mix of formats): see `_taken_on`."""
    grouped: dict[int, list[_Line]] = defaultdict(list)
    for fc in files:
        for line, entry in _lines(fc).items():
            grouped[line].append(entry)
    return sum(_taken_on(entries) for entries in grouped.values())


def _named_union(files: Sequence[FileCoverage]) -> int | None:
    """`_union_by_line`'s answer without building a line: every job names each of its
    branches once, taken or missed, with keys of one kind (coverage.py JSON of any version,
    or LCOV). None otherwise (mixed kinds, a key named twice): the line-by-line path.

    Per line, `_taken_on` counts the taken keys of every job united (U_L) but never more than
    the line's most branches in one job (T_L): summed, |U| less each line's excess U_L - T_L
    where it is positive. U_L less job j's branches of the line is the count of U_L's keys
    that job does not name less that of its missed keys no job took, so the excess follows
    from the keys the jobs disagree on alone, and only on lines where U holds keys outside
    every job's (where jobs agree, nothing but set operations runs).
    """
    kind = files[0].branch_kind
    named: list[tuple[set[int | str], set[int | str]]] = []
    for f in files:
        if kind is None or f.branch_kind != kind or f.taken_branches is None \
                or f.missing_branches is None:
            return None
        took: set[int | str] = set(f.taken_branches)
        missed: set[int | str] = set(f.missing_branches)
        if len(took) + len(missed) != len(f.taken_branches) + len(f.missing_branches) \
                or not took.isdisjoint(missed):
            return None  # the line-by-line path says what a key named twice counts
        named.append((took, missed))
    union: set[int | str] = set().union(*(took for took, _ in named))
    line_of: Callable[[Any], int] = _arc_line if kind in ARC_KINDS else _key_line
    outside: list[Counter[int]] = []
    odd: set[int] = set()
    for took, missed in named:
        outside.append(Counter(map(line_of, union.difference(took, missed))))
        odd = set(outside[-1]) if len(outside) == 1 else odd.intersection(outside[-1])
        if not odd:
            return len(union)
    spare = [Counter(map(line_of, missed.difference(union))) for _, missed in named]
    excess = (min(out[line] - free[line] for out, free in zip(outside, spare, strict=True))
              for line in odd)
    return len(union) - sum(n for n in excess if n > 0)


_arc_line = (32).__rrshift__  # arc_line as a C call: `key >> 32` over millions of keys


def _key_line(key: str) -> int:
    head = key.split(",", 1)[0]
    return int(head) if head.isdigit() else 0


def branch_counts(fc: FileCoverage) -> array[int]:
    """Per branch line `branch_line(line, total, taken)`: the report's, or from its arcs."""
    if fc.branch_lines is not None:
        return fc.branch_lines
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for keys, hit in ((fc.missing_branches, 0), (fc.taken_branches, 1)):
        for key in keys or ():
            count = counts[arc_line(key) if isinstance(key, int) else _key_line(key)]
            count[0] += 1
            count[1] += hit
    return array("q", [branch_line(line, total, done)
                       for line, (total, done) in sorted(counts.items())])


def _lines(fc: FileCoverage) -> dict[int, _Line]:
    missing = _keys_by_line(fc.missing_branches)
    taken = _keys_by_line(fc.taken_branches)
    found = {}
    for packed in branch_counts(fc):
        line, total, done = unpack_branch_line(packed)
        found[line] = _Line(
            total, done, fc.branch_kind,
            None if taken is None else frozenset(taken.get(line, ())),
            None if missing is None else frozenset(missing.get(line, ())))
    return found


def _keys_by_line(keys: array[int] | frozenset[str] | None) -> dict[int, list[int | str]] | None:
    if keys is None:
        return None
    grouped: dict[int, list[int | str]] = defaultdict(list)
    for key in keys:
        grouped[arc_line(key) if isinstance(key, int) else _key_line(key)].append(key)
    return grouped


def _taken_on(entries: list[_Line]) -> int:
    """Branches of one line taken in some job: the named ones united where the jobs name
    them comparably, else the most any one job took there."""
    best = max(e.taken for e in entries)
    if len(entries) < 2:
        return best
    kinds = {e.kind for e in entries}
    if None in kinds or (len(kinds) > 1 and not kinds <= ARC_KINDS):
        return best
    sets = _taken_sets(entries)
    if sets is None:
        return best
    total = max(e.total for e in entries)
    return max(best, min(len(frozenset().union(*sets)), total))


def _taken_sets(entries: list[_Line]) -> list[Keys] | None:
    """Each job's taken branches of a line, by name; None when one cannot be named exactly.

    A report that names only its missed branches (Cobertura) gets its taken ones from a job
    that names all of that line's branches, when both count the same branches; two such
    reports alone are united by their common misses when they agree on the count.
    """
    possible = [e.taken_keys | e.missing_keys for e in entries
                if e.taken_keys is not None and e.missing_keys is not None
                and len(e.taken_keys) + len(e.missing_keys) == e.total]
    sets: list[Keys] = []
    for e in entries:
        found: Keys | None = e.taken_keys
        if found is None and e.missing_keys is not None:
            whole = next((p for p in possible if len(p) == e.total and e.missing_keys <= p),
                         None)
            if whole is not None:
                found = whole - e.missing_keys
            elif not possible:
                return _by_common_misses(entries)
        if found is None or len(found) != e.taken:
            return None
        sets.append(found)
    return sets


def _by_common_misses(entries: list[_Line]) -> list[Keys] | None:
    """Reports that name only their misses (and agree on the count): what all missed is
    missed; the rest was taken by some job. Stands for a set of that size."""
    totals = {e.total for e in entries}
    if len(totals) != 1 or any(e.missing_keys is None or len(e.missing_keys) != e.total - e.taken
                               for e in entries):
        return None
    common = frozenset.intersection(*[frozenset(e.missing_keys or ()) for e in entries])
    return [frozenset(range(totals.pop() - len(common)))]


def _hotspots(union: dict[str, Totals], grouped: dict[str, list[FileCoverage]],
              limit: int) -> tuple[Hotspot, ...]:
    """The least covered files; a file with no statements or at 100 % is never one."""
    rows = [(path, t) for path, t in union.items()
            if t.statements > 0 and t.executed + t.taken < t.statements + t.branches]
    rows.sort(key=lambda row: (row[1].percent, -row[1].missed_statements, row[0]))
    return tuple(Hotspot(path, t, len(grouped[path]), missed_by_all(grouped[path]))
                 for path, t in rows[: max(limit, 0)])
