"""Tests of the fake GitHub: through PyGithub as a client, its answers against githubkit's models
of GitHub's REST description, and against GitHub's OpenAPI subset
(../shared/github-api/openapi-subset.json; those checks skip where it is absent)."""

from __future__ import annotations

import functools
import inspect
import io
import json
import re
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import github
import githubkit
import pytest
import requests
from pydantic import TypeAdapter, ValidationError

from conftest import shared
from fake_github import FakeGitHub, Headers, make_zip


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as gh:
        yield gh


def client(fake: FakeGitHub, **kwargs: Any) -> github.Github:
    """PyGithub unchanged, pointed at the fake. No retries unless asked (they would sleep), and
    none of PyGithub's default throttling (0.25 s between requests, 1 s between writes)."""
    kwargs.setdefault("retry", None)
    kwargs.setdefault("seconds_between_requests", None)
    kwargs.setdefault("seconds_between_writes", None)
    return github.Github(auth=github.Auth.Token(fake.token), base_url=fake.url, **kwargs)


def api(
    fake: FakeGitHub, method: str, path: str, body: Any = None, **params: Any
) -> requests.Response:
    """A raw authenticated request, to look at exactly what the fake answers."""
    return requests.request(
        method,
        fake.url + path,
        json=body,
        params=params,
        headers={"Authorization": f"token {fake.token}"},
        allow_redirects=False,
        timeout=10,
    )


@pytest.fixture
def g(fake: FakeGitHub) -> github.Github:
    return client(fake)


@pytest.fixture
def repo(fake: FakeGitHub, g: github.Github) -> Any:
    return g.get_repo(fake.repo_full_name)


# ------------------------------------------------------- the fake's answers, as GitHub's
#
# Each operation the fake serves has a row in CASES: GitHub's operation id (the operationId of
# its REST description, as docs.github.com names it), a request, and the status the fake must
# answer. githubkit, generated from that description, gives the operation's method, its path
# template and the model of each answer; the body the fake sends is validated against it,
# strictly. Where ../shared holds the OpenAPI subset, the answers are validated against it too.
# A new route in the fake needs a row here (test_every_route_of_the_fake_has_a_case says so).


@dataclass(frozen=True)
class Operation:
    """A REST operation as githubkit describes it."""

    id: str
    method: str
    template: str  # "/repos/{owner}/{repo}/issues/{issue_number}"
    answers: dict[str, Any]  # "2xx", "404", ... -> githubkit's model of the body (None: no body)

    def matches(self, path: str) -> bool:
        pattern = re.sub(r"\\{\w+\\}", ".+", re.escape(self.template))
        return re.fullmatch(pattern, path.split("?")[0]) is not None


class _Capture(githubkit.GitHub):  # type: ignore[type-arg]
    """githubkit's client, sending nothing: a call hands back what it would have requested."""

    def request(self, method: str, url: str, **kwargs: Any) -> Any:  # type: ignore[override]
        return kwargs


_GITHUBKIT = _Capture("unused", rest_api_validate_body=False)


@functools.cache
def operation(op_id: str) -> Operation:
    """githubkit's description of the operation GitHub calls `op_id` ("issues/get")."""
    group, name = (part.replace("-", "_") for part in op_id.split("/"))
    call = getattr(getattr(_GITHUBKIT.rest, group), name)
    title, _, line, *_ = (inspect.getdoc(call) or "").splitlines()
    assert title == op_id, f"githubkit's rest.{group}.{name} is {title}"
    method, template = line.split(" ", 1)
    params = inspect.signature(call).parameters.values()
    sent = call(**{p.name: "x" for p in params if p.default is p.empty})
    answers = {"2xx": sent.get("response_model"), **sent.get("error_models", {})}
    return Operation(op_id, method, template, answers)


def seed(fake: FakeGitHub) -> dict[str, Any]:
    issue = fake.add_issue("Seeded", "body", labels=["bug"])
    comment = fake.add_comment(issue["number"], "hello")
    pr = fake.add_pull("Feature", head="feature")
    fake.add_review(pr["number"], "hubot")
    fake.add_milestone("v1")
    child, linked = fake.add_issue("A part"), fake.add_issue("A linked part")
    fake.add_sub_issue(issue["number"], linked["number"])
    fake.add_run(
        77,
        run_attempt=2,
        jobs=[
            {"name": "build", "status": "completed", "conclusion": "failure", "run_attempt": 1},
            {"name": "build", "status": "completed", "conclusion": "success"},
            {"name": "gate", "status": "in_progress", "conclusion": None},
        ],
        artifacts=[{"name": "coverage", "files": {"coverage.xml": b"<coverage/>"}}],
    )
    fake.add_branch("topic")
    job = fake.jobs[77][0]["id"]
    fake.add_job_log(job, "2026-01-15T10:00:00.0000000Z ##[group]Run pytest\n")
    fake.add_annotation(job, "The job running on runner GitHub Actions 2 has exceeded the "
                        "maximum execution time of 360 minutes.")
    fake.add_annotation(job, "Expected 4, got 3", path="tests/test_x.py", line=5)
    head = fake.refs["refs/heads/main"]
    fake.set_pull_files(pr["number"], [fake.diff_entry("src/a.py", "@@ -1,0 +1,2 @@\n+x\n+y"),
                                       fake.diff_entry("logo.png", None, "added"),
                                       fake.diff_entry("b.py", None, "renamed", "old/b.py")])
    fake.commit_files[head] = [fake.diff_entry("src/a.py", "@@ -1 +1 @@\n-x\n+y")]
    fake.add_issue_type("Bug", "An unexpected problem or behavior")  # docs.github.com's example
    return {
        "issue": issue["number"],
        "comment": comment["id"],
        "pr": pr["number"],
        "artifact": next(iter(fake.artifacts)),
        "job": job,
        "sha": head,
        "tree": fake.commits[head]["tree"]["sha"],
        "child": child["id"],
        "linked": linked["id"],
    }


