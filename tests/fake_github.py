"""A stateful fake of the GitHub REST API, served over real HTTP for PyGithub.

Two servers run in daemon threads: the API on 127.0.0.1 and an artifact "blob" origin on
127.0.0.2 (falling back to 127.0.0.1 on another port where 127.0.0.2 cannot be bound). Artifact
downloads answer 302 to the blob origin, as GitHub does with its storage host; a different
*host* (not only port) makes clients treat it as another origin, and the blob server refuses
any request carrying an Authorization header, so a token leak fails loudly.

Standard library only. Responses follow the shapes of GitHub's REST description: checked in
tests/test_fake_github.py against githubkit's models of it (each route there has a row in CASES),
and against the OpenAPI subset in ../shared/github-api where that folder is present.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import threading
import time
import urllib.parse
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DOCS = "https://docs.github.com/rest"
MAX_BODY = 65536
RATE_LIMIT = 1000  # GITHUB_TOKEN: 1,000 requests per hour per repository
INSTALLATION_ID = 12345678


class Headers(dict[str, str]):
    """A dict of HTTP headers with case-insensitive keys (original spelling kept)."""

    def _key(self, name: str) -> str | None:
        return next((k for k in self if k.lower() == name.lower()), None)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._key(name) is not None

    def __getitem__(self, name: str) -> str:
        key = self._key(name)
        if key is None:
            raise KeyError(name)
        return super().__getitem__(key)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        key = self._key(name)
        return default if key is None else super().__getitem__(key)


@dataclass
class Recorded:
    method: str
    path: str  # without the query string
    query: dict[str, str]
    headers: Headers
    body: Any  # parsed JSON, or None


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-serialisable, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Rule:
    method: str
    path_regex: str
    times: int
    status: int = 0
    body: Any = None
    headers: dict[str, str] | None = None
    hang: bool = False
    then_apply: bool = True

    def matches(self, method: str, path: str) -> bool:
        return (
            self.times > 0
            and self.method in (method, "*")
            and re.search(self.path_regex, path) is not None
        )


class ApiError(Exception):
    """Raised by handlers; turned into a GitHub error response."""

    def __init__(
        self, status: int, message: str, errors: list[dict] | None = None, doc: str = DOCS
    ):
        super().__init__(message)
        self.response = Response(status, error_body(status, message, errors, doc))


def error_body(
    status: int, message: str, errors: list[dict] | None = None, doc: str = DOCS
) -> dict:
    body: dict[str, Any] = {"message": message}
    if errors is not None:
        body["errors"] = errors
    body["documentation_url"] = doc
    body["status"] = str(status)
    return body


def validation_failed(*errors: dict) -> ApiError:
    return ApiError(422, "Validation Failed", list(errors))


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now() -> str:
    return iso(datetime.now(UTC))


def sha1(*parts: Any) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()


def make_zip(files: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


Handler = Callable[..., Response]


class FakeGitHub:
    token: str = "ghs_faketoken123"

    def __init__(
        self, owner: str = "octo-org", repo: str = "octo-repo", default_branch: str = "main"
    ):
        self.owner, self.repo, self.default_branch = owner, repo, default_branch
        self.repo_full_name = f"{owner}/{repo}"
        self.server_url = "https://github.com"
        self.url = ""  # set by __enter__
        self.blob_url = ""
        self.requests: list[Recorded] = []
        self.blob_requests: list[Recorded] = []
        # fault injection and repository settings
        self.read_only = False
        self.drafts_supported = True
        self.actions_can_create_prs = True
        self.rate_limit_limit = RATE_LIMIT
        self.rate_limit_remaining = RATE_LIMIT
        self.rate_limit_reset = int(time.time()) + 3600
        self._rules: list[_Rule] = []
        # state
        self.issues: dict[int, dict] = {}
        self.comments: dict[int, list[dict]] = {}
        self.labels: dict[str, dict] = {}
        self.pulls: dict[int, dict] = {}  # number -> PR-only fields (head, base, draft, ...)
        self.reviews: dict[int, list[dict]] = {}  # PR number -> submitted reviews
        self.milestones: dict[int, dict] = {}  # number -> milestone json
        self.sub_issues: dict[int, list[int]] = {}  # parent number -> sub-issue numbers
        # who may be requested as a reviewer or assigned (GET .../assignees/{login})
        self.collaborators: set[str] = {"octocat", "mona", "hubot"}
        self.runs: dict[int, dict] = {}
        self.jobs: dict[int, list[dict]] = {}  # run id -> jobs of every attempt
        self.artifacts: dict[int, dict] = {}  # artifact id -> artifact json
        self.artifact_zips: dict[int, bytes] = {}
        self.job_logs: dict[int, bytes | None] = {}  # job id -> its log; None: deleted (410)
        self.annotations: dict[int, list[dict]] = {}  # check run (job) id -> its annotations
        self.refs: dict[str, str] = {}  # "refs/heads/main" -> sha
        self.commits: dict[str, dict] = {}  # sha -> git commit json
        self.commit_logins: dict[str, str] = {}  # sha -> the account GitHub links (default octocat)
        self.trees: dict[str, dict] = {}  # sha -> git tree json
        self.statuses: list[dict] = []
        self.check_runs: list[dict] = []
        self.pull_files: dict[int, list[dict]] = {}  # PR number -> its DiffEntry list
        self.commit_files: dict[str, list[dict]] = {}  # sha -> DiffEntry list (first parent)
        # --- issue types and the Copilot coding agent (issue #26)
        self.owner_type = "Organization"  # "User": a personal account (no issue types)
        self.issue_types: list[dict] = []  # the organization's, as GET /orgs/{org}/issue-types
        self.user_token = "github_pat_fakeuser456"  # a person's token (assigns Copilot)
        self.copilot_enabled = True  # the Copilot coding agent may be assigned here
        self.agent_assignments: dict[int, dict] = {}  # issue number -> `agent_assignment` sent
        self._ids = itertools.count(1001)
        self._lock = threading.RLock()
        self._servers: list[ThreadingHTTPServer] = []
        self.repo_id = next(self._ids)
        tree = self.add_tree({"README.md": "# octo-repo\n"})
        commit = self.add_commit("Initial commit", tree=tree["sha"], parents=[])
        self.refs[f"refs/heads/{default_branch}"] = commit["sha"]
        self._routes = self._build_routes()

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> FakeGitHub:
        api = self._serve("127.0.0.1", self._handle_api)
        self.url = f"http://127.0.0.1:{api.server_address[1]}"
        try:
            blob = self._serve("127.0.0.2", self._handle_blob)
        except OSError:  # 127.0.0.2 is not routed (e.g. macOS): another port is another origin too
            blob = self._serve("127.0.0.1", self._handle_blob)
        self.blob_url = f"http://{blob.server_address[0]}:{blob.server_address[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def _serve(
        self, host: str, handle: Callable[[BaseHTTPRequestHandler, str], None]
    ) -> ThreadingHTTPServer:
        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

        for verb in ("GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"):
            setattr(RequestHandler, f"do_{verb}", lambda h, v=verb: handle(h, v))
        server = ThreadingHTTPServer((host, 0), RequestHandler)
        server.daemon_threads = True
        # a short poll interval keeps shutdown() (once per test) fast
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        self._servers.append(server)
        return server

    # ------------------------------------------------------------------ test helpers

    def count(self, method: str | None = None, prefix: str | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method.upper())
            and (prefix is None or r.path.startswith(prefix))
        )

    def fail(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        times: int = 1,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """The next `times` requests matching method ("*" = any) and path_regex get this answer."""
        if body is None:
            body = error_body(status, HTTPStatus(status).phrase)
        self._rules.append(_Rule(method.upper(), path_regex, times, status, body, headers))

    def hang(
        self, method: str, path_regex: str, *, times: int = 1, then_apply: bool = True
    ) -> None:
        """The next `times` matching requests are applied (if then_apply), then the connection is
        closed without an answer: the client sees a connection error, like a timeout."""
        self._rules.append(
            _Rule(method.upper(), path_regex, times, hang=True, then_apply=then_apply)
        )

    # ------------------------------------------------------------------ seeding

    def _user(self, login: str = "octocat", type_: str = "User") -> dict:
        api, uid = f"{self.url}/users/{login}", int(sha1(login)[:6], 16)
        return {
            "login": login,
            "id": uid,
            "node_id": f"MDQ6VXNlcj{uid}",
            "type": type_,
            "site_admin": False,
            "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
            "gravatar_id": "",
            "url": api,
            "html_url": f"{self.server_url}/{login}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
        }

    @property
    def _api(self) -> str:
        return f"{self.url}/repos/{self.repo_full_name}"

    @property
    def _html(self) -> str:
        return f"{self.server_url}/{self.repo_full_name}"

    def add_label(self, name: str, color: str = "ededed", description: str | None = None) -> dict:
        lid = next(self._ids)
        label = {
            "id": lid,
            "node_id": f"LA_{lid}",
            "url": f"{self._api}/labels/{urllib.parse.quote(name)}",
            "name": name,
            "color": color,
            "default": False,
            "description": description,
            "archived_at": None,  # GitHub's description since 2026: archived labels
            "archived_by": None,
        }
        self.labels[name] = label
        return label

    def _label(self, name: str, create: bool = False) -> dict | None:
        found = next(
            (lb for lb in self.labels.values() if lb["name"].lower() == name.lower()), None
        )
        return self.add_label(name) if found is None and create else found

    def add_issue(
        self,
        title: str,
        body: str = "",
        labels: Iterable[str] = (),
        state: str = "open",
        user: str = "octocat",
    ) -> dict:
        number = max(self.issues, default=0) + 1
        iid, url, stamp = next(self._ids), f"{self._api}/issues/{number}", now()
        issue = {
            "id": iid,
            "node_id": f"I_{iid}",
            "number": number,
            "title": title,
            "body": body,
            "state": state,
            "state_reason": "completed" if state == "closed" else None,
            "labels": [self._label(n, create=True) for n in labels],
            "user": self._user(user),
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "parent_issue_url": None,
            "type": None,
            "sub_issues_summary": {"total": 0, "completed": 0, "percent_completed": 0},
            "locked": False,
            "active_lock_reason": None,
            "comments": 0,
            "author_association": "MEMBER",
            "url": url,
            "repository_url": self._api,
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{self._html}/issues/{number}",
            "created_at": stamp,
            "updated_at": stamp,
            "closed_at": stamp if state == "closed" else None,
            "closed_by": None,
            "reactions": self._reactions(url),
        }
        self.issues[number] = issue
        self.comments[number] = []
        return issue

    def _reactions(self, url: str) -> dict:
        counts = dict.fromkeys(
            ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket"), 0
        )
        return {"url": f"{url}/reactions", "total_count": 0, **counts}

    def add_comment(self, number: int, body: str, user: str = "octocat") -> dict:
        cid, stamp = next(self._ids), now()
        comment = {
            "id": cid,
            "node_id": f"IC_{cid}",
            "url": f"{self._api}/issues/comments/{cid}",
            "html_url": f"{self._html}/issues/{number}#issuecomment-{cid}",
            "body": body,
            "user": self._user(user),
            "created_at": stamp,
            "updated_at": stamp,
            "issue_url": f"{self._api}/issues/{number}",
            "author_association": "MEMBER",
            "reactions": self._reactions(f"{self._api}/issues/comments/{cid}"),
        }
        self.comments.setdefault(number, []).append(comment)
        return comment

    def add_milestone(self, title: str, state: str = "open") -> dict:
        number = len(self.milestones) + 1
        mid, stamp = next(self._ids), now()
        html = f"{self._html}/milestone/{number}"
        milestone = {
            "url": f"{self._api}/milestones/{number}",
            "html_url": html,
            "labels_url": f"{self._api}/milestones/{number}/labels",
            "id": mid,
            "node_id": f"MI_{mid}",
            "number": number,
            "state": state,
            "title": title,
            "description": None,
            "creator": self._user(),
            "open_issues": 0,
            "closed_issues": 0,
            "created_at": stamp,
            "updated_at": stamp,
            "closed_at": stamp if state == "closed" else None,
            "due_on": None,
        }
        self.milestones[number] = milestone
        return milestone

    def add_sub_issue(self, parent: int, child: int) -> None:
        """Link issue `child` under `parent`, as GitHub's sub-issues do (one parent each)."""
        self.sub_issues.setdefault(parent, []).append(child)
        self.issues[child]["parent_issue_url"] = self.issues[parent]["url"]
        summary = self.issues[parent]["sub_issues_summary"]
        summary["total"] = len(self.sub_issues[parent])

    def add_tree(self, files: dict[str, str]) -> dict:
        entries = [
            {
                "path": path,
                "mode": "100644",
                "type": "blob",
                "sha": sha1("blob", text),
                "size": len(text),
            }
            for path, text in sorted(files.items())
        ]
        sha = sha1("tree", entries)
        for e in entries:
            e["url"] = f"{self._api}/git/blobs/{e['sha']}"
        tree = {
            "sha": sha,
            "url": f"{self._api}/git/trees/{sha}",
            "tree": entries,
            "truncated": False,
        }
        self.trees[sha] = tree
        return tree

    def add_commit(
        self,
        message: str,
        *,
        tree: str | None = None,
        parents: list[str] | None = None,
        author: dict | None = None,
        login: str | None = None,
    ) -> dict:
        """Add a git commit; defaults: the default branch's tree and head as parent.

        `login` is the account GitHub links to the author's e-mail (the REST commit's `author`
        and `committer`; `[bot]` logins are Bot accounts); default `octocat`."""
        head = self.refs.get(f"refs/heads/{self.default_branch}")
        if parents is None:
            parents = [head] if head else []
        if tree is None:
            tree = self.commits[head]["tree"]["sha"] if head else next(iter(self.trees))
        person = {
            "name": "Mona Lisa",
            "email": "octocat@github.com",
            "date": now(),
            **(author or {}),
        }
        sha = sha1("commit", message, tree, parents, person, next(self._ids))
        commit = {
            "sha": sha,
            "node_id": f"C_{sha[:12]}",
            "url": f"{self._api}/git/commits/{sha}",
            "html_url": f"{self._html}/commit/{sha}",
            "author": person,
            "committer": dict(person),
            "tree": {"sha": tree, "url": f"{self._api}/git/trees/{tree}"},
            "message": message,
            "parents": [
                {
                    "sha": p,
                    "url": f"{self._api}/git/commits/{p}",
                    "html_url": f"{self._html}/commit/{p}",
                }
                for p in parents
            ],
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        }
        self.commits[sha] = commit
        if login:
            self.commit_logins[sha] = login
        return commit

    def add_branch(self, name: str, sha: str | None = None) -> dict:
        """Create refs/heads/<name> at sha (default: a new commit on top of the default branch)."""
        if sha is None:
            sha = self.add_commit(f"Work on {name}")["sha"]
        elif sha not in self.commits:
            raise ValueError(f"unknown commit {sha}")
        self.refs[f"refs/heads/{name}"] = sha
        return self._ref_json(f"refs/heads/{name}")

    def add_pull(
        self,
        title: str,
        head: str,
        base: str | None = None,
        body: str = "",
        draft: bool = False,
        *,
        fork: str | None = None,
        user: str = "octocat",
    ) -> dict:
        """Add a pull request from branch `head` (created if missing); returns its PR json.

        `fork`: the owner of the fork the head branch lives in (its commit is made here too).
        `user` is the author; a login ending in `[bot]`, or `Copilot` (GitHub's coding agent,
        whose REST login has no suffix), is a Bot account.
        """
        if fork is not None:
            head_sha = self.add_commit(f"Work on {fork}:{head}")["sha"]
        elif f"refs/heads/{head}" not in self.refs:
            self.add_branch(head)
        issue = self.add_issue(title, body, user=user)
        if user.endswith("[bot]") or user == "Copilot":
            issue["user"] = self._user(user, "Bot")
        issue["pull_request"] = {
            "url": f"{self._api}/pulls/{issue['number']}",
            "html_url": f"{self._html}/pull/{issue['number']}",
            "diff_url": f"{self._html}/pull/{issue['number']}.diff",
            "patch_url": f"{self._html}/pull/{issue['number']}.patch",
            "merged_at": None,
        }
        issue["draft"] = draft
        issue["html_url"] = issue["pull_request"]["html_url"]  # as GitHub lists a PR among issues
        self.pulls[issue["number"]] = {
            "id": next(self._ids),
            "head": head,
            "base": base or self.default_branch,
            "draft": draft,
            **({"fork": fork, "head_sha": head_sha} if fork is not None else {}),
            "requested_reviewers": [],
        }
        self.reviews[issue["number"]] = []
        return self._pull_json(issue["number"])

    def diff_entry(self, path: str, patch: str | None, status: str = "modified",
                   previous: str | None = None) -> dict:
        """One changed file as GitHub lists it (no `patch` for binary or very large files)."""
        added = sum(1 for line in (patch or "").splitlines() if line.startswith("+"))
        removed = sum(1 for line in (patch or "").splitlines() if line.startswith("-"))
        blob = sha1("blob", path, patch)
        entry = {
            "sha": blob,
            "filename": path,
            "status": status,
            "additions": added,
            "deletions": removed,
            "changes": added + removed,
            "blob_url": f"{self._html}/blob/{blob}/{urllib.parse.quote(path)}",
            "raw_url": f"{self._html}/raw/{blob}/{urllib.parse.quote(path)}",
            "contents_url": f"{self._api}/contents/{urllib.parse.quote(path)}?ref={blob}",
        }
        if patch is not None:
            entry["patch"] = patch
        if previous is not None:
            entry["previous_filename"] = previous
        return entry

    def set_pull_files(self, number: int, files: list[dict]) -> None:
        """The pull request's changed files (head against the merge base): `diff_entry`s."""
        self.pull_files[number] = files

    def add_merge_commit(self, number: int, files: list[dict]) -> str:
        """The merge commit a `pull_request` run measures (parents: base head, PR head), whose
        first-parent diff is `files`; returns its sha."""
        head = self._pull_json(number)["head"]["sha"]
        base = self.refs[f"refs/heads/{self.pulls[number]['base']}"]
        sha = self.add_commit(f"Merge {head} into {base}", parents=[base, head])["sha"]
        self.commit_files[sha] = files
        return sha

    def add_review(self, number: int, login: str, state: str = "APPROVED") -> dict:
        """A submitted review; like GitHub, it ends the reviewer's pending request."""
        rid, pr = next(self._ids), self.pulls[number]
        review = {
            "id": rid,
            "node_id": f"PRR_{rid}",
            "user": self._user(login),
            "body": "",
            "state": state,
            "html_url": f"{self._html}/pull/{number}#pullrequestreview-{rid}",
            "pull_request_url": f"{self._api}/pulls/{number}",
            "_links": {
                "html": {"href": f"{self._html}/pull/{number}#pullrequestreview-{rid}"},
                "pull_request": {"href": f"{self._api}/pulls/{number}"},
            },
            "submitted_at": now(),
            "commit_id": self._pull_json(number)["head"]["sha"],
            "author_association": "MEMBER",
        }
        self.reviews[number].append(review)
        pr["requested_reviewers"] = [
            u for u in pr["requested_reviewers"] if u.lower() != login.lower()
        ]
        return review

    def add_run(
        self,
        run_id: int,
        *,
        head_branch: str = "main",
        event: str = "push",
        run_attempt: int = 1,
        jobs: Iterable[dict] = (),
        artifacts: Iterable[tuple[str, bytes] | dict] = (),
        status: str = "in_progress",
        conclusion: str | None = None,
        name: str = "CI",
    ) -> dict:
        head_sha = (
            self.refs.get(f"refs/heads/{head_branch}")
            or self.refs[f"refs/heads/{self.default_branch}"]
        )
        url, html, stamp = (
            f"{self._api}/actions/runs/{run_id}",
            f"{self._html}/actions/runs/{run_id}",
            now(),
        )
        commit = self.commits.get(head_sha)
        person = {"name": "Mona Lisa", "email": "octocat@github.com"}
        run = {
            "id": run_id,
            "node_id": f"WFR_{run_id}",
            "name": name,
            "head_branch": head_branch,
            "head_sha": head_sha,
            "path": ".github/workflows/ci.yml",
            "display_title": name,
            "run_number": len(self.runs) + 1,
            "run_attempt": run_attempt,
            "event": event,
            "status": status,
            "conclusion": conclusion,
            "workflow_id": 161335,
            "check_suite_id": run_id + 1,
            "check_suite_node_id": f"CS_{run_id}",
            "url": url,
            "html_url": html,
            "pull_requests": [],
            "created_at": stamp,
            "updated_at": stamp,
            "run_started_at": stamp,
            "actor": self._user(),
            "triggering_actor": self._user(),
            "jobs_url": f"{url}/jobs",
            "logs_url": f"{url}/logs",
            "check_suite_url": f"{self._api}/check-suites/{run_id + 1}",
            "artifacts_url": f"{url}/artifacts",
            "cancel_url": f"{url}/cancel",
            "rerun_url": f"{url}/rerun",
            "previous_attempt_url": f"{url}/attempts/{run_attempt - 1}"
            if run_attempt > 1
            else None,
            "workflow_url": f"{self._api}/actions/workflows/161335",
            "head_commit": {
                "id": head_sha,
                "tree_id": commit["tree"]["sha"] if commit else head_sha,
                "message": commit["message"] if commit else "",
                "timestamp": stamp,
                "author": person,
                "committer": person,
            },
            "repository": self._repo_json(),
            "head_repository": self._repo_json(),
        }
        self.runs[run_id] = run
        self.jobs[run_id] = []
        for job in jobs:
            self.add_job(run_id, **job)
        for art in artifacts:
            if isinstance(art, dict):
                self.add_artifact(run_id, **art)
            else:
                self.add_artifact(run_id, art[0], data=art[1])
        return run

    def add_job(
        self,
        run_id: int,
        name: str,
        status: str = "completed",
        conclusion: str | None = "success",
        run_attempt: int | None = None,
        **extra: Any,
    ) -> dict:
        run, jid = self.runs[run_id], next(self._ids)
        stamp = now()
        job = {
            "id": jid,
            "node_id": f"CR_{jid}",
            "run_id": run_id,
            "run_url": run["url"],
            "run_attempt": run_attempt or run["run_attempt"],
            "head_sha": run["head_sha"],
            "head_branch": run["head_branch"],
            "workflow_name": run["name"],
            "name": name,
            "url": f"{self._api}/actions/jobs/{jid}",
            "html_url": f"{run['html_url']}/job/{jid}",
            "check_run_url": f"{self._api}/check-runs/{jid}",
            "status": status,
            "conclusion": conclusion if status == "completed" else None,
            "created_at": stamp,
            "started_at": stamp,
            "completed_at": stamp if status == "completed" else None,
            "steps": [],
            "labels": ["ubuntu-latest"],
            "runner_id": 1,
            "runner_name": "GitHub Actions 1",
            "runner_group_id": 1,
            "runner_group_name": "GitHub Actions",
        }
        job.update(extra)
        job["steps"] = [self._step(job, n, s) for n, s in enumerate(job["steps"], 1)]
        self.jobs[run_id].append(job)
        return job

    @staticmethod
    def _step(job: dict, number: int, step: dict) -> dict:
        """A job's step in GitHub's shape; `{"name", "conclusion"}` is enough to give."""
        status = step.get("status", "completed" if step.get("conclusion") else "queued")
        return {
            "name": step["name"],
            "status": status,
            "conclusion": step.get("conclusion") if status == "completed" else None,
            "number": step.get("number", number),
            "started_at": step.get("started_at", job["started_at"]),
            "completed_at": step.get(
                "completed_at", job["completed_at"] if status == "completed" else None
            ),
        }

    def add_annotation(self, job_id: int, message: str, *, path: str = ".github",
                       line: int = 1, level: str = "failure", title: str = "") -> dict:
        """An annotation of the job's check run (the runner's, or a problem matcher's)."""
        found = {
            "path": path, "blob_href": f"{self._html}/blob/{'0' * 40}/{path}",
            "start_line": line, "end_line": line, "start_column": None, "end_column": None,
            "annotation_level": level, "title": title, "message": message, "raw_details": None,
        }
        self.annotations.setdefault(job_id, []).append(found)
        return found

    def add_job_log(self, job_id: int, log: bytes | str | None) -> None:
        """The log GET .../actions/jobs/{id}/logs redirects to; None: deleted (410 Gone)."""
        self.job_logs[job_id] = log.encode() if isinstance(log, str) else log

    def add_artifact(
        self,
        run_id: int,
        name: str,
        *,
        files: dict[str, bytes | str] | None = None,
        data: bytes | None = None,
        expired: bool = False,
    ) -> dict:
        """Add an artifact to a run; `files` are zipped, or `data` is the zip itself."""
        blob = data if data is not None else make_zip(files or {})
        aid, run, created = next(self._ids), self.runs[run_id], datetime.now(UTC)
        expires = created - timedelta(days=1) if expired else created + timedelta(days=90)
        art = {
            "id": aid,
            "node_id": f"MDg6QXJ0aWZhY3Q{aid}",
            "name": name,
            "size_in_bytes": len(blob),
            "url": f"{self._api}/actions/artifacts/{aid}",
            "archive_download_url": f"{self._api}/actions/artifacts/{aid}/zip",
            "expired": expired,
            "digest": "sha256:" + hashlib.sha256(blob).hexdigest(),
            "created_at": iso(created),
            "updated_at": iso(created),
            "expires_at": iso(expires),
            "workflow_run": {
                "id": run_id,
                "repository_id": self.repo_id,
                "head_repository_id": self.repo_id,
                "head_branch": run["head_branch"],
                "head_sha": run["head_sha"],
            },
        }
        self.artifacts[aid] = art
        self.artifact_zips[aid] = blob
        return art

    # ------------------------------------------------------------------ JSON views

    def _repo_json(self) -> dict:
        api, html, stamp = self._api, self._html, "2020-01-01T00:00:00Z"
        url_names = (
            "assignees_url:/assignees{/user} blobs_url:/git/blobs{/sha} "
            "branches_url:/branches{/branch} "
            "collaborators_url:/collaborators{/collaborator} comments_url:/comments{/number} "
            "commits_url:/commits{/sha} compare_url:/compare/{base}...{head} "
            "contents_url:/contents/{+path} "
            "contributors_url:/contributors deployments_url:/deployments downloads_url:/downloads "
            "events_url:/events forks_url:/forks git_commits_url:/git/commits{/sha} "
            "git_refs_url:/git/refs{/sha} git_tags_url:/git/tags{/sha} hooks_url:/hooks "
            "issue_comment_url:/issues/comments{/number} issue_events_url:/issues/events{/number} "
            "issues_url:/issues{/number} keys_url:/keys{/key_id} labels_url:/labels{/name} "
            "languages_url:/languages merges_url:/merges milestones_url:/milestones{/number} "
            "notifications_url:/notifications{?since,all,participating} pulls_url:/pulls{/number} "
            "releases_url:/releases{/id} stargazers_url:/stargazers statuses_url:/statuses/{sha} "
            "subscribers_url:/subscribers subscription_url:/subscription tags_url:/tags "
            "teams_url:/teams "
            "trees_url:/git/trees{/sha} archive_url:/{archive_format}{/ref}"
        )
        urls = {k: api + v for k, v in (item.split(":", 1) for item in url_names.split())}
        open_count = sum(1 for i in self.issues.values() if i["state"] == "open")
        return {
            "id": self.repo_id,
            "node_id": f"R_{self.repo_id}",
            "name": self.repo,
            "full_name": self.repo_full_name,
            "owner": self._user(self.owner, self.owner_type),
            "private": False,
            "visibility": "public",
            "description": "A fake repository",
            "fork": False,
            "url": api,
            "html_url": html,
            **urls,
            "clone_url": f"{html}.git",
            "git_url": f"git://github.com/{self.repo_full_name}.git",
            "ssh_url": f"git@github.com:{self.repo_full_name}.git",
            "svn_url": html,
            "mirror_url": None,
            "homepage": None,
            "language": "Python",
            "default_branch": self.default_branch,
            "forks": 0,
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers": 0,
            "watchers_count": 0,
            "open_issues": open_count,
            "open_issues_count": open_count,
            "size": 1,
            "has_issues": True,
            "has_projects": True,
            "has_wiki": True,
            "has_pages": False,
            "has_downloads": True,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "is_template": False,
            "topics": [],
            "license": None,
            "pushed_at": stamp,
            "created_at": stamp,
            "updated_at": stamp,
            "network_count": 0,
            "subscribers_count": 0,
            "permissions": {
                "admin": False,
                "maintain": False,
                "push": not self.read_only,
                "triage": True,
                "pull": True,
            },
        }

    def _issue_json(self, number: int) -> dict:
        issue = self.issues[number]
        issue["comments"] = len(self.comments.get(number, []))
        return issue

    def _branch_side(self, branch: str, fork: str | None = None, sha: str | None = None) -> dict:
        sha = sha or self.refs.get(f"refs/heads/{branch}", "0" * 40)
        repo = self._repo_json()
        if fork is not None:  # the fork: same name, another owner
            repo = {**repo, "full_name": f"{fork}/{self.repo}", "owner": self._user(fork),
                    "fork": True, "id": int(sha1(fork)[:6], 16)}
        return {
            "label": f"{fork or self.owner}:{branch}",
            "ref": branch,
            "sha": sha,
            "user": self._user(fork) if fork else self._user(self.owner, "Organization"),
            "repo": repo,
        }

    def _pull_json(self, number: int) -> dict:
        issue, pr = self._issue_json(number), self.pulls[number]
        api, html = f"{self._api}/pulls/{number}", f"{self._html}/pull/{number}"
        merged = pr.get("merged_at")
        return {
            "id": pr["id"],
            "node_id": f"PR_{pr['id']}",
            "number": number,
            "url": api,
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": issue["url"],
            "commits_url": f"{api}/commits",
            "review_comments_url": f"{api}/comments",
            "review_comment_url": f"{self._api}/pulls/comments{{/number}}",
            "comments_url": issue["comments_url"],
            "statuses_url": f"{self._api}/statuses/{self._branch_side(pr['head'])['sha']}",
            "state": issue["state"],
            "locked": False,
            "title": issue["title"],
            "user": issue["user"],
            "body": issue["body"],
            "labels": issue["labels"],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": issue["created_at"],
            "updated_at": issue["updated_at"],
            "closed_at": issue["closed_at"],
            "merged_at": merged,
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [self._user(u) for u in pr.get("requested_reviewers", [])],
            "requested_teams": [],
            "head": self._branch_side(pr["head"], pr.get("fork"), pr.get("head_sha")),
            "base": self._branch_side(pr["base"]),
            "_links": {
                k: {"href": v}
                for k, v in {
                    "self": api,
                    "html": html,
                    "issue": issue["url"],
                    "comments": issue["comments_url"],
                    "review_comments": f"{api}/comments",
                    "review_comment": f"{self._api}/pulls/comments{{/number}}",
                    "commits": f"{api}/commits",
                    "statuses": f"{self._api}/statuses/{self._branch_side(pr['head'])['sha']}",
                }.items()
            },
            "author_association": "MEMBER",
            "auto_merge": None,
            "draft": pr["draft"],
            "merged": merged is not None,
            "mergeable": True,
            "rebaseable": True,
            "mergeable_state": "clean",
            "merged_by": None,
            "comments": issue["comments"],
            "review_comments": 0,
            "maintainer_can_modify": False,
            "commits": 1,
            "additions": 1,
            "deletions": 0,
            "changed_files": len(self.pull_files.get(number, [])) or 1,
        }

    def _ref_json(self, ref: str) -> dict:
        sha = self.refs[ref]
        return {
            "ref": ref,
            "node_id": f"REF_{sha1(ref)[:12]}",
            "url": f"{self._api}/git/{ref}",
            "object": {"type": "commit", "sha": sha, "url": f"{self._api}/git/commits/{sha}"},
        }

    def _repo_commit_json(self, sha: str) -> dict:
        """repos/get-commit shape: the git commit wrapped with GitHub users."""
        git = self.commits[sha]
        login = self.commit_logins.get(sha, "octocat")
        user = self._user(login, "Bot" if login.endswith("[bot]") else "User")
        return {
            "url": f"{self._api}/commits/{sha}",
            "sha": sha,
            "node_id": git["node_id"],
            "html_url": git["html_url"],
            "comments_url": f"{self._api}/commits/{sha}/comments",
            "commit": {
                "url": git["url"],
                "author": git["author"],
                "committer": git["committer"],
                "message": git["message"],
                "comment_count": 0,
                "tree": git["tree"],
                "verification": git["verification"],
            },
            "author": user,
            "committer": user,
            "parents": git["parents"],
            "stats": {"additions": 1, "deletions": 0, "total": 1},
            "files": [],
        }

    # ------------------------------------------------------------------ HTTP plumbing

    def _rate_headers(self, resource: str = "core") -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.rate_limit_limit),
            "X-RateLimit-Remaining": str(max(self.rate_limit_remaining, 0)),
            "X-RateLimit-Used": str(self.rate_limit_limit - max(self.rate_limit_remaining, 0)),
            "X-RateLimit-Reset": str(self.rate_limit_reset),
            "X-RateLimit-Resource": resource,
        }

    def _handle_api(self, h: BaseHTTPRequestHandler, method: str) -> None:
        rec = _read_request(h, method)
        with self._lock:
            self.requests.append(rec)
            rule = next((r for r in self._rules if r.matches(method, rec.path)), None)
            if rule:
                rule.times -= 1
            if rule and rule.hang:
                if rule.then_apply:
                    self._respond(rec)
                h.close_connection = True  # drop the connection without answering
                return
            if rule:
                resp = Response(rule.status, rule.body, dict(rule.headers or {}))
            else:
                resp = self._respond(rec)
            resource = (
                "search"
                if rec.path.startswith("/search/")
                else "graphql" if rec.path == "/graphql" else "core"
            )
            headers = {**self._rate_headers(resource), **resp.headers}
        _send(h, resp.status, resp.body, headers)

    def _respond(self, rec: Recorded) -> Response:
        auth = rec.headers.get("Authorization", "")
        if not auth:  # GitHub's answer to a request that needs a token and sent none
            return Response(401, error_body(401, "Requires authentication"))
        if auth.split(" ")[-1] not in (self.token, self.user_token) or " " not in auth:
            return Response(401, error_body(401, "Bad credentials"))
        if rec.path != "/rate_limit":
            if self.rate_limit_remaining <= 0:
                msg = f"API rate limit exceeded for installation ID {INSTALLATION_ID}."
                doc = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
                return Response(403, error_body(403, msg, doc=doc))
            self.rate_limit_remaining -= 1
        if self.read_only and rec.method != "GET" and rec.path != "/graphql":
            return Response(403, error_body(403, "Resource not accessible by integration"))
        for verb, pattern, handler in self._routes:
            m = pattern.fullmatch(rec.path)
            if m and verb == rec.method:
                params = {k: urllib.parse.unquote(v) for k, v in m.groupdict().items()}
                if (
                    params.pop("owner", self.owner).lower() != self.owner.lower()
                    or params.pop("repo", self.repo).lower() != self.repo.lower()
                ):
                    return Response(404, error_body(404, "Not Found"))
                try:
                    return handler(rec, **params)
                except ApiError as e:
                    return e.response
        return Response(404, error_body(404, "Not Found"))

    def _handle_blob(self, h: BaseHTTPRequestHandler, method: str) -> None:
        rec = _read_request(h, method)
        self.blob_requests.append(rec)
        m = re.fullmatch(r"/artifacts/(\d+)/[0-9a-f-]+\.zip", rec.path)
        log = re.fullmatch(r"/logs/(\d+)/[0-9a-f-]+\.txt", rec.path)
        if "Authorization" in rec.headers:  # storage rejects a foreign credential next to the SAS
            _send(
                h,
                400,
                b"Authorization header is not accepted by the blob store",
                {"Content-Type": "text/plain"},
            )
        elif m and int(m.group(1)) in self.artifact_zips:
            _send(h, 200, self.artifact_zips[int(m.group(1))], {"Content-Type": "application/zip"})
        elif log and self.job_logs.get(int(log.group(1))) is not None:
            text = self.job_logs[int(log.group(1))]
            _send(h, 200, text, {"Content-Type": "text/plain; charset=utf-8"})
        else:
            _send(h, 404, b"BlobNotFound", {"Content-Type": "text/plain"})

    # ------------------------------------------------------------------ routes

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        r = "/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/rate_limit", self.get_rate_limit),
            ("GET", "/search/issues", self.search_issues),
            ("GET", r, self.get_repo),
            ("GET", r + "/issues", self.list_issues),
            ("POST", r + "/issues", self.create_issue),
            ("GET", r + r"/issues/(?P<number>\d+)", self.get_issue),
            ("PATCH", r + r"/issues/(?P<number>\d+)", self.update_issue),
            ("GET", r + r"/issues/(?P<number>\d+)/comments", self.list_comments),
            ("POST", r + r"/issues/(?P<number>\d+)/comments", self.create_comment),
            ("GET", r + r"/issues/comments/(?P<cid>\d+)", self.get_comment),
            ("PATCH", r + r"/issues/comments/(?P<cid>\d+)", self.update_comment),
            ("POST", r + r"/issues/(?P<number>\d+)/labels", self.add_issue_labels),
            (
                "DELETE",
                r + r"/issues/(?P<number>\d+)/labels/(?P<name>[^/]+)",
                self.remove_issue_label,
            ),
            ("GET", r + "/milestones", self.list_milestones),
            ("GET", r + "/assignees/(?P<login>[^/]+)", self.check_assignee),
            ("GET", r + r"/issues/(?P<number>\d+)/sub_issues", self.list_sub_issues),
            ("POST", r + r"/issues/(?P<number>\d+)/sub_issues", self.create_sub_issue),
            ("GET", r + "/labels", self.list_labels),
            ("POST", r + "/labels", self.create_label),
            ("GET", r + "/labels/(?P<name>[^/]+)", self.get_label),
            ("GET", r + r"/actions/runs/(?P<run_id>\d+)", self.get_run),
            ("GET", r + r"/actions/runs/(?P<run_id>\d+)/jobs", self.list_jobs),
            (
                "GET",
                r + r"/actions/runs/(?P<run_id>\d+)/attempts/(?P<attempt>\d+)/jobs",
                self.list_jobs,
            ),
            ("GET", r + r"/actions/jobs/(?P<job_id>\d+)/logs", self.download_job_log),
            ("GET", r + r"/actions/runs/(?P<run_id>\d+)/artifacts", self.list_artifacts),
            ("GET", r + r"/actions/artifacts/(?P<aid>\d+)", self.get_artifact),
            ("GET", r + r"/actions/artifacts/(?P<aid>\d+)/(?P<fmt>[^/]+)", self.download_artifact),
            ("GET", r + "/git/ref/(?P<ref>.+)", self.get_ref),
            ("POST", r + "/git/refs", self.create_ref),
            ("PATCH", r + "/git/refs/(?P<ref>.+)", self.update_ref),
            ("POST", r + "/git/commits", self.create_commit),
            ("GET", r + "/git/commits/(?P<sha>[0-9a-f]+)", self.get_git_commit),
            ("GET", r + "/git/trees/(?P<sha>[0-9a-f]+)", self.get_tree),
            ("GET", r + "/branches/(?P<branch>.+)", self.get_branch),
            ("GET", r + "/commits", self.list_commits),
            ("GET", r + "/commits/(?P<ref>.+)", self.get_commit),
            ("GET", r + "/pulls", self.list_pulls),
            ("POST", r + "/pulls", self.create_pull),
            ("GET", r + r"/pulls/(?P<number>\d+)", self.get_pull),
            ("GET", r + r"/pulls/(?P<number>\d+)/files", self.list_pull_files),
            ("PATCH", r + r"/pulls/(?P<number>\d+)", self.update_pull),
            (
                "POST",
                r + r"/pulls/(?P<number>\d+)/requested_reviewers",
                self.request_reviewers,
            ),
            ("GET", r + r"/pulls/(?P<number>\d+)/reviews", self.list_reviews),
            ("POST", "/graphql", self.graphql),
            ("POST", r + "/statuses/(?P<sha>[^/]+)", self.create_status),
            ("POST", r + "/check-runs", self.create_check_run),
            *self._agent_routes(r),
            ("GET", r + r"/check-runs/(?P<cid>\d+)/annotations", self.list_annotations),
        ]
        return [(verb, re.compile(pattern), handler) for verb, pattern, handler in table]

    def _paginate(
        self, rec: Recorded, items: list, key: str | None = None, per_page_default: int = 30
    ) -> Response:
        """One page of items, with a Link header; wrapped as {total_count, key: [...]} if key."""
        try:
            per_page = min(max(int(rec.query.get("per_page", per_page_default)), 1),
                           max(100, per_page_default))
            page = max(int(rec.query.get("page", 1)), 1)
        except ValueError:
            raise validation_failed(
                {"resource": "Search", "field": "per_page", "code": "invalid"}
            ) from None
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        links = {}
        if page < last:
            links.update(next=page + 1, last=last)
        if page > 1:
            links.update(prev=page - 1, first=1)
        headers = {}
        if links:

            def link(p: int) -> str:
                return f"{self.url}{rec.path}?" + urllib.parse.urlencode({**rec.query, "page": p})

            headers["Link"] = ", ".join(f'<{link(p)}>; rel="{rel}"' for rel, p in links.items())
        body: Any = chunk if key is None else {"total_count": len(items), key: chunk}
        return Response(200, body, headers)

    # --- meta

    def get_rate_limit(self, rec: Recorded) -> Response:
        core = {
            "limit": self.rate_limit_limit,
            "remaining": max(self.rate_limit_remaining, 0),
            "used": self.rate_limit_limit - max(self.rate_limit_remaining, 0),
            "reset": self.rate_limit_reset,
        }
        search = {"limit": 30, "remaining": 30, "used": 0, "reset": int(time.time()) + 60}
        return Response(200, {"resources": {"core": core, "search": search}, "rate": core})

    def search_issues(self, rec: Recorded) -> Response:
        return Response(
            200,
            {"total_count": 0, "incomplete_results": False, "items": [], "search_type": "lexical"},
        )

    def get_repo(self, rec: Recorded) -> Response:
        return Response(200, self._repo_json())

    # --- issues

    def _get_issue(self, number: str | int) -> dict:
        if int(number) not in self.issues:
            raise not_found()
        return self.issues[int(number)]

    @staticmethod
    def _check_body(body: Any, resource: str) -> None:
        if body is not None and not isinstance(body, str):
            raise validation_failed({"resource": resource, "field": "body", "code": "invalid"})
        if body is not None and len(body) > MAX_BODY:
            raise validation_failed(
                {
                    "resource": resource,
                    "field": "body",
                    "code": "custom",
                    "message": f"body is too long (maximum is {MAX_BODY} characters)",
                }
            )

    def list_issues(self, rec: Recorded) -> Response:
        q = rec.query
        state = q.get("state", "open")
        wanted = [n.strip().lower() for n in q.get("labels", "").split(",") if n.strip()]
        items = [self._issue_json(n) for n in self.issues]
        items = [
            i
            for i in items
            if state in ("all", i["state"])
            and all(w in {lb["name"].lower() for lb in i["labels"]} for w in wanted)
            and q.get("creator", i["user"]["login"]).lower() == i["user"]["login"].lower()
            and i["updated_at"] >= q.get("since", "")
        ]
        sort = q.get("sort", "created")
        keys = {
            "created": lambda i: i["number"],
            "updated": lambda i: (i["updated_at"], i["number"]),
            "comments": lambda i: (i["comments"], i["number"]),
        }
        items.sort(
            key=keys.get(sort, keys["created"]), reverse=q.get("direction", "desc") == "desc"
        )
        return self._paginate(rec, items)

    def create_issue(self, rec: Recorded) -> Response:
        data = rec.body if isinstance(rec.body, dict) else {}
        if not isinstance(data.get("title"), (str, int)) or data.get("title") == "":
            raise validation_failed(
                {"resource": "Issue", "field": "title", "code": "missing_field"}
            )
        self._check_body(data.get("body"), "Issue")
        logins = [str(x) for x in data.get("assignees") or []]
        known = {c.lower() for c in self.collaborators} | self._copilot_assignable(rec)
        for login in logins:
            if login.lower() not in known:
                raise validation_failed(
                    {"value": login, "resource": "Issue", "field": "assignees", "code": "invalid"}
                )
        milestone = data.get("milestone")
        if milestone is not None and milestone not in self.milestones:
            raise validation_failed(
                {"value": milestone, "resource": "Issue", "field": "milestone", "code": "invalid"}
            )
        issue = self.add_issue(
            str(data["title"]), data.get("body") or None, self._label_names(data.get("labels"))
        )  # type: ignore[arg-type]
        issue["assignees"] = [self._assignee(login) for login in logins]
        issue["assignee"] = issue["assignees"][0] if logins else None
        issue["milestone"] = self.milestones[milestone] if milestone is not None else None
        issue["type"] = self._issue_type(data.get("type"))
        return Response(201, self._issue_json(issue["number"]), {"Location": issue["url"]})

    def get_issue(self, rec: Recorded, number: str) -> Response:
        return Response(200, self._issue_json(self._get_issue(number)["number"]))

    def update_issue(self, rec: Recorded, number: str) -> Response:
        issue, data = self._get_issue(number), rec.body or {}
        self._apply_issue_update(issue, data, "Issue")
        return Response(200, self._issue_json(issue["number"]))

    def _apply_issue_update(self, issue: dict, data: dict, resource: str) -> None:
        self._check_body(data.get("body"), resource)
        if "state" in data and data["state"] not in ("open", "closed"):
            raise validation_failed({"resource": resource, "field": "state", "code": "invalid"})
        for key in ("title", "body"):
            if key in data:
                issue[key] = data[key]
        if "type" in data:
            issue["type"] = self._issue_type(data["type"])
        if "labels" in data:
            issue["labels"] = [
                self._label(n, create=True) for n in self._label_names(data["labels"])
            ]
        if data.get("state") and data["state"] != issue["state"]:
            issue["state"] = data["state"]
            issue["closed_at"] = now() if data["state"] == "closed" else None
            issue["state_reason"] = data.get("state_reason") or (
                "completed" if data["state"] == "closed" else "reopened"
            )
        issue["updated_at"] = now()

    @staticmethod
    def _label_names(raw: Any) -> list[str]:
        if isinstance(raw, dict):
            raw = raw.get("labels", [])
        return [x["name"] if isinstance(x, dict) else str(x) for x in raw or []]

    # --- comments

    def list_comments(self, rec: Recorded, number: str) -> Response:
        issue = self._get_issue(number)
        since = rec.query.get("since", "")
        items = [c for c in self.comments.get(issue["number"], []) if c["updated_at"] >= since]
        return self._paginate(rec, items)

    @staticmethod
    def _check_unlocked(issue: dict) -> None:
        if issue.get("locked"):  # GitHub's answer to a token that is not a collaborator
            raise ApiError(
                403,
                "Unable to create comment because issue is locked.",
                doc="https://help.github.com/articles/locking-conversations/",
            )

    def create_comment(self, rec: Recorded, number: str) -> Response:
        issue, data = self._get_issue(number), rec.body if isinstance(rec.body, dict) else {}
        self._check_unlocked(issue)
        if not isinstance(data.get("body"), str) or not data["body"]:
            raise validation_failed(
                {"resource": "IssueComment", "field": "body", "code": "missing_field"}
            )
        self._check_body(data["body"], "IssueComment")
        comment = self.add_comment(issue["number"], data["body"])
        issue["updated_at"] = comment["created_at"]
        return Response(201, comment, {"Location": comment["url"]})

    def _get_comment(self, cid: str) -> dict:
        found = (c for cs in self.comments.values() for c in cs if c["id"] == int(cid))
        comment = next(found, None)
        if comment is None:
            raise not_found()
        return comment

    def get_comment(self, rec: Recorded, cid: str) -> Response:
        return Response(200, self._get_comment(cid))

    def update_comment(self, rec: Recorded, cid: str) -> Response:
        comment, data = self._get_comment(cid), rec.body or {}
        self._check_unlocked(self.issues[int(comment["issue_url"].rsplit("/", 1)[1])])
        if not isinstance(data.get("body"), str):
            raise validation_failed(
                {"resource": "IssueComment", "field": "body", "code": "missing_field"}
            )
        self._check_body(data["body"], "IssueComment")
        comment["body"], comment["updated_at"] = data["body"], now()
        return Response(200, comment)

    # --- labels

    # --- milestones, assignees, sub-issues

    def list_milestones(self, rec: Recorded) -> Response:
        state = rec.query.get("state", "open")
        items = [m for m in self.milestones.values() if state in ("all", m["state"])]
        return self._paginate(rec, items)

    def check_assignee(self, rec: Recorded, login: str) -> Response:
        if login.lower() in {c.lower() for c in self.collaborators}:
            return Response(204)
        raise not_found()

    def list_sub_issues(self, rec: Recorded, number: str) -> Response:
        parent = self._get_issue(number)["number"]
        return self._paginate(rec, [self._issue_json(n) for n in self.sub_issues.get(parent, [])])

    def create_sub_issue(self, rec: Recorded, number: str) -> Response:
        parent = self._get_issue(number)["number"]
        wanted = rec.body.get("sub_issue_id") if isinstance(rec.body, dict) else None
        wanted = int(wanted) if isinstance(wanted, str) and wanted.isdigit() else wanted
        child = next((n for n, i in self.issues.items() if i["id"] == wanted), None)
        if child is None:
            raise not_found()
        if self.issues[child]["parent_issue_url"] is not None or child == parent:
            raise ApiError(
                422,
                "An error occurred while adding the sub-issue to the parent issue. Issue may not "
                "contain duplicate sub-issues and Sub issue may only have one parent",
            )
        self.add_sub_issue(parent, child)
        return Response(201, self._issue_json(child))

    def list_labels(self, rec: Recorded) -> Response:
        return self._paginate(rec, list(self.labels.values()))

    def get_label(self, rec: Recorded, name: str) -> Response:
        label = self._label(name)
        if label is None:
            raise not_found()
        return Response(200, label)

    def create_label(self, rec: Recorded) -> Response:
        data = rec.body if isinstance(rec.body, dict) else {}
        name, color = data.get("name"), str(data.get("color", "ededed")).removeprefix("#")
        if not isinstance(name, str) or not name.strip():
            raise validation_failed({"resource": "Label", "field": "name", "code": "missing_field"})
        if self._label(name):
            raise validation_failed(
                {"resource": "Label", "code": "already_exists", "field": "name"}
            )
        if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
            raise validation_failed({"resource": "Label", "code": "invalid", "field": "color"})
        description = data.get("description")
        if description is not None and len(description) > 100:
            raise validation_failed(
                {"resource": "Label", "code": "invalid", "field": "description"}
            )
        label = self.add_label(name, color.lower(), description)
        return Response(201, label, {"Location": label["url"]})

    def add_issue_labels(self, rec: Recorded, number: str) -> Response:
        issue = self._get_issue(number)
        for name in self._label_names(rec.body):
            if name.lower() not in {lb["name"].lower() for lb in issue["labels"]}:
                issue["labels"].append(self._label(name, create=True))
        issue["updated_at"] = now()
        return Response(200, issue["labels"])

    def remove_issue_label(self, rec: Recorded, number: str, name: str) -> Response:
        issue = self._get_issue(number)
        kept = [lb for lb in issue["labels"] if lb["name"].lower() != name.lower()]
        if len(kept) == len(issue["labels"]):
            raise ApiError(404, "Label does not exist")
        issue["labels"], issue["updated_at"] = kept, now()
        return Response(200, kept)

    # --- actions

    def _get_run(self, run_id: str) -> dict:
        if int(run_id) not in self.runs:
            raise not_found()
        return self.runs[int(run_id)]

    def get_run(self, rec: Recorded, run_id: str) -> Response:
        return Response(200, self._get_run(run_id))

    def list_jobs(self, rec: Recorded, run_id: str, attempt: str | None = None) -> Response:
        run = self._get_run(run_id)
        jobs = self.jobs[run["id"]]
        if attempt is not None:
            jobs = [j for j in jobs if j["run_attempt"] == int(attempt)]
        elif rec.query.get("filter", "latest") == "latest":
            jobs = [j for j in jobs if j["run_attempt"] == run["run_attempt"]]
        return self._paginate(rec, jobs, key="jobs")

    def list_artifacts(self, rec: Recorded, run_id: str) -> Response:
        run = self._get_run(run_id)
        arts = [a for a in self.artifacts.values() if a["workflow_run"]["id"] == run["id"]]
        if "name" in rec.query:
            arts = [a for a in arts if a["name"] == rec.query["name"]]
        arts.sort(key=lambda a: a["id"], reverse=rec.query.get("direction", "desc") == "desc")
        return self._paginate(rec, arts, key="artifacts")

    def _get_artifact(self, aid: str) -> dict:
        if int(aid) not in self.artifacts:
            raise not_found()
        return self.artifacts[int(aid)]

    def get_artifact(self, rec: Recorded, aid: str) -> Response:
        return Response(200, self._get_artifact(aid))

    def download_artifact(self, rec: Recorded, aid: str, fmt: str) -> Response:
        art = self._get_artifact(aid)
        if fmt != "zip":
            raise not_found()
        if art["expired"]:
            raise ApiError(410, "Artifact has expired")
        location = (
            f"{self.blob_url}/artifacts/{art['id']}/{uuid.uuid4()}.zip?sv=2025-01-05&se=60&sig=fake"
        )
        return Response(302, b"", {"Location": location, "Content-Type": "text/html;charset=utf-8"})

    def download_job_log(self, rec: Recorded, job_id: str) -> Response:
        if not any(j["id"] == int(job_id) for jobs in self.jobs.values() for j in jobs):
            raise not_found()
        if int(job_id) not in self.job_logs:
            raise not_found()
        if self.job_logs[int(job_id)] is None:
            raise ApiError(410, "Gone")
        location = f"{self.blob_url}/logs/{job_id}/{uuid.uuid4()}.txt?sv=2025-01-05&se=60&sig=fake"
        return Response(302, b"", {"Location": location, "Content-Type": "text/html;charset=utf-8"})

    # --- git data

    def get_ref(self, rec: Recorded, ref: str) -> Response:
        if f"refs/{ref}" not in self.refs:
            raise not_found()
        return Response(200, self._ref_json(f"refs/{ref}"))

    def create_ref(self, rec: Recorded) -> Response:
        data = rec.body if isinstance(rec.body, dict) else {}
        ref, sha = str(data.get("ref", "")), data.get("sha")
        if not ref.startswith("refs/") or ref.count("/") < 2:
            raise ApiError(
                422, "Reference name must start with 'refs/' and have at least two slashes."
            )
        if ref in self.refs:
            raise ApiError(422, "Reference already exists")
        if sha not in self.commits:
            raise ApiError(422, "Object does not exist")
        self.refs[ref] = sha
        return Response(201, self._ref_json(ref), {"Location": f"{self._api}/git/{ref}"})

    def _is_ancestor(self, old: str, new: str) -> bool:
        todo, seen = [new], set()
        while todo:
            sha = todo.pop()
            if sha == old:
                return True
            if sha not in seen and sha in self.commits:
                seen.add(sha)
                todo += [p["sha"] for p in self.commits[sha]["parents"]]
        return False

    def update_ref(self, rec: Recorded, ref: str) -> Response:
        data, full = rec.body if isinstance(rec.body, dict) else {}, f"refs/{ref}"
        if full not in self.refs:
            raise ApiError(422, "Reference does not exist")
        sha = data.get("sha")
        if sha not in self.commits:
            raise ApiError(422, "Object does not exist")
        if not data.get("force") and not self._is_ancestor(self.refs[full], sha):
            raise ApiError(422, "Update is not a fast forward")
        self.refs[full] = sha
        return Response(200, self._ref_json(full))

    def create_commit(self, rec: Recorded) -> Response:
        data = rec.body if isinstance(rec.body, dict) else {}
        if not isinstance(data.get("message"), str) or data.get("tree") not in self.trees:
            raise validation_failed({"resource": "Commit", "field": "tree", "code": "invalid"})
        if any(p not in self.commits for p in data.get("parents", [])):
            raise validation_failed({"resource": "Commit", "field": "parents", "code": "invalid"})
        author = {
            k: v for k, v in (data.get("author") or {}).items() if k in ("name", "email", "date")
        }
        commit = self.add_commit(
            data["message"], tree=data["tree"], parents=list(data.get("parents", [])), author=author
        )
        return Response(201, commit, {"Location": commit["url"]})

    def get_git_commit(self, rec: Recorded, sha: str) -> Response:
        if sha not in self.commits:
            raise not_found()
        return Response(200, self.commits[sha])

    def get_tree(self, rec: Recorded, sha: str) -> Response:
        if sha not in self.trees:
            raise not_found()
        return Response(200, self.trees[sha])

    def get_branch(self, rec: Recorded, branch: str) -> Response:
        ref = f"refs/heads/{branch}"
        if ref not in self.refs:
            raise ApiError(404, "Branch not found")
        url = f"{self._api}/branches/{branch}"
        return Response(
            200,
            {
                "name": branch,
                "commit": self._repo_commit_json(self.refs[ref]),
                "protected": False,
                "_links": {"self": url, "html": f"{self._html}/tree/{branch}"},
                "protection": {
                    "enabled": False,
                    "required_status_checks": {
                        "enforcement_level": "off",
                        "contexts": [],
                        "checks": [],
                    },
                },
                "protection_url": f"{url}/protection",
            },
        )

    def _resolve(self, ref: str) -> str | None:
        for candidate in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}", f"refs/{ref}"):
            if candidate in self.refs:
                return self.refs[candidate]
        return next((sha for sha in self.commits if len(ref) >= 7 and sha.startswith(ref)), None)

    def get_commit(self, rec: Recorded, ref: str) -> Response:
        sha = self._resolve(ref)
        if sha is None:
            raise ApiError(422, f"No commit found for SHA: {ref}")
        # GitHub: 300 files a page (Link header), at most 3,000 in all
        files = self.commit_files.get(sha, [])[:3000]
        page = self._paginate(rec, files, per_page_default=300)
        return Response(200, {**self._repo_commit_json(sha), "files": page.body}, page.headers)

    def list_commits(self, rec: Recorded) -> Response:
        """Commits reachable from `sha` (a sha or branch; default: the default branch), newest
        first (a walk from the head: exact for a linear history)."""
        start = self._resolve(rec.query.get("sha") or self.default_branch)
        if start is None:
            raise not_found()
        seen: list[str] = []
        queue = [start]
        while queue:
            sha = queue.pop(0)
            if sha in seen or sha not in self.commits:
                continue
            seen.append(sha)
            queue += [p["sha"] for p in self.commits[sha]["parents"]]
        listed = [
            {k: v for k, v in self._repo_commit_json(sha).items() if k not in ("stats", "files")}
            for sha in seen
        ]
        return self._paginate(rec, listed)

    # --- pulls

    def _get_pull(self, number: str) -> int:
        if int(number) not in self.pulls:
            raise not_found()
        return int(number)

    def list_pulls(self, rec: Recorded) -> Response:
        q = rec.query
        state, head, base = q.get("state", "open"), q.get("head"), q.get("base")
        items = [
            self._pull_json(n)
            for n in sorted(self.pulls, reverse=q.get("direction", "desc") == "desc")
        ]
        items = [
            p
            for p in items
            if state in ("all", p["state"])
            and (head is None or head in (p["head"]["label"], p["head"]["ref"]))
            and (base is None or base == p["base"]["ref"])
        ]
        return self._paginate(rec, items)

    def create_pull(self, rec: Recorded) -> Response:
        data = rec.body if isinstance(rec.body, dict) else {}
        if not self.actions_can_create_prs:
            raise ApiError(
                403,
                "GitHub Actions is not permitted to create or approve pull requests.",
                doc="https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
            )
        if data.get("draft") and not self.drafts_supported:
            raise validation_failed(
                {
                    "resource": "PullRequest",
                    "code": "custom",
                    "message": "Draft pull requests are not supported in this repository.",
                }
            )
        head = str(data.get("head", "")).removeprefix(f"{self.owner}:")
        base = str(data.get("base", ""))
        for name, branch in (("head", head), ("base", base)):
            if f"refs/heads/{branch}" not in self.refs:
                raise validation_failed(
                    {"resource": "PullRequest", "field": name, "code": "invalid"}
                )
        if not data.get("title"):
            raise validation_failed(
                {"resource": "PullRequest", "field": "title", "code": "missing_field"}
            )
        self._check_body(data.get("body"), "PullRequest")
        if any(
            p["head"] == head and p["base"] == base and self.issues[n]["state"] == "open"
            for n, p in self.pulls.items()
        ):
            raise validation_failed(
                {
                    "resource": "PullRequest",
                    "code": "custom",
                    "message": f"A pull request already exists for {self.owner}:{head}.",
                }
            )
        pr = self.add_pull(
            data["title"], head, base, data.get("body") or "", bool(data.get("draft"))
        )
        return Response(201, pr, {"Location": pr["url"]})

    def get_pull(self, rec: Recorded, number: str) -> Response:
        return Response(200, self._pull_json(self._get_pull(number)))

    def list_pull_files(self, rec: Recorded, number: str) -> Response:
        """100 a page at most; GitHub lists no more than 3,000 files of a pull request."""
        files = self.pull_files.get(self._get_pull(number), [])
        return self._paginate(rec, files[:3000])

    def update_pull(self, rec: Recorded, number: str) -> Response:
        n, data = self._get_pull(number), rec.body if isinstance(rec.body, dict) else {}
        self._apply_issue_update(
            self.issues[n],
            {k: data[k] for k in ("title", "body", "state") if k in data},
            "PullRequest",
        )
        if "base" in data:
            if f"refs/heads/{data['base']}" not in self.refs:
                raise validation_failed(
                    {"resource": "PullRequest", "field": "base", "code": "invalid"}
                )
            self.pulls[n]["base"] = data["base"]
        return Response(200, self._pull_json(n))

    def request_reviewers(self, rec: Recorded, number: str) -> Response:
        n, data = self._get_pull(number), rec.body if isinstance(rec.body, dict) else {}
        logins = [str(x) for x in data.get("reviewers") or []]
        author = self.issues[n]["user"]["login"]
        if any(login.lower() == author.lower() for login in logins):
            raise ApiError(422, "Review cannot be requested from pull request author.")
        known = {c.lower() for c in self.collaborators}
        if any(login.lower() not in known for login in logins):
            raise ApiError(
                422,
                "Reviews may only be requested from collaborators. One or more of the users or "
                f"teams you specified is not a collaborator of the {self.repo_full_name} "
                "repository.",
            )
        pending = self.pulls[n]["requested_reviewers"]
        for login in logins:
            if login.lower() not in {p.lower() for p in pending}:
                pending.append(login)
        return Response(201, self._pull_json(n))

    def list_reviews(self, rec: Recorded, number: str) -> Response:
        return self._paginate(rec, self.reviews.get(self._get_pull(number), []))

    # --- GraphQL: exactly the draft-state mutations, with GitHub's answer shapes

    GRAPHQL_MUTATIONS = ("markPullRequestReadyForReview", "convertPullRequestToDraft")
    GRAPHQL_QUERIES = ("suggestedActors",)

    def graphql(self, rec: Recorded) -> Response:
        data = rec.body if isinstance(rec.body, dict) else {}
        query, variables = data.get("query"), data.get("variables") or {}
        if not isinstance(query, str) or not query.strip():
            return _graphql_error("A query attribute must be specified and must be a string.")
        if self.GRAPHQL_QUERIES[0] in query:
            return self._suggested_actors(rec)
        m = re.search(r"\b(\w+)\s*\(\s*input\s*:\s*\$input\s*\)", query)
        if not query.lstrip().startswith("mutation") or m is None:
            return _graphql_error("this fake answers only markPullRequestReadyForReview and "
                                  "convertPullRequestToDraft with `(input: $input)`")
        name = m.group(1)
        if name not in self.GRAPHQL_MUTATIONS:
            return _graphql_error(
                f"Field '{name}' doesn't exist on type 'Mutation'",
                extensions={"code": "undefinedField", "typeName": "Mutation", "fieldName": name},
            )
        fields = re.search(r"pullRequest\s*\{([^{}]*)\}", query[m.end():])
        wanted = fields.group(1).split() if fields else []
        given = variables.get("input") if isinstance(variables, dict) else None
        node_id = given.get("pullRequestId") if isinstance(given, dict) else None
        if self.read_only:
            return _graphql_error("Resource not accessible by integration", name, "FORBIDDEN")
        number = next(
            (n for n, pr in self.pulls.items() if f"PR_{pr['id']}" == node_id), None
        )
        if number is None:
            return _graphql_error(
                f"Could not resolve to a node with the global id of '{node_id}'.",
                name,
                "NOT_FOUND",
            )
        if name == "convertPullRequestToDraft" and not self.drafts_supported:
            # GitHub's words in a repository without draft pull requests (cli/cli#5995)
            return _graphql_error(
                f"github-actions[bot] does not have permission to convert the pull request "
                f"{node_id} to draft.", name)
        pr, issue = self.pulls[number], self.issues[number]
        pr["draft"] = issue["draft"] = name == "convertPullRequestToDraft"
        issue["updated_at"] = now()
        values = {
            "id": node_id,
            "number": number,
            "isDraft": pr["draft"],
            "state": issue["state"].upper(),
            "url": f"{self._html}/pull/{number}",
        }
        unknown = [f for f in wanted if f not in values]
        if unknown:
            return _graphql_error(
                f"Field '{unknown[0]}' doesn't exist on type 'PullRequest'",
                extensions={"code": "undefinedField", "typeName": "PullRequest"},
            )
        answer = {"pullRequest": {f: values[f] for f in wanted}} if fields else {}
        return Response(200, {"data": {name: answer}})

    # --- statuses and checks

    def create_status(self, rec: Recorded, sha: str) -> Response:
        data = rec.body if isinstance(rec.body, dict) else {}
        if sha not in self.commits:
            raise ApiError(422, f"No commit found for SHA: {sha}")
        if data.get("state") not in ("error", "failure", "pending", "success"):
            raise validation_failed(
                {
                    "resource": "Status",
                    "field": "state",
                    "code": "custom",
                    "message": "state is not included in the list",
                }
            )
        sid, stamp = next(self._ids), now()
        status = {
            "url": f"{self._api}/statuses/{sha}",
            "avatar_url": None,
            "id": sid,
            "node_id": f"SC_{sid}",
            "state": data["state"],
            "description": data.get("description"),
            "target_url": data.get("target_url"),
            "context": data.get("context") or "default",
            "created_at": stamp,
            "updated_at": stamp,
            "creator": self._user("github-actions[bot]", "Bot"),
            "sha": sha,
        }
        self.statuses.append(status)
        return Response(
            201, {k: v for k, v in status.items() if k != "sha"}, {"Location": status["url"]}
        )

    def list_annotations(self, rec: Recorded, cid: str) -> Response:
        if not any(j["id"] == int(cid) for jobs in self.jobs.values() for j in jobs):
            raise not_found()
        return self._paginate(rec, self.annotations.get(int(cid), []))

    def create_check_run(self, rec: Recorded) -> Response:
        data = rec.body if isinstance(rec.body, dict) else {}
        if not data.get("name") or not data.get("head_sha"):
            raise validation_failed(
                {"resource": "CheckRun", "field": "name", "code": "missing_field"}
            )
        cid, stamp, status = next(self._ids), now(), data.get("status", "queued")
        output = data.get("output") or {}
        app = {
            "id": 15368,
            "slug": "github-actions",
            "node_id": "MDM6QXBwMTUzNjg",
            "client_id": "Iv1.fake",
            "owner": self._user("github", "Organization"),
            "name": "GitHub Actions",
            "description": "",
            "external_url": "https://help.github.com/en/actions",
            "html_url": "https://github.com/apps/github-actions",
            "created_at": "2018-07-30T09:30:17Z",
            "updated_at": "2024-04-10T20:33:16Z",
            "permissions": {"checks": "write"},
            "events": [],
        }
        run = {
            "id": cid,
            "node_id": f"CR_{cid}",
            "head_sha": data["head_sha"],
            "name": data["name"],
            "external_id": data.get("external_id", ""),
            "url": f"{self._api}/check-runs/{cid}",
            "html_url": f"{self._html}/runs/{cid}",
            "details_url": data.get("details_url"),
            "status": status,
            "conclusion": data.get("conclusion"),
            "started_at": data.get("started_at", stamp),
            "completed_at": data.get("completed_at"),
            "output": {
                "title": output.get("title"),
                "summary": output.get("summary"),
                "text": output.get("text"),
                "annotations_count": len(output.get("annotations", [])),
                "annotations_url": f"{self._api}/check-runs/{cid}/annotations",
            },
            "check_suite": {"id": cid + 1},
            "app": app,
            "pull_requests": [],
        }
        self.check_runs.append(run)
        return Response(201, run)


    # ------------------------------------------------ issue types, Copilot (issue #26)
    #
    # GET /orgs/{org}/issue-types answers the organization's types (404 for a personal account);
    # POST/PATCH .../issues take `type` by name (GitHub matches it without case: its changelog
    # of 2025-03-18 updates with "bug"); POST .../issues/{n}/assignees assigns Copilot with
    # `agent_assignment`, with a person's token only.

    COPILOT = "copilot-swe-agent[bot]"  # the login the assignment takes; issues show "Copilot"

    def _agent_routes(self, r: str) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", "/orgs/(?P<org>[^/]+)/issue-types", self.list_issue_types),
            ("POST", r + r"/issues/(?P<number>\d+)/assignees", self.add_assignees),
        ]

    def add_issue_type(self, name: str, description: str = "", enabled: bool = True) -> dict:
        tid = next(self._ids)
        kind = {"id": tid, "node_id": f"IT_{tid}", "name": name, "description": description,
                "color": "gray", "created_at": now(), "updated_at": now(), "is_enabled": enabled}
        self.issue_types.append(kind)
        return kind

    def _issue_type(self, name: Any) -> dict | None:
        if name is None:
            return None
        found = next((t for t in self.issue_types if self.owner_type == "Organization"
                      and str(name).lower() == t["name"].lower() and t["is_enabled"]), None)
        if found is None:
            raise validation_failed(
                {"value": name, "resource": "Issue", "field": "type", "code": "invalid"})
        return {k: found[k] for k in ("id", "node_id", "name", "description", "color",
                                      "created_at", "updated_at", "is_enabled")}

    def _copilot_assignable(self, rec: Recorded) -> set[str]:
        """Copilot may be assigned where it is enabled, with a person's token."""
        person = rec.headers.get("Authorization", "").endswith(self.user_token)
        return {self.COPILOT} if self.copilot_enabled and person else set()

    def _assignee(self, login: str) -> dict:
        return self._user("Copilot", "Bot") if login == self.COPILOT else self._user(login)

    def _suggested_actors(self, rec: Recorded) -> Response:
        """`repository.suggestedActors(capabilities: [CAN_BE_ASSIGNED])`: Copilot first where
        it is enabled for the token's user (GitHub's documented check), then collaborators."""
        logins = ["copilot-swe-agent"] if self._copilot_assignable(rec) else []
        nodes = [{"login": login} for login in [*logins, *sorted(self.collaborators)]]
        return Response(200, {"data": {"repository": {"suggestedActors": {"nodes": nodes}}}})

    def list_issue_types(self, rec: Recorded, org: str) -> Response:
        if org.lower() != self.owner.lower() or self.owner_type != "Organization":
            raise not_found()
        return Response(200, self.issue_types)

    def add_assignees(self, rec: Recorded, number: str) -> Response:
        issue, data = self._get_issue(number), rec.body if isinstance(rec.body, dict) else {}
        logins = [str(x) for x in data.get("assignees") or []]
        if self.COPILOT in logins:
            if not rec.headers.get("Authorization", "").endswith(self.user_token):
                raise ApiError(403, "Resource not accessible by integration")
            if not self.copilot_enabled:
                raise not_found()
            assignment = data.get("agent_assignment") or {}
            base = assignment.get("base_branch")
            if base is not None and f"refs/heads/{base}" not in self.refs:
                raise validation_failed({"resource": "Issue", "field": "agent_assignment",
                                         "code": "invalid", "value": base})
            self.agent_assignments[issue["number"]] = assignment  # what the agent was given
        known = {c.lower() for c in self.collaborators}
        users = [self._assignee(login)
                 for login in logins if login == self.COPILOT or login.lower() in known]
        present = {u["login"] for u in issue["assignees"]}
        issue["assignees"] += [u for u in users if u["login"] not in present][:10]
        issue["assignee"] = issue["assignees"][0] if issue["assignees"] else None
        issue["updated_at"] = now()
        return Response(201, self._issue_json(issue["number"]))


