"""Untrusted values that travel before they are used (1.1): through step outputs, github-script
results, `$GITHUB_ENV`, artifacts and `gh pr view`; github-script loading PR files; and
actions/checkout's own fork guard. Each pattern beside its safe look-alike."""

from __future__ import annotations

import textwrap

import pytest
from audit_helpers import one

from ci_toolkit.workflow_audit.audit import Finding, audit_text
from ci_toolkit.workflow_audit.guard import guarded_version


def audit(body: str, on: str = "pull_request_target") -> list[Finding]:
    return audit_text(f"on: {on}\npermissions: {{}}\n" + textwrap.dedent(body)).findings


def errors(found: list[Finding]) -> list[tuple[str, int]]:
    return [(f.rule, f.line) for f in found if f.severity == "error"]


# --- a github-script step that returns the pull request --------------------------------

PR_SCRIPT = """
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - id: pr
        uses: actions/github-script@v7
        with:
          script: |
            const { data: pull } = await github.rest.pulls.get({
              owner: context.repo.owner, repo: context.repo.repo,
              pull_number: context.issue.number });
            return pull;
      - uses: actions/checkout@v4.2.2
        with:
          repository: ${{ fromJSON(steps.pr.outputs.result).FIELD_A }}
          ref: ${{ fromJSON(steps.pr.outputs.result).FIELD_B }}
          persist-credentials: false
      - run: npm ci && npm test
"""


@pytest.mark.parametrize(("repo", "ref"), [("head.repo.full_name", "head.ref"),
                                           ("head.repo.full_name", "head.sha")])
def test_checkout_of_the_head_a_github_script_returned_runs_pr_code(repo: str, ref: str) -> None:
    found = audit(PR_SCRIPT.replace("FIELD_A", repo).replace("FIELD_B", ref), on="issue_comment")
    finding = one(found, "pr-code-execution")
    assert (finding.severity, finding.line, [r.line for r in finding.related]) == \
        ("error", 16, [21])


def test_checkout_of_the_base_a_github_script_returned_is_not_pr_code() -> None:
    found = audit(PR_SCRIPT.replace("FIELD_A", "base.repo.full_name")
                  .replace("FIELD_B", "base.sha"), on="issue_comment")
    assert not errors(found)
    assert not [f for f in found if f.rule.startswith("pr-")]


SET_OUTPUT = """
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: meta
        uses: actions/github-script@v7
        with:
          script: |
            const pr = (await github.rest.pulls.get({owner: 'o', repo: 'r',
                                                     pull_number: context.issue.number})).data;
            core.setOutput('branch', pr.VALUE);
      - run: echo "building ${{ steps.meta.outputs.branch }}"
      - uses: actions/checkout@v4.2.2
        with:
          ref: ${{ steps.meta.outputs.branch }}
          persist-credentials: false
      - run: make
"""


def test_core_set_output_of_the_head_branch_is_injection_and_pr_code() -> None:
    found = audit(SET_OUTPUT.replace("VALUE", "head.ref"), on="issue_comment")
    assert sorted(errors(found)) == [("pr-code-execution", 16),
                                     ("untrusted-input-injection", 15)]
    injection = one(found, "untrusted-input-injection")
    assert "branch name" in injection.text and [r.line for r in injection.related] == [8]


def test_core_set_output_of_the_pr_number_is_neither() -> None:
    found = audit(SET_OUTPUT.replace("VALUE", "number"), on="issue_comment")
    assert not errors(found)


# --- file names from a diff of the pull request ----------------------------------------

DIFF = """
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - id: changed
        env:
          HEAD: ${{ github.event.pull_request.head.sha }}
        run: |
          git fetch origin "$HEAD"
          NAMES=$(git diff --name-only HEAD FETCH_HEAD | tr '\\n' ' ')
          echo "files=$NAMES" >> "$GITHUB_OUTPUT"
      - run: USE
        env:
          FILES: ${{ steps.changed.outputs.files }}
"""


def test_diff_file_names_expanded_into_a_script_are_injection() -> None:
    found = audit(DIFF.replace("USE", "./tools/lint.sh ${{ steps.changed.outputs.files }}"))
    finding = one(found, "untrusted-input-injection")
    assert (finding.severity, finding.line) == ("error", 18)
    assert "diff of the pull request" in finding.text


def test_diff_file_names_passed_through_env_are_not() -> None:
    assert not errors(audit(DIFF.replace("USE", './tools/lint.sh "$FILES"')))