R_ = "/repos/octo-org/octo-repo"
# (GitHub's operation id, path (formatted with the seed's ids), JSON body, expected status)
CASES: list[tuple[str, str, Any, int]] = [
    ("rate-limit/get", "/rate_limit", None, 200),
    ("search/issues-and-pull-requests", "/search/issues?q=x", None, 200),
    ("repos/get", R_, None, 200),
    ("issues/list-for-repo", R_ + "/issues?state=all", None, 200),
    ("issues/create", R_ + "/issues", {"title": "t", "labels": ["x"]}, 201),
    ("issues/create", R_ + "/issues", {"title": "t", "body": "x" * 65537}, 422),
    ("issues/get", R_ + "/issues/{issue}", None, 200),
    ("issues/get", R_ + "/issues/{pr}", None, 200),
    ("issues/get", R_ + "/issues/999", None, 404),
    ("issues/update", R_ + "/issues/{issue}", {"state": "closed"}, 200),
    ("issues/update", R_ + "/issues/{issue}", {"body": "x" * 65537}, 422),
    ("issues/list-comments", R_ + "/issues/{issue}/comments", None, 200),
    ("issues/create-comment", R_ + "/issues/{issue}/comments", {"body": "hi"}, 201),
    ("issues/create-comment", R_ + "/issues/{issue}/comments", {"body": "x" * 65537}, 422),
    ("issues/get-comment", R_ + "/issues/comments/{comment}", None, 200),
    ("issues/update-comment", R_ + "/issues/comments/{comment}", {"body": "edited"}, 200),
    ("issues/add-labels", R_ + "/issues/{issue}/labels", {"labels": ["a", "b"]}, 200),
    ("issues/remove-label", R_ + "/issues/{issue}/labels/bug", None, 200),
    ("issues/list-milestones", R_ + "/milestones?state=all", None, 200),
    ("issues/check-user-can-be-assigned", R_ + "/assignees/octocat", None, 204),
    ("issues/check-user-can-be-assigned", R_ + "/assignees/stranger", None, 404),
    ("issues/list-sub-issues", R_ + "/issues/{issue}/sub_issues", None, 200),
    ("issues/add-sub-issue", R_ + "/issues/{issue}/sub_issues", {"sub_issue_id": "{child}"},
     201),
    ("issues/add-sub-issue", R_ + "/issues/{issue}/sub_issues", {"sub_issue_id": "{linked}"},
     422),
    ("issues/list-labels-for-repo", R_ + "/labels", None, 200),
    ("issues/create-label", R_ + "/labels", {"name": "new", "color": "ff0000"}, 201),
    ("issues/create-label", R_ + "/labels", {"name": "bug", "color": "ff0000"}, 422),
    ("issues/get-label", R_ + "/labels/bug", None, 200),
    ("issues/get-label", R_ + "/labels/nope", None, 404),
    ("actions/get-workflow-run", R_ + "/actions/runs/77", None, 200),
    ("actions/list-jobs-for-workflow-run", R_ + "/actions/runs/77/jobs?filter=all", None, 200),
    ("actions/list-jobs-for-workflow-run-attempt", R_ + "/actions/runs/77/attempts/1/jobs",
     None, 200),
    ("actions/list-workflow-run-artifacts", R_ + "/actions/runs/77/artifacts", None, 200),
    ("actions/get-artifact", R_ + "/actions/artifacts/{artifact}", None, 200),
    ("actions/download-artifact", R_ + "/actions/artifacts/{artifact}/zip", None, 302),
    ("actions/download-job-logs-for-workflow-run", R_ + "/actions/jobs/{job}/logs", None, 302),
    ("checks/list-annotations", R_ + "/check-runs/{job}/annotations", None, 200),
    ("git/get-ref", R_ + "/git/ref/heads/main", None, 200),
    ("git/create-ref", R_ + "/git/refs", {"ref": "refs/heads/x", "sha": "{sha}"}, 201),
    ("git/create-ref", R_ + "/git/refs", {"ref": "refs/heads/main", "sha": "{sha}"}, 422),
    ("git/update-ref", R_ + "/git/refs/heads/main", {"sha": "{sha}"}, 200),
    ("git/create-commit", R_ + "/git/commits",
     {"message": "m", "tree": "{tree}", "parents": ["{sha}"]}, 201),
    ("git/get-commit", R_ + "/git/commits/{sha}", None, 200),
    ("git/get-tree", R_ + "/git/trees/{tree}", None, 200),
    ("repos/get-branch", R_ + "/branches/main", None, 200),
    ("repos/get-commit", R_ + "/commits/main", None, 200),
    ("pulls/list", R_ + "/pulls?state=all", None, 200),
    ("pulls/create", R_ + "/pulls",
     {"title": "p", "head": "octo-org:topic", "base": "main", "draft": True}, 201),
    ("pulls/get", R_ + "/pulls/{pr}", None, 200),
    ("pulls/list-files", R_ + "/pulls/{pr}/files", None, 200),
    ("pulls/update", R_ + "/pulls/{pr}", {"title": "renamed"}, 200),
    ("pulls/request-reviewers", R_ + "/pulls/{pr}/requested_reviewers",
     {"reviewers": ["mona"]}, 201),
    ("pulls/list-reviews", R_ + "/pulls/{pr}/reviews", None, 200),
    ("repos/list-commits", R_ + "/commits?sha=main", None, 200),
    ("repos/create-commit-status", R_ + "/statuses/{sha}",
     {"state": "success", "context": "ci"}, 201),
    ("checks/create", R_ + "/check-runs",
     {"name": "ci", "head_sha": "{sha}", "status": "completed", "conclusion": "success"}, 201),
    # --- issue types and Copilot (issue #26)
    ("orgs/list-issue-types", "/orgs/octo-org/issue-types", None, 200),
    ("orgs/list-issue-types", "/orgs/someone-else/issue-types", None, 404),
    ("issues/create", R_ + "/issues", {"title": "t", "type": "Bug"}, 201),
    ("issues/create", R_ + "/issues", {"title": "t", "type": "Epic"}, 422),
    ("issues/update", R_ + "/issues/{issue}", {"type": "bug"}, 200),
    ("issues/add-assignees", R_ + "/issues/{issue}/assignees", {"assignees": ["mona"]}, 201),
]  # fmt: skip
CASE_IDS = [f"{op} {path} {status}" for op, path, _, status in CASES]
OPERATIONS = sorted({op for op, *_ in CASES})


