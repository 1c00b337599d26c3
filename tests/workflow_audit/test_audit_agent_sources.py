"""`ai-agent-untrusted-input` wherever the agent's prompt comes from (issue 25): `env:`
variables the prompt names, files an earlier step wrote, `$GITHUB_ENV`; the shell commands
its tool settings grant; agents on `schedule`/`workflow_dispatch` that fetch outsiders'
issues themselves; a guarded checkout lowering, never removing, a finding."""

from __future__ import annotations

import pytest
from audit_helpers import findings_of, head, severity_of
from test_audit_agents import CLAUDE_REVIEW, TRIAGE

from ci_toolkit.workflow_audit.audit import Finding

RULE = "ai-agent-untrusted-input"


def agent_findings(text: str) -> list[Finding]:
    return findings_of(text, RULE)


def severity(text: str) -> str | None:
    return severity_of(text, RULE)


# Aikido Security, "PromptPwnd" (December 2025): Gemini CLI's issue-triage workflow passed the
# issue's title and body through `env:` and named them in the prompt ("${ISSUE_TITLE}"),
# with `gh issue edit` granted as a shell command and a token that writes issues.
ISSUE_OPENED = "{issues: {types: [opened]}}"
GEMINI_TRIAGE = "\n" + head(ISSUE_OPENED, "{contents: read, issues: write}") + """\
  triage:
    runs-on: ubuntu-latest
    steps:
      - uses: google-github-actions/run-gemini-cli@v0
        env:
          ISSUE_TITLE: ${{ github.event.issue.title }}
          ISSUE_BODY: ${{ github.event.issue.body }}
        with:
          gemini_api_key: ${{ secrets.GEMINI_API_KEY }}
          settings: |
            {"coreTools": [TOOLS]}
          prompt: |
            PROMPT
"""
NAMED = 'Triage this issue. Title: "${ISSUE_TITLE}". Body: "${ISSUE_BODY}".'


@pytest.mark.parametrize(("tools", "expected"), [
    ('"run_shell_command(gh label list)", "run_shell_command(gh issue edit)"', "warning"),
    ('"run_shell_command(gh issue edit)", "run_shell_command(gh api)"', "error"),
    ('"run_shell_command(npm)"', "error"),
    ('"run_shell_command"', "error"),
])
def test_outsider_text_named_through_env_reaches_the_agent(tools: str, expected: str) -> None:
    found = agent_findings(GEMINI_TRIAGE.replace("TOOLS", tools).replace("PROMPT", NAMED))
    assert [(f.severity, f.line) for f in found] == [(expected, 8)]
    assert "${{ github.event.issue.title }}" in found[0].text
    if expected == "error":
        assert "run_shell_command" in found[0].text  # the grant, named


def test_env_the_prompt_does_not_name_stays_quiet() -> None:
    text = GEMINI_TRIAGE.replace("TOOLS", '"run_shell_command(gh api)"').replace(
        "PROMPT", "Add the label `triage` to issue ${{ github.event.issue.number }}.")
    assert severity(text) is None


FILE_PROMPT = "\n" + head(ISSUE_OPENED, "{issues: write}") + """\
  triage:
    runs-on: ubuntu-latest
    steps:
      - env:
          GH_TOKEN: ${{ github.token }}
        run: WRITE
      - uses: anthropics/claude-code-base-action@v1
        with:
          anthropic_api_key: ${{ secrets.ANTHROPIC_API_KEY }}
          prompt: Read issue.json and answer the question it asks.
          allowed_tools: ALLOWED
"""


@pytest.mark.parametrize("write", [
    "gh issue view ${{ github.event.issue.number }} --json title,body > issue.json",
    "curl -s -o issue.json https://api.github.com/repos/o/r/issues/1",
])
def test_a_file_an_earlier_step_wrote_outsider_text_into_reaches_the_agent(write: str) -> None:
    text = FILE_PROMPT.replace("WRITE", write)
    found = agent_findings(text.replace("ALLOWED", '"Bash(gh api:*)"'))
    assert [f.severity for f in found] == ["error"]
    assert "`issue.json`" in found[0].text and "`Bash(gh api:*)`" in found[0].text
    assert severity(text.replace("ALLOWED", '"Bash(gh issue comment:*)"')) == "warning"


