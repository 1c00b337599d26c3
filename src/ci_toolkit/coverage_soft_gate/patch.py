"""Patch coverage: the lines a change adds or modifies, against the union of executed lines.

Pure but for `git_changes` (the local `diff-base`): the changed lines come in as
`ChangedFile`s (from GitHub's file lists or from `git diff`), the coverage as the jobs'
reports. A changed file no report measured, or one GitHub gives no patch for, stays in the
result as "not measured" with the reason: never dropped silently.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_toolkit.coverage import FileCoverage, JobReport
from ci_toolkit.coverage.analysis import by_path
from ci_toolkit.runtime import InputError

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_HUNK_U0 = re.compile(_HUNK.pattern, re.MULTILINE)
_FILE_START = re.compile(r"^(?=diff --git )", re.MULTILINE)
NO_PATCH = "GitHub gives no patch for it: binary or too large"
NOT_IN_REPORTS = "in no coverage report"
RENAMED = "renamed, no line changed"


@dataclass(frozen=True)
class ChangedFile:
    """One file of the change: its path after the change and the lines added or modified."""

    path: str
    lines: tuple[int, ...] | None  # None: no patch to read them from
    status: str = "modified"  # GitHub's: added, modified, renamed, copied, changed, removed
    previous: str = ""  # the path before a rename


@dataclass(frozen=True)
class Changes:
    """The changed files of a change, and why the list may be cut ("" when whole)."""

    files: list[ChangedFile]
    cut: str = ""
    at: str = ""  # the commit whose line numbers these are, when not the measured one


@dataclass(frozen=True)
class FilePatch:
    path: str
    changed: tuple[int, ...]  # changed lines that are statements
    covered: tuple[int, ...]
    missed: tuple[int, ...]
    not_measured: str = ""  # why there are no figures ("" when measured)
    previous: str = ""


@dataclass
class Patch:
    files: list[FilePatch] = field(default_factory=list)
    cut: str = ""  # why the list of changed files may be incomplete ("" when whole)

    @property
    def statements(self) -> int:
        return sum(len(f.changed) for f in self.files)

    @property
    def covered(self) -> int:
        return sum(len(f.covered) for f in self.files)

    @property
    def percent(self) -> float | None:
        """Changed statements executed in any job, in %; None when none changed."""
        return 100.0 * self.covered / self.statements if self.statements else None

    @property
    def measured(self) -> list[FilePatch]:
        return [f for f in self.files if not f.not_measured and f.changed]

    @property
    def unmeasured(self) -> list[FilePatch]:
        return [f for f in self.files if f.not_measured]


# ------------------------------------------------------------------ reading diffs


def added_lines(patch: str) -> tuple[int, ...]:
    """The new-side line numbers of the `+` lines of one file's unified diff hunks."""
    lines: list[int] = []
    number = 0
    for text in patch.splitlines():
        hunk = _HUNK.match(text)
        if hunk:
            number = int(hunk.group(1))
        elif text.startswith("+") and not text.startswith("+++"):
            lines.append(number)
            number += 1
        elif text.startswith(" "):
            number += 1
        # "-" lines and "\ No newline at end of file" do not move the new side
    return tuple(lines)


def parse_git_diff(text: str) -> list[ChangedFile]:
    """`git diff --unified=0 -M` output, file by file (deleted files left out).

    With no context lines a hunk's new side is exactly its changed lines, so the hunk headers
    alone give them: the content lines are never looked at one by one (a diff of 2,000 files
    and 600,000 lines is read in a fraction of a second). Content lines start with `+`, `-`,
    ` ` or `\\`, so only real file and hunk headers start a line with `diff --git ` or `@@`.
    """
    files: list[ChangedFile] = []
    for chunk in _FILE_START.split(text):
        if chunk.startswith("diff --git "):
            found = _git_file(chunk)
            if found is not None:
                files.append(found)
    return files


def _git_file(chunk: str) -> ChangedFile | None:
    header = chunk.partition("\n@@")[0].splitlines()
    path = previous = ""
    status, binary = "modified", False
    for line in header:
        if line.startswith("+++ "):
            path = _git_path(line[4:])
        elif line.startswith("rename from "):
            previous, status = line[len("rename from "):], "renamed"
        elif line.startswith("rename to "):
            path = path or line[len("rename to "):]
        elif line.startswith("new file mode"):
            status = "added"
        elif line.startswith("deleted file mode"):
            return None
        elif line.startswith("Binary files "):
            binary = True
    if not path:  # a rename or mode change without content: the header names the file
        head = header[0].removeprefix("diff --git ")
        path = _git_path(head.split(" b/", 1)[-1] if " b/" in head else head)
    if not path or path == "/dev/null":
        return None
    lines: list[int] = []
    for hunk in _HUNK_U0.finditer(chunk):
        start = int(hunk.group(1))
        lines.extend(range(start, start + int(hunk.group(2) or 1)))
    return ChangedFile(path, None if binary else tuple(lines), status, previous)


def _git_path(name: str) -> str:
    name = name.strip()
    if name.startswith('"') and name.endswith('"'):  # git quotes unusual names
        name = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
        name = name.encode("latin-1").decode("utf-8", "replace")
    return name[2:] if name.startswith(("a/", "b/")) else name


# ------------------------------------------------------------------ against the coverage