def fill(value: Any, ids: dict[str, Any], fake: FakeGitHub) -> Any:
    """Format {placeholders} in a path or in the string values of a body."""
    if isinstance(value, str):
        return value.format(owner=fake.owner, repo=fake.repo, **ids)
    if isinstance(value, dict):
        return {k: fill(v, ids, fake) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids, fake) for v in value]
    return value


def answer(fake: FakeGitHub, op: Operation, path: str, body: Any) -> requests.Response:
    """The fake's answer to the case's request, on a seeded fake."""
    ids = seed(fake)
    url = fill(path, ids, fake)
    assert op.matches(url), f"{url} is not {op.template} ({op.id})"
    return requests.request(
        op.method,
        fake.url + url,
        json=fill(body, ids, fake),
        headers={"Authorization": f"Bearer {fake.token}"},
        allow_redirects=False,
        timeout=10,
    )


def route_shape(pattern: str) -> str:
    """/repos/(?P<owner>[^/]+)/x and /repos/{owner}/x both become /repos/{}/x."""
    return re.sub(r"\(\?P<\w+>[^)]*\)|\{\w+\}", "{}", pattern)


# GraphQL is no REST operation: its answers are checked by test_graphql_* below.
GRAPHQL = {("POST", "/graphql")}


def test_every_route_of_the_fake_has_a_case() -> None:
    served = {(verb, route_shape(pattern.pattern)) for verb, pattern, _ in FakeGitHub()._routes}
    cased = {(op.method, route_shape(op.template)) for op in map(operation, OPERATIONS)}
    assert served - cased - GRAPHQL == set(), "add a row to CASES for each of these routes"


@pytest.mark.parametrize(("op_id", "path", "body", "status"), CASES, ids=CASE_IDS)
def test_answer_is_the_model_githubkit_has_of_github(
    fake: FakeGitHub, op_id: str, path: str, body: Any, status: int
) -> None:
    op = operation(op_id)
    resp = answer(fake, op, path, body)
    assert resp.status_code == status, resp.text
    if status == 302:
        assert resp.headers["Location"].startswith(fake.blob_url)
        return
    key = "2xx" if status < 300 else str(status)
    assert key in op.answers, f"GitHub describes no {status} answer of {op_id}: {op.answers}"
    if op.answers[key] is None:
        assert resp.content == b""
        return
    TypeAdapter(op.answers[key]).validate_json(resp.content, strict=True)


def test_the_model_check_refuses_an_answer_github_would_not_send(fake: FakeGitHub) -> None:
    op = operation("issues/get")
    issue = answer(fake, op, R_ + "/issues/{issue}", None).json()
    for broken in ({**issue, "number": str(issue["number"])}, {**issue, "locked": "false"},
                   {k: v for k, v in issue.items() if k != "user"}):
        with pytest.raises(ValidationError):
            TypeAdapter(op.answers["2xx"]).validate_json(json.dumps(broken), strict=True)


# -------------------------------------------------- the same answers, by the OpenAPI subset


def allow_null_in_nullable_enums(node: Any) -> None:
    """OpenAPI 3.0 `nullable: true` next to `enum` means null is allowed (GitHub sends
    `state_reason: null`, `conclusion: null`), but the validator applies `enum` literally."""
    if isinstance(node, dict):
        if node.get("nullable") and "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        for child in node.values():
            allow_null_in_nullable_enums(child)
    elif isinstance(node, list):
        for child in node:
            allow_null_in_nullable_enums(child)


@pytest.fixture(scope="module")
def spec() -> dict:
    loaded = json.loads(shared("github-api", "openapi-subset.json").read_text())
    allow_null_in_nullable_enums(loaded)
    return loaded


def schema_validator(spec: dict, method: str, template: str, status: int) -> Any:
    from openapi_schema_validator import OAS30Validator

    response = spec["paths"][template][method.lower()]["responses"][str(status)]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    # the components sit at the root, so the spec's "#/components/..." references resolve
    return OAS30Validator({"allOf": [schema], "components": spec["components"]})


@pytest.mark.shared
def test_cases_cover_every_operation_of_the_subset(spec: dict) -> None:
    in_spec = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
    cased = {(op.method, op.template) for op in map(operation, OPERATIONS)}
    assert in_spec - cased == set()


@pytest.mark.shared
def test_answers_match_the_openapi_subset(spec: dict) -> None:
    """Every case whose operation the subset holds (the githubkit check covers all of them)."""
    wrong = []
    for op_id, path, body, status in CASES:
        op = operation(op_id)
        if op.method.lower() not in spec["paths"].get(op.template, {}):
            continue
        with FakeGitHub() as fake:
            resp = answer(fake, op, path, body)
        assert resp.status_code == status, f"{op_id} {path}: {resp.text}"
        if status == 302:
            continue
        validator = schema_validator(spec, op.method, op.template, status)
        wrong += [f"{op_id} {status} {list(e.absolute_path)}: {e.message}"
                  for e in validator.iter_errors(resp.json())]
    assert not wrong, "\n".join(wrong[:20])


# ---------------------------------------------------------------------- HTTP behaviour


