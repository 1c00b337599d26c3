"""The bulk-issues spec parser: text in, planned issues out."""

from __future__ import annotations

import pytest

from ci_toolkit.issue_spec import TITLE_LIMIT, PlannedIssue, SpecError, parse


def test_sections_labels_and_bodies() -> None:
    text = """Intro text before the first issue is ignored.
## Add a lint job

labels:  ci , lint,, CI , tech-debt
Run ruff on every push.

## Cache pip ##
Body without labels.
"""
    assert parse(text) == [
        PlannedIssue("Add a lint job", ("ci", "lint", "tech-debt"), "Run ruff on every push.", 2),
        PlannedIssue("Cache pip", (), "Body without labels.", 7),
    ]


def test_labels_only_on_the_first_non_blank_line() -> None:
    [issue] = parse("## T\nBody first.\nLabels: late\n")
    assert issue.labels == ()
    assert issue.body == "Body first.\nLabels: late"


@pytest.mark.parametrize("fence", ["```", "~~~", "````", "~~~~~", "```yaml", "~~~ yaml"])
def test_headings_inside_any_fence_are_body_text(fence: str) -> None:
    closing = fence.rstrip(" yaml")
    text = f"## One\n{fence}\n## not an issue\n{closing}\n## Two\nx\n"
    one, two = parse(text)
    assert one.body == f"{fence}\n## not an issue\n{closing}"
    assert two.title == "Two"


def test_a_shorter_or_other_fence_does_not_close() -> None:
    text = "## One\n````\n```\n~~~\n## inside\n````\n## Two\n"
    assert [i.title for i in parse(text)] == ["One", "Two"]


def test_a_backtick_line_with_backticks_after_is_not_a_fence() -> None:
    # ```a``` is inline code, not an opening fence, so the next heading still counts
    text = "## One\n```a``` inline\n## Two\n"
    assert [i.title for i in parse(text)] == ["One", "Two"]


def test_deeper_headings_and_indented_code_are_body_text() -> None:
    [issue] = parse("## One\n### Details\n    ## indented code\n#### more\n")
    assert issue.body == "### Details\n    ## indented code\n#### more"


def test_first_line_indent_kept_and_ends_trimmed() -> None:
    [issue] = parse("## One\n\n   \n    code()\ntext   \n\n\n")
    assert issue.body == "    code()\ntext"


def test_crlf_text() -> None:
    [issue] = parse("## One\r\nLabels: a\r\nbody\r\n")
    assert (issue.title, issue.labels, issue.body) == ("One", ("a",), "body")


def test_no_section_says_the_format() -> None:
    expected = r"no issue found: each issue starts with a line `## Title`"
    with pytest.raises(SpecError, match=expected):
        parse("# Plan\nJust text, ### no level-2 heading\n##no space\n")


@pytest.mark.parametrize("heading", ["##", "##   ", "## ##"])
def test_empty_title_names_the_line(heading: str) -> None:
    with pytest.raises(SpecError, match=r"^line 3: the `##` heading has no title") as info:
        parse(f"## Fine\nbody\n{heading}\nbody\n")
    assert info.value.line == 3


def test_long_title_names_the_line() -> None:
    parse("## " + "x" * TITLE_LIMIT)  # the limit itself is fine
    with pytest.raises(SpecError, match=r"^line 2: the title is 257 characters long"):
        parse("\n## " + "x" * (TITLE_LIMIT + 1))


def test_duplicate_titles_name_both_lines() -> None:
    with pytest.raises(SpecError, match=r"^line 3: the title 'Same' is also on line 1"):
        parse("## Same\na\n## Same\nb\n")


def test_unclosed_fence_hiding_a_heading_is_an_error() -> None:
    with pytest.raises(SpecError, match=r"^line 3: this code fence is never closed.*line 5"):
        parse("## One\ntext\n```yaml\nkey: 1\n## Two\n")


def test_unclosed_fence_at_the_end_is_body() -> None:
    [issue] = parse("## One\n```\nno close\n")
    assert issue.body == "```\nno close"
