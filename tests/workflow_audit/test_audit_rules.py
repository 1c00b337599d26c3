"""Each rule on small inline workflows: the general patterns, not the corpus files."""

from __future__ import annotations

import re
import textwrap

import pytest
from audit_helpers import one

from ci_toolkit.workflow_audit.audit import Finding, audit_text, audit_texts
from conftest import ROOT

PRT = "on: pull_request_target\npermissions: {}\n"


def audit(body: str, head: str = PRT) -> list[Finding]:
    return audit_text(head + textwrap.dedent(body)).findings


def rules(found: list[Finding], severity: str | None = None) -> set[str]:
    return {f.rule for f in found if severity is None or f.severity == severity}


# --- pull-request code reaching disk, and what runs it ----------------------------------

PR_CHECKOUT = """
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4.2.2
        with:
          ref: {ref}
          persist-credentials: false
      - run: {run}
"""


@pytest.mark.parametrize("ref", [
    "${{ github.event.pull_request.head.sha }}",
    "${{ github.event.pull_request.head.ref }}",
    "${{ github.event.pull_request.merge_commit_sha }}",
    "refs/pull/${{ github.event.number }}/merge",
    "${{ github.head_ref }}",
    "${{ github.event.pull_request.head.sha || github.sha }}",
])
def test_pr_checkout_then_build_is_an_error_at_both_steps(ref: str) -> None:
    found = audit(PR_CHECKOUT.format(ref=ref, run="npm ci && npm test"))
    finding = one(found, "pr-code-execution")
    assert (finding.severity, finding.line) == ("error", 8)
    assert [r.line for r in finding.related] == [12]


@pytest.mark.parametrize("ref", ["${{ github.event.pull_request.base.sha }}", "main", ""])
def test_base_checkout_is_not_pr_code(ref: str) -> None:
    assert not rules(audit(PR_CHECKOUT.format(ref=ref or "''", run="make")), "error")


@pytest.mark.parametrize("run", ["echo hi", "git diff --stat", "gh pr comment 1 --body x",
                                 "cat README.md | jq ."])
def test_pr_checkout_that_nothing_runs_is_data(run: str) -> None:
    found = audit(PR_CHECKOUT.format(ref="${{ github.event.pull_request.head.sha }}", run=run))
    assert one(found, "pr-checkout-data").severity == "warning"
    assert not rules(found, "error")


@pytest.mark.parametrize("run", ["python scripts/x.py", "./build.sh", "bash ci/test.sh",
                                 "cargo fmt --all", "go run ./cmd/x", "pip install -e .",
                                 "docker build -t x .", "make", ". venv/bin/activate",
                                 "bash -c 'make test'", "sh -ec './ci.sh'"])
def test_many_ways_of_running_the_tree(run: str) -> None:
    found = audit(PR_CHECKOUT.format(ref="${{ github.event.pull_request.head.sha }}", run=run))
    assert "pr-code-execution" in rules(found, "error")


def test_fork_repository_without_ref_is_pr_code() -> None:
    found = audit("""
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4.2.2
                with:
                  repository: ${{ github.event.pull_request.head.repo.full_name }}
              - uses: ./.github/actions/setup
        """)
    assert [r.line for r in one(found, "pr-code-execution").related] == [11]


def test_ref_through_a_step_output_and_env() -> None:
    found = audit("""
        jobs:
          j:
            runs-on: ubuntu-latest
            env:
              HEAD: ${{ github.event.pull_request.head.sha }}
            steps:
              - id: pick
                run: echo "sha=$HEAD" >> "$GITHUB_OUTPUT"
                env:
                  HEAD: ${{ env.HEAD }}
              - uses: actions/checkout@v4.2.2
                with:
                  ref: ${{ steps.pick.outputs.sha }}
              - run: make test
        """)
    assert "pr-code-execution" in rules(found, "error")


def test_git_and_gh_put_pr_code_on_disk() -> None:
    found = audit("""
        on: issue_comment
        permissions: {}
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4.2.2
                with: {persist-credentials: false}
              - run: gh pr checkout ${{ github.event.issue.number }}
              - run: npm test
        """, head="")
    finding = one(found, "pr-code-execution")
    assert (finding.line, [r.line for r in finding.related]) == (10, [11])


def test_git_fetch_alone_is_not_a_checkout_but_fetch_then_checkout_is() -> None:
    body = """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4.2.2
                with: {persist-credentials: false}
              - run: git fetch origin "+refs/pull/${{ github.event.number }}/head"{extra}
              - run: go run ./tools/check
        """
    assert not rules(audit(body.replace("{extra}", "")), "error")
    fetched = audit(body.replace("{extra}", " && git checkout FETCH_HEAD"))
    assert "pr-code-execution" in rules(fetched)