def test_a_diff_of_the_base_branch_alone_is_not_outsider_text() -> None:
    base = DIFF.replace('git fetch origin "$HEAD"', "git fetch origin main --depth 2") \
               .replace("HEAD FETCH_HEAD", "HEAD~1 HEAD").replace(
                   "HEAD: ${{ github.event.pull_request.head.sha }}", "X: y")
    assert not errors(audit(base.replace("USE", "./lint.sh ${{ steps.changed.outputs.files }}")))


def test_gh_pr_diff_names_are_outsider_text_without_any_checkout() -> None:
    found = audit("""
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: list
                run: |
                  {
                    echo 'names<<EOF'
                    gh pr diff ${{ github.event.number }} --name-only
                    echo 'EOF'
                  } >> "$GITHUB_OUTPUT"
              - uses: actions/github-script@v7
                with:
                  script: core.info(`${{ steps.list.outputs.names }}`)
        """)
    assert errors(found) == [("untrusted-input-injection", 17)]


# --- $GITHUB_ENV: values from an artifact or from `gh pr view` ---------------------------

ARTIFACT_ENV = """
jobs:
  j:
    if: github.event.workflow_run.event == 'pull_request'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v4
        with:
          run-id: ${{ github.event.workflow_run.id }}
          github-token: ${{ github.token }}
          path: ${{ runner.temp }}/meta
      - run: echo "PR_HEAD=$(cat "$RUNNER_TEMP/meta/head")" >> "$GITHUB_ENV"
      - uses: actions/checkout@v4.2.2
        with:
          ref: REF
          persist-credentials: false
      - run: make
      - run: echo "USE"
"""
WORKFLOW_RUN = "\n  workflow_run:\n    workflows: [CI]\n    types: [completed]"


def test_artifact_value_in_github_env_used_as_ref_and_in_a_script() -> None:
    found = audit(ARTIFACT_ENV.replace("REF", "${{ env.PR_HEAD }}")
                  .replace("USE", "${{ env.PR_HEAD }}"), on=WORKFLOW_RUN)
    assert sorted(errors(found)) == [("pr-code-execution", 18),
                                     ("untrusted-input-injection", 23)]
    assert "artifact" in one(found, "untrusted-input-injection").text


def test_artifact_value_in_github_env_read_as_a_variable_is_safe() -> None:
    found = audit(ARTIFACT_ENV.replace("REF", "main").replace("USE", "$PR_HEAD"),
                  on=WORKFLOW_RUN)
    assert not errors(found)


def test_artifact_of_a_push_run_is_trusted() -> None:
    push = ARTIFACT_ENV.replace("'pull_request'", "'push'")
    found = audit(push.replace("REF", "${{ env.PR_HEAD }}").replace("USE", "${{ env.PR_HEAD }}"),
                  on=WORKFLOW_RUN)
    assert not errors(found)


GH_PR_VIEW = """
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - env:
          GH_TOKEN: ${{ github.token }}
        run: |
          echo "VALUE=$(gh pr view ${{ github.event.issue.number }} --json FIELDS)" >> "$GITHUB_ENV"
      - run: echo "${{ env.VALUE }}"
"""


def test_gh_pr_view_fields_in_github_env_then_expanded_are_injection() -> None:
    found = audit(GH_PR_VIEW.replace("FIELDS", "title --jq .title"), on="issue_comment")
    assert errors(found) == [("untrusted-input-injection", 12)]


def test_gh_pr_view_of_the_number_is_not() -> None:
    found = audit(GH_PR_VIEW.replace("FIELDS", "number --jq .number"), on="issue_comment")
    assert not errors(found)


def test_pr_sha_written_to_github_env_then_git_checkout_of_it() -> None:
    found = audit("""
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
                with: {persist-credentials: false}
              - run: echo "SHA=${{ github.event.pull_request.head.sha }}" >> "$GITHUB_ENV"
              - run: git fetch origin "$SHA" && git checkout "$SHA"
              - run: npm test
        """)
    assert errors(found) == [("pr-code-execution", 11)]


def test_env_holding_outsider_text_expanded_with_env_context_is_injection() -> None:
    body = """
        jobs:
          j:
            runs-on: ubuntu-latest
            env:
              TITLE: ${{ github.event.pull_request.title }}
            steps:
              - run: USE
        """
    assert errors(audit(body.replace("USE", 'echo "${{ env.TITLE }}"'))) == \
        [("untrusted-input-injection", 10)]
    assert not errors(audit(body.replace("USE", 'echo "$TITLE"')))


# --- github-script that loads files from a pull-request checkout ------------------------

