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


def index_rows() -> dict[str, list[str]]:
    """docs/architecture.md's index: action -> its cells (package, operations, tests)."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split("## Where each action lives", 1)[1].split("\n## ", 1)[0]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| action |")]
    return {row[0].split(" (")[0]: row[1:] for row in rows}


def spans(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_the_index_has_a_row_per_action_and_names_real_folders() -> None:
    rows = index_rows()
    assert sorted(rows) == ACTIONS
    for action, (package, _, tests) in rows.items():
        module = action.replace("-", "_")
        assert package.startswith("none") or package == (
            f"[{module}/](../src/ci_toolkit/{module}/)"), action
        assert package.startswith("none") == (not (ROOT / "src" / "ci_toolkit" / module).is_dir())
        assert tests == f"[tests/{module}/](../tests/{module}/)", action
        assert list((ROOT / "tests" / module).glob("test_*.py")), action


def test_the_index_names_operations_the_fake_serves_and_githubkit_knows() -> None:
    from fake_github import FakeGitHub
    from test_fake_github import OPERATIONS

    known = {*OPERATIONS, *(f"graphql {name}" for name in (*FakeGitHub.GRAPHQL_MUTATIONS,
                                                           *FakeGitHub.GRAPHQL_QUERIES))}
    for action, (_, operations, _) in index_rows().items():
        assert operations.startswith("none") or spans(operations), action
        unknown = set(spans(operations)) - known
        assert unknown == set(), f"{action}: add these to test_fake_github.CASES: {unknown}"
