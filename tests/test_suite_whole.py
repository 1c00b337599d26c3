"""The suite is whole in any clone: only tests marked `shared` need ../shared, they are few,
and none of them tests what an action does (ARCHITECTURE.md, "A test suite that is whole in
any clone"). The whole suite is collected once, in a subprocess, to judge it."""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, _marked_test, run_action, shared

MAX_SHARE = 0.05  # of the suite, at most, may need ../shared


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    path = tmp_path_factory.mktemp("inventory") / "tests.json"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT, env={**os.environ, "CI_TOOLKIT_TEST_INVENTORY": str(path)},
        capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return list(json.loads(path.read_text()))


def test_no_test_of_an_action_needs_shared(inventory: list[dict[str, Any]]) -> None:
    wrong = [t["id"] for t in inventory if t["shared"] and t["runs_an_action"]]
    assert wrong == [], "tests of an action's behaviour must run from the project's files alone"


def test_few_tests_need_shared(inventory: list[dict[str, Any]]) -> None:
    marked = [t["id"] for t in inventory if t["shared"]]
    assert len(inventory) > 500
    assert len(marked) <= MAX_SHARE * len(inventory), (len(marked), len(inventory), marked)


def test_only_the_marker_skips_for_the_absence_of_shared() -> None:
    """../shared is reached through conftest.shared() (it fails in an unmarked test) alone:
    no test module builds a path to it or skips on its own."""
    reaching = re.compile(r"\bSHARED\b|/\s*[\"']shared[\"']|skip\([^)]*shared")
    found = [path.name for path in sorted((ROOT / "tests").rglob("*.py"))
             if path.name not in ("conftest.py", Path(__file__).name)
             and reaching.search(path.read_text())]
    assert found == []


def test_the_inventory_tells_action_tests_from_others(inventory: list[dict[str, Any]]) -> None:
    def flagged(module: str) -> set[bool]:
        return {t["runs_an_action"] for t in inventory if t["id"].startswith(f"tests/{module}::")}

    import test_draft_toggle

    through_a_helper = [name for name, f in vars(test_draft_toggle).items()
                        if name.startswith("test_") and "toggle(" in inspect.getsource(f)
                        and "run_action(" not in inspect.getsource(f)]
    assert through_a_helper
    by_id = {t["id"]: t for t in inventory}
    module = "tests/draft_toggle/test_draft_toggle.py"
    assert all(by_id[f"{module}::{name}"]["runs_an_action"]
               for name in through_a_helper if f"{module}::{name}" in by_id)
    assert True in flagged("coverage_soft_gate/test_soft_gate_action.py")
    assert flagged("test_markdown.py") == {False}
    assert any(t["shared"] for t in inventory
               if t["id"].startswith("tests/workflow_audit/test_audit_corpus.py"))


def test_an_unmarked_test_cannot_reach_shared() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"must carry @pytest\.mark\.shared"):
        shared("design", "ACTIONS.md")


def test_a_marked_test_cannot_run_an_action(tmp_path: Path) -> None:
    _marked_test.append("tests/test_x.py::test_pretends_to_be_marked")
    try:
        with pytest.raises(pytest.fail.Exception, match=r"behaviour must not need \.\./shared"):
            run_action("ci-gate", tmp_path=tmp_path)
    finally:
        _marked_test.clear()