REQUIRE = """
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4.2.2
        with:
          ref: ${{ github.event.pull_request.head.sha }}
          path: PATH
          persist-credentials: false
      - uses: actions/github-script@v7
        with:
          script: |
            const fs = require('fs');
            LOAD
"""


@pytest.mark.parametrize("load", [
    "const run = require('./pr/.github/scripts/comment.js'); await run({github, context});",
    "const m = await import(`${process.env.GITHUB_WORKSPACE}/pr/scripts/x.mjs`);",
    "require(require('path').join(process.env.GITHUB_WORKSPACE, 'pr', 'x.js'))(github);",
])
def test_github_script_loading_a_file_of_the_pr_checkout_runs_pr_code(load: str) -> None:
    found = audit(REQUIRE.replace("PATH", "pr").replace("LOAD", load))
    finding = one(found, "pr-code-execution")
    assert (finding.severity, finding.line, [r.line for r in finding.related]) == \
        ("error", 8, [13])


@pytest.mark.parametrize("load", [
    "const run = require('./base/scripts/comment.js'); await run({github});",  # not the PR
    "const core = require('@actions/core'); const fp = require('lodash/fp');",  # packages
    "const text = fs.readFileSync('./pr/README.md', 'utf8');",  # reads data
])
def test_github_script_loading_other_files_or_reading_pr_data_does_not(load: str) -> None:
    found = audit(REQUIRE.replace("PATH", "pr").replace("LOAD", load))
    assert not errors(found)
    assert one(found, "pr-checkout-data").severity == "warning"


# --- actions/checkout's own fork guard ---------------------------------------------------

GUARDED = """
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@VERSION
        with:
          ref: ${{ github.event.pull_request.head.sha }}
          persist-credentials: false
          OPTION
      - run: npm test
"""


@pytest.mark.parametrize("version", ["v7", "v7.0.1", "v6", "v6.1.0", "v5.1.0", "v4", "v4.4.0",
                                     "v3", "v2", "main",
                                     "11d5960a326750d5838078e36cf38b85af677262"])
def test_a_checkout_that_refuses_forks_lowers_the_finding_to_a_warning(version: str) -> None:
    found = audit(GUARDED.replace("VERSION", version).replace("OPTION", ""))
    finding = one(found, "pr-code-execution")
    assert finding.severity == "warning"
    assert "allow-unsafe-pr-checkout" in finding.text and "own branches" in finding.text


@pytest.mark.parametrize("version", ["v6.0.2", "v4.2.2", "v4.3.0", "v1",
                                     "11bd71901bbe5b1630ceea73d27597364c9af683"])
def test_a_checkout_without_the_guard_stays_an_error(version: str) -> None:
    found = audit(GUARDED.replace("VERSION", version).replace("OPTION", ""))
    assert one(found, "pr-code-execution").severity == "error"


def test_allow_unsafe_pr_checkout_keeps_the_error_and_says_so() -> None:
    found = audit(GUARDED.replace("VERSION", "v7").replace("OPTION",
                                                           "allow-unsafe-pr-checkout: true"))
    finding = one(found, "pr-code-execution")
    assert finding.severity == "error" and "switches off" in finding.text


def test_the_guard_does_not_cover_issue_comment_or_computed_refs() -> None:
    comment = GUARDED.replace("VERSION", "v7").replace("OPTION", "").replace(
        "${{ github.event.pull_request.head.sha }}", "refs/pull/${{ github.event.issue.number }}"
        "/head")
    assert one(audit(comment, on="issue_comment"), "pr-code-execution").severity == "error"
    computed = GUARDED.replace("VERSION", "v7").replace("OPTION", "").replace(
        "${{ github.event.pull_request.head.sha }}", "${{ env.SHA }}").replace(
        "    runs-on", "    env:\n      SHA: ${{ github.event.pull_request.head.sha }}\n"
        "    runs-on")
    assert one(audit(computed), "pr-code-execution").severity == "error"


def test_a_guarded_data_checkout_is_a_note() -> None:
    found = audit(GUARDED.replace("VERSION", "v7").replace("OPTION", "").replace(
        "npm test", "echo hi"))
    assert one(found, "pr-checkout-data").severity == "note"


@pytest.mark.parametrize(("uses", "guarded"), [
    ("actions/checkout@v8", True), ("actions/checkout@v7.1", True),
    ("actions/checkout@v5.0.1", False), ("actions/checkout@v3.6.0", False),
    ("actions/checkout@v2.8.0", True), ("actions/checkout@feature", False),
    ("actions/checkout", False)])
def test_guarded_versions(uses: str, guarded: bool) -> None:
    assert guarded_version(uses) is guarded
