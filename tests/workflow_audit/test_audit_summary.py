"""The workflow-audit summary as GitHub renders it (cmarkgfm, GitHub's own renderer).

Our own words render as the Markdown we wrote; everything quoted from a workflow (file
names, job ids, step names, expressions) is a code element showing exactly what was written.
"""

from __future__ import annotations

import textwrap
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
from cmarkgfm.cmark import Options as CmarkOptions

from conftest import run_action

HOSTILE_STEP = "a`b`` | <img src=x onerror=alert(1)> @octo-org/team *bold* [x](http://e)"
WORKFLOW = f"""
on: pull_request_target
permissions: {{}}
jobs:
  build_*it*:
    runs-on: ubuntu-latest
    steps:
      - name: "{HOSTILE_STEP}"
        run: echo "${{{{ github.head_ref }}}}"
      - uses: actions/checkout@v4
        with:
          ref: ${{{{ github.head_ref }}}}
"""


class Cells(HTMLParser):
    """Table rows as cells; each cell as (its text, the text of its code elements, tags)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[tuple[str, list[str], set[str]]]] = []
        self.cell: tuple[list[str], list[str], set[str]] | None = None
        self.in_code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self.cell = ([], [], set())
        elif self.cell is not None:
            self.cell[2].add(tag)
            if tag == "code":
                self.in_code = True
                self.cell[1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None:
            text, codes, tags = self.cell
            self.rows[-1].append(("".join(text), codes, tags))
            self.cell = None
        elif tag == "code":
            self.in_code = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell[0].append(data)
            if self.in_code:
                self.cell[1][-1] += data


def rendered_rows(tmp_path: Path, name: str = "pr.yml") -> list[list[tuple[str, list[str],
                                                                          set[str]]]]:
    folder = tmp_path / "workspace" / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / name).write_text(textwrap.dedent(WORKFLOW))
    result = run_action("workflow-audit", {"fail-on": "never"}, tmp_path=tmp_path)
    assert result.rc == 0, result.stdout + result.stderr
    # Unsafe: raw HTML would come through as tags, so a leak cannot hide behind the filter.
    html = cmarkgfm.github_flavored_markdown_to_html(result.summary,
                                                     options=CmarkOptions.CMARK_OPT_UNSAFE)
    parser = Cells()
    parser.feed(html)
    return [row for row in parser.rows if row]


def test_expressions_render_as_code_not_as_backslashed_backticks(tmp_path: Path) -> None:
    rows = rendered_rows(tmp_path)
    injection = next(row for row in rows if row[1][0] == "untrusted-input-injection")
    text, codes, _ = injection[4]
    assert '${{ github.head_ref }}' in codes
    assert "github.head_ref" in codes
    assert "\\`" not in text and "\\" not in "".join(cell[0] for row in rows for cell in row)


def test_hostile_names_render_exactly_as_written(tmp_path: Path) -> None:
    rows = rendered_rows(tmp_path, name="my_*flow*.yml")
    assert len(rows) == 4 and {len(row) for row in rows} == {6}  # no `|` split a row
    for row in rows:
        assert row[2][1] == [".github/workflows/my_*flow*.yml"]
        for _, _, tags in row:
            assert tags <= {"code"}, tags  # no <img>, <em>, <a> from outside text
    named = [row[1][0] for row in rows if HOSTILE_STEP in row[4][1]]
    assert named == ["untrusted-input-injection"]  # the step with that name, as written
    data = next(row for row in rows if row[1][0] == "pr-checkout-data")
    assert "build_*it*" in data[4][1]


def test_our_own_markdown_renders_and_outside_text_stays_inert(tmp_path: Path) -> None:
    rows = rendered_rows(tmp_path)
    persisted = next(row for row in rows if row[1][0] == "persisted-credentials")
    assert "persist-credentials: false" in persisted[5][1]  # the fix, our own Markdown
    assert "actions/checkout@v4" in persisted[4][1]
    injection = next(row for row in rows if row[1][0] == "untrusted-input-injection")
    text = injection[4][0]
    assert "@octo-org/team" in text and "<img" in text  # shown as text: no mention, no image
