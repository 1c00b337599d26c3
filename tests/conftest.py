"""Shared test bed: the fake GitHub, our own webhook payloads, and the real entry point as the
runner starts a Docker action (INPUT_* with action.yml defaults applied, GITHUB_* set, file
commands)."""

from __future__ import annotations

import atexit
import functools
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CLI = shutil.which("ci-toolkit", path=str(Path(sys.executable).parent)) or "ci-toolkit"


# --- ../shared: only for tests marked `shared` (corpus scoring, the OpenAPI subset, ACTIONS.md)
#
# Those tests, and only those, skip where ../shared is absent (a clone, the project's own CI).
# A test without the marker that reads ../shared, or a marked test that runs an action, fails:
# tests of what an action does run from the project's files alone (test_suite_whole.py).

_marked_test: list[str] = []  # the node id of the running test, while it carries the marker


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _marked_test.clear()
    if item.get_closest_marker("shared") is not None:
        if not SHARED.is_dir():
            pytest.skip(f"needs ../shared, absent here ({SHARED})")
        _marked_test.append(item.nodeid)


def pytest_runtest_teardown(item: pytest.Item) -> None:
    _marked_test.clear()


def pytest_collection_finish(session: pytest.Session) -> None:
    """With CI_TOOLKIT_TEST_INVENTORY set, write what test_suite_whole.py judges: each test,
    whether it carries the marker, and whether it runs an action."""
    path = os.environ.get("CI_TOOLKIT_TEST_INVENTORY")
    if path:
        Path(path).write_text(json.dumps([
            {"id": item.nodeid, "shared": item.get_closest_marker("shared") is not None,
             "runs_an_action": _runs_an_action(item)} for item in session.items]))


def _runs_an_action(item: pytest.Item) -> bool:
    """The test, a fixture it uses or a function of its module it calls runs the entry point."""
    test = getattr(item, "function", None)
    if test is None:
        return False
    fixtures = [d.func for defs in item._fixtureinfo.name2fixturedefs.values() for d in defs]
    called = [f for name, f in vars(inspect.getmodule(test)).items()
              if inspect.isfunction(f) and f"{name}(" in _source(test)]
    return any("run_action(" in _source(f) for f in (test, *fixtures, *called))


def _source(func: Any) -> str:
    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        return ""


def shared(*parts: str) -> Path:
    """A path under ../shared, for a test marked `@pytest.mark.shared`."""
    if not _marked_test:
        pytest.fail("a test that reads ../shared must carry @pytest.mark.shared", pytrace=False)
    return SHARED.joinpath(*parts)


WEBHOOKS = ROOT / "tests" / "webhooks"
# GitHub sends these pull_request actions with the same payload as `opened`; the draft flag the
# pull request has after each.
PULL_REQUEST_ACTIONS = {"reopened": False, "ready_for_review": False, "converted_to_draft": True}


def webhook_names() -> list[str]:
    """Every payload `webhook()` gives: a file of tests/webhooks, or a pull_request action."""
    files = [path.stem for path in sorted(WEBHOOKS.glob("*.json"))]
    return files + [f"pull_request.{action}" for action in PULL_REQUEST_ACTIONS]


def webhook(name: str, **changes: Any) -> dict[str, Any]:
    """Our own webhook payload `event.action` (tests/webhooks, each checked against githubkit's
    webhook models in test_webhooks.py), with top-level fields changed. A fresh copy each call."""
    event, _, action = name.partition(".")
    if event == "pull_request" and action in PULL_REQUEST_ACTIONS:
        payload = webhook("pull_request.opened", action=action)
        payload["pull_request"]["draft"] = PULL_REQUEST_ACTIONS[action]
    else:
        path = WEBHOOKS / f"{name}.json"
        assert path.exists(), f"no webhook payload {name!r}: there are {webhook_names()}"
        payload = json.loads(path.read_text())
    payload.update(changes)
    return payload


def action_yml(command: str) -> dict[str, Any]:
    path = ROOT / ("action.yml" if command == "." else f"{command}/action.yml")
    return yaml.safe_load(path.read_text())


@dataclass
class Result:
    rc: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith("::warning")]

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith("::error")]


