"""Where the reports come from: files on disk (`files`) or the run's artifacts.

Each job is read, summarised by the reader into a compact model, and its files are let go
before the next job is read, so memory holds one job's report at a time. A job that cannot be
read is a problem to report, never the end: the other jobs still count.
"""

from __future__ import annotations

import glob
import json
import re
from collections import defaultdict
from pathlib import Path

from ci_toolkit.coverage import JobReport, Keep, ReportError, read_job, read_report
from ci_toolkit.coverage.readers import xml_kind
from ci_toolkit.markdown import Message
from ci_toolkit.runtime import Warn

# Names a report is likely to have, to say why none was read (the folder reader skips them).
REPORT_NAMES = ("*coverage*.json", "*coverage*.xml", "*.info", "*.lcov", "*cobertura*.xml",
                "*jacoco*.xml", "*clover*.xml", ".coverage", ".coverage.*")
# coverage-upload's record of the commit and ref the job measured (GITHUB_SHA, GITHUB_REF).
COMMIT_FILE = "ci-toolkit-commit.json"
# Test results that sit beside a report add their counts to its job.
JUNIT_NAMES = ("pytest-report.xml", "pytest-report.xml.gz", "*junit*.xml", "*junit*.xml.gz")


def find_reports(root: Path, patterns: list[str]) -> dict[str, list[Path]]:
    """Files matching the globs (relative to `root`, `**` recursive), grouped into jobs.

    A report's folder names its job; the several formats of one folder are one job (the reader
    keeps the richest), and the JUnit files beside them add test counts.
    """
    matched = {Path(root, hit) for pattern in patterns
               for hit in glob.glob(pattern, root_dir=root, recursive=True)}
    folders: dict[Path, set[Path]] = defaultdict(set)
    for path in matched:
        if path.is_file():
            folders[path.parent].add(path)
    for folder, files in folders.items():
        files.update(p for name in JUNIT_NAMES for p in folder.glob(name) if p.is_file())
    names = _job_names(root, sorted(folders))
    return {names[folder] or _first_report(files): sorted(files)
            for folder, files in sorted(folders.items())}


def _first_report(files: set[Path]) -> str:
    """The name of a workspace-root job: its (first) coverage report's file name."""
    junit = {p for p in files if any(p.match(name) for name in JUNIT_NAMES)}
    return min(files - junit or files).name


def folders(root: Path, patterns: list[str]) -> list[str]:
    """The patterns that name a folder (relative to `root`) rather than files."""
    return [pattern for pattern in patterns if Path(root, pattern).is_dir()]


def _job_names(root: Path, folders: list[Path]) -> dict[Path, str]:
    """The folder's name; its path when two folders share a name; the workspace's own
    reports by their file (`coverage.json`), never `.`."""
    short = [folder.name if folder.resolve() != root.resolve() else "" for folder in folders]
    names = {}
    for folder, name in zip(folders, short, strict=True):
        if short.count(name) > 1:
            name = folder.relative_to(root).as_posix() if folder.is_relative_to(root) \
                else folder.as_posix()
        names[folder] = name
    return names


def read_files(groups: dict[str, list[Path]], warn: Warn,
               keep: Keep | None = None) -> list[JobReport]:
    return [report for job, paths in groups.items()
            if (report := read_one(paths, job, warn, keep)) is not None]


def read_one(source: Path | list[Path], job: str, warn: Warn,
             keep: Keep | None = None) -> JobReport | None:
    """One job, or None (with a warning naming the job and the cause). A file in a format
    the readers do not take, or one that is empty or cut, is named as what it is, with the
    fix, and never read as another format (a Clover `coverage.xml` is not Cobertura)."""
    files = _files(source)
    wrong = {path: what for path in files if (what := wrong_report(path)) is not None}
    try:
        report = read_job([p for p in files if p not in wrong], job, keep)
        for problem in report.warnings:
            warn(Message("Job '{}': {}.", job, problem))
        return report
    except ReportError as exc:
        if wrong or (wrong := _junit_alone(files)):
            for path, what in wrong.items():
                warn(Message("Job '{}' was left out: {} ", job, path.name).then(what))
            return None
        found = _why_unreadable(files) or exc
        warn(Message("Job '{}' was left out: {}{}.", job, _where(found.path), found.reason))
    except Exception as exc:  # a reader's own fault must not cost the other jobs
        warn(f"Job '{job}' was left out: the report could not be read "
             f"({type(exc).__name__}: {exc}).")
    return None