def test_every_response_has_rate_limit_and_request_id_headers(fake: FakeGitHub) -> None:
    first, second = api(fake, "GET", f"/repos/{fake.repo_full_name}"), api(fake, "GET", "/nope")
    for resp in (first, second):
        for name in ("X-RateLimit-Limit", "X-RateLimit-Used", "X-RateLimit-Reset",
                     "X-RateLimit-Resource", "X-GitHub-Request-Id"):  # fmt: skip
            assert resp.headers[name]
        assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
    assert (
        int(second.headers["X-RateLimit-Remaining"])
        == int(first.headers["X-RateLimit-Remaining"]) - 1
    )
    assert second.status_code == 404
    assert second.json()["message"] == "Not Found" and "documentation_url" in second.json()


def test_bad_or_missing_token_is_401(fake: FakeGitHub) -> None:
    assert requests.get(fake.url + "/rate_limit", timeout=10).status_code == 401
    bad = github.Github(auth=github.Auth.Token("nope"), base_url=fake.url, retry=None)
    with pytest.raises(github.BadCredentialsException):
        bad.get_repo(fake.repo_full_name)


def test_other_repositories_are_404(g: github.Github) -> None:
    with pytest.raises(github.UnknownObjectException):
        g.get_repo("someone/else")


def test_requests_are_recorded_and_counted(fake: FakeGitHub, repo: Any) -> None:
    repo.create_issue("one", body="b")
    rec = fake.requests[-1]
    assert (rec.method, rec.path, rec.body) == ("POST", "/repos/octo-org/octo-repo/issues",
                                                {"title": "one", "body": "b"})  # fmt: skip
    assert rec.headers["authorization"] == f"token {fake.token}"
    assert fake.count() == 2 and fake.count("POST") == 1 and fake.count(prefix="/repos/") == 2


def test_headers_are_case_insensitive() -> None:
    h = Headers({"Authorization": "x"})
    assert "authorization" in h and h["AUTHORIZATION"] == "x" and h.get("nope") is None


def test_search_answers_empty_and_is_recorded(fake: FakeGitHub, g: github.Github) -> None:
    fake.add_issue("findable")
    assert g.search_issues("findable").totalCount == 0
    assert fake.count(prefix="/search/") == 1


# ---------------------------------------------------------------------- issues and pagination


def test_issue_pagination_over_100_items_follows_link_headers(fake: FakeGitHub) -> None:
    for i in range(250):
        fake.add_issue(f"issue {i}")
    repo = client(fake, per_page=100).get_repo(fake.repo_full_name)
    before = fake.count()
    titles = [i.title for i in repo.get_issues(state="all", direction="asc")]
    assert titles == [f"issue {i}" for i in range(250)]
    assert fake.count() - before == 3  # 100 + 100 + 50
    assert [r.query["page"] for r in fake.requests[-2:]] == ["2", "3"]


def test_link_header_is_built_from_the_request_url(fake: FakeGitHub) -> None:
    for i in range(5):
        fake.add_issue(f"issue {i}")
    path = f"/repos/{fake.repo_full_name}/issues"
    first = api(fake, "GET", path, state="open", per_page=2)
    assert [i["number"] for i in first.json()] == [5, 4]
    links = requests.utils.parse_header_links(first.headers["Link"])
    assert {ln["rel"] for ln in links} == {"next", "last"}
    nxt = next(ln["url"] for ln in links if ln["rel"] == "next")
    assert nxt.startswith(fake.url + path + "?") and "state=open" in nxt and "per_page=2" in nxt
    middle = api(fake, "GET", path, state="open", per_page=2, page=2)
    assert {ln["rel"] for ln in requests.utils.parse_header_links(middle.headers["Link"])} == {
        "next", "last", "prev", "first"}  # fmt: skip
    assert "Link" not in api(fake, "GET", path, per_page=100).headers
    assert len(api(fake, "GET", path, per_page=500).json()) == 5  # capped at 100, not refused


def test_issue_list_filters(fake: FakeGitHub, repo: Any) -> None:
    fake.add_issue("a", labels=["bug", "ui"], user="alice")
    fake.add_issue("b", labels=["bug"], user="bob")
    fake.add_issue("c", labels=["ui"], state="closed", user="alice")
    pr = fake.add_pull("pr", head="topic")

    def titles(**kw: Any) -> list[str]:
        return [i.title for i in repo.get_issues(**kw)]

    assert titles() == ["pr", "b", "a"]  # open by default, newest first, PRs included
    assert titles(state="closed") == ["c"]
    assert titles(state="all", direction="asc") == ["a", "b", "c", "pr"]
    assert titles(labels=["bug", "ui"]) == ["a"]  # AND
    assert titles(state="all", creator="alice") == ["c", "a"]
    assert repo.get_issue(pr["number"]).pull_request is not None
    assert repo.get_issue(1).pull_request is None
    assert "pull_request" not in fake.issues[1]


def test_issue_create_get_update(fake: FakeGitHub, repo: Any) -> None:
    issue = repo.create_issue("Flaky test", body="details", labels=["flaky"])
    assert (issue.number, issue.state, [lb.name for lb in issue.labels]) == (1, "open", ["flaky"])
    assert issue.html_url == f"https://github.com/{fake.repo_full_name}/issues/1"
    assert issue.user.login == "octocat" and issue.closed_at is None
    issue.edit(title="Flaky test (2)", body="more", state="closed", labels=["a", "b"])
    got = repo.get_issue(1)
    assert (got.title, got.body, got.state) == ("Flaky test (2)", "more", "closed")
    assert got.closed_at is not None and [lb.name for lb in got.labels] == ["a", "b"]
    assert set(fake.labels) == {"flaky", "a", "b"}  # unknown labels are created, like GitHub
    with pytest.raises(github.UnknownObjectException):
        repo.get_issue(42)


