"""Escaping, tables and truncation: outside text never breaks a table or pings anyone."""

from __future__ import annotations

import pytest

from ci_toolkit.markdown import callout, details, escape, heading, link, percent, table, truncate

HOSTILE = "a|b `c` <script>alert(1)</script>\nnext @someone *bold* [x](y) ~z~ \\"


def test_escape_keeps_one_cell_and_no_markup() -> None:
    cell = escape(HOSTILE)
    assert "\n" not in cell
    assert "<" not in cell and ">" not in cell
    assert "\\|" in cell and "|" not in cell.replace("\\|", "")
    assert "\\`c\\`" in cell
    assert "@\u200bsomeone" in cell and "@someone" not in cell


def test_escape_leaves_plain_text_alone() -> None:
    assert escape("src/pkg/mod.py (3.11, ubuntu)") == "src/pkg/mod.py (3.11, ubuntu)"
    assert escape("mail me at a@b.c") == "mail me at a@b.c".replace("@b", "@\u200bb")


def test_table_rows_stay_intact_with_hostile_cells() -> None:
    rendered = table(["name", "value"], [[escape(HOSTILE), "1"], ["x", "2"]], align="lr")
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
