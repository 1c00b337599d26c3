"""A pull request's changed files, in as few requests as GitHub allows.

- `pull_files`: `GET /pulls/{n}/files`, 100 a page, every page GitHub serves (it lists at most
  3,000 files). The lines are the head's: the diff of the head against the merge base.
- `commit_files`: `GET /commits/{sha}`, whose files (300 a page, at most 3,000) are the diff
  against the commit's FIRST parent. For the merge commit a `pull_request` run measures
  (parents: the base, then the head) that is exactly the pull request's change, with the
  merge commit's line numbers (they differ from the head's when the base moved on). The
  compare API would give the same diff but only 300 files.
- `find_pull`: the open pull request of a head branch (`head=owner:branch`): a fork's
  `workflow_run` carries an empty `pull_requests`.

Each file is GitHub's DiffEntry as a dict: `filename`, `status`, `patch` (absent for binary
or very large files), `previous_filename` (renames).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from github import Github

from ci_toolkit.github.client import PER_PAGE

FILES_LIMIT = 3000  # GitHub lists no more files of a pull request or a commit
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
_MAX_PAGES = 40  # 3,000 files at 100 (pulls) or 300 (commits) a page, and a margin


@dataclass
class Files:
    files: list[dict[str, Any]]
    parents: tuple[str, ...] = ()  # of a commit: two for a merge commit (base, then head)
    announced: int | None = None  # the pull request's `changed_files`, when known


def _pages(gh: Github, url: str, params: dict[str, Any]) -> Iterator[Any]:
    """Every page's JSON, following the Link header (the next URL carries its own query)."""
    next_url: str | None = url
    query: dict[str, Any] | None = params
    for _ in range(_MAX_PAGES):
        if next_url is None:
            return
        headers, data = gh.requester.requestJsonAndCheck("GET", next_url, parameters=query)
        yield data
        next_url, query = _next(headers), None


def _next(headers: Mapping[str, Any]) -> str | None:
    value = next((str(v) for k, v in headers.items() if k.lower() == "link"), "")
    match = _NEXT.search(value)
    return match.group(1) if match else None


def pull_files(gh: Github, repository: str, number: int) -> Files:
    files: list[dict[str, Any]] = []
    for page in _pages(gh, f"/repos/{repository}/pulls/{number}/files", {"per_page": PER_PAGE}):
        files.extend(f for f in page or [] if isinstance(f, dict))
    return Files(files)


def commit_files(gh: Github, repository: str, sha: str) -> Files:
    files: list[dict[str, Any]] = []
    parents: tuple[str, ...] = ()
    for page in _pages(gh, f"/repos/{repository}/commits/{sha}", {}):  # 300 files a page
        if isinstance(page, dict):
            parents = tuple(str(p.get("sha") or "").lower() for p in page.get("parents") or []
                            if isinstance(p, dict))
            files.extend(f for f in page.get("files") or [] if isinstance(f, dict))
    return Files(files, parents)


def get_pull(gh: Github, repository: str, number: int) -> dict[str, Any]:
    _, data = gh.requester.requestJsonAndCheck("GET", f"/repos/{repository}/pulls/{number}")
    return data if isinstance(data, dict) else {}


def find_pull(gh: Github, repository: str, owner: str, branch: str,
              sha: str = "") -> dict[str, Any] | None:
    """The open pull request from `owner:branch` (the one at `sha` when several are)."""
    found: list[dict[str, Any]] = []
    params = {"head": f"{owner}:{branch}", "state": "open", "per_page": PER_PAGE}
    for page in _pages(gh, f"/repos/{repository}/pulls", params):
        found.extend(p for p in page or [] if isinstance(p, dict))
    at_sha = [p for p in found if (p.get("head") or {}).get("sha") == sha]
    return next(iter(at_sha or found), None)
