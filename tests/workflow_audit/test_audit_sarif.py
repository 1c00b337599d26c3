"""SARIF output validated against the official SARIF 2.1.0 schema (../shared/sarif)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ci_toolkit.workflow_audit.audit import RULES, audit_files, audit_text
from ci_toolkit.workflow_audit.sarif import sarif
from conftest import shared


def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(shared("sarif", "sarif-schema-2.1.0.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def assert_valid(log: dict[str, Any]) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator().iter_errors(log)]
    assert not errors, errors


@pytest.mark.shared
def test_corpus_sarif_is_valid_and_complete() -> None:
    files = sorted(shared("workflow-corpus", "cases").iterdir())
    report = audit_files(files, lambda p: f".github/workflows/{Path(p).name}")
    log = sarif(report.findings, RULES)
    assert_valid(json.loads(json.dumps(log)))
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == list(RULES)
    assert len(run["results"]) == len(report.findings)
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    executions = [r for r in run["results"] if r["ruleId"] == "pr-code-execution"]
    assert executions and all(r["relatedLocations"] for r in executions)


@pytest.mark.shared
def test_empty_and_unparsable_logs_are_valid() -> None:
    assert_valid(sarif([], RULES))
    broken = audit_text("on: [push\n", file="bad.yml").findings
    assert_valid(sarif(broken, RULES))
    assert sarif(broken, RULES)["runs"][0]["results"][0]["level"] == "error"


def test_fingerprints_ignore_line_moves() -> None:
    body = ("on: pull_request_target\npermissions: {}\njobs:\n  j:\n    runs-on: x\n"
            "    steps:\n      - uses: actions/checkout@v4\n")
    first = sarif(audit_text(body).findings, RULES)["runs"][0]["results"][0]
    moved = sarif(audit_text("\n\n" + body).findings, RULES)["runs"][0]["results"][0]
    assert first["partialFingerprints"] == moved["partialFingerprints"]
    assert first["locations"] != moved["locations"]


def test_identical_findings_keep_distinct_fingerprints() -> None:
    # Two alike checkouts give the same message once line numbers are left out: code scanning
    # would fold them into one alert, so the second gets its occurrence number.
    body = ("on: pull_request_target\npermissions: {}\njobs:\n  j:\n    runs-on: x\n"
            "    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/checkout@v4\n")
    results = sarif(audit_text(body).findings, RULES)["runs"][0]["results"]
    prints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert len(prints) == 2 and len(set(prints)) == 2
    moved = sarif(audit_text("\n" + body).findings, RULES)["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in moved] == [r["partialFingerprints"]
                                                         for r in results]


def test_file_paths_are_uri_references() -> None:
    found = audit_text("on: [push\n", file=".github/workflows/my flow#1.yml").findings
    uri = sarif(found, RULES)["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"]["uri"]
    assert uri == ".github/workflows/my%20flow%231.yml"


@pytest.mark.shared
def test_sarif_of_the_1_1_rules_is_valid() -> None:
    """Agents, values that travel (related lines) and findings inside a local action."""
    from ci_toolkit.workflow_audit.audit import audit_texts

    workflow = """on: issue_comment
permissions: {}
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: meta
        uses: actions/github-script@v7
        with:
          script: |
            const pr = (await github.rest.pulls.get({pull_number: 1})).data;
            core.setOutput('branch', pr.head.ref);
      - run: echo "${{ steps.meta.outputs.branch }}"
      - uses: ./.github/actions/build
        with: {ref: "${{ steps.meta.outputs.branch }}"}
      - run: copilot --yolo -p "$ASK"
        env: {ASK: "${{ github.event.comment.body }}"}
"""
    action = """runs:
  using: composite
  steps:
    - uses: actions/checkout@v4.2.2
      with: {ref: "${{ inputs.ref }}", persist-credentials: false}
    - run: make
      shell: bash
"""
    files = {".github/actions/build/action.yml": action}
    report = audit_texts({".github/workflows/w.yml": workflow},
                         lambda path: (path, files[path]) if path in files else None)
    rules = {f.rule for f in report.findings}
    assert {"ai-agent-untrusted-input", "untrusted-input-injection",
            "pr-code-execution"} <= rules
    assert_valid(json.loads(json.dumps(sarif(report.findings, RULES))))