@pytest.mark.parametrize("fetch", [
    "git fetch origin pull/${{ github.event.number }}/head:pr-branch",
    'git fetch origin "+refs/pull/${{ github.event.number }}/head:refs/heads/pr-branch"',
    "git fetch -f origin ${{ github.event.pull_request.head.ref }}:pr-branch",
])
def test_fetch_into_a_named_branch_then_checkout_of_that_branch(fetch: str) -> None:
    found = audit(f"""
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4.2.2
                with: {{persist-credentials: false}}
              - run: |
                  {fetch}
                  git checkout pr-branch
              - run: make
        """)
    assert "pr-code-execution" in rules(found, "error")
    assert one(found, "pr-code-execution").line == 10  # the step that checks the branch out


def test_git_checkout_of_listed_paths_is_data_unless_run_there() -> None:
    body = """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4.2.2
                with: {persist-credentials: false}
              - run: git checkout "$SHA" -- docs/
                env:
                  SHA: ${{ github.event.pull_request.head.sha }}
              - run: RUN
                working-directory: WD
        """
    data = audit(body.replace("RUN", "python tools/check.py docs").replace("WD", "."))
    assert one(data, "pr-checkout-data").severity == "note"
    assert not rules(data, "error")
    ran = audit(body.replace("RUN", "npm ci").replace("WD", "docs"))
    assert "pr-code-execution" in rules(ran, "error")


def test_pr_tree_in_a_subfolder_runs_when_a_tool_is_given_its_path() -> None:
    body = """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4.2.2
                with:
                  path: pr
                  persist-credentials: false
                  ref: ${{ github.event.pull_request.head.sha }}
              - uses: actions/checkout@v4.2.2
                with: {path: tools, persist-credentials: false}
              - run: RUN
                working-directory: tools
        """
    assert "pr-code-execution" in rules(audit(body.replace("RUN", "python bench.py --src ../pr")))
    assert not rules(audit(body.replace("RUN", "python bench.py --report out.md")), "error")


def test_sparse_checkout_of_data_is_only_a_hint_until_its_actions_run() -> None:
    body = """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4.2.2
                with:
                  path: pr
                  sparse-checkout: CONE_PATHS
                  sparse-checkout-cone-mode: CONE
                  persist-credentials: false
                  ref: ${{ github.event.pull_request.head.sha }}
              - run: python build.py ./pr/docs
        """
    safe = audit(body.replace("CONE_PATHS", "docs").replace("CONE", "false"))
    assert rules(safe) == {"pr-checkout-data"}
    cone = audit(body.replace("CONE_PATHS", "docs").replace("CONE", "true"))
    assert one(cone, "no-sparse-checkout").severity == "note"
    local = audit(body.replace("CONE_PATHS", ".github").replace("CONE", "false")
                  .replace("run: python build.py ./pr/docs", "uses: ./pr/.github/actions/x"))
    assert "pr-code-execution" in rules(local, "error")


def test_action_that_runs_repository_config() -> None:
    found = audit(PR_CHECKOUT.format(ref="${{ github.event.pull_request.head.ref }}",
                                     run="echo x").replace("- run: echo x",
                                                           "- uses: jdx/mise-action@v2"))
    assert "pr-code-execution" in rules(found, "error")


def test_merged_only_jobs_treat_the_pr_as_trusted() -> None:
    found = audit("""
        jobs:
          backport:
            if: github.event.pull_request.merged && contains(github.event.label.name, 'backport')
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4.2.2
                with:
                  ref: ${{ github.event.pull_request.merge_commit_sha }}
                  persist-credentials: false
              - run: make backport
        """)
    assert not rules(found, "error")


def test_gate_is_named_but_keeps_the_error() -> None:
    found = audit("""
        jobs:
          e2e:
            if: contains(github.event.pull_request.labels.*.name, 'safe to test')
            environment: e2e
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4.2.2
                with:
                  ref: ${{ github.event.pull_request.head.sha }}
                  persist-credentials: false
              - run: npm test
        """)
    finding = one(found, "pr-code-execution")
    assert finding.severity == "error" and finding.gate == "label, environment"
    assert "does not remove it" in finding.text


def test_pull_request_workflows_are_not_privileged() -> None:
    found = audit(PR_CHECKOUT.format(ref="${{ github.event.pull_request.head.sha }}",
                                     run="make"), head="on: pull_request\npermissions: {}\n")
    assert not found


# --- workflow_run: upstreams and artifacts ------------------------------------------------

