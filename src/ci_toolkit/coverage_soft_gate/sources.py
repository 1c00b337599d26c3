"""Where the reports come from: files on disk (`files`) or the run's artifacts.

Each job is read, summarised by the reader into a compact model, and its files are let go
before the next job is read, so memory holds one job's report at a time. A job that cannot be
read is a problem to report, never the end: the other jobs still count.
"""

from __future__ import annotations

import glob
import json
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ci_toolkit.coverage import JobReport, Keep, ReportError, read_job, read_report
from ci_toolkit.markdown import Message
from ci_toolkit.runtime import Warn

if TYPE_CHECKING:  # PyGithub is imported only when artifacts are really downloaded
    from github import Github

# Names a report is likely to have, to say why none was read (the folder reader skips them).
REPORT_NAMES = ("*coverage*.json", "*coverage*.xml", "*.info", "*.lcov", "*cobertura*.xml")
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
    return {names[folder]: sorted(files) for folder, files in sorted(folders.items())}


def folders(root: Path, patterns: list[str]) -> list[str]:
    """The patterns that name a folder (relative to `root`) rather than files."""
    return [pattern for pattern in patterns if Path(root, pattern).is_dir()]


def _job_names(root: Path, folders: list[Path]) -> dict[Path, str]:
    """The folder's name; its path when two folders share a name; the workspace as `.`."""
    short = [folder.name if folder.resolve() != root.resolve() else "." for folder in folders]
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
    """One job, or None (with a warning naming the job and the cause)."""
    try:
        report = read_job(source, job, keep)
        for problem in report.warnings:
            warn(Message("Job '{}': {}.", job, problem))
        return report
    except ReportError as exc:
        found = _why_unreadable(source) or exc
        warn(Message("Job '{}' was left out: {}{}.", job, _where(found.path), found.reason))
    except Exception as exc:  # a reader's own fault must not cost the other jobs
        warn(f"Job '{job}' was left out: the report could not be read "
             f"({type(exc).__name__}: {exc}).")
    return None


def _why_unreadable(source: Path | list[Path]) -> ReportError | None:
    """The cause for the first report-like file, when the folder reader found no report."""
    files = sorted(p for p in source.rglob("*") if p.is_file()) if isinstance(source, Path) \
        else source
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


def read_artifacts(gh: Github, repository: str, run_id: int, pattern: str, temp_root: Path,
                   warn: Warn, keep: Callable[[Path], Keep | None] | None = None
                   ) -> list[JobReport]:
    """Each artifact matching `pattern` is one job, downloaded and read one at a time.

    `keep` is shown each downloaded folder before its report is read (it may hold the
    measured commit) and says which files' executed lines to keep.
    """
    from ci_toolkit.coverage_soft_gate.artifacts import (
        ArtifactError,
        download,
        list_artifacts,
        newest_of_each_name,
    )

    try:
        artifacts, older = newest_of_each_name(list_artifacts(gh, repository, run_id, pattern))
    except ArtifactError as exc:
        warn(exc.reason)
        return []
    for name in sorted({a.name for a in older}):
        copies = 1 + sum(a.name == name for a in older)
        warn(Message("{} artifacts of run {} are named '{}' (a re-run's attempts, or an "
                     "upload-artifact v3 copy beside v4): only the newest was read, as one "
                     "job.", copies, run_id, name))
    if not artifacts:
        warn(Message("No artifact of run {} matches '{}': upload each test job's reports as "
                     "an artifact with a matching name, or set `files`.", run_id, pattern))
    temp_root.mkdir(parents=True, exist_ok=True)
    reports = []
    with tempfile.TemporaryDirectory(prefix="coverage-soft-gate-", dir=temp_root) as tmp:
        for artifact in artifacts:
            try:
                folder = download(gh, repository, artifact, Path(tmp))
            except (ArtifactError, ValueError) as exc:
                reason = exc.reason if isinstance(exc, ArtifactError) else str(exc)
                warn(Message("Job '{}' was left out: {}", artifact.name, reason))
                continue
            report = read_one(folder, artifact.name, warn, keep(folder) if keep else None)
            shutil.rmtree(folder, ignore_errors=True)  # one job on disk at a time
            if report is not None:
                reports.append(report)
    return reports


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