def test_body_cap_is_65536_characters(fake: FakeGitHub, repo: Any) -> None:
    ok = repo.create_issue("ok", body="x" * 65536)
    assert len(ok.body) == 65536
    with pytest.raises(github.GithubException) as err:
        repo.create_issue("too long", body="x" * 65537)
    assert err.value.status == 422
    assert err.value.data["message"] == "Validation Failed"
    assert err.value.data["errors"] == [{
        "resource": "Issue", "field": "body", "code": "custom",
        "message": "body is too long (maximum is 65536 characters)"}]  # fmt: skip
    with pytest.raises(github.GithubException) as err:
        ok.create_comment("y" * 65537)
    assert err.value.status == 422 and err.value.data["errors"][0]["resource"] == "IssueComment"
    with pytest.raises(github.GithubException):
        ok.edit(body="z" * 65537)
    assert len(fake.issues) == 1 and fake.comments[1] == []


def test_comments(fake: FakeGitHub, repo: Any) -> None:
    issue = repo.create_issue("t")
    first = issue.create_comment("<!-- marker --> first")
    for i in range(3):
        issue.create_comment(f"c{i}")
    assert [c.body for c in issue.get_comments()][:2] == ["<!-- marker --> first", "c0"]
    assert repo.get_issue(issue.number).comments == 4
    got = issue.get_comment(first.id)
    got.edit("<!-- marker --> edited")
    assert fake.comments[issue.number][0]["body"] == "<!-- marker --> edited"
    assert got.html_url.endswith(f"/issues/{issue.number}#issuecomment-{first.id}")
    with pytest.raises(github.UnknownObjectException):
        issue.get_comment(123456)


def test_labels(fake: FakeGitHub, repo: Any) -> None:
    fake.add_label("bug", "d73a4a")
    label = repo.create_label("ci: flaky 🔥", "ff0000", "flaky tests")
    assert label.url.endswith("/labels/ci%3A%20flaky%20%F0%9F%94%A5")
    assert repo.get_label("ci: flaky 🔥").description == "flaky tests"
    assert {lb.name for lb in repo.get_labels()} == {"bug", "ci: flaky 🔥"}
    with pytest.raises(github.GithubException) as err:
        repo.create_label("BUG", "ffffff")
    assert err.value.status == 422
    assert err.value.data["errors"] == [
        {"resource": "Label", "code": "already_exists", "field": "name"}
    ]
    with pytest.raises(github.GithubException) as err:
        repo.create_label("x", "red")
    assert err.value.data["errors"][0]["field"] == "color"
    issue = repo.create_issue("t")
    issue.add_to_labels("bug", "ci: flaky 🔥")
    issue.remove_from_labels("bug")
    assert [lb["name"] for lb in fake.issues[issue.number]["labels"]] == ["ci: flaky 🔥"]
    with pytest.raises(github.GithubException) as err:
        issue.remove_from_labels("bug")
    assert (err.value.status, err.value.data["message"]) == (404, "Label does not exist")
    with pytest.raises(github.UnknownObjectException):
        repo.get_label("nope")


def test_add_labels_accepts_every_body_form(fake: FakeGitHub) -> None:
    number = fake.add_issue("t")["number"]
    path = f"/repos/{fake.repo_full_name}/issues/{number}/labels"
    api(fake, "POST", path, {"labels": ["a"]})
    api(fake, "POST", path, ["b"])
    resp = api(fake, "POST", path, [{"name": "c"}])
    assert [lb["name"] for lb in resp.json()] == ["a", "b", "c"]


# ---------------------------------------------------------------------- actions


def test_run_jobs_latest_all_and_attempts(fake: FakeGitHub, repo: Any) -> None:
    seed(fake)
    run = repo.get_workflow_run(77)
    assert (run.id, run.run_attempt, run.head_branch, run.event) == (77, 2, "main", "push")
    latest = list(run.jobs())
    assert [(j.name, j.conclusion) for j in latest] == [("build", "success"), ("gate", None)]
    assert latest[1].status == "in_progress" and latest[0].html_url and latest[0].started_at
    assert [j.run_attempt for j in run.jobs("all")] == [1, 2, 2]
    first = api(fake, "GET", f"/repos/{fake.repo_full_name}/actions/runs/77/attempts/1/jobs").json()
    assert first["total_count"] == 1 and first["jobs"][0]["conclusion"] == "failure"
    with pytest.raises(github.UnknownObjectException):
        repo.get_workflow_run(1)


def test_jobs_pagination(fake: FakeGitHub) -> None:
    fake.add_run(5, jobs=[{"name": f"j{i}", "status": "completed", "conclusion": "success"}
                          for i in range(130)])  # fmt: skip
    run = client(fake, per_page=100).get_repo(fake.repo_full_name).get_workflow_run(5)
    jobs = run.jobs()
    assert jobs.totalCount == 130 and len(list(jobs)) == 130


def test_artifacts_list_get_and_name_filter(fake: FakeGitHub, repo: Any) -> None:
    fake.add_run(9, artifacts=[("raw", make_zip({"a.txt": "A"})),
                               {"name": "cov", "files": {"c.xml": b"<c/>"}}])  # fmt: skip
    arts = list(repo.get_workflow_run(9).get_artifacts())
    assert sorted(a.name for a in arts) == ["cov", "raw"]
    one = repo.get_artifact(arts[0].id)
    assert one.size_in_bytes == len(fake.artifact_zips[one.id]) and not one.expired
    filtered = api(
        fake, "GET", f"/repos/{fake.repo_full_name}/actions/runs/9/artifacts", name="cov"
    )
    assert filtered.json()["total_count"] == 1 and filtered.json()["artifacts"][0]["name"] == "cov"


