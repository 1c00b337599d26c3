"""`untrusted-input-injection` on every trigger an outsider starts, and on text a job fetches
itself (issue 25): an issue's title on `issues`, a pull request's title read with `gh pr view`,
an issue body fetched with `curl | jq` into a file, expanded into a script or an unquoted
heredoc. Each unsafe shape beside the look-alike that must stay quiet."""

from __future__ import annotations

import textwrap

import pytest
from audit_helpers import head

from ci_toolkit.workflow_audit.audit import Finding, audit_text

RULE = "untrusted-input-injection"
ISSUE_OPENED = "{issues: {types: [opened]}}"


def injections(text: str) -> list[Finding]:
    return [f for f in audit_text(textwrap.dedent(text)).findings if f.rule == RULE]


def levels(text: str) -> list[tuple[str, int]]:
    return [(f.severity, f.line) for f in injections(text)]


ISSUE_TITLE = """
on:
  TRIGGER:
    types: [created]
permissions: {}
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - run: echo "Thanks for ${{ github.event.FIELD }}"
"""


# GitHub Security Lab, "Keeping your GitHub Actions and workflows secure Part 2: Untrusted
# input" (2020): `${{ github.event.issue.title }}` in a `run:` step of an `issues` workflow.
OUTSIDER_FIELDS = {"issues": ("issue.title", "issue.body"), "discussion": ("discussion.title",),
                   "discussion_comment": ("comment.body", "discussion.body"),
                   "issue_comment": ("issue.title", "comment.body")}


@pytest.mark.parametrize(("trigger", "field"), [
    (trigger, field) for trigger, fields in OUTSIDER_FIELDS.items() for field in fields])
def test_an_issue_or_discussion_expanded_into_a_script_is_an_error(trigger: str,
                                                                   field: str) -> None:
    text = ISSUE_TITLE.replace("TRIGGER", trigger).replace("FIELD", field)
    assert levels(text) == [("error", 10)]


def test_the_same_text_on_pull_request_stays_a_warning() -> None:
    """A `pull_request` run from a fork has a read-only token and no secrets."""
    text = ISSUE_TITLE.replace("TRIGGER", "pull_request").replace("FIELD", "pull_request.title")
    assert levels(text) == [("warning", 10)]


def test_an_issue_title_passed_through_env_is_quiet() -> None:
    text = ISSUE_TITLE.replace("TRIGGER", "issues").replace(
        '- run: echo "Thanks for ${{ github.event.FIELD }}"',
        '- run: echo "Thanks for $TITLE"\n'
        '        env:\n          TITLE: ${{ github.event.issue.title }}')
    assert injections(text) == []


FETCH = """
on:
  issue_comment:
    types: [created]
permissions:
  pull-requests: read
jobs:
  label:
    runs-on: ubuntu-latest
    steps:
      - id: pr
        env:
          GH_TOKEN: ${{ github.token }}
          NUMBER: ${{ github.event.issue.number }}
        run: |
          FETCH
      - run: echo "${{ steps.pr.outputs.value }}" | tee result.txt
"""


@pytest.mark.parametrize("fetch", [
    'echo "value=$(gh pr view "$NUMBER" --json title,body,headRefName -q .headRefName)" '
    '>> "$GITHUB_OUTPUT"',
    'TITLE=$(gh issue view "$NUMBER" --json title --jq .title)\n'
    '          echo "value=$TITLE" >> "$GITHUB_OUTPUT"',
    'echo "value=$(gh api "repos/$GITHUB_REPOSITORY/pulls/$NUMBER" | jq -r .head.ref)" '
    '>> "$GITHUB_OUTPUT"',
    'BODY=$(curl -s "https://api.github.com/repos/$GITHUB_REPOSITORY/issues/$NUMBER" '
    '| jq -r .body)\n          echo "value=$BODY" >> "$GITHUB_OUTPUT"',
    'gh issue view "$NUMBER" --json body -q .body > issue.md\n'
    '          echo "value=$(cat issue.md)" >> "$GITHUB_OUTPUT"',
])
def test_text_the_job_fetches_itself_and_expands_is_an_injection(fetch: str) -> None:
    found = injections(FETCH.replace("FETCH", fetch))
    assert [(f.severity, f.line, [r.line for r in f.related]) for f in found] == \
        [("error", 17 + fetch.count("\n"), [11])]
    assert "fetched itself" in found[0].text


