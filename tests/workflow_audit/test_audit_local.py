"""Local composite actions (`uses: ./path`) and local reusable workflows are read and audited
in the caller's context: the caller's trigger and the values it passes in."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ci_toolkit.workflow_audit.audit import Finding, audit_files
from conftest import run_action

SETUP_ACTION = """
name: Set up and build
inputs:
  ref:
    description: what to build
    default: ${{ github.sha }}
  title:
    description: shown in the log
    default: build
runs:
  using: composite
  steps:
    - uses: actions/checkout@v4.2.2
      with:
        ref: ${{ inputs.ref }}
        persist-credentials: false
    - name: Build
      shell: bash
      run: |
        echo "Building ${{ inputs.title }}"
        npm ci && npm run build
"""
CALLER = """
on: pull_request_target
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4.2.2
        with:
          persist-credentials: false
      - uses: ./.github/actions/setup
        with:
          ref: REF
          title: TITLE
"""


def repository(tmp_path: Path, workflows: dict[str, str], actions: dict[str, str]) -> Path:
    root = tmp_path / "workspace"
    for name, text in workflows.items():
        path = root / ".github" / "workflows" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    for folder, text in actions.items():
        path = root / folder / "action.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def audited(root: Path) -> list[Finding]:
    files = sorted((root / ".github" / "workflows").iterdir())
    return audit_files(files, lambda p: p.relative_to(root).as_posix()).findings


def errors(found: list[Finding]) -> list[tuple[str, str, int]]:
    return sorted((f.rule, f.file, f.line) for f in found if f.severity == "error")


def test_a_composite_action_given_the_pr_head_runs_pr_code_at_the_call(tmp_path: Path) -> None:
    caller = CALLER.replace("REF", "${{ github.event.pull_request.head.sha }}") \
                   .replace("TITLE", "${{ github.event.pull_request.title }}")
    root = repository(tmp_path, {"pr.yml": caller}, {".github/actions/setup": SETUP_ACTION})
    found = audited(root)
    assert errors(found) == [("pr-code-execution", ".github/workflows/pr.yml", 11),
                             ("untrusted-input-injection", ".github/workflows/pr.yml", 11)]
    execution = next(f for f in found if f.rule == "pr-code-execution")
    assert ".github/actions/setup/action.yml" in execution.text
    assert "line 13 of" in execution.text  # the action's own checkout line


def test_the_same_composite_action_given_the_base_and_fixed_text_is_quiet(
        tmp_path: Path) -> None:
    caller = CALLER.replace("REF", "${{ github.event.pull_request.base.sha }}") \
                   .replace("TITLE", "release build")
    root = repository(tmp_path, {"pr.yml": caller}, {".github/actions/setup": SETUP_ACTION})
    assert errors(audited(root)) == []


def test_a_composite_action_with_its_defaults_is_quiet(tmp_path: Path) -> None:
    caller = CALLER.replace("          ref: REF\n          title: TITLE\n", "") \
                   .replace("        with:\n\n", "\n")
    caller = caller.replace("      - uses: ./.github/actions/setup\n        with:\n",
                            "      - uses: ./.github/actions/setup\n")
    root = repository(tmp_path, {"pr.yml": caller}, {".github/actions/setup": SETUP_ACTION})
    assert errors(audited(root)) == []


NESTED = """
runs:
  using: composite
  steps:
    - uses: ./.github/actions/setup
      with:
        ref: ${{ inputs.sha }}
"""


def test_composite_actions_are_followed_through_one_another(tmp_path: Path) -> None:
    caller = CALLER.replace("./.github/actions/setup", "./.github/actions/outer") \
        .replace("          ref: REF\n          title: TITLE",
                 "          sha: ${{ github.event.pull_request.head.sha }}")
    root = repository(tmp_path, {"pr.yml": caller},
                      {".github/actions/setup": SETUP_ACTION, ".github/actions/outer": NESTED})
    assert ("pr-code-execution", ".github/workflows/pr.yml", 11) in errors(audited(root))


def test_an_action_that_calls_itself_is_followed_once(tmp_path: Path) -> None:
    looping = NESTED.replace("./.github/actions/setup", "./.github/actions/loop")
    caller = CALLER.replace("./.github/actions/setup", "./.github/actions/loop")
    root = repository(tmp_path, {"pr.yml": caller}, {".github/actions/loop": looping})
    assert errors(audited(root)) == []


REUSABLE = """
on:
  workflow_call:
    inputs:
      sha:
        type: string
        required: true
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4.2.2
        with:
          ref: ${{ inputs.sha }}
          persist-credentials: false
      - run: make test
"""
CALLS_REUSABLE = """
on: TRIGGER
permissions: {}
jobs:
  call:
    uses: ./.github/workflows/test.yml
    with:
      sha: SHA
"""


def test_a_reusable_workflow_called_from_pull_request_target_with_the_head(
        tmp_path: Path) -> None:
    caller = CALLS_REUSABLE.replace("TRIGGER", "pull_request_target") \
                           .replace("SHA", "${{ github.event.pull_request.head.sha }}")
    root = repository(tmp_path, {"caller.yml": caller, "test.yml": REUSABLE}, {})
    found = audited(root)
    assert errors(found) == [("pr-code-execution", ".github/workflows/caller.yml", 6)]
    execution = next(f for f in found if f.rule == "pr-code-execution")
    assert "call → test" in execution.text and "line 14 of" in execution.text


def test_the_same_reusable_workflow_from_pull_request_or_with_the_base_is_quiet(
        tmp_path: Path) -> None:
    unprivileged = CALLS_REUSABLE.replace("TRIGGER", "pull_request") \
                                 .replace("SHA", "${{ github.event.pull_request.head.sha }}")
    base = CALLS_REUSABLE.replace("TRIGGER", "pull_request_target") \
                         .replace("SHA", "${{ github.event.pull_request.base.sha }}")
    for caller in (unprivileged, base):
        root = repository(tmp_path / str(hash(caller)), {"caller.yml": caller,
                                                        "test.yml": REUSABLE}, {})
        assert errors(audited(root)) == []


def test_an_agent_in_a_reusable_workflow_is_seen_with_the_callers_text(
        tmp_path: Path) -> None:
    agent = """
        on:
          workflow_call:
            inputs:
              request: {type: string}
        jobs:
          agent:
            runs-on: ubuntu-latest
            steps:
              - uses: anthropics/claude-code-action@v1
                with:
                  prompt: "Do this: ${{ inputs.request }}"
                  allowed_non_write_users: '*'
                  claude_args: --allowedTools Bash
        """
    caller = """
        on: issue_comment
        permissions: {}
        jobs:
          ask:
            uses: ./.github/workflows/agent.yml
            with:
              request: ${{ github.event.comment.body }}
        """
    root = repository(tmp_path, {"ask.yml": caller, "agent.yml": agent}, {})
    assert ("ai-agent-untrusted-input", ".github/workflows/ask.yml", 6) in errors(audited(root))


def test_the_action_reads_local_actions_from_the_workspace(tmp_path: Path) -> None:
    caller = CALLER.replace("REF", "${{ github.event.pull_request.head.sha }}") \
                   .replace("TITLE", "x")
    repository(tmp_path, {"pr.yml": caller}, {".github/actions/setup": SETUP_ACTION})
    result = run_action("workflow-audit", tmp_path=tmp_path)
    assert result.rc == 1
    assert result.errors[0].startswith(
        "::error file=.github/workflows/pr.yml,line=11,title=pr-code-execution::")
    assert "`.github/actions/setup/action.yml`" in result.summary
