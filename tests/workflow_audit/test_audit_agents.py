"""`ai-agent-untrusted-input`: AI coding agents in privileged jobs. Each unsafe shape beside
the safe look-alike that must stay quiet (a rule firing on every agent workflow is worse
than none)."""

from __future__ import annotations

import pytest
from audit_helpers import findings_of, severity_of

from ci_toolkit.workflow_audit.audit import Finding

RULE = "ai-agent-untrusted-input"


def agent_findings(text: str) -> list[Finding]:
    return findings_of(text, RULE)


def severity(text: str) -> str | None:
    return severity_of(text, RULE)


CLAUDE_REVIEW = """
on:
  pull_request_target:
    types: TYPES
permissions:
  contents: read
  pull-requests: write
jobs:
  review:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4.2.2
        with:
          ref: ${{ github.event.pull_request.head.sha }}
          persist-credentials: false
      - uses: anthropics/claude-code-action@v1
        with:
          anthropic_api_key: ${{ secrets.ANTHROPIC_API_KEY }}
          prompt: Review this pull request and fix what you can.
          claude_args: ARGS
"""


@pytest.mark.parametrize("args", ['--allowedTools "Bash,Edit"', "--allowedTools Bash(npm test)",
                                  "--dangerously-skip-permissions"])
def test_agent_with_a_shell_on_a_pr_checkout_started_by_a_label_is_an_error(args: str) -> None:
    text = CLAUDE_REVIEW.replace("TYPES", "[labeled]").replace("ARGS", repr(args))
    found = agent_findings(text)
    assert [(f.severity, f.line, [r.line for r in f.related]) for f in found] == \
        [("error", 16, [12])]
    assert "pull-request code in its working directory" in found[0].text
    assert "can run commands" in found[0].text


def test_its_own_write_access_check_keeps_outsiders_out_when_the_author_starts_it() -> None:
    """claude-code-action refuses a run started by someone without write access: on the
    author's own opened/synchronize events an outsider's pull request never reaches it."""
    text = CLAUDE_REVIEW.replace("TYPES", "[opened, synchronize]").replace(
        "ARGS", "'--allowedTools Bash'")
    assert severity(text) is None
    assert severity(text.replace("claude-code-action@v1", "claude-code-base-action@v1")) \
        == "error"  # the base action has no such check


def test_default_tools_on_a_pr_checkout_are_a_warning() -> None:
    text = CLAUDE_REVIEW.replace("TYPES", "[labeled]").replace(
        "          claude_args: ARGS\n", "")
    assert severity(text) == "warning"


def test_restricted_shell_commands_that_run_no_code_do_not_count_as_a_shell() -> None:
    text = CLAUDE_REVIEW.replace("TYPES", "[labeled]").replace(
        "ARGS", "'--allowedTools \"Bash(gh pr comment:*),Bash(git diff:*)\"'")
    assert severity(text) == "warning"


def test_the_documented_safe_shape_is_quiet() -> None:
    """Base checked out at the root, the pull request in a subfolder passed with --add-dir."""
    text = CLAUDE_REVIEW.replace("TYPES", "[labeled]").replace(
        "          ref: ${{ github.event.pull_request.head.sha }}\n", "").replace(
        "      - uses: anthropics", "      - uses: actions/checkout@v4.2.2\n"
        "        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n"
        "          path: pr-head\n          persist-credentials: false\n"
        "      - uses: anthropics").replace("ARGS", "'--add-dir pr-head --allowedTools Bash'")
    assert severity(text) is None


def test_the_same_agent_on_pull_request_is_quiet() -> None:
    text = CLAUDE_REVIEW.replace("pull_request_target:\n    types: TYPES", "pull_request:") \
        .replace("ARGS", "'--allowedTools Bash'")
    assert severity(text) is None


MENTION = """
on:
  issue_comment:
    types: [created]
permissions:
  contents: write
  issues: write
  pull-requests: write
  id-token: write
jobs:
  claude:
    if: contains(github.event.comment.body, '@claude')
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4.2.2
        with:
          persist-credentials: false
      - uses: anthropics/claude-code-action@v1
        with:
          anthropic_api_key: ${{ secrets.ANTHROPIC_API_KEY }}
EXTRA
"""


def test_the_standard_mention_workflow_is_quiet() -> None:
    assert severity(MENTION.replace("EXTRA", "")) is None


def test_the_mention_workflow_opened_to_everyone_is_reported() -> None:
    text = MENTION.replace("EXTRA", "          allowed_non_write_users: '*'")
    found = agent_findings(text)
    assert [f.severity for f in found] == ["warning"]  # default tools: no shell
    assert "allowed_non_write_users: '*'" in found[0].text
    with_shell = text + "          claude_args: --allowedTools Bash\n"
    assert severity(with_shell) == "error"


def test_a_named_list_of_non_writers_is_a_choice_not_everyone() -> None:
    assert severity(MENTION.replace("EXTRA", "          allowed_non_write_users: octocat")) \
        is None


def test_the_mention_workflow_on_a_pr_checkout_started_by_a_maintainer_comment() -> None:
    """A maintainer's comment passes the write-access check, but the code is the author's."""
    text = MENTION.replace("EXTRA", "          claude_args: --allowedTools Bash").replace(
        "      - uses: anthropics", "      - run: gh pr checkout ${{ github.event.issue.number }}\n"
        "        env:\n          GH_TOKEN: ${{ github.token }}\n      - uses: anthropics")
    assert severity(text) == "error"


