"""GitHub's renderer as the judge: Markdown → cmark-gfm's HTML → what a reader sees.

`render(markdown)` gives a `Page`: every element, every link, every table as rows of cell texts,
and the visible text. Raw HTML is let through (`UNSAFE`), so HTML the input smuggled in shows up
as an element here instead of being hidden by the renderer's own filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options

ZWSP = "\u200b"  # what `markdown.escape` puts after an `@`


def html(markdown: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


@dataclass
class Page(HTMLParser):
    elements: list[str] = field(default_factory=list)  # tag names, in order
    links: list[str] = field(default_factory=list)  # hrefs (and img srcs)
    tables: list[list[list[str]]] = field(default_factory=list)  # table → rows → cell texts
    codes: list[str] = field(default_factory=list)  # the text of each <code>
    text: str = ""

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._cell: list[str] | None = None
        self._code: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(tag)
        self.links += [value or "" for name, value in attrs if name in ("href", "src")]
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "code":
            self._code = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "code" and self._code is not None:
            self.codes.append("".join(self._code))
            self._code = None

    def handle_data(self, data: str) -> None:
        self.text += data
        if self._cell is not None:
            self._cell.append(data)
        if self._code is not None:
            self._code.append(data)

    def rows(self, table: int = 0) -> list[list[str]]:
        """The body rows of a table (the header row left out)."""
        return self.tables[table][1:]

    def column(self, index: int, table: int = 0) -> list[str]:
        return [row[index] for row in self.rows(table)]


def render(markdown: str) -> Page:
    page = Page()
    page.feed(html(markdown))
    page.close()
    return page


def seen(name: str, *, code: bool = False) -> str:
    """What a reader sees of an outside name: one line; as prose, no mention (`@` + ZWSP)."""
    line = re.sub(r"[\r\n\t]+", " ", name)
    return line if code else re.sub(r"@(?=[A-Za-z0-9])", "@" + ZWSP, line)


# Names that try everything: table breaks, HTML, entities, links, mentions, references, emoji.
HOSTILE = (
    "a|b \\| c",
    "`rm -rf` ``x``",
    "<script>alert(1)</script> <b>bold</b>",
    "&#64;someone &lt;b&gt; &amp;",
    "ping @someone and @org/team",
    "[x](http://evil) ![i](http://evil/i.png)",
    "see https://evil.example and www.evil.example or a@b.example",
    "#1 :tada: *em* _u_ ~s~ **b**",
    "line\nbreak\r\nand\ttab",
    " lead and trail ",
    "- item",
    "1. first",
    "# not a heading",
    "\\ back \\",
)