@pytest.mark.parametrize("write", [
    "gh issue view ${{ github.event.issue.number }} --json number,labels > issue.json",
    "gh issue view ${{ github.event.issue.number }} --json title,body > other.json",
])
def test_a_file_of_numbers_or_one_the_prompt_does_not_name_is_quiet(write: str) -> None:
    text = FILE_PROMPT.replace("WRITE", write).replace("ALLOWED", '"Bash(gh api:*)"')
    assert severity(text) is None


def test_a_variable_an_earlier_step_put_in_github_env_reaches_the_agent() -> None:
    text = FILE_PROMPT.replace(
        "WRITE", 'echo "ISSUE_TITLE=$(gh issue view 1 --json title -q .title)" >> "$GITHUB_ENV"'
    ).replace("Read issue.json and answer the question it asks.",
              "Label the issue titled $ISSUE_TITLE.").replace("ALLOWED", '"Bash(npm:*)"')
    found = agent_findings(text)
    assert [f.severity for f in found] == ["error"] and "`$ISSUE_TITLE`" in found[0].text


# Adnan Khan, "Clinejection" (February 2026): Cline's issue triage ran claude-code-action with
# `allowed_non_write_users: "*"`, the issue title in its prompt and shell tools; a crafted
# title made it run `npm install` from the attacker's repository.
CLINE = TRIAGE.replace("TYPES", "[opened]").replace(
    "EXTRA", 'allowed_non_write_users: "*"\n          claude_args: --allowedTools "GRANT"')


@pytest.mark.parametrize(("grant", "expected"), [
    ("Bash(npm:*)", "error"), ("Bash(gh api:*)", "error"), ("Bash(gh:*)", "error"),
    ("Bash(curl:*)", "error"), ("Bash(gh issue view:*),Bash(gh issue edit:*)", "warning"),
    ("Bash(gh pr comment:*),Bash(git diff:*)", "warning"), ("Read,Grep", "warning")])
def test_a_prefix_grant_of_a_general_command_is_command_execution(grant: str,
                                                                  expected: str) -> None:
    assert severity(CLINE.replace("GRANT", grant)) == expected


SCHEDULED = "\n" + head('{schedule: [{cron: "0 6 * * *"}], workflow_dispatch: {}}',
                        "{contents: CONTENTS, issues: ISSUES}") + """\
  sweep:
    runs-on: ubuntu-latest
    steps:
      - uses: anthropics/claude-code-action@v1
        with: {github_token: "${{ github.token }}", prompt: PROMPT,
               claude_args: '--allowedTools "Bash(gh:*),Edit"'}
"""
FETCHING = "Use gh issue list to find open bug reports and fix each one."


def test_a_scheduled_agent_that_fetches_outsiders_issues_with_a_write_token_is_exposed() -> None:
    text = SCHEDULED.replace("CONTENTS", "write").replace("ISSUES", "write")
    found = agent_findings(text.replace("PROMPT", FETCHING))
    assert [(f.severity, f.line) for f in found] == [("error", 8)]
    assert "schedule/workflow_dispatch" in found[0].text and "`gh issue list`" in found[0].text


def test_a_scheduled_agent_fetching_in_an_earlier_step_is_exposed_too() -> None:
    text = SCHEDULED.replace("CONTENTS", "write").replace("ISSUES", "write").replace(
        "    steps:\n", "    steps:\n      - run: gh issue list --json number,title > "
                       "issues.json\n").replace("PROMPT", "Fix the issues in issues.json.")
    assert severity(text) == "error"


@pytest.mark.parametrize(("contents", "issues", "prompt"), [
    ("read", "read", FETCHING),  # a read-only token: it can tell nobody anything
    ("write", "write", "Update the changelog from the commits since the last tag."),
])
def test_a_scheduled_agent_without_a_write_token_or_outsiders_text_is_quiet(
        contents: str, issues: str, prompt: str) -> None:
    text = SCHEDULED.replace("CONTENTS", contents).replace("ISSUES", issues).replace(
        "PROMPT", prompt)
    assert severity(text) is None


GUARDED = CLAUDE_REVIEW.replace("TYPES", "[labeled]").replace(
    "ARGS", "'--allowedTools \"Bash(gh api:*)\"'").replace("checkout@v4.2.2", "checkout@VERSION")


def test_a_guarded_checkout_lowers_an_agent_finding_and_never_removes_it() -> None:
    assert severity(GUARDED.replace("VERSION", "v4.2.2")) == "error"  # no guard in 4.2.2
    found = agent_findings(GUARDED.replace("VERSION", "v4"))  # the moved tag: 4.4.0, guarded
    assert [f.severity for f in found] == ["warning"]
    assert "refuses a fork's pull request" in found[0].text