@pytest.mark.parametrize("fetch", [
    'echo "value=$(gh pr view "$NUMBER" --json number,state -q .state)" >> "$GITHUB_OUTPUT"',
    'echo "value=$(gh api "repos/$GITHUB_REPOSITORY/issues/$NUMBER" | jq -r .number)" '
    '>> "$GITHUB_OUTPUT"',
    'echo "value=$(curl -s "https://api.github.com/repos/$GITHUB_REPOSITORY/pulls/$NUMBER" '
    '| jq -r .head.sha)" >> "$GITHUB_OUTPUT"',
    'REF=$(gh pr view "$NUMBER" --json headRefName -q .headRefName)\n'
    "          [[ $REF =~ ^[a-z0-9-]+$ ]] || exit 1\n"
    '          echo "value=$REF" >> "$GITHUB_OUTPUT"',
    'N=$(gh issue view "$NUMBER" --json title -q .title | wc -c)\n'
    "          echo \"$N\" | grep -Eq '^[0-9]+$'\n"
    '          echo "value=$N" >> "$GITHUB_OUTPUT"',
])
def test_numbers_states_commits_and_checked_values_are_not_outsider_text(fetch: str) -> None:
    assert injections(FETCH.replace("FETCH", fetch)) == []


def test_fetched_text_is_followed_through_env_and_job_outputs() -> None:
    text = head(ISSUE_OPENED) + """
      read:
        runs-on: ubuntu-latest
        outputs:
          title: ${{ steps.get.outputs.title }}
        steps:
          - id: get
            run: |
              N=${{ github.event.issue.number }}
              echo "title=$(gh issue view $N --json title -q .title)" >> "$GITHUB_OUTPUT"
      use:
        needs: read
        runs-on: ubuntu-latest
        env:
          TITLE: ${{ needs.read.outputs.title }}
        steps:
          - run: echo "TITLE2=$(gh api repos/o/r/issues/1 | jq -r .title)" >> "$GITHUB_ENV"
          - run: |
              echo "${{ env.TITLE }}"
              echo "${{ env.TITLE2 }}"
    """
    assert levels(text) == [("error", 22), ("error", 23)]


HEREDOC = "\n" + head(ISSUE_OPENED) + """\
  triage:
    runs-on: ubuntu-latest
    steps:
      - run: gh issue view ${{ github.event.issue.number }} --json body -q .body > issue.md
      - env:
          TITLE: ${{ github.event.issue.title }}
        run: |
          BODY=$(cat issue.md)
          COMMAND
          echo $VALUE
          EOF
"""


@pytest.mark.parametrize(("command", "value"), [
    ("bash <<EOF", "TITLE"), ("python3 - <<-EOF", "BODY"), ("cat > triage.sh <<EOF", "TITLE")])
def test_an_unquoted_heredoc_fed_to_an_interpreter_is_an_injection(command: str,
                                                                    value: str) -> None:
    found = injections(HEREDOC.replace("COMMAND", command).replace("VALUE", value))
    assert [(f.severity, f.line) for f in found] == [("error", 13)]
    assert "unquoted heredoc" in found[0].text and "<<'EOF'" in found[0].fix


@pytest.mark.parametrize("command", ["bash <<'EOF'", 'python3 - <<"EOF"', "cat > notes.md <<EOF"])
def test_a_quoted_heredoc_or_one_written_as_data_is_quiet(command: str) -> None:
    assert injections(HEREDOC.replace("COMMAND", command).replace("VALUE", "TITLE")) == []


def test_a_heredoc_of_a_checked_number_is_quiet() -> None:
    text = HEREDOC.replace("COMMAND", "[[ $BODY =~ ^[0-9]+$ ]]\n          bash <<EOF").replace(
        "VALUE", "BODY")
    assert injections(text) == []


@pytest.mark.parametrize("script", [
    "bash <<EOF\n  echo $TITLE",  # never closed: the body runs to the end of the script
    "bash <<EOF\n  echo $TITLE\n  EOF\n" * 3000,  # thousands of heredocs in one script
    "python3 - <<\n  print(1)",  # no delimiter
    "# bash <<EOF\n  echo $TITLE\n  EOF",  # a comment, not a heredoc
])
def test_odd_and_huge_heredocs_are_read_without_a_crash(script: str) -> None:
    text = ("on: issues\npermissions: {}\njobs:\n  j:\n    runs-on: x\n    steps:\n"
            "      - env: {TITLE: '${{ github.event.issue.title }}'}\n        run: |\n"
            + textwrap.indent(script, "          ") + "\n")
    found = injections(text)
    expected = script.count("bash <<EOF") - script.count("# bash")
    assert len(found) == expected
    assert all(f.severity == "error" and f.line >= 9 for f in found)
    assert len({f.line for f in found}) == len(found)  # each heredoc at its own line