PROMPTED = """
on: issue_comment
permissions:
  issues: write
jobs:
  triage:
    runs-on: ubuntu-latest
    steps:
      - uses: anthropics/claude-code-action@v1
        with:
          anthropic_api_key: ${{ secrets.ANTHROPIC_API_KEY }}
          github_token: ${{ secrets.GITHUB_TOKEN }}
          prompt: |
            Label issue ${{ github.event.issue.number }}: PROMPT
"""


def test_outsider_text_in_the_prompt_is_reported() -> None:
    found = agent_findings(PROMPTED.replace("PROMPT", "${{ github.event.issue.title }}"))
    assert [f.severity for f in found] == ["warning"]
    assert "${{ github.event.issue.title }}" in found[0].text


def test_a_prompt_of_numbers_and_fixed_text_is_quiet() -> None:
    assert severity(PROMPTED.replace("PROMPT", "read it with the gh tool.")) is None


def test_read_only_token_and_no_shell_is_a_note() -> None:
    text = PROMPTED.replace("PROMPT", "${{ github.event.issue.title }}").replace(
        "  issues: write", "  issues: read")
    assert severity(text) == "note"


CODEX = """
on:
  pull_request_target:
    types: [labeled]
permissions: {}
jobs:
  summary:
    runs-on: ubuntu-latest
    steps:
      - uses: openai/codex-action@v1
        with:
          openai-api-key: ${{ secrets.OPENAI_API_KEY }}
          prompt: "Summarise: ${{ github.event.pull_request.body }}"
          OPTION
"""


@pytest.mark.parametrize(("option", "expected"), [
    ("sandbox: danger-full-access", "error"),
    ("safety-strategy: unsafe", "error"),
    ("sandbox: read-only", "note"),  # no shell, and `permissions: {}`
    ("", "note"),  # the default sandbox: no network
])
def test_codex_action_knobs(option: str, expected: str) -> None:
    assert severity(CODEX.replace("OPTION", option)) == expected


def test_codex_started_by_the_author_is_kept_out_by_its_own_check_unless_opened() -> None:
    authored = CODEX.replace("\n  pull_request_target:\n    types: [labeled]",
                             " pull_request_target").replace("OPTION",
                                                             "sandbox: danger-full-access")
    assert severity(authored) is None
    assert severity(authored.replace("sandbox: danger-full-access",
                                     "sandbox: danger-full-access\n          allow-users: '*'")) \
        == "error"


def test_codex_with_a_fixed_prompt_on_the_base_is_quiet() -> None:
    text = CODEX.replace("Summarise: ${{ github.event.pull_request.body }}",
                         "Summarise the changes of the default branch.").replace("OPTION", "")
    assert severity(text) is None


CLI = """
on: issue_comment
permissions:
  contents: write
jobs:
  agent:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4.2.2
        with:
          persist-credentials: false
      - run: npm install -g @github/copilot
      - run: COMMAND
        env:
          REQUEST: ${{ github.event.comment.body }}
          COPILOT_GITHUB_TOKEN: ${{ secrets.COPILOT_TOKEN }}
"""


@pytest.mark.parametrize(("command", "expected"), [
    ('copilot --yolo -p "$REQUEST"', "error"),
    ('copilot --allow-all-tools -p "$REQUEST"', "error"),
    ('npx @anthropic-ai/claude-code -p "$REQUEST" --dangerously-skip-permissions', "error"),
    ('gemini --yolo -p "$REQUEST"', "error"),
    ('copilot -p "$REQUEST"', "warning"),  # asks before tools: none run unattended
    ('copilot --yolo -p "Summarise the default branch"', None),
])
def test_agent_command_lines(command: str, expected: str | None) -> None:
    assert severity(CLI.replace("COMMAND", command)) == expected


def test_gemini_action_with_an_outsider_prompt() -> None:
    text = """
        on: issue_comment
        permissions:
          issues: write
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: google-github-actions/run-gemini-cli@v0
                with:
                  gemini_api_key: ${{ secrets.GEMINI_API_KEY }}
                  prompt: "Answer: ${{ github.event.comment.body }}"
                  settings: '{"tools": {"core": ["run_shell_command"]}}'
        """
    assert severity(text) == "error"
    assert severity(text.replace('"run_shell_command"', '"run_shell_command(gh issue view)"')) \
        == "warning"


def test_ai_inference_without_tools_is_not_an_agent() -> None:
    text = """
        on: issue_comment
        permissions:
          issues: write
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/ai-inference@v1
                with:
                  prompt: "Classify: ${{ github.event.comment.body }}"
                  OPTION
        """
    assert severity(text.replace("OPTION", "model: openai/gpt-4o")) is None
    assert severity(text.replace("OPTION", "enable-github-mcp: true")) == "warning"


TRIAGE = """
on:
  issues:
    types: TYPES
permissions:
  issues: write
jobs:
  triage:
    runs-on: ubuntu-latest
    steps:
      - uses: anthropics/claude-code-action@v1
        with:
          anthropic_api_key: ${{ secrets.ANTHROPIC_API_KEY }}
          github_token: ${{ secrets.GITHUB_TOKEN }}
          prompt: "Triage: ${{ github.event.issue.title }}"
          EXTRA
"""


def test_issue_triage_on_the_authors_own_issue_is_kept_out_by_its_check() -> None:
    assert severity(TRIAGE.replace("TYPES", "[opened]").replace("EXTRA", "")) is None


def test_issue_triage_opened_to_everyone_or_started_by_a_label_is_reported() -> None:
    opened = TRIAGE.replace("TYPES", "[opened]").replace("EXTRA", "allowed_non_write_users: '*'")
    assert severity(opened) == "warning"
    assert severity(opened + "          claude_args: --allowedTools Bash\n") == "error"
    labeled = TRIAGE.replace("TYPES", "[labeled]").replace("EXTRA", "")
    assert severity(labeled) == "warning"
