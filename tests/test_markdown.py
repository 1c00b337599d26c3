"""Escaping, tables and truncation: outside text never breaks a table or pings anyone."""

from __future__ import annotations

import pytest

from ci_toolkit.markdown import (
    Message,
    MessageError,
    callout,
    code,
    details,
    escape,
    heading,
    link,
    percent,
    prose,
    size,
    table,
    truncate,
)
from rendered import HOSTILE, ZWSP, render, seen

MIXED = "a|b `c` <script>alert(1)</script>\nnext @someone *bold* [x](y) ~z~ \\"


def test_escape_keeps_one_cell_and_no_markup() -> None:
    cell = escape(MIXED)
    assert "\n" not in cell
    assert "<" not in cell and ">" not in cell
    assert "\\|" in cell and "|" not in cell.replace("\\|", "")
    assert "\\`c\\`" in cell
    assert "@\u200bsomeone" in cell and "@someone" not in cell


def test_escape_leaves_plain_text_alone() -> None:
    assert escape("src/pkg/mod.py (3.11, ubuntu)") == "src/pkg/mod.py (3.11, ubuntu)"
    assert escape("mail me at a@b.c") == "mail me at a@b.c".replace("@b", "@\u200bb")


def test_table_rows_stay_intact_with_hostile_cells() -> None:
    rendered = table(["name", "value"], [[escape(MIXED), "1"], ["x", "2"]], align="lr")
    lines = rendered.splitlines()
    assert lines[1] == "| --- | ---: |"
    assert len(lines) == 4
    for line in lines:
        # Unescaped pipes are cell borders: 3 per row of two columns.
        assert line.replace("\\|", "").count("|") == 3


def test_link_escapes_text_and_url() -> None:
    assert link("job | 1", "https://x/y (1)") == "[job \\| 1](https://x/y%20(1%29)"
    assert link("no url", None) == "no url"


def test_details_and_percent() -> None:
    assert details("More", "body").startswith("<details>\n<summary>More</summary>\n\nbody")
    assert percent(None) == "—"
    assert percent(88.6384) == "88.64%"


def test_truncate_short_text_unchanged() -> None:
    assert truncate("abc", 10, "cut") == "abc"


@pytest.mark.parametrize("unit", ["chars", "bytes"])
def test_truncate_cuts_at_a_line_with_a_note(unit: str) -> None:
    text = "\n".join(f"| row {i} | é |" for i in range(1000))
    cut = truncate(text, 500, "Cut to fit.", unit=unit)
    size = len(cut) if unit == "chars" else len(cut.encode())
    assert size <= 500
    assert cut.rstrip().endswith("Cut to fit.")
    body = cut.split("\n\n> [!NOTE]")[0]
    assert all(line.startswith("| row ") and line.endswith("|") for line in body.splitlines())


def test_callout_quotes_every_line_and_heading_escapes() -> None:
    assert callout("warning", "one\n\ntwo") == "> [!WARNING]\n> one\n>\n> two"
    assert heading("CI | @team <b>") == "### CI \\| @\u200bteam &lt;b&gt;"


# ---------------------------------------------------------------- judged by GitHub's renderer

CONTAINERS = {  # where outside prose lands in our reports, and the elements that place makes
    "paragraph": ("{}", {"p"}),
    "heading": ("### {}", {"h3"}),
    "list item": ("- {}", {"ul", "li"}),
    "callout": ("> [!WARNING]\n> {}", {"blockquote", "p"}),
    "cell": ("| a | b |\n| --- | --- |\n| {} | 1 |", {"table", "thead", "tbody", "tr", "th", "td"}),
}


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("where", CONTAINERS)
def test_escaped_prose_renders_as_given_with_nothing_smuggled_in(name: str, where: str) -> None:
    template, allowed = CONTAINERS[where]
    page = render(template.format(escape(name)))
    assert set(page.elements) <= allowed, page.elements
    assert page.links == []
    visible = page.column(0)[0] if where == "cell" else page.text.replace("[!WARNING]", "")
    assert visible.strip() == seen(name).strip()


@pytest.mark.parametrize("name", HOSTILE)
def test_code_in_a_table_cell_shows_the_name_exactly(name: str) -> None:
    page = render(table(["Job", "Result"], [[code(name), "ok"], ["next", "ok"]]))
    assert page.rows() == [[seen(name, code=True), "ok"], ["next", "ok"]]
    assert page.codes == [seen(name, code=True)]
    assert set(page.elements) == {"table", "thead", "tbody", "tr", "th", "td", "code"}
    assert page.links == []


@pytest.mark.parametrize("name", HOSTILE)
def test_code_outside_a_table_shows_the_name_exactly(name: str) -> None:
    page = render(f"- the job {code(name, in_table=False)} failed")
    assert page.codes == [seen(name, code=True)]
    assert set(page.elements) == {"ul", "li", "code"}


def test_code_of_nothing_or_only_spaces() -> None:
    assert code("") == ""
    assert render(code("   ")).codes == ["   "]


def test_an_entity_shows_as_typed_and_makes_no_mention() -> None:
    assert escape("&#64;x &lt;b&gt;") == "&amp;#64;x &amp;lt;b&amp;gt;"
    assert render(escape("&#64;x")).text.strip() == "&#64;x"


def test_message_keeps_our_markdown_and_escapes_only_the_parts() -> None:
    message = Message("No file matches `files` ({}) under {}.", "*.xml <b>", "/w/@me")
    assert str(message) == "No file matches `files` (*.xml <b>) under /w/@me."
    page = render(f"- {prose(message)}")
    assert page.codes == ["files"]
    assert page.text.strip() == f"No file matches files (*.xml <b>) under /w/@{ZWSP}me."
    assert "b" not in page.elements
    assert prose("plain `text`") == "plain \\`text\\`"  # not ours: escaped whole
    with pytest.raises(TypeError):  # not a str: joining plain text to it is refused
        message + " more"  # type: ignore[operator]
    more = message.then(" Set `files`.")
    assert render(prose(more)).codes == ["files", "files"]
    joined = Message("{}; {}", message, "`x`")  # a Message part keeps its Markdown
    assert render(prose(joined)).codes == ["files"]
    assert message.replace("@me", "***").plain.endswith("/w/***.")
    assert "/w/@" not in message.replace("@me", "***").markdown


def test_an_error_carries_our_words_whole() -> None:
    error = MessageError(Message("Grant `{}`.", "actions: read"))
    assert str(error) == "Grant `actions: read`."
    assert render(prose(error.message)).codes == ["actions: read"]


def test_units_and_kinds_are_closed_sets() -> None:
    with pytest.raises(ValueError, match="unit must be 'chars' or 'bytes', not 'char'"):
        size("x", "char")  # type: ignore[arg-type]


def test_the_one_fence_builder_holds_any_backticks_and_names_its_language() -> None:
    from ci_toolkit.markdown import fenced

    lines = ["```", "a ```` run", "end"]
    page = render(fenced(lines, "text"))
    assert page.codes == ["```\na ```` run\nend\n"]
    assert fenced(["x"], "mermaid").startswith("```mermaid\n")


def test_the_marker_is_hidden_and_keyed() -> None:
    from ci_toolkit.markdown import marker

    assert marker("k", "a") == marker("k", " a ") != marker("k", "b")
    assert render(f"{marker('k', 'a')}\n\ntext").text.strip() == "text"
