"""A run's artifacts: listed through the API, downloaded, and unzipped safely.

The download is two hops (`downloads`, shared with the jobs' logs): the API answers 302 with a
short-lived signed URL on a storage host; that host gets a plain request without our token. The
zip is streamed to a temp file inside `dest` and removed afterwards. Extraction trusts nothing in
the archive: names must stay inside the artifact's folder, links and special files are refused,
and the unpacked size is counted from the bytes actually written (a header's `file_size` can
lie) against a cap and a compression-ratio limit, so a zip bomb stops early. A refused artifact
leaves no folder behind.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

import requests
from github import Github, GithubException
from github.Artifact import Artifact as GhArtifact
from github.PaginatedList import PaginatedList
from github.Requester import Requester

from ci_toolkit.github import downloads
from ci_toolkit.github.client import PER_PAGE, WaitBudgetExceeded, explain
from ci_toolkit.github.permissions import Permission
from ci_toolkit.markdown import Text

MAX_BYTES_ENV = "CI_TOOLKIT_MAX_UNPACKED_BYTES"
DEFAULT_MAX_BYTES = 2 * 1024**3
MAX_RATIO = 200  # deflate tops out near 1032:1; real reports (JSON, XML, LCOV) stay far below
RATIO_FLOOR = 1024**2  # tiny entries may compress oddly well; judge the ratio past 1 MiB
DOWNLOAD_SLACK = 64 * 1024**2  # zip headers on top of the content: generous for 100k entries
MAX_ENTRIES = 100_000  # a million empty files is an inode bomb, not coverage
CHUNK = downloads.CHUNK


@dataclass(frozen=True)
class Artifact:
    id: int
    name: str
    size: int  # bytes of the zip, as GitHub reports it
    expired: bool
    created: str = field(default="", compare=False)  # ISO 8601 as GitHub gives it, or ""


class ArtifactError(Exception):
    """An artifact could not be listed, downloaded or safely unpacked; one line, no secrets."""

    def __init__(self, name: str, reason: Text) -> None:
        super().__init__(f"Artifact {name!r}: {reason}")
        self.name = name
        self.reason = reason


# ---------------------------------------------------------------------------- listing


def list_artifacts(gh: Github, repository: str, run_id: int, pattern: str) -> list[Artifact]:
    """The run's artifacts whose names match the glob `pattern`, all pages, sorted by name."""
    pages = PaginatedList(GhArtifact, gh.requester, f"/repos/{repository}/actions/runs/{run_id}"
                          "/artifacts", {"per_page": PER_PAGE}, list_item="artifacts")
    try:
        found = [Artifact(a.id, a.name, a.size_in_bytes, a.expired,
                          a.created_at.isoformat() if a.created_at else "") for a in pages]
    except Exception as exc:
        raise ArtifactError(pattern, _explain(exc, f"list the artifacts of run {run_id}")) from exc
    return sorted((a for a in found if fnmatch.fnmatchcase(a.name, pattern)),
                  key=lambda a: (a.name, a.id))


def newest_of_each_name(artifacts: Iterable[Artifact]) -> tuple[list[Artifact], list[Artifact]]:
    """(the newest artifact of each name, sorted by name; the older ones left out).

    A run lists two artifacts of one name when a re-run's attempts both uploaded it, or an
    `upload-artifact@v3` copy sits beside a v4 one: they are one job, not two.
    """
    newest: dict[str, Artifact] = {}
    for artifact in sorted(artifacts, key=lambda a: (a.created, a.id)):
        newest[artifact.name] = artifact
    kept = sorted(newest.values(), key=lambda a: a.name)
    older = [a for a in artifacts if newest[a.name] is not a]
    return kept, older


# ---------------------------------------------------------------------------- download