# ---------------------------------------------------------------------- HTTP helpers


def _graphql_error(
    message: str, path: str | None = None, type_: str | None = None, extensions: Any = None
) -> Response:
    """GitHub's GraphQL failure: HTTP 200, `errors` (and `data` with the field null)."""
    error: dict[str, Any] = {"message": message, "locations": [{"line": 1, "column": 1}]}
    if type_:
        error = {"type": type_, "path": [path], **error}
    if extensions:
        error["extensions"] = extensions
    body: dict[str, Any] = {"errors": [error]}
    if path:
        body = {"data": {path: None}, **body}
    return Response(200, body)


def _read_request(h: BaseHTTPRequestHandler, method: str) -> Recorded:
    parts = urllib.parse.urlsplit(h.path)
    length = int(h.headers.get("Content-Length") or 0)
    raw = h.rfile.read(length) if length else b""
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    return Recorded(method, parts.path, query, Headers(h.headers.items()), body)


def _send(h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str]) -> None:
    data = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
    h.send_response(status)
    out = {
        "Content-Type": "application/json; charset=utf-8",
        "X-GitHub-Request-Id": _request_id(),
        "X-GitHub-Media-Type": "github.v3; format=json",
        "X-GitHub-Api-Version-Selected": "2022-11-28",
        **headers,
        "Content-Length": str(len(data)),
    }
    for name, value in out.items():
        h.send_header(name, value)
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(data)


def _request_id() -> str:
    u = uuid.uuid4().hex.upper()
    return f"{u[:4]}:{u[4:9]}:{u[9:16]}:{u[16:23]}:{u[23:31]}"


__all__ = ["FakeGitHub", "Headers", "Recorded", "make_zip"]