def patch_coverage(jobs: Sequence[JobReport], changed: Iterable[ChangedFile],
                   cut: str = "") -> Patch:
    """Each changed file's changed statements, covered in some job or missed."""
    changed = list(changed)
    reports = by_path(jobs)
    index = _Index(reports)
    extensions = {path.rsplit(".", 1)[-1] for path in reports if "." in path}
    result = Patch(cut=cut)
    for change in sorted(changed, key=lambda c: c.path):
        files = index.find(change.path)
        if change.lines is None:
            result.files.append(_unmeasured(change, NO_PATCH))
        elif files is None:
            if _is_source(change.path, extensions) or change.status == "renamed":
                result.files.append(_unmeasured(change, NOT_IN_REPORTS))
        elif not change.lines and change.status == "renamed":
            result.files.append(_unmeasured(change, RENAMED))
        else:
            result.files.append(_measure(change, files))
    return result


def _unmeasured(change: ChangedFile, why: str) -> FilePatch:
    return FilePatch(change.path, (), (), (), why, change.previous)


def _is_source(path: str, extensions: set[str]) -> bool:
    return "." in path and path.rsplit(".", 1)[-1] in extensions


def _measure(change: ChangedFile, files: list[FileCoverage]) -> FilePatch:
    lines = set(change.lines or ())
    executed: set[int] = set()
    statements: set[int] = set()
    known = False
    for fc in files:
        if fc.executed_lines is None or fc.missing_lines is None:
            continue
        known = True
        executed.update(fc.executed_lines)
        statements.update(fc.executed_lines)
        statements.update(fc.missing_lines)
    if not known:
        return _unmeasured(change, "its reports carry no per-line data")
    ran = tuple(sorted(lines & executed))
    missed = tuple(sorted((lines & statements) - executed))
    return FilePatch(change.path, tuple(sorted(lines & statements)), ran, missed, "",
                     change.previous)


class SamePath:
    """Which of a set of paths name the same file as a given path: the path itself, or one
    that ends the other at a folder boundary (a report relative to `src/`, or absolute, against
    a repository path). Every look-up is a set or dict look-up per folder of the path, so it
    costs the path's depth, not the number of paths that share its file name."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.paths = set(paths)
        self.ending: dict[str, list[str]] = defaultdict(list)  # tail -> paths that end in it
        for path in self.paths:
            for tail in _tails(path):
                self.ending[tail].append(path)

    def matches(self, path: str) -> list[str]:
        """The known paths naming the file `path` names: itself first, if known."""
        found = [path] if path in self.paths else []
        return found + self.ending.get(path, []) + [t for t in _tails(path) if t in self.paths]

    def __contains__(self, path: str) -> bool:
        return path in self.paths or path in self.ending or any(
            tail in self.paths for tail in _tails(path))


class _Index:
    """Reports' files found from a repository path (`SamePath`): the exact path, else the
    longest that names the same file."""

    def __init__(self, reports: dict[str, list[FileCoverage]]) -> None:
        self.reports = reports
        self.same = SamePath(reports)

    def find(self, path: str) -> list[FileCoverage] | None:
        fits = self.same.matches(path)
        if not fits:
            return None
        return self.reports[path if path in self.reports else max(fits, key=len)]


class KeepChanged:
    """The reader's `keep`: executed lines are kept only for the changed files (`SamePath`)."""

    def __init__(self, changed: Iterable[ChangedFile]) -> None:
        self.changed = SamePath(c.path for c in changed if c.lines)

    def __call__(self, path: str) -> bool:
        return path in self.changed


def _tails(path: str) -> list[str]:
    """`a/b/c.py` → `b/c.py`, `c.py`: what follows each `/`."""
    return [path[i + 1:] for i, char in enumerate(path) if char == "/"]


# ------------------------------------------------------------------ the local diff


def git_changes(workspace: Path, base: str) -> list[ChangedFile]:
    """The changes since `base` in the workspace's git checkout, uncommitted ones included:
    `git diff` against the merge base of `base` and HEAD (what a pull request would show).

    Raises InputError (`diff-base`) where git is missing or cannot diff against `base`.
    """
    git = shutil.which("git")
    if git is None:
        raise InputError("diff-base", "needs git, and git is not installed here (the Docker "
                         "image has none): run the command where git is, e.g. through pipx")
    since = _git(git, workspace, "merge-base", base, "HEAD").strip()
    text = _git(git, workspace, "-c", "core.quotepath=off", "diff", "--unified=0",
                "--no-color", "--no-ext-diff", "-M", since, "--")
    return parse_git_diff(text)


def _git(git: str, workspace: Path, *args: str) -> str:
    done = subprocess.run([git, "-C", str(workspace), *args], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        why = next((line for line in done.stderr.splitlines() if line.strip()), "failed")
        raise InputError("diff-base", f"`git {args[0]}` failed in {workspace}: {why}")
    return done.stdout


def changed_file(entry: dict[str, Any]) -> ChangedFile | None:
    """One of GitHub's DiffEntry dicts (pull request or commit files); removed files: None."""
    status = str(entry.get("status") or "modified")
    path = str(entry.get("filename") or "")
    if not path or status == "removed":
        return None
    patch = entry.get("patch")
    lines = added_lines(patch) if isinstance(patch, str) else None
    if lines is None and status == "renamed" and not entry.get("changes"):
        lines = ()  # a pure rename: no patch because nothing changed
    return ChangedFile(path, lines, status, str(entry.get("previous_filename") or ""))
