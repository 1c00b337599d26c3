"""The layout says where things are (issue #20): one package per action, named like its folder
at the root, beside a shared core; PyGithub only in each action's `remote.py` (and the parts it
imports) and in the core's `github/`; the core never imports an action. Read with `ast`, so a
module that breaks the rule fails here before anyone has to find it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

PACKAGE = ROOT / "src" / "ci_toolkit"
CORE = {"__init__.py", "cli.py", "runtime.py", "markdown.py", "joblist.py", "github", "coverage"}
# The soft gate's GitHub side is long: remote.py imports these parts of it, and nothing else does.
REMOTE_PARTS = {"coverage_soft_gate/artifacts.py", "coverage_soft_gate/tracking.py",
                "coverage_soft_gate/pulls.py"}
# Core modules that load PyGithub when imported (`github/permissions.py` does not).
PYGITHUB_CORE = {"ci_toolkit.github.client", "ci_toolkit.github.downloads",
                 "ci_toolkit.github.comments", "ci_toolkit.github.jobs",
                 "ci_toolkit.github.issues"}


def python_actions() -> list[str]:
    """Every action folder whose action runs the core (Docker, or composite through Python)."""
    found = []
    for meta in sorted(ROOT.glob("*/action.yml")):
        runs = yaml.safe_load(meta.read_text())["runs"]
        steps = " ".join(str(s.get("run", "")) for s in runs.get("steps", []))
        if runs["using"] == "docker" or "ci_toolkit.cli" in steps:
            found.append(meta.parent.name.replace("-", "_"))
    return found


def top_level_imports(path: Path) -> set[str]:
    """Modules imported at module level (not inside a function: those are lazy)."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` imports cost nothing at run time
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_package_is_the_actions_plus_the_shared_core() -> None:
    actions = python_actions()
    assert len(actions) == 7
    entries = {p.name for p in PACKAGE.iterdir() if p.name != "__pycache__"}
    assert entries == CORE | set(actions)


@pytest.mark.parametrize("action", python_actions())
def test_each_action_package_has_its_command(action: str) -> None:
    tree = ast.parse((PACKAGE / action / "command.py").read_text())
    defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assigned = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                if isinstance(t, ast.Name)}
    assert {"read_options", "run"} <= defined and {"INPUTS", "SOFT"} <= assigned, action
    assert "Options" in defined or "Options" in (PACKAGE / action / "command.py").read_text()


def test_pygithub_is_loaded_only_by_a_remote_and_the_core_github_side() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name.startswith("github/") or name.endswith("/remote.py") or name in REMOTE_PARTS:
            continue
        imports = top_level_imports(path)
        if {m for m in imports if m == "github" or m.startswith("github.")} | (
                imports & PYGITHUB_CORE):
            wrong.append(name)
    assert wrong == []


def test_the_remote_parts_are_imported_by_their_remote_alone() -> None:
    for part in REMOTE_PARTS:
        module = "ci_toolkit." + part.removesuffix(".py").replace("/", ".")
        users = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                 if module in top_level_imports(p) or module in p.read_text()]
        allowed = {part, part.rsplit("/", 1)[0] + "/remote.py", *REMOTE_PARTS}
        assert set(users) <= allowed, (part, users)


def test_the_core_never_imports_an_action() -> None:
    actions = python_actions()
    for path in PACKAGE.rglob("*.py"):
        name = path.relative_to(PACKAGE).as_posix()
        if name.split("/")[0] in actions or name == "cli.py":  # cli finds commands by name
            continue
        reached = {m.split(".")[1] for m in top_level_imports(path)
                   if m.startswith("ci_toolkit.") and m.count(".") >= 1}
        assert not reached & set(actions), name
