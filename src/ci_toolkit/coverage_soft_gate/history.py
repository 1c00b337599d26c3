"""The totals of the last runs, kept hidden and compact in the tracking issue's body.

One HTML comment holds a JSON list of `[run id, short sha, date, average, worst, combined]`.
Only values we produce go in (numbers, hex, an ISO date), so the comment can never be closed
early by `-->`. A body edited by hand that no longer parses simply starts a new history.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

LIMIT = 30  # runs kept: about 2 KB, a month of daily default-branch runs
_TAG = "ci-toolkit:coverage-history"
_FOUND = re.compile(r"<!-- " + re.escape(_TAG) + r" (\[.*?\]) -->", re.S)
_SHA = re.compile(r"[0-9a-f]{0,40}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Point:
    """One run's totals."""

    run_id: int
    sha: str
    date: str
    average: float
    worst: float
    combined: float | None


def parse(body: str | None) -> list[Point]:
    """The history kept in `body`; entries that do not check out are dropped."""
    found = _FOUND.search(body or "")
    if not found:
        return []
    try:
        entries = json.loads(found.group(1))
    except ValueError:
        return []
    points = [_point(entry) for entry in entries] if isinstance(entries, list) else []
    return [point for point in points if point is not None][-LIMIT:]


def _point(entry: Any) -> Point | None:
    if not (isinstance(entry, list) and len(entry) == 6):
        return None
    run_id, sha, date, average, worst, combined = entry
    numbers_ok = all(_is_percent(v) for v in (average, worst)) and (
        combined is None or _is_percent(combined))
    if not (isinstance(run_id, int) and isinstance(sha, str) and _SHA.fullmatch(sha)
            and isinstance(date, str) and _DATE.fullmatch(date) and numbers_ok):
        return None
    return Point(run_id, sha, date, float(average), float(worst),
                 None if combined is None else float(combined))


def _is_percent(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 100


def add(points: list[Point], point: Point) -> list[Point]:
    """`points` with `point` last; a re-run of the same run replaces its earlier entry."""
    kept = [p for p in points if p.run_id != point.run_id]
    return [*kept, point][-LIMIT:]


def render(points: list[Point]) -> str:
    """The hidden comment that `parse` reads back."""
    entries = [[p.run_id, p.sha, p.date, round(p.average, 2), round(p.worst, 2),
                None if p.combined is None else round(p.combined, 2)] for p in points[-LIMIT:]]
    return f"<!-- {_TAG} {json.dumps(entries, separators=(',', ':'))} -->"
