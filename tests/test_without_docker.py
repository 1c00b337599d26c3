"""The Docker-free form every README shows: `pipx run --spec ci-toolkit==X.Y.Z ci-toolkit
<command> --<input> VALUE` in a `run:` step, the token through `env:`.

Each README's step is taken from its YAML and run as the runner runs a `run:` step: no INPUT_*
variable at all, only its flags, its `env:` and the runner's GITHUB_* variables, against the fake
GitHub. The pins name the last release (tests/test_release.py checks which one that is).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_soft_gate_support import coverage_json

from ci_toolkit.cli import COMMANDS, _command_parser, load
from conftest import ROOT, Result, run_action, webhook
from fake_github import FakeGitHub

PIPX = re.compile(r"^pipx run --spec ci-toolkit==(\S+) ci-toolkit ([a-z-]+)(.*)$")
DOCKER_COMMANDS = sorted(c for c in COMMANDS if c != "ci-gate")  # ci-gate: composite
READMES = [ROOT / "README.md", *(ROOT / c / "README.md" for c in DOCKER_COMMANDS)]


def yaml_blocks(path: Path) -> Iterator[Any]:
    for block in re.findall(r"^```yaml\n(.*?)^```", path.read_text(), re.M | re.S):
        yield yaml.safe_load(block)


def steps(node: Any) -> Iterator[dict[str, Any]]:
    """Every step-like mapping (it has `run:`) anywhere in a workflow or a snippet."""
    if isinstance(node, dict):
        if isinstance(node.get("run"), str):
            yield node
        for value in node.values():
            yield from steps(value)
    elif isinstance(node, list):
        for value in node:
            yield from steps(value)


def pipx_steps(path: Path) -> list[dict[str, Any]]:
    return [step for block in yaml_blocks(path) for step in steps(block)
            if step["run"].startswith("pipx run --spec ci-toolkit")]


def the_step(command: str) -> dict[str, Any]:
    [step] = [s for s in pipx_steps(ROOT / command / "README.md")
              if PIPX.match(s["run"].strip()) and PIPX.match(s["run"].strip())[2] == command]
    return step


def test_every_docker_action_shows_its_command_without_docker() -> None:
    for command in DOCKER_COMMANDS:
        text = (ROOT / command / "README.md").read_text()
        assert "## Without Docker: `ubuntu-slim`, macOS, Windows" in text, command
        assert the_step(command)
    assert pipx_steps(ROOT / "README.md"), "the README shows the form too"


@pytest.mark.parametrize("path", READMES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_each_pipx_step_is_a_real_command_with_the_token_in_env(path: Path) -> None:
    for step in pipx_steps(path):
        line = step["run"].strip()
        match = PIPX.match(line)
        assert match and "\n" not in line, f"not the pipx form: {line!r}"
        command, flags = match[2], shlex.split(match[3])
        module = load(command)
        _command_parser(command, module).parse_args(flags)  # exits 2 on an unknown flag
        assert "--github-token" not in flags, "the token goes through env:, never a flag"
        if any(spec.name == "github-token" for spec in module.INPUTS):
            assert step.get("env", {}).get("GITHUB_TOKEN") == "${{ github.token }}", line
        assert "${{" not in line, "outside values reach a run: step through env:"


# --- each README's step, run as written -------------------------------------------------------

def run_step(command: str, tmp_path: Path, fake: Any = None, **runner: Any) -> Result:
    """The README's `run:` line for `command` with its `env:`; `pipx run --spec ... ci-toolkit`
    is the installed entry point here. No INPUT_* variable is set."""
    step = the_step(command)
    match = PIPX.match(step["run"].strip())
    assert match
    env = {name: str(value).replace("${{ github.token }}", fake.token if fake else "")
           for name, value in (step.get("env") or {}).items()}
    result = run_action(command, tmp_path=tmp_path, fake=fake, env=env,
                        args=shlex.split(match[3]), input_variables=False, **runner)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_job_logs_step(tmp_path: Path, fake: Any) -> None:
    fake.add_run(1001, jobs=[{"name": "lint"}, {"name": "test (3.12)", "conclusion": "failure"}])
    result = run_step("job-logs", tmp_path, fake)
    assert result.rc == 0, result.stdout
    assert (result.outputs["total"], result.outputs["failed"]) == ("2", "1")
    assert "Automated Status Summary" in result.summary


def test_coverage_soft_gate_step(tmp_path: Path, fake: Any) -> None:
    fake.add_run(1001, jobs=[{"name": "test (3.11)"}, {"name": "test (3.12)"}], artifacts=[
        {"name": f"coverage-{leg}", "files": {"coverage.json": coverage_json({"a.py": (10, 8)})}}
        for leg in ("3.11", "3.12")])
    result = run_step("coverage-soft-gate", tmp_path, fake, event={
        "ref": "refs/heads/main", "repository": {"default_branch": "main"}})
    assert result.rc == 0 and not result.warnings, result.stdout
    assert (result.outputs["jobs"], result.outputs["average"]) == ("2", "80.00")
    [issue] = fake.issues.values()
    assert issue["title"] == "Increase test coverage (soft gate)"


def test_bulk_issues_step(tmp_path: Path, fake: Any) -> None:
    plan = tmp_path / "workspace" / "docs" / "plan.md"
    plan.parent.mkdir(parents=True)
    plan.write_text("## Add a lint job\n\nRuff on every push.\n\n## Cache pip\n\nLabels: ci\n")
    result = run_step("bulk-issues", tmp_path, fake)
    assert result.rc == 0, result.stdout
    titles = {issue["title"]: sorted(label["name"] for label in issue["labels"])
              for issue in fake.issues.values()}
    assert titles == {"Add a lint job": ["planned"], "Cache pip": ["ci", "planned"]}


def test_autofix_guard_step(tmp_path: Path, fake: Any) -> None:
    bot = {"name": "github-actions[bot]", "username": "github-actions[bot]",
           "email": "41898282+github-actions[bot]@users.noreply.github.com"}
    event = webhook("push", ref="refs/heads/main", head_commit={
        "id": "7c5b5d3c0c5e5f4d8d4b1d2a8a4f0b2c6e8d9a1f", "message": "chore(autofix): format",
        "author": bot, "committer": bot, "timestamp": "2026-08-17T12:00:00Z"})
    result = run_step("autofix-guard", tmp_path, fake, event=event)
    assert result.rc == 0, result.stdout
    assert result.outputs["skip"] == "true", result.outputs


@pytest.fixture
def hello() -> Iterator[FakeGitHub]:
    with FakeGitHub(owner="Codertocat", repo="Hello-World", default_branch="master") as server:
        server.add_issue("Spelling error in the README file", "It says Helo.")
        yield server


def test_draft_toggle_step(tmp_path: Path, hello: FakeGitHub) -> None:
    event = webhook("issues.labeled")
    event["label"]["name"] = "agent:codex"
    result = run_step("draft-toggle", tmp_path, hello, event=event, event_name="issues")
    assert result.rc == 0, result.stdout
    assert (result.outputs["operation"], result.outputs["draft"]) == ("created", "true")
    assert hello.pulls[int(result.outputs["pr-number"])]["draft"]


def test_workflow_audit_step(tmp_path: Path) -> None:
    workflows = tmp_path / "workspace" / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo hi\n")
    result = run_step("workflow-audit", tmp_path)
    assert result.rc == 0, result.stdout
    assert result.outputs["errors"] == "0"


def test_ci_gate_runs_from_flags_alone(tmp_path: Path) -> None:
    result = run_action("ci-gate", tmp_path=tmp_path, input_variables=False,
                        args=["--needs", '{"a": {"result": "skipped"}}', "--allowed-skips", "a"])
    assert (result.rc, result.outputs["result"]) == (0, "success")


def test_the_readme_runner_table_says_how_each_action_runs() -> None:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Where each action runs", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]  # no header
    for folder in sorted(p.parent.name for p in ROOT.glob("*/action.yml")):
        using = yaml.safe_load((ROOT / folder / "action.yml").read_text())["runs"]["using"]
        [row] = [r for r in rows if f"`{folder}`" in r.split("|")[1]]
        assert ("Docker" if using == "docker" else "composite") in row.split("|")[2], folder
    [pipx_row] = [r for r in rows if "pipx run --spec ci-toolkit==X.Y.Z" in r]
    assert (pipx_row.split("|")[1].strip(), len(DOCKER_COMMANDS)) == ("the same six", 6)
    assert "`ubuntu-slim`, macOS, Windows" in pipx_row