def download(gh: Github, repository: str, artifact: Artifact, dest: Path, *,
             max_bytes: int | None = None) -> Path:
    """Download `artifact` and unpack it into `dest/<safe name>/`, which is returned."""
    if artifact.expired:
        raise ArtifactError(artifact.name, _EXPIRED)
    limit = max_unpacked_bytes() if max_bytes is None else max_bytes
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / safe_name(artifact)
    if target.exists():
        raise ArtifactError(artifact.name, f"the folder {target.name!r} already exists in {dest}")
    fd, tmp = tempfile.mkstemp(prefix=".artifact-", suffix=".zip", dir=dest)
    os.close(fd)
    try:
        _fetch(gh.requester, repository, artifact, Path(tmp), _download_limit(limit))
        _unpack_or_clean(Path(tmp), target, artifact.name, limit)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def max_unpacked_bytes() -> int:
    """The unpacked-size cap per artifact: CI_TOOLKIT_MAX_UNPACKED_BYTES, else 2 GiB."""
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{MAX_BYTES_ENV} must be a whole number of bytes, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{MAX_BYTES_ENV} must be positive, not {raw!r}")
    return value


def safe_name(artifact: Artifact) -> str:
    """A folder name for the artifact: one path component, nothing hidden or special."""
    name = re.sub(r"[^\w.\-+=@,() \[\]]", "_", artifact.name).strip()
    if not name or name.startswith("."):
        name = f"artifact-{artifact.id}{'_' + name if name.strip('.') else ''}"
    return name[:200]


def _download_limit(max_bytes: int) -> int:
    # A zip is its content plus small per-entry headers; far more than that is not a real artifact.
    return 2 * max_bytes + DOWNLOAD_SLACK


_EXPIRED = ("expired (410): GitHub deleted it after the retention period; "
            "re-run the workflow to upload it again.")


def _fetch(api: Requester, repository: str, artifact: Artifact, into: Path, limit: int) -> None:
    """Both hops (`downloads`), retried together: a retry needs a fresh signed URL."""
    path = f"/repos/{repository}/actions/artifacts/{artifact.id}/zip"

    def attempt() -> None:
        with downloads.stream(_zip_location(api, path, artifact)) as chunks:
            _write_capped(chunks, into, artifact.name, limit)
    try:
        downloads.retrying(attempt, "a retried artifact download")
    except ArtifactError:
        raise
    except downloads.StorageRefused as exc:
        raise ArtifactError(artifact.name, str(exc)) from None
    except Exception as exc:
        raise ArtifactError(artifact.name, _explain(exc, "download it")) from exc


def _zip_location(api: Requester, path: str, artifact: Artifact) -> str:
    try:
        return downloads.location(api, path)
    except GithubException as exc:
        if downloads.gone(exc):
            raise ArtifactError(artifact.name, _EXPIRED) from exc
        raise
    except downloads.NoRedirect:
        raise ArtifactError(artifact.name, "GitHub answered without a redirect to the download "
                            "(the artifacts API may be missing here, as on GitHub Enterprise "
                            "Server; use the `files` mode).") from None


def _write_capped(chunks: Iterable[bytes], into: Path, name: str, limit: int) -> None:
    written = 0
    with into.open("wb") as out:
        for chunk in chunks:
            written += len(chunk)
            if written > limit:
                raise ArtifactError(name, f"the zip is larger than {limit} bytes; refused.")
            out.write(chunk)


def _explain(exc: BaseException, doing: str) -> Text:
    if isinstance(exc, downloads.Retryable):
        return f"Could not {doing}: {exc}, {downloads.ATTEMPTS} times."
    if isinstance(exc, requests.exceptions.RetryError):
        return f"Could not {doing}: GitHub kept answering with server errors."
    if isinstance(exc, (GithubException, WaitBudgetExceeded, requests.RequestException)):
        return explain(exc, doing, Permission.ACTIONS_READ)
    return f"Could not {doing}: {type(exc).__name__}."


# ---------------------------------------------------------------------------- unpacking