def parse_outputs(text: str) -> dict[str, str]:
    """Read GITHUB_OUTPUT the way the runner does (name=value and name<<DELIM ... DELIM)."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            outputs[name] = "\n".join(lines[i + 1:end])
            i = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        i += 1
    return outputs


def run_action(command: str, inputs: Mapping[str, str] | None = None, *, tmp_path: Path,
               fake: Any = None, event: Mapping[str, Any] | None = None,
               event_name: str = "push", env: Mapping[str, str] | None = None,
               args: list[str] | None = None, timeout: float = 120,
               input_variables: bool = True) -> Result:
    """Run `ci-toolkit <command>` as the runner runs the action's container; with
    `input_variables=False` as a `run:` step runs it (pipx): flags only, no INPUT_* at all."""
    if _marked_test:
        pytest.fail(f"{_marked_test[0]} runs an action but carries @pytest.mark.shared: a test "
                    "of an action's behaviour must not need ../shared", pytrace=False)
    spec = action_yml(command).get("inputs") or {}
    given = dict(inputs or {})
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    files = tmp_path / "file_commands"
    files.mkdir(exist_ok=True)
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event or {}))
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_REPOSITORY": fake.repo_full_name if fake else "octo-org/octo-repo",
        "GITHUB_REPOSITORY_OWNER": (fake.repo_full_name if fake else "octo-org/x").split("/")[0],
        "GITHUB_RUN_ID": "1001",
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_SHA": "0" * 40,
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_ACTOR": "octocat",
        "GITHUB_TRIGGERING_ACTOR": "octocat",
        "GITHUB_JOB": "test",
        "GITHUB_API_URL": fake.url if fake else "http://127.0.0.1:9",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_OUTPUT": str(files / "set_output"),
        "GITHUB_STEP_SUMMARY": str(files / "step_summary"),
        "RUNNER_TEMP": str(tmp_path / "runner_temp"),
        "CI_TOOLKIT_WAIT_SCALE": "0",
        "CI_TOOLKIT_WRITE_INTERVAL": "0",
        "CI_TOOLKIT_HTTP_TIMEOUT": "5",
    }
    token = fake.token if fake else "ghs_no_fake_github"
    for name, declared in spec.items():
        value = given.pop(name, None)
        if value is None:
            value = str(declared.get("default", "")) if isinstance(declared, dict) else ""
            value = value.replace("${{ github.token }}", token)
        if input_variables:
            environ["INPUT_" + name.upper().replace(" ", "_")] = value
    assert not given, f"inputs not declared in {command}/action.yml: {sorted(given)}"
    # Not the runner's: lets coverage measure the entry point when the suite runs under it.
    environ.update({k: v for k, v in os.environ.items() if k.startswith("COVERAGE_")})
    environ.update(env or {})
    # A composite action (ci-gate) has no `args:`; its step runs the same command.
    argv = [CLI, *(action_yml(command)["runs"].get("args") or [command]), *(args or [])]
    done = subprocess.run(argv, env=environ, cwd=workspace, capture_output=True, text=True,
                          timeout=timeout, check=False)
    out_file, summary_file = files / "set_output", files / "step_summary"
    return Result(
        rc=done.returncode,
        stdout=done.stdout,
        stderr=done.stderr,
        outputs=parse_outputs(out_file.read_text()) if out_file.exists() else {},
        summary=summary_file.read_text() if summary_file.exists() else "",
    )


# --- coverage reports made at test time: the sample package's CI matrix under coverage.py

SAMPLE = ROOT / "tests" / "sample"
SAMPLE_JOBS = ("a", "b")  # two matrix jobs, each running its own tests (tests_a, tests_b)
collect_ignore = ["sample"]  # the sample's tests run in its own jobs, not in this suite


@dataclass(frozen=True)
class SampleRun:
    """The sample's matrix in one mode (branch coverage on or off), as coverage.py left it."""

    root: Path  # the checkout the jobs ran in: report paths are relative to it
    branch: bool

    def job(self, name: str) -> Path:
        """What job `name` uploads: .coverage, coverage.json, coverage.xml (Cobertura),
        lcov.info and pytest-report.xml (JUnit)."""
        return self.root / name

    def report(self, job: str, name: str = "coverage.json") -> bytes:
        return (self.job(job) / name).read_bytes()

    def coverage_py(self, job: str = "combined") -> dict[str, Any]:
        """coverage.py's JSON report of a job, or ("combined") of `coverage combine` of all."""
        return json.loads(self.report(job))

    def outcomes(self, job: str) -> dict[str, int]:
        """pytest's own count of the job's tests (tests, failures, errors, skipped)."""
        return {"tests": 0, "failures": 0, "errors": 0, "skipped": 0,
                **json.loads(self.report(job, "outcomes.json"))}


@dataclass(frozen=True)
class Sample:
    branch: SampleRun
    statements: SampleRun


@functools.cache
def sample_coverage() -> Sample:
    """Run tests/sample/ci_job.py once per session: each job in both modes, then `coverage
    combine` of the jobs' data files. The figures tests expect come from these files."""
    base = Path(tempfile.mkdtemp(prefix="ci-toolkit-sample-"))
    atexit.register(shutil.rmtree, base, True)
    runs = {mode: base / mode for mode in ("branch", "statements")}
    for root in runs.values():
        shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    _run_together([(root, [job, mode]) for mode, root in runs.items() for job in SAMPLE_JOBS])
    _run_together([(root, ["combine", mode, *SAMPLE_JOBS]) for mode, root in runs.items()])
    return Sample(SampleRun(runs["branch"], True), SampleRun(runs["statements"], False))


def _run_together(steps: list[tuple[Path, list[str]]]) -> None:
    # Not measured by a coverage run of this suite, and not steered by its pytest options.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "PYTEST_"))}
    started = [subprocess.Popen([sys.executable, "ci_job.py", *args], cwd=cwd, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for cwd, args in steps]
    for proc, (_, args) in zip(started, steps, strict=True):
        output = proc.communicate(timeout=300)[0]
        assert proc.returncode == 0, f"ci_job.py {' '.join(args)}:\n{output}"


@pytest.fixture(scope="session")
def sample() -> Sample:
    """The sample package's matrix, measured by coverage.py: every report format, branch on
    (`sample.branch`) and off (`sample.statements`)."""
    return sample_coverage()


@pytest.fixture(scope="session")
def corpus() -> Path:
    """../shared/coverage-corpus: real reports of real test suites."""
    return shared("coverage-corpus")


@pytest.fixture
def fake() -> Iterator[Any]:
    from fake_github import FakeGitHub

    with FakeGitHub() as server:
        yield server