RUN_HEAD = """
on:
  workflow_run:
    workflows: [Build]
    types: [completed]
permissions: {}
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4.2.2
        with:
          ref: ${{ github.event.workflow_run.head_sha }}
          persist-credentials: false
      - run: make
"""


@pytest.mark.parametrize(("upstream_on", "severity"), [
    ("pull_request", "error"), ("push", None), (None, "warning")])
def test_workflow_run_head_depends_on_the_upstream(upstream_on: str | None,
                                                   severity: str | None) -> None:
    texts: dict[str, str | OSError] = {"follow.yml": RUN_HEAD}
    if upstream_on:
        texts["build.yml"] = f"name: Build\non: {upstream_on}\njobs: {{}}\n"
    found = [f for f in audit_texts(texts).findings if f.rule == "pr-code-execution"]
    assert [f.severity for f in found] == ([severity] if severity else [])


def test_workflow_run_event_condition_decides() -> None:
    condition = "    if: github.event.workflow_run.event == 'pull_request'\n"
    pr = RUN_HEAD.replace("    runs-on", condition + "    runs-on", 1)
    push = pr.replace("'pull_request'", "'push'")
    assert one(audit(pr, head=""), "pr-code-execution").severity == "error"
    assert not [f for f in audit(push, head="") if f.rule == "pr-code-execution"]


ARTIFACT = """
on:
  workflow_run:
    workflows: [Tests]
    types: [completed]
permissions: {}
jobs:
  comment:
    if: github.event.workflow_run.event == 'pull_request'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4.2.2
        with: {persist-credentials: false}
      - uses: actions/download-artifact@v4
        with:
          run-id: ${{ github.event.workflow_run.id }}
          github-token: ${{ github.token }}
          path: WHERE
      - run: python scripts/comment.py
"""


def test_pr_artifact_unpacked_over_the_workspace_then_code_runs() -> None:
    finding = one(audit(ARTIFACT.replace("WHERE", "."), head=""), "pr-artifact-execution")
    assert (finding.severity, finding.line, [r.line for r in finding.related]) == \
        ("error", 14, [19])


@pytest.mark.parametrize("where", ["${{ runner.temp }}/artifacts", "incoming"])
def test_pr_artifact_kept_apart_is_data(where: str) -> None:
    assert not rules(audit(ARTIFACT.replace("WHERE", where), head=""), "error")


def test_unzip_without_a_folder_then_venv_python() -> None:
    found = audit("""
        on:
          workflow_run:
            workflows: [Primer]
            types: [completed]
        permissions: {}
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/github-script@v7
                with:
                  script: |
                    const d = await github.rest.actions.downloadArtifact({artifact_id: 1});
                    require('fs').writeFileSync('pr_number.zip', Buffer.from(d.data));
              - run: unzip pr_number.zip
              - run: cat pr_number
              - run: . venv/bin/activate && python tests/compare.py
        """, head="")
    finding = one(found, "pr-artifact-execution")
    assert (finding.line, [r.line for r in finding.related]) == (16, [18])


# --- credentials ------------------------------------------------------------------------


@pytest.mark.parametrize(("with_", "expected"), [
    ("{}", {"persisted-credentials"}),
    ("{persist-credentials: true}", {"persisted-credentials"}),
    ("{persist-credentials: false}", set()),
    ("{token: '${{ secrets.PAT }}'}", {"persisted-credentials", "checkout-token"}),
])
def test_credentials_on_disk_in_privileged_jobs(with_: str, expected: set[str]) -> None:
    found = audit(f"""
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4.2.2
                with: {with_}
        """)
    assert rules(found) == expected
    assert all(f.severity == "warning" and f.line == 8 for f in found)


# --- injection --------------------------------------------------------------------------


@pytest.mark.parametrize("field", [
    "github.event.pull_request.title", "github.event.issue.body", "github.head_ref",
    "github.event.comment.body", "github.event.workflow_run.head_branch",
    "github.event.pull_request.head.ref", "github.event.head_commit.message"])
def test_untrusted_text_in_run_is_an_error_on_its_own_line(field: str) -> None:
    found = audit(f"""
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - name: greet
                run: |
                  echo start
                  echo "${{{{ {field} }}}}"
        """)
    finding = one(found, "untrusted-input-injection")
    assert (finding.severity, finding.line) == ("error", 11)


def test_untrusted_text_in_github_script_and_via_env() -> None:
    script = audit("""
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/github-script@v7
                with:
                  script: console.log("${{ github.event.pull_request.body }}")
              - run: echo "$TITLE"
                env:
                  TITLE: ${{ github.event.pull_request.title }}
        """)
    assert [f.line for f in script if f.rule == "untrusted-input-injection"] == [10]


