"""The docs: one page per action, generated from its README and action.yml and kept current."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT

ACTIONS = sorted(p.parent.name for p in ROOT.glob("*/action.yml"))


def test_action_pages_are_current() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize("action", ACTIONS)
def test_each_page_has_what_a_user_needs(action: str) -> None:
    page = (ROOT / "docs" / "actions" / f"{action}.md").read_text()
    assert "permissions:" in page and "uses: " in page, "a complete workflow with permissions"
    assert "## Reference (generated from action.yml)" in page
    assert re.search(r"(?i)fail|exit", page), "failure modes"


@pytest.mark.parametrize("page", [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: object) -> None:
    path = ROOT / str(page)
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text()):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        base = ROOT if target.startswith("/") else path.parent
        assert (base / target.lstrip("/")).exists(), f"{path.name}: broken link {target}"