def _unpack_or_clean(archive: Path, target: Path, name: str, limit: int) -> None:
    """Unpack, or leave nothing: a half-unpacked artifact must not be read as a whole one."""
    try:
        unpack(archive, target, limit, name=name)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise


def unpack(archive: Path, target: Path, max_bytes: int, *, name: str = "") -> None:
    """Unpack the zip `archive` into the new folder `target`, refusing anything unsafe."""
    name = name or archive.name
    try:
        with zipfile.ZipFile(archive) as zf:
            plan = [(info, _member_path(info, name)) for info in _entries(zf, name)]
            target.mkdir(parents=True)
            budget = _Budget(name, max_bytes, archive.stat().st_size)
            for info, rel in plan:
                _extract(zf, info, target.joinpath(*rel.parts), budget)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ArtifactError(name, f"the zip is corrupt ({_first_line(exc)}).") from None
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression, encrypted entry
        raise ArtifactError(name, f"the zip cannot be read ({_first_line(exc)}).") from None
    except (FileExistsError, NotADirectoryError):  # "a" as a file, then "a/b" below it
        raise ArtifactError(name, "the zip holds one path twice (or a file where a folder "
                            "is); refused.") from None
    except OSError as exc:  # a full disk, say: still this artifact's fault only, not the run's
        raise ArtifactError(name, f"could not be unpacked ({exc.strerror or type(exc).__name__})"
                            ".") from None


def _entries(zf: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise ArtifactError(name, f"the zip holds {len(infos)} entries, over {MAX_ENTRIES}.")
    return infos


def _member_path(info: zipfile.ZipInfo, name: str) -> PurePosixPath:
    """The entry's path relative to the folder, or a refusal for anything that could leave it."""
    raw = info.filename
    if "\\" in raw or "\0" in raw or raw.startswith("/") or re.match(r"[A-Za-z]:", raw):
        raise ArtifactError(name, f"the entry {raw!r} has an unsafe path; refused.")
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise ArtifactError(name, f"the entry {raw!r} leaves the artifact's folder; refused.")
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        raise ArtifactError(name, f"the entry {raw!r} is a symbolic link; refused.")
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise ArtifactError(name, f"the entry {raw!r} is not a regular file; refused.")
    return PurePosixPath(*parts)


class _Budget:
    """Counts the bytes really written, for the whole artifact and per entry."""

    def __init__(self, name: str, max_bytes: int, archive_size: int) -> None:
        self.name, self.max_bytes, self.archive_size, self.total = name, max_bytes, archive_size, 0

    def add(self, info: zipfile.ZipInfo, entry_bytes: int, size: int) -> None:
        self.total += size
        if self.total > self.max_bytes:
            raise ArtifactError(self.name, f"unpacks to more than {self.max_bytes} bytes "
                                f"(set {MAX_BYTES_ENV} to allow more); refused.")
        if _bomb(entry_bytes, info.compress_size):
            raise ArtifactError(self.name, f"the entry {info.filename!r} expands more than "
                                f"{MAX_RATIO} times (a zip bomb?); refused.")
        # Many small bombs, or entries sharing one compressed stream, pass the entry check.
        if _bomb(self.total, self.archive_size):
            raise ArtifactError(self.name, f"the zip expands more than {MAX_RATIO} times "
                                "(a zip bomb?); refused.")


def _bomb(unpacked: int, packed: int) -> bool:
    return unpacked > RATIO_FLOOR and unpacked > MAX_RATIO * max(packed, 1)


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, budget: _Budget) -> None:
    if info.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # "x": a fresh file only, so a duplicate entry cannot overwrite or write through anything.
    with zf.open(info) as src, path.open("xb") as out:
        _copy(src, out, info, budget)


def _copy(src: IO[bytes], out: IO[bytes], info: zipfile.ZipInfo, budget: _Budget) -> None:
    done = 0
    while chunk := src.read(CHUNK):
        done += len(chunk)
        budget.add(info, done, len(chunk))  # before writing: the cap is never overshot on disk
        out.write(chunk)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