def test_injection_in_unprivileged_workflows_is_a_warning() -> None:
    found = audit("""
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: echo "${{ github.event.pull_request.title }}"
        """, head="on: pull_request\npermissions: {}\n")
    assert one(found, "untrusted-input-injection").severity == "warning"


# --- permissions, syntax, parsing -------------------------------------------------------


def test_missing_permissions_is_a_warning_when_privileged_note_otherwise() -> None:
    body = "jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"
    assert one(audit(body, head="on: pull_request_target\n"),
               "missing-permissions").severity == "warning"
    assert one(audit(body, head="on: push\n"), "missing-permissions").severity == "note"
    jobs_set = body.replace("    steps", "    permissions: {}\n    steps")
    assert not audit(jobs_set, head="on: pull_request_target\n")


@pytest.mark.parametrize("text", ["on: [push\njobs: {}", "a: b: c", "\t- x", "key: 'open"])
def test_unparsable_yaml_is_a_finding_with_a_line(text: str) -> None:
    finding = one(audit_text(text).findings, "unparsable-workflow")
    assert finding.severity == "error" and finding.line >= 1


def _alias_bomb(levels: int) -> str:
    """Each anchor repeats the one before ten times: 10**levels scalars once expanded."""
    lines = ["on: workflow_run", "x0: &a0 [" + ", ".join(["lol"] * 10) + "]"]
    lines += [f"x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]"
              for i in range(1, levels + 1)]
    lines += ["jobs:", "  j:", "    runs-on: x", f"    env: {{E: *a{levels}}}",
              "    steps: [{run: 'git checkout ${{ env.E }}'}]"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text", [
    pytest.param("on: push\njobs: " + "[" * 3000 + "]" * 3000 + "\n", id="deep"),
    pytest.param("on: workflow_run\njobs:\n  a: &a\n    runs-on: x\n    env: {E: *a}\n"
                 "    steps:\n      - run: git checkout ${{ env.E }}\n", id="recursive-alias"),
    pytest.param(_alias_bomb(6), id="alias-bomb"),
])
def test_hostile_yaml_is_a_finding_not_a_crash_or_a_hang(text: str) -> None:
    finding = one(audit_text(text).findings, "unparsable-workflow")
    assert finding.severity == "error" and finding.line >= 1


def test_unknown_syntax_is_reported_and_parallel_is_understood() -> None:
    found = audit("""
        jobs:
          j:
            runs-on: ubuntu-latest
            sparkle: true
            steps:
              - parallel:
                  - uses: actions/checkout@v4.2.2
                    with:
                      ref: ${{ github.event.pull_request.head.sha }}
                      persist-credentials: false
              - run: make
                frobnicate: 1
        """)
    assert sorted(f.line for f in found if f.rule == "unknown-syntax") == [7, 15]
    assert "pr-code-execution" in rules(found, "error")


def test_anchors_and_on_as_a_key() -> None:
    found = audit_text(textwrap.dedent("""
        on:
          pull_request_target: {}
        permissions: {}
        x-checkout: &co
          uses: actions/checkout@v4.2.2
          with: {ref: "${{ github.event.pull_request.head.sha }}"}
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - *co
              - run: make
        """)).findings
    assert "pr-code-execution" in rules(found, "error")


# --- suppression ------------------------------------------------------------------------


def test_suppression_needs_a_reason() -> None:
    body = """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              # ci-toolkit: ignore[persisted-credentials]REASON
              - uses: actions/checkout@v4.2.2
        """
    assert not audit(body.replace("REASON", " the next step pushes the tag"))
    found = audit(body.replace("REASON", ""))
    assert rules(found) == {"persisted-credentials", "suppression-without-reason"}
    assert one(found, "suppression-without-reason").line == 8


def test_suppression_of_an_unknown_rule_is_reported() -> None:
    found = audit("""
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              # ci-toolkit: ignore[persisted-credential] a typo of the rule id
              - uses: actions/checkout@v4.2.2
        """)
    assert rules(found) == {"persisted-credentials", "suppression-unknown-rule"}
    assert "persisted-credential" in one(found, "suppression-unknown-rule").text


def test_suppression_only_covers_its_rule_and_line() -> None:
    found = audit("""
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4.2.2  # ci-toolkit: ignore[checkout-token] wrong rule
              - uses: actions/checkout@v4.2.2
              # ci-toolkit: ignore[persisted-credentials] too far below
        """)
    assert [f.line for f in found] == [8, 9]


def test_every_rule_is_documented_and_every_documented_rule_exists() -> None:
    from ci_toolkit.workflow_audit.audit import RULES
    doc = (ROOT / "docs" / "workflow-audit.md").read_text()
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", doc, re.M))
    assert documented == set(RULES)