def test_artifact_download_redirects_to_another_origin_without_the_token(fake: FakeGitHub) -> None:
    fake.add_run(9, artifacts=[{"name": "cov", "files": {"dir/c.xml": b"<c/>"}}])
    art = next(iter(fake.artifacts.values()))
    # the blob store is another host, as GitHub's storage is (127.0.0.2 where it can be bound)
    assert fake.blob_url.split(":")[1] != fake.url.split(":")[1] or fake.blob_url != fake.url
    resp = requests.get(art["archive_download_url"],
                        headers={"Authorization": f"token {fake.token}"}, timeout=10)  # fmt: skip
    assert resp.status_code == 200, resp.text
    assert resp.history[0].status_code == 302
    assert zipfile.ZipFile(io.BytesIO(resp.content)).read("dir/c.xml") == b"<c/>"
    assert len(fake.blob_requests) == 1
    assert "Authorization" not in fake.blob_requests[0].headers
    assert "Authorization" not in resp.request.headers  # requests dropped it on the redirect


def test_requests_strips_auth_across_ports_too() -> None:
    """Why another port on 127.0.0.1 would also be a safe fallback for the blob origin."""
    session = requests.Session()
    assert session.should_strip_auth("http://127.0.0.1:1/a", "http://127.0.0.1:2/b")
    assert session.should_strip_auth("http://127.0.0.1:1/a", "http://127.0.0.2:1/b")


def test_blob_store_refuses_a_leaked_token(fake: FakeGitHub) -> None:
    fake.add_run(9, artifacts=[("raw", make_zip({"a": "b"}))])
    aid = next(iter(fake.artifacts))
    location = api(fake, "GET", f"{R_}/actions/artifacts/{aid}/zip").headers["Location"]
    leaked = requests.get(location, headers={"Authorization": f"token {fake.token}"}, timeout=10)
    assert leaked.status_code == 400
    assert "Authorization" in fake.blob_requests[-1].headers


def test_expired_artifact_is_410(fake: FakeGitHub) -> None:
    fake.add_run(9, artifacts=[{"name": "old", "files": {}, "expired": True}])
    aid = next(iter(fake.artifacts))
    assert fake.artifacts[aid]["expired"] is True
    resp = api(fake, "GET", f"/repos/{fake.repo_full_name}/actions/artifacts/{aid}/zip")
    assert resp.status_code == 410 and fake.blob_requests == []


def test_job_log_redirects_to_the_blob_origin_and_a_deleted_one_is_410(fake: FakeGitHub) -> None:
    fake.add_run(9, jobs=[{"name": "a"}, {"name": "b"}, {"name": "c"}])
    kept, deleted, never = (j["id"] for j in fake.jobs[9])
    text = "\ufeff2026-01-15T10:00:00.0000000Z line\n"
    fake.add_job_log(kept, text)
    fake.add_job_log(deleted, None)
    resp = api(fake, "GET", f"{R_}/actions/jobs/{kept}/logs")
    assert resp.status_code == 302 and resp.headers["Location"].startswith(fake.blob_url)
    log = requests.get(resp.headers["Location"], timeout=10)
    assert log.status_code == 200 and log.content.decode() == text
    assert api(fake, "GET", f"{R_}/actions/jobs/{deleted}/logs").status_code == 410
    assert api(fake, "GET", f"{R_}/actions/jobs/{never}/logs").status_code == 404
    assert api(fake, "GET", f"{R_}/actions/jobs/1/logs").status_code == 404


# ---------------------------------------------------------------------- git data, commits


def test_git_refs_commits_trees(fake: FakeGitHub, repo: Any) -> None:
    main = repo.get_git_ref("heads/main")
    head = main.object.sha
    commit = repo.get_git_commit(head)
    tree = repo.get_git_tree(commit.tree.sha)
    assert [e.path for e in tree.tree] == ["README.md"]
    new = repo.create_git_commit("next", tree, [commit])
    assert new.parents[0].sha == head and new.tree.sha == tree.sha
    ref = repo.create_git_ref("refs/heads/lane", new.sha)
    assert ref.ref == "refs/heads/lane" and fake.refs["refs/heads/lane"] == new.sha
    with pytest.raises(github.GithubException) as err:
        repo.create_git_ref("refs/heads/lane", head)
    assert err.value.status == 422 and err.value.data["message"] == "Reference already exists"
    main.edit(new.sha)  # fast forward
    assert fake.refs["refs/heads/main"] == new.sha
    with pytest.raises(github.GithubException) as err:
        main.edit(head)
    assert err.value.data["message"] == "Update is not a fast forward"
    main.edit(head, force=True)
    assert fake.refs["refs/heads/main"] == head
    with pytest.raises(github.UnknownObjectException):
        repo.get_git_ref("heads/nope")


def test_branch_and_repo_commit(fake: FakeGitHub, repo: Any) -> None:
    fake.add_branch("feature")
    branch = repo.get_branch("feature")
    assert branch.commit.sha == fake.refs["refs/heads/feature"] and not branch.protected
    commit = repo.get_commit("feature")
    assert commit.sha == branch.commit.sha
    assert (commit.commit.author.name, commit.commit.author.email) == (
        "Mona Lisa",
        "octocat@github.com",
    )
    assert commit.author.login == "octocat" and commit.committer.login == "octocat"
    assert repo.get_commit(commit.sha[:7]).sha == commit.sha
    with pytest.raises(github.GithubException):
        repo.get_branch("nope")
    assert fake.add_branch("other", commit.sha)["object"]["sha"] == commit.sha


def test_repository(fake: FakeGitHub, repo: Any) -> None:
    assert (repo.full_name, repo.default_branch) == ("octo-org/octo-repo", "main")
    assert repo.html_url == "https://github.com/octo-org/octo-repo"
    with FakeGitHub("acme", "widgets", default_branch="trunk") as other:
        r = client(other).get_repo("acme/widgets")
        assert r.default_branch == "trunk" and r.get_branch("trunk").name == "trunk"


# ---------------------------------------------------------------------- pulls, statuses, checks


