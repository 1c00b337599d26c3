"""bulk-issues through the real entry point against the fake GitHub."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from ci_toolkit.bulk_issues import command as bulk_issues
from ci_toolkit.markdown import ISSUE_BODY_LIMIT, marker
from conftest import ROOT, run_action
from rendered import render
from test_workflows import tool

SAMPLE = ROOT / "docs" / "examples" / "bulk-issues-sample.md"
ISSUES = "/repos/octo-org/octo-repo/issues"
LABELS = "/repos/octo-org/octo-repo/labels"
SECONDARY = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes "
             "before you try again.", "documentation_url": "https://docs.github.com"}
THREE = "## One\nLabels: a\nfirst\n\n## Two\nsecond\n\n## Three\nthird\n"


def bulk(tmp_path: Path, fake: Any, **inputs: str) -> Any:
    return run_action("bulk-issues", inputs, tmp_path=tmp_path, fake=fake)


def writes(fake: Any) -> int:
    return sum(fake.count(method) for method in ("POST", "PATCH", "PUT", "DELETE"))


def by_title(fake: Any) -> dict[str, dict[str, Any]]:
    return {issue["title"]: issue for issue in fake.issues.values()}


def label_names(issue: dict[str, Any]) -> list[str]:
    return [label["name"] for label in issue["labels"]]


def test_sample_creates_exactly_its_issues_then_nothing(tmp_path: Path, fake: Any) -> None:
    spec = SAMPLE.read_text()
    first = bulk(tmp_path, fake, spec=spec, **{"default-labels": "planned"})
    assert first.rc == 0, first.stdout + first.stderr
    issues = by_title(fake)
    assert list(issues) == ["Add a lint job to CI", "Cache pip downloads",
                            "Document the release checklist",
                            "Turn on Dependabot for GitHub Actions"]
    assert [label_names(i) for i in issues.values()] == [
        ["ci", "good first issue", "planned"], ["ci", "performance", "planned"],
        ["docs", "planned"], ["planned"]]
    release = issues["Document the release checklist"]["body"]
    mark = marker("bulk-issues", "Document the release checklist")
    assert release.startswith(mark + "\n\nWrite `RELEASING.md`.")  # the marker first
    assert "````markdown\n## Before the release\n- [ ] changelog updated\n\n## After" in release
    assert release.endswith("````")
    lint = issues["Add a lint job to CI"]["body"]
    assert "Labels:" not in lint and "```yaml\nlint:\n  runs-on: ubuntu-latest" in lint
    assert sorted(fake.labels) == ["ci", "docs", "good first issue", "performance", "planned"]
    assert "[3/4] created #3 Document the release checklist" in first.stdout.splitlines()
    assert first.outputs["created"] == "4" and first.outputs["failed"] == "0"
    assert json.loads(first.outputs["issues"])[0] == {
        "title": "Add a lint job to CI", "number": 1, "action": "created",
        "url": "https://github.com/octo-org/octo-repo/issues/1"}

    before = writes(fake)
    second = bulk(tmp_path, fake, spec=spec, **{"default-labels": "planned"})
    assert second.rc == 0
    assert writes(fake) == before and len(fake.issues) == 4
    assert (second.outputs["created"], second.outputs["skipped"]) == ("0", "4")
    assert [i["action"] for i in json.loads(second.outputs["issues"])] == ["skipped"] * 4


def test_spec_file_in_the_workspace(tmp_path: Path, fake: Any) -> None:
    (tmp_path / "workspace" / "plans").mkdir(parents=True)
    (tmp_path / "workspace" / "plans" / "q3.md").write_text(THREE)
    result = bulk(tmp_path, fake, **{"spec-file": "plans/q3.md"})
    assert result.rc == 0 and list(by_title(fake)) == ["One", "Two", "Three"]


@pytest.mark.parametrize("inputs, name, says", [
    ({}, "spec", "each issue starts with a line `## Title`"),
    ({"spec": "no heading here\n"}, "spec", "no issue found: each issue starts with a line"),
    ({"spec": "## Ok\n\n##\n"}, "spec", "line 3: the `##` heading has no title"),
    ({"spec": "## One Labels: a first ## Two second"}, "spec", "its newlines were lost"),
    ({"spec": THREE, "spec-file": "x.md"}, "spec-file", "not both"),
    ({"spec-file": "../outside.md"}, "spec-file", "outside the workspace"),
    ({"spec-file": "/etc/hostname"}, "spec-file", "outside the workspace"),
    ({"spec-file": "missing.md"}, "spec-file", "no file 'missing.md'"),
    ({"spec": THREE, "on-existing": "replace"}, "on-existing", "skip, update, create"),
    ({"spec": THREE, "dry-run": "maybe"}, "dry-run", "true/false"),
    ({"spec": "## Ok\nLabels: " + "l" * 51 + "\n"}, "spec",
     f"line 2: Labels: the label '{'l' * 51}' is 51 characters long; GitHub allows 50"),
    ({"spec": "## " + "t" * 257}, "spec", "line 1: the title is 257 characters long"),
    ({"spec": THREE, "default-labels": "ok, " + "d" * 51}, "default-labels",
     f"holds a label: the label '{'d' * 51}' is 51 characters long"),
    ({"spec": "<!--\n## Later\n-->\n"}, "spec", "no issue found"),
])
def test_input_errors_exit_2_before_any_request(tmp_path: Path, fake: Any,
                                                inputs: dict[str, str], name: str,
                                                says: str) -> None:
    (tmp_path / "outside.md").write_text(THREE)
    result = bulk(tmp_path, fake, **inputs)
    assert result.rc == 2
    [error] = result.errors
    assert f"input '{name}'" in error and says in error
    assert fake.requests == []


def test_empty_token_is_an_input_error(tmp_path: Path, fake: Any) -> None:
    result = bulk(tmp_path, fake, spec=THREE, **{"github-token": ""})
    assert result.rc == 2 and "issues: write" in result.errors[0]


def test_existing_issues_ours_or_by_hand_are_skipped(tmp_path: Path, fake: Any) -> None:
    fake.add_issue("One", body="made by hand")
    fake.add_issue("Two", body="renamed\n" + marker("bulk-issues", "Two"))
    fake.add_issue("Three", body="closed long ago", state="closed")
    result = bulk(tmp_path, fake, spec=THREE)
    assert result.rc == 0
    actions = [(i["number"], i["action"]) for i in json.loads(result.outputs["issues"])]
    assert actions == [(1, "skipped"), (2, "skipped"), (4, "created")]
    assert fake.count("GET", "/search") == 0


def test_update_sets_the_body_and_adds_labels_once(tmp_path: Path, fake: Any) -> None:
    fake.add_issue("One", body="made by hand", labels=["triaged"])
    result = bulk(tmp_path, fake, spec=THREE, **{"on-existing": "update"})
    assert result.rc == 0 and result.outputs["updated"] == "1"
    one = fake.issues[1]
    assert one["body"] == marker("bulk-issues", "One") + "\n\nfirst"
    assert label_names(one) == ["triaged", "a"]
    patches = fake.count("PATCH")
    again = bulk(tmp_path, fake, spec=THREE, **{"on-existing": "update"})
    assert fake.count("PATCH") == patches and again.outputs["skipped"] == "3"
    assert "[1/3] skipped #1 One" in again.stdout


def test_create_anyway_makes_a_second_issue(tmp_path: Path, fake: Any) -> None:
    fake.add_issue("Two", body="by hand")
    bulk(tmp_path, fake, spec=THREE, **{"on-existing": "create"})
    assert [i["title"] for i in fake.issues.values()].count("Two") == 2


def test_an_existing_label_answer_is_fine(tmp_path: Path, fake: Any) -> None:
    exists = {"message": "Validation Failed", "errors": [
        {"resource": "Label", "code": "already_exists", "field": "name"}]}
    fake.fail("POST", r"/labels$", 422, body=exists)
    result = bulk(tmp_path, fake, spec=THREE)
    assert result.rc == 0 and result.outputs["created"] == "3"


def test_missing_label_without_create_labels_stops_before_anything(tmp_path: Path,
                                                                    fake: Any) -> None:
    fake.add_label("a")
    result = bulk(tmp_path, fake, spec=THREE,
                  **{"create-labels": "false", "default-labels": "team-x, a"})
    assert result.rc == 1 and writes(fake) == 0
    assert "These labels do not exist: team-x" in result.errors[0]
    assert result.outputs["failed"] == "3" and result.outputs["created"] == "0"


def test_timed_out_create_is_found_not_duplicated(tmp_path: Path, fake: Any) -> None:
    fake.hang("POST", r"/issues$")  # carried out, but no answer reaches the client
    result = bulk(tmp_path, fake, spec=THREE)
    assert result.rc == 0 and list(by_title(fake)) == ["One", "Two", "Three"]
    assert fake.count("POST", ISSUES) == 3 and len(fake.issues) == 3
    assert json.loads(result.outputs["issues"])[0]["number"] == 1


def test_create_lost_before_it_happened_is_retried(tmp_path: Path, fake: Any) -> None:
    fake.hang("POST", r"/issues$", then_apply=False)
    result = bulk(tmp_path, fake, spec=THREE)
    assert result.rc == 0 and len(fake.issues) == 3
    assert fake.count("POST", ISSUES) == 4


def test_one_failure_does_the_others_then_exits_1(tmp_path: Path, fake: Any) -> None:
    fake.add_issue("One", body="by hand")  # issue 1: the creates get 2, 3
    invalid = {"message": "Validation Failed", "errors": [
        {"resource": "Issue", "code": "invalid", "field": "title"}]}
    fake.fail("POST", r"/issues$", 422, body=invalid)
    result = bulk(tmp_path, fake, spec=THREE)
    assert result.rc == 1
    assert [i["action"] for i in json.loads(result.outputs["issues"])] == [
        "skipped", "failed", "created"]
    assert "[2/3] failed Two" in result.stdout and "[3/3] created #2 Three" in result.stdout
    assert "Could not create issue 'Two': GitHub answered 422" in result.errors[0]
    assert "| — | Two | failed | Could not create issue 'Two'" in result.summary


def test_read_only_token_names_the_permission_and_stops(tmp_path: Path, fake: Any) -> None:
    fake.read_only = True
    result = bulk(tmp_path, fake, spec="## A\nx\n## B\ny\n## C\nz\n")
    assert result.rc == 1 and result.outputs["failed"] == "3"
    assert fake.count("POST", ISSUES) == 1  # the others would meet the same 403
    [error] = result.errors  # the cause once, not once per issue
    assert "`issues: write`" in error
    assert "[3/3] failed C" in result.stdout and "not tried" in result.summary


def test_read_only_token_with_labels_stops_at_the_labels(tmp_path: Path, fake: Any) -> None:
    fake.read_only = True
    result = bulk(tmp_path, fake, spec=THREE)
    assert result.rc == 1 and fake.count("POST", ISSUES) == 0
    assert "create the missing labels" in result.errors[0] and "`issues: write`" in result.errors[0]


def test_rate_limited_create_is_waited_out(tmp_path: Path, fake: Any) -> None:
    fake.fail("POST", r"/issues$", 403, body=SECONDARY, headers={"Retry-After": "30"}, times=2)
    result = bulk(tmp_path, fake, spec=THREE)
    assert result.rc == 0 and len(fake.issues) == 3
    assert fake.count("POST", ISSUES) == 5


def test_rate_limited_label_create_is_waited_out(tmp_path: Path, fake: Any) -> None:
    fake.fail("POST", r"/labels$", 403, body=SECONDARY, headers={"Retry-After": "30"})
    result = bulk(tmp_path, fake, spec=THREE)
    assert result.rc == 0, result.stdout + result.stderr
    assert "a" in fake.labels and len(fake.issues) == 3
    assert fake.count("POST", LABELS) == 2


def test_rate_limit_past_the_wait_budget_fails_the_rest(tmp_path: Path, fake: Any) -> None:
    fake.fail("POST", r"/issues$", 403, body=SECONDARY, headers={"Retry-After": "120"}, times=9)
    result = run_action("bulk-issues", {"spec": THREE}, tmp_path=tmp_path, fake=fake,
                        env={"CI_TOOLKIT_MAX_WAIT": "60"})
    assert result.rc == 1 and fake.issues == {}
    assert result.outputs["failed"] == "3" and fake.count("POST", ISSUES) == 1
    assert "rate limit" in result.errors[0]


def test_long_body_is_cut_with_a_note_and_keeps_its_marker(tmp_path: Path, fake: Any) -> None:
    line = "x" * 99 + "\n"
    result = bulk(tmp_path, fake, spec="## Big\n" + line * 1000)
    assert result.rc == 0
    body = fake.issues[1]["body"]
    assert len(body) <= ISSUE_BODY_LIMIT
    assert "the rest was cut" in body and body.startswith(marker("bulk-issues", "Big") + "\n")


def test_dry_run_without_a_token_plans_creates_and_sends_nothing(tmp_path: Path,
                                                                 fake: Any) -> None:
    result = bulk(tmp_path, fake, spec=THREE, **{"github-token": "", "dry-run": "true"})
    assert result.rc == 0 and fake.requests == []
    table = result.stdout.splitlines()
    header = next(i for i, line in enumerate(table) if line.startswith("What would happen"))
    assert table[header:header + 4] == [
        "What would happen  Body size  Labels  Title",
        "would create              55  a       One",  # the body as sent: with its marker
        "would create              56  -       Two",
        "would create              55  -       Three"]
    assert "| One | `a` |" in result.summary and "would create" in result.summary
    assert [i["action"] for i in json.loads(result.outputs["issues"])] == ["would create"] * 3
    assert result.outputs["created"] == "0"


def test_dry_run_with_a_token_reads_but_never_writes(tmp_path: Path, fake: Any) -> None:
    fake.add_issue("Two", body="by hand")
    result = bulk(tmp_path, fake, spec=THREE + "\n## Big\n" + "y\n" * 40_000,
                  **{"dry-run": "true", "create-labels": "false"})
    assert result.rc == 0 and writes(fake) == 0 and fake.requests
    assert [i["action"] for i in json.loads(result.outputs["issues"])] == [
        "would create", "would skip", "would create", "would create"]
    assert "A real run would stop before creating anything" in result.warnings[0]
    assert "(cut)" in result.summary


def test_a_body_ending_in_an_open_fence_keeps_its_marker(tmp_path: Path, fake: Any) -> None:
    spec = "## One\nbody\n```\nnever closed\n"
    assert bulk(tmp_path, fake, spec=spec).outputs["created"] == "1"
    shown = render(fake.issues[1]["body"])  # the marker stays hidden, not shown as code
    assert "ci-toolkit" not in shown.text and shown.codes == ["never closed\n"]
    again = bulk(tmp_path, fake, spec=spec)
    assert again.outputs["created"] == "0" and again.outputs["skipped"] == "1"
    assert len(fake.issues) == 1


def test_outside_text_is_escaped_in_the_summary(tmp_path: Path, fake: Any) -> None:
    result = bulk(tmp_path, fake, spec="## Ping @team | <b>now</b>\nbody\n")
    assert "| Ping @\u200bteam \\| &lt;b&gt;now&lt;/b&gt; | created |" in result.summary


def test_writes_are_paced_by_the_configured_interval(fake: Any, monkeypatch: pytest.MonkeyPatch,
                                                     ) -> None:
    """The client the command uses defers each write after the first by the interval.

    PyGithub sleeps before a write that comes too soon; recording those sleeps instead of
    sleeping checks the pacing without measuring any time."""
    from github import Requester

    from ci_toolkit import cli
    from ci_toolkit.github import client

    slept: list[float] = []
    monkeypatch.setattr(Requester, "time", SimpleNamespace(sleep=slept.append))
    for name, value in (("write_interval", 30.0), ("scale", 1.0), ("budget", 0.0),
                        ("budget_set", False)):
        monkeypatch.setattr(client.WAITS, name, value)
    for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "CI_TOOLKIT_MAX_WAIT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_REPOSITORY", fake.repo_full_name)
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    assert cli.main(["bulk-issues", "--spec", "## A\n## B\n## C\n",
                     "--github-token", fake.token]) == 0
    assert fake.count("POST", ISSUES) == 3
    assert len(slept) == 2 and all(15 < seconds <= 30 for seconds in slept)
    assert client.WAITS.budget == bulk_issues.OPERATION_WAIT  # an operation may wait longer


def test_recipe_is_a_valid_workflow_passing_inputs_safely() -> None:
    recipe = ROOT / "docs" / "recipes" / "bulk-issues.yml"
    workflow = yaml.safe_load(recipe.read_text())
    dispatch = workflow[True]["workflow_dispatch"]["inputs"]  # YAML 1.1 reads `on` as True
    assert {"spec", "default_labels"} <= set(dispatch)
    [job] = workflow["jobs"].values()
    assert job["permissions"]["issues"] == "write"
    step = next(s for s in job["steps"] if "bulk-issues" in s.get("uses", ""))
    assert step["with"]["spec"] == "${{ inputs.spec }}"
    assert step["with"]["default-labels"] == "${{ inputs.default_labels }}"
    assert all("${{" not in s.get("run", "") for s in job["steps"])
    assert set(step["with"]) <= set(yaml.safe_load(
        (ROOT / "bulk-issues" / "action.yml").read_text())["inputs"])
    checker = tool("check-jsonschema")  # the venv's, also where the venv is not activated
    done = subprocess.run([checker, "--builtin-schema", "vendor.github-workflows", str(recipe)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
