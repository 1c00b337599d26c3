"""Gates the audit reads (issue 25): a value checked against a strict pattern, a step that
fails the job unless the commenter may write or the head is this repository's, a base
script run inside the pull request's folder, plain `git` there. Each false-alarm shape that
must stay quiet beside the shape that is still reported; a member's approval of an exact
commit is a warning that names the gate."""

from __future__ import annotations

import textwrap

import pytest
from audit_helpers import head, one

from ci_toolkit.workflow_audit.audit import Finding, audit_text


def findings(text: str) -> list[Finding]:
    return audit_text(textwrap.dedent(text)).findings


def rules(text: str, severity: str = "error") -> set[str]:
    return {f.rule for f in findings(text) if f.severity == severity}


COMMENT_SHA = """
on:
  issue_comment:
    types: [created]
permissions: {}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - id: parse
        env:
          BODY: ${{ github.event.comment.body }}
        run: |
          SHA="${BODY#/deploy }"
          CHECK
          echo "sha=$SHA" >> "$GITHUB_OUTPUT"
      - run: echo "deploying ${{ steps.parse.outputs.sha }}"
"""


@pytest.mark.parametrize("check", [
    '[[ "$SHA" =~ ^[0-9a-f]{40}$ ]] || exit 1',
    "echo \"$SHA\" | grep -Eq '^[0-9a-f]{7,40}$'",
    '[ "$SHA" -gt 0 ]',
])
def test_a_value_checked_against_a_strict_pattern_is_not_outsider_text(check: str) -> None:
    assert "untrusted-input-injection" not in rules(COMMENT_SHA.replace("CHECK", check))


@pytest.mark.parametrize("check", [
    "true", '[[ "$SHA" =~ ^.*$ ]]', '[[ "$SHA" =~ [0-9a-f]{40} ]]',
    "echo \"$SHA\" | grep -q deploy",
    'if [[ "$SHA" =~ ^[0-9a-f]{40}$ ]]; then echo valid; fi',  # a failed `if` ends nothing
    '[[ "$SHA" =~ ^[0-9a-f]{40}$ ]] || echo "not a commit"'])
def test_no_check_a_loose_one_or_an_unanchored_one_leaves_it_outsider_text(check: str) -> None:
    assert "untrusted-input-injection" in rules(COMMENT_SHA.replace("CHECK", check))


# The shape of python-coverage-comment-action's external end-to-end workflow (in the
# corpus): a member approves ("/e2e"), the job checks the approval and runs that commit.
APPROVED = """
on:
  issue_comment:
    types: [created]
permissions:
  contents: read
jobs:
  e2e:
    if: github.event.issue.pull_request && startsWith(github.event.comment.body, '/e2e')
    runs-on: ubuntu-latest
    steps:
      - uses: actions/github-script@v7
        GATE_OPTIONS
        with:
          script: |
            const { data } = await github.rest.repos.getCollaboratorPermissionLevel({
              owner: context.repo.owner, repo: context.repo.repo, username: context.actor });
            if (!['admin', 'maintain', 'write'].includes(data.permission)) {
              core.setFailed(`${context.actor} may not start end-to-end tests`);
            }
      - id: pr
        env:
          GH_TOKEN: ${{ github.token }}
          N: ${{ github.event.issue.number }}
        run: echo "head=$(gh pr view "$N" --json FIELD -q .FIELD)" >> "$GITHUB_OUTPUT"
      - uses: actions/checkout@v4.2.2
        RUN_OPTIONS
        with:
          ref: ${{ steps.pr.outputs.head }}
          persist-credentials: false
      - run: npm ci && npm run e2e
        RUN_OPTIONS
"""


def approved(field: str = "headRefOid", gate: str = "", run: str = "") -> list[Finding]:
    text = APPROVED.replace("FIELD", field).replace("GATE_OPTIONS", gate).replace(
        "RUN_OPTIONS", run)
    return [f for f in findings(text) if f.rule == "pr-code-execution"]


def test_a_members_approval_of_an_exact_commit_is_a_warning_that_names_the_gate() -> None:
    [finding] = approved()
    assert finding.severity == "warning" and finding.line == 26
    assert "write-access check (line 12)" in finding.gate
    assert "deliberate run" in finding.text and "exact commit" in finding.text


def test_an_approved_branch_is_still_an_error_its_author_can_move_it() -> None:
    [finding] = approved(field="headRefName")
    assert finding.severity == "error" and "write-access check" in finding.gate
    assert "can move after the approval" in finding.text