def test_pulls_create_list_get_update(fake: FakeGitHub, repo: Any) -> None:
    fake.add_branch("lane/1")
    pr = repo.create_pull(base="main", head="octo-org:lane/1", title="Lane 1", body="b", draft=True)
    assert pr.draft and pr.head.ref == "lane/1" and pr.base.ref == "main" and pr.state == "open"
    assert [p.number for p in repo.get_pulls(head="octo-org:lane/1")] == [pr.number]
    assert list(repo.get_pulls(head="octo-org:other")) == []
    assert repo.get_pull(pr.number).title == "Lane 1"
    pr.edit(title="Lane 1 (done)", state="closed")
    assert repo.get_pull(pr.number).state == "closed" and list(repo.get_pulls()) == []
    assert [p.number for p in repo.get_pulls(state="closed", base="main")] == [pr.number]
    assert repo.get_issue(pr.number).title == "Lane 1 (done)"  # shared number space
    with pytest.raises(github.GithubException) as err:
        repo.create_pull(base="main", head="missing", title="x")
    assert err.value.status == 422


def test_duplicate_pull_is_422(fake: FakeGitHub, repo: Any) -> None:
    fake.add_branch("lane")
    repo.create_pull(base="main", head="lane", title="one")
    with pytest.raises(github.GithubException) as err:
        repo.create_pull(base="main", head="lane", title="two")
    assert "A pull request already exists" in err.value.data["errors"][0]["message"]


def test_drafts_not_supported(fake: FakeGitHub, repo: Any) -> None:
    fake.add_branch("lane")
    fake.drafts_supported = False
    with pytest.raises(github.GithubException) as err:
        repo.create_pull(base="main", head="lane", title="t", draft=True)
    assert err.value.status == 422
    assert (
        err.value.data["errors"][0]["message"]
        == "Draft pull requests are not supported in this repository."
    )
    assert not repo.create_pull(base="main", head="lane", title="t").draft  # retry without draft


def test_actions_not_permitted_to_create_pulls(fake: FakeGitHub, repo: Any) -> None:
    fake.add_branch("lane")
    fake.actions_can_create_prs = False
    with pytest.raises(github.GithubException) as err:
        repo.create_pull(base="main", head="lane", title="t")
    assert err.value.status == 403
    assert (
        err.value.data["message"]
        == "GitHub Actions is not permitted to create or approve pull requests."
    )
    assert fake.pulls == {}


def test_statuses_and_check_runs(fake: FakeGitHub, repo: Any) -> None:
    sha = fake.refs["refs/heads/main"]
    status = repo.get_commit(sha).create_status("success", "https://x", "all good", "ci/gate")
    assert (status.state, status.context) == ("success", "ci/gate")
    assert fake.statuses[-1]["sha"] == sha
    check = repo.create_check_run("gate", sha, status="completed", conclusion="success",
                                  output={"title": "t", "summary": "s"})  # fmt: skip
    assert check.conclusion == "success" and fake.check_runs[-1]["name"] == "gate"
    with pytest.raises(github.GithubException):
        repo.get_commit(sha).create_status("bogus")


# ---------------------------------------------------------------------- faults and limits


def test_fail_injects_answers_then_recovers(fake: FakeGitHub, repo: Any) -> None:
    fake.fail("GET", r"/issues$", 502, times=2)
    for _ in range(2):
        with pytest.raises(github.GithubException) as err:
            list(repo.get_issues())
        assert err.value.status == 502
    assert list(repo.get_issues()) == []


def test_secondary_rate_limit_with_retry_after(fake: FakeGitHub) -> None:
    body = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits"}  # fmt: skip
    fake.fail("POST", r"/issues$", 403, body=body, headers={"Retry-After": "1"})
    repo = client(fake).get_repo(fake.repo_full_name)
    with pytest.raises(github.RateLimitExceededException) as err:
        repo.create_issue("t")
    assert err.value.headers["retry-after"] == "1"
    # PyGithub's own GithubRetry honours Retry-After and succeeds on the second try
    fake.fail("POST", r"/issues$", 403, body=body, headers={"Retry-After": "1"})
    retrying = client(fake, retry=github.GithubRetry(total=2)).get_repo(fake.repo_full_name)
    started = time.monotonic()
    assert retrying.create_issue("t").number == 1
    assert time.monotonic() - started >= 1 and fake.count("POST") == 3


def test_primary_rate_limit_runs_out(fake: FakeGitHub, g: github.Github) -> None:
    assert g.get_rate_limit().resources.core.limit == 1000
    fake.rate_limit_remaining = 0
    with pytest.raises(github.RateLimitExceededException) as err:
        g.get_repo(fake.repo_full_name)
    assert err.value.status == 403
    assert err.value.data["message"].startswith("API rate limit exceeded for installation ID")
    assert err.value.headers["x-ratelimit-remaining"] == "0"
    assert int(err.value.headers["x-ratelimit-reset"]) > time.time()
    assert g.get_rate_limit().resources.core.remaining == 0  # /rate_limit is free


def test_hang_applies_the_request_but_never_answers(fake: FakeGitHub, repo: Any) -> None:
    fake.hang("POST", r"/issues$")
    with pytest.raises(requests.exceptions.ConnectionError):
        repo.create_issue("created but unanswered")
    assert [i["title"] for i in fake.issues.values()] == ["created but unanswered"]
    fake.hang("POST", r"/issues$", then_apply=False)
    with pytest.raises(requests.exceptions.ConnectionError):
        repo.create_issue("never created")
    assert len(fake.issues) == 1
    assert repo.create_issue("fine").number == 2  # the rule is used up


def test_read_only_token(fake: FakeGitHub, repo: Any) -> None:
    fake.add_issue("t")
    fake.read_only = True
    with pytest.raises(github.GithubException) as err:
        repo.get_issue(1).create_comment("x")
    assert err.value.status == 403
    assert err.value.data["message"] == "Resource not accessible by integration"
    assert fake.comments[1] == [] and repo.get_issue(1).title == "t"


def test_concurrent_requests(fake: FakeGitHub) -> None:
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            repo = client(fake).get_repo(fake.repo_full_name)
            for i in range(5):
                repo.create_issue(f"{k}-{i}")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(fake.issues) == list(range(1, 21))