def _files(source: Path | list[Path]) -> list[Path]:
    return sorted(p for p in source.rglob("*") if p.is_file()) if isinstance(source, Path) \
        else list(source)


def _why_unreadable(files: list[Path]) -> ReportError | None:
    """The cause for the first report-like file, when the folder reader found no report."""
    for path in files:
        if any(path.match(name) for name in REPORT_NAMES):
            try:
                read_report(path)
            except ReportError as exc:
                return exc
            except Exception:
                continue
    return None


def _where(path: str) -> str:
    name = Path(path).name
    return f"{name}: " if name else ""


def measured_commit(folder: Path) -> tuple[str, str] | None:
    """(sha, ref) from coverage-upload's commit file in a downloaded artifact, if any."""
    for path in sorted(folder.rglob(COMMIT_FILE)):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        sha = data.get("sha") if isinstance(data, dict) else None
        if isinstance(sha, str) and re.fullmatch(r"[0-9a-fA-F]{40}", sha):
            return sha.lower(), str(data.get("ref") or "")
    return None


# ---------------------------------------------------------------------------- wrong reports

_FIX = ("For Python, upload coverage.py's `coverage json` (or `coverage xml`); for other "
        "languages, Cobertura XML or LCOV.")
_DATA_FILE = ("is coverage.py's data file, which holds no statement lists: run `coverage json` "
              "(or `coverage xml`) in the test job, where the sources are, and upload that "
              "(coverage-upload does it).")
_XML_KINDS = {
    "jacoco": "is a JaCoCo XML report, which is not read: export Cobertura XML (or LCOV) too.",
    "clover": "is a Clover XML report (PHPUnit, Jest, OpenClover), which is not read: export "
              "Cobertura XML (PHPUnit `--coverage-cobertura`, Jest's `cobertura` reporter) "
              "or LCOV.",
    "junit": "is a JUnit test report, not coverage: it only adds test counts beside a coverage "
             "report. " + _FIX,
}
_HEAD = 4096
_TAIL = 64


def wrong_report(path: Path) -> str | None:
    """What `path` is when it is a report-like file the readers cannot take (another format,
    coverage.py's data file, empty, cut short), with the fix; None: leave it to the readers."""
    name = path.name.lower()
    if any(path.match(pattern) for pattern in JUNIT_NAMES) or (
            not any(path.match(pattern) for pattern in REPORT_NAMES)
            and not name.endswith((".json", ".xml"))):
        return None  # a broken test report costs only the test counts (the reader says so)
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(_HEAD)
            fh.seek(max(0, size - _TAIL))
            tail = fh.read().rstrip()
    except OSError:
        return None
    if head.startswith(b"SQLite format 3\x00") or name == ".coverage" or \
            name.startswith(".coverage."):
        return _DATA_FILE
    if head.startswith(b"\x1f\x8b"):
        return None  # gzipped: the readers open it themselves
    if not head.strip():
        return ("is empty: the coverage step wrote nothing (did it run, and finish?). " + _FIX)
    kind = xml_kind(head.lstrip(b"\xef\xbb\xbf \t\r\n"))
    if kind in _XML_KINDS and kind != "junit":
        return _XML_KINDS[kind]
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if (first == b"{" and not tail.endswith(b"}")) or (first == b"<" and not tail.endswith(b">")):
        return ("ends mid-way (cut short): the coverage step or the upload was interrupted; "
                "re-run the test job.")
    return None


def _junit_alone(files: list[Path]) -> dict[Path, str]:
    """The JUnit files of a job that has no coverage report at all."""
    found = {}
    for path in files:
        try:
            with open(path, "rb") as fh:
                head = fh.read(_HEAD)
        except OSError:
            continue
        if xml_kind(head.lstrip(b"\xef\xbb\xbf \t\r\n")) == "junit":
            found[path] = _XML_KINDS["junit"]
    return found