@pytest.mark.parametrize(("gate", "run"), [
    ("continue-on-error: true", ""),  # the check fails, the job goes on
    ("", "if: always()"),  # these steps run whether the check passed or not
])
def test_a_check_the_later_steps_do_not_wait_for_is_no_gate(gate: str, run: str) -> None:
    [finding] = approved(gate=gate, run=run)
    assert finding.severity == "error" and "write-access check" not in finding.gate


def test_a_check_in_a_job_the_runner_needs_is_a_gate() -> None:
    text = head("{issue_comment: {types: [created]}}") + """
      authorize:
        runs-on: ubuntu-latest
        steps:
          - run: |
              LEVEL=$(gh api "repos/$REPO/collaborators/$ACTOR/permission" -q .permission)
              [[ "$LEVEL" == admin || "$LEVEL" == write ]] || exit 1
            env: {ACTOR: "${{ github.actor }}", GH_TOKEN: "${{ github.token }}",
                  REPO: "${{ github.repository }}"}
      test:
        needs: authorize
        runs-on: ubuntu-latest
        steps:
          - run: |
              git fetch origin "${{ github.event.issue.pull_request.head.sha }}"
              git checkout FETCH_HEAD
              make test
    """
    finding = one(findings(text), "pr-code-execution")
    assert finding.severity == "warning" and "write-access check (line 8)" in finding.gate


PR_OPENED = "{pull_request_target: {types: [opened, synchronize]}}"
SAME_REPO = "\n" + head(PR_OPENED, "{contents: read}") + """\
  build:
    CONDITION
    runs-on: ubuntu-latest
    steps:
      GATE
      - uses: actions/checkout@v4.2.2
        with:
          ref: ${{ github.event.pull_request.head.sha }}
          persist-credentials: false
      - run: npm ci && npm test
"""
SCRIPT_GATE = """- uses: actions/github-script@v7
        with:
          script: |
            const head = context.payload.pull_request.head.repo.full_name;
            if (head !== process.env.GITHUB_REPOSITORY) {
              core.setFailed('pull requests from forks are built by the pull_request workflow');
            }"""


@pytest.mark.parametrize(("condition", "gate"), [
    ("if: github.event.pull_request.head.repo.full_name == github.repository", ""),
    ("if: ${{ !github.event.pull_request.head.repo.fork }}", ""),
    ("", SCRIPT_GATE)])
def test_a_head_in_this_repository_was_written_by_someone_who_can_push(condition: str,
                                                                       gate: str) -> None:
    text = SAME_REPO.replace("CONDITION", condition).replace("GATE", gate)
    assert not rules(text) and not rules(text, "warning") - {"persisted-credentials"}


def test_a_same_repository_check_with_an_alternative_is_no_gate() -> None:
    text = SAME_REPO.replace("CONDITION", "if: github.event.pull_request.head.repo.full_name "
                             "== github.repository || github.actor == 'renovate[bot]'")
    assert "pr-code-execution" in rules(text.replace("GATE", ""))


PR_FOLDER = "\n" + head(PR_OPENED, "{contents: read}") + """\
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4.2.2  # the base, at the root
        with: {persist-credentials: false}
      - uses: actions/checkout@v4.2.2
        with:
          ref: ${{ github.event.pull_request.head.sha }}
          path: pr
          persist-credentials: false
      - working-directory: WORKDIR
        run: |
          RUN
"""


@pytest.mark.parametrize(("workdir", "run"), [
    ("pr", "python ../scripts/check_links.py docs"),
    ("pr", "node $GITHUB_WORKSPACE/scripts/lint-changelog.js CHANGELOG.md"),
    ("pr", "bash ${{ github.workspace }}/scripts/size.sh"),
    ("pr", "git log --oneline -5\n          git diff --stat origin/main"),
    (".", "git -C pr diff --name-only origin/main > files.txt\n"
          "          python scripts/check.py files.txt"),
    (".", "cd pr\n          git log -1 --format=%H"),
])
def test_base_scripts_and_plain_git_in_the_pr_folder_run_no_pr_code(workdir: str,
                                                                    run: str) -> None:
    text = PR_FOLDER.replace("WORKDIR", workdir).replace("RUN", run)
    assert "pr-code-execution" not in rules(text)
    assert one(findings(text), "pr-checkout-data").severity == "warning"


@pytest.mark.parametrize(("workdir", "run"), [
    ("pr", "npm ci"), ("pr", "./scripts/check.sh"), ("pr", "python -m pytest"),
    ("pr", "python setup.py check"), (".", "cd pr && make"),
    (".", "bash pr/scripts/check.sh"), (".", "python scripts/check.py --src pr/"),
])
def test_pr_code_run_in_the_pr_folder_is_still_an_error(workdir: str, run: str) -> None:
    text = PR_FOLDER.replace("WORKDIR", workdir).replace("RUN", run)
    assert "pr-code-execution" in rules(text)