def test_server_stops_on_exit() -> None:
    with FakeGitHub() as gh:
        url = gh.url
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/rate_limit", timeout=2)


# ------------------------------------------------------- GraphQL: the draft-state mutations
#
# GitHub answers GraphQL with HTTP 200 whether it worked or not: `data` with exactly the fields
# asked for, or `errors` (type, path, locations, message) beside `data` with the field null.
# PyGithub's own GraphQL helpers read the answers here, as they read GitHub's.

READY = "markPullRequestReadyForReview"
DRAFT = "convertPullRequestToDraft"


def mutate(fake: FakeGitHub, name: str, node_id: str, fields: str = "number isDraft") -> Any:
    query = (f"mutation($input: {name[0].upper()}{name[1:]}Input!) "
             f"{{ {name}(input: $input) {{ pullRequest {{ {fields} }} }} }}")
    resp = requests.post(fake.url + "/graphql", timeout=10,
                         headers={"Authorization": f"Bearer {fake.token}"},
                         json={"query": query, "variables": {"input": {"pullRequestId": node_id}}})
    assert resp.status_code == 200
    assert resp.headers["X-RateLimit-Resource"] == "graphql"
    return resp.json()


def test_graphql_mutations_answer_exactly_the_fields_asked(fake: FakeGitHub) -> None:
    pr = fake.add_pull("Agent work", head="copilot/x", draft=True, user="Copilot")
    assert mutate(fake, READY, pr["node_id"]) == {
        "data": {READY: {"pullRequest": {"number": pr["number"], "isDraft": False}}}}
    assert fake.pulls[pr["number"]]["draft"] is False
    answer = mutate(fake, DRAFT, pr["node_id"], "id isDraft state url")
    assert answer["data"][DRAFT]["pullRequest"] == {
        "id": pr["node_id"], "isDraft": True, "state": "OPEN", "url": pr["html_url"]}
    assert fake.pulls[pr["number"]]["draft"] is True


@pytest.mark.parametrize("case, kind", [
    ("unknown node", "NOT_FOUND"), ("read-only token", "FORBIDDEN"),
])
def test_graphql_errors_have_githubs_shape(fake: FakeGitHub, case: str, kind: str) -> None:
    pr = fake.add_pull("Agent work", head="copilot/x", draft=True)
    fake.read_only = case == "read-only token"
    node = "PR_nope" if case == "unknown node" else pr["node_id"]
    answer = mutate(fake, READY, node)
    assert answer["data"] == {READY: None}
    [error] = answer["errors"]
    assert set(error) == {"type", "path", "locations", "message"}
    assert error["type"] == kind and error["path"] == [READY]
    assert fake.pulls[pr["number"]]["draft"] is True


def test_graphql_refuses_what_it_does_not_know(fake: FakeGitHub) -> None:
    pr = fake.add_pull("Agent work", head="copilot/x")
    unknown_field = mutate(fake, READY, pr["node_id"], "number title2")
    assert "doesn't exist on type 'PullRequest'" in unknown_field["errors"][0]["message"]
    unknown = mutate(fake, "mergePullRequest", pr["node_id"])
    assert unknown["errors"][0]["extensions"]["code"] == "undefinedField"
    assert "data" not in unknown


def test_pygithubs_graphql_helpers_read_the_answers(fake: FakeGitHub, g: github.Github) -> None:
    pr = fake.add_pull("Agent work", head="copilot/x", draft=True)
    _, data = g.requester.graphql_named_mutation(
        READY, {"pullRequestId": pr["node_id"]}, "pullRequest { isDraft }")
    assert data == {"pullRequest": {"isDraft": False}}
    with pytest.raises(github.UnknownObjectException):  # a lone NOT_FOUND error: PyGithub's 404
        g.requester.graphql_named_mutation(DRAFT, {"pullRequestId": "PR_0"}, "clientMutationId")


# ------------------------------------------------ issue types and Copilot (issue #26)


def test_copilot_is_assigned_with_a_persons_token_only(fake: FakeGitHub) -> None:
    """GitHub's REST description documents no refusal of issues/add-assignees: the 403 (an
    installation token) and 404 (Copilot not enabled) are the fake's, as the issue names them;
    the success is checked against githubkit's model of the answer."""
    issue = fake.add_issue("Work for Copilot")
    path = f"{R_}/issues/{issue['number']}/assignees"
    body = {"assignees": ["copilot-swe-agent[bot]"],
            "agent_assignment": {"target_repo": "octo-org/octo-repo", "base_branch": "main",
                                 "custom_instructions": "Fix #1"}}
    assert api(fake, "POST", path, body).status_code == 403  # the workflow's token
    person = {"Authorization": f"Bearer {fake.user_token}"}
    fake.copilot_enabled = False
    assert requests.post(fake.url + path, json=body, headers=person, timeout=10).status_code == 404
    fake.copilot_enabled = True
    wrong = {**body, "agent_assignment": {"base_branch": "nope"}}
    assert requests.post(fake.url + path, json=wrong, headers=person, timeout=10).status_code == 422
    done = requests.post(fake.url + path, json=body, headers=person, timeout=10)
    assert done.status_code == 201
    TypeAdapter(operation("issues/add-assignees").answers["2xx"]).validate_json(
        done.content, strict=True)
    assert [u["login"] for u in done.json()["assignees"]] == ["Copilot"]
    assert fake.agent_assignments[issue["number"]]["custom_instructions"] == "Fix #1"


def test_a_personal_account_has_no_issue_types(fake: FakeGitHub) -> None:
    fake.add_issue_type("Bug")
    assert [t["name"] for t in api(fake, "GET", "/orgs/octo-org/issue-types").json()] == ["Bug"]
    fake.owner_type = "User"
    assert api(fake, "GET", "/orgs/octo-org/issue-types").status_code == 404
    assert api(fake, "POST", R_ + "/issues", {"title": "t", "type": "Bug"}).status_code == 422
