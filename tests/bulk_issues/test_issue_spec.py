"""The bulk-issues spec parser: text in, planned issues out."""

from __future__ import annotations

import random

import pytest
from markdown_it import MarkdownIt

from ci_toolkit.bulk_issues.spec import (
    LABEL_LIMIT,
    TITLE_LIMIT,
    PlannedIssue,
    SpecError,
    headings,
    lines_of,
    parse,
)


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


# ---------------------------------------------------------------- judged by CommonMark

def commonmark_headings(text: str) -> list[tuple[int, str]]:
    """(1-based line, title) of each top-level `##` heading, as markdown-it-py reads the text.

    cmark (GitHub's renderer) drops a leading byte-order mark; markdown-it-py does not, so the
    judge is given the text without it.
    """
    tokens = MarkdownIt("commonmark").parse(text.removeprefix("\ufeff"))
    return [(token.map[0] + 1, tokens[index + 1].content)
            for index, token in enumerate(tokens)
            if token.type == "heading_open" and token.tag == "h2" and token.markup == "##"
            and token.level == 0 and token.map is not None]


CASES = {
    "plain": "## One\nbody\n## Two\n",
    "closing hashes": "## One ##\n##   Two #  \n",
    "indented up to three": "   ## One\n    ## code\n",
    "tab after hashes": "##\tOne\n",
    "html comment, one line": "## One\n<!-- ## Two -->\n## Three\n",
    "html comment, a commented-out plan": "## One\n<!--\n## Later\nbody\n-->\n## Two\n",
    "html comment before any issue": "<!--\n## Draft\n-->\n## Real\n",
    "details without a blank line": "## One\n<details>\n## inside\n</details>\n## Two\n",
    "details with a blank line": "## One\n<details>\n\n## markdown inside\n\n</details>\n",
    "pre up to its end tag": "## One\n<pre>\n\n## inside pre\n</pre>\n## Two\n",
    "script": "## One\n<script>\n## x\n</script>\n## Two\n",
    "processing instruction": "## One\n<?php\n## x\n?>\n## Two\n",
    "declaration": "## One\n<!DOCTYPE html\n## x\n>\n## Two\n",
    "cdata": "## One\n<![CDATA[\n## x\n]]>\n## Two\n",
    "any tag alone on its line": "## One\n<span class=\"x\">\n## inside\n\n## Two\n",
    "a tag after a paragraph is inline": "## One\ntext\n<span>\n## Two\n",
    "div after a paragraph interrupts it": "## One\ntext\n<div>\n## inside\n",
    "backtick fence": "## One\n```\n## no\n```\n## Two\n",
    "tilde fence, longer close": "## One\n~~~\n## no\n~~~~~\n## Two\n",
    "fence with backtick info is not one": "## One\n```a`\n## Two\n",
    "fence in a list item ends with the item": "## One\n- item\n  ```\n## Two\n",
    "fence in a quote ends with the quote": "## One\n> ```\n## Two\n",
    "block quote": "## One\n> ## quoted\n## Two\n",
    "lazy quote line": "## One\n> text\nlazy\n## Two\n",
    "list item content": "## One\n- item\n\n  ## in the item\n## Two\n",
    "ordered list item content": "## One\n1. item\n\n   ## in the item\n\n## Two\n",
    "heading as a list item": "## One\n- ## in a list\n",
    "lazy list line": "## One\n- text\nlazy\n## Two\n",
    "indented code": "## One\n\n    ## code\n## Two\n",
    "indented line continues a paragraph": "## One\ntext\n    ## continued\n",
    "setext underline is not ours": "## One\nTitle\n---\n## Two\n",
    "thematic break": "## One\n***\n## Two\n",
    "deeper and shallower": "# Plan\n### Details\n##No space\n## One\n",
    "crlf": "## One\r\nbody\r\n## Two\r\n",
    "cr": "## One\rbody\r## Two\r",
    "bom": "\ufeff## One\nbody\n## Two\n",
    "line separator, nel, form feed": "## One\u2028## no\x85## no\x0c## no\n## Two\n",
    "empty list item, then blank": "## One\n-\n\n  ## not in the item\n",
    "item with wide indent": "## One\n-     code\n\n  ## Two\n",
    "nested list": "## One\n- a\n  - b\n\n    ## deep\n## Two\n",
    "tabs": "## One\n-\titem\n\n\t## in the item\n## Two\n",
}


@pytest.mark.parametrize("name", CASES)
def test_headings_are_what_commonmark_sees(name: str) -> None:
    text = CASES[name]
    assert [(i.line, i.title) for i in parse(text)] == commonmark_headings(text)


FRAGMENTS = ["## A{n}", "text", "", "```", "~~~", "<!--", "-->", "<details>", "</details>",
             "<pre>", "</pre>", "<span>", "- item", "  ## B{n}", "> ## C{n}", "    ## D{n}",
             "1. one", "   ```", "---", "> q", "lazy ## E{n}", "<div>", "\t## F{n}", "## G{n}"]


def test_random_specs_agree_with_commonmark() -> None:
    """Thousands of specs made of the fragments above, in every kind of order."""
    rng = random.Random(11)
    unclosed = 0
    for _ in range(3000):
        lines = [rng.choice(FRAGMENTS).format(n=n) for n in range(rng.randint(1, 12))]
        text = "\n".join(lines) + "\n"
        expected = [line - 1 for line, _ in commonmark_headings(text)]
        try:
            assert headings(lines_of(text)) == expected, text
        except SpecError as exc:  # an unclosed fence hiding a heading (it has its own test)
            assert "never closed" in str(exc)
            unclosed += 1
    assert unclosed < 1000  # most specs were compared


def test_bom_is_not_part_of_the_first_title() -> None:
    assert [i.title for i in parse("\ufeff## One\nbody\n")] == ["One"]


def test_odd_line_breaks_stay_inside_the_line() -> None:
    [issue] = parse("## One\nbody\u2028## not\x85an\x0cissue\n")
    assert issue.body == "body\u2028## not\x85an\x0cissue"


def test_a_commented_out_plan_files_nothing() -> None:
    text = "## Now\nbody\n<!--\n## Later\nLabels: x\n-->\n"
    [issue] = parse(text)
    assert issue.title == "Now" and issue.body == "body\n<!--\n## Later\nLabels: x\n-->"


def test_a_label_over_githubs_limit_names_its_line() -> None:
    parse("## One\nLabels: " + "x" * LABEL_LIMIT + "\n")
    with pytest.raises(SpecError, match=r"^line 3: Labels: the label 'x{51}' is 51 characters"):
        parse("## One\n\nLabels: ok, " + "x" * (LABEL_LIMIT + 1) + "\n")


def test_a_second_labels_line_is_an_error() -> None:
    with pytest.raises(SpecError, match=r"^line 3: a second `labels:` line \(the first is line 2"):
        parse("## One\nLabels: a\nlabels: b\n")
