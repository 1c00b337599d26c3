"""The "CI" wrapper recipe: its YAML is what the page shows, valid, and gated the right way."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT

RECIPE = ROOT / "docs" / "recipes" / "ci-wrapper.yml"
PAGE = ROOT / "docs" / "recipes" / "ci-wrapper.md"


def load(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    assert isinstance(data, dict)
    return data


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", PAGE.read_text(), flags=re.S)


@pytest.fixture
def workflow() -> dict[str, Any]:
    return load(RECIPE.read_text())


def test_the_page_shows_exactly_the_validated_file() -> None:
    assert yaml_blocks()[0] == RECIPE.read_text()


def test_runs_on_pull_request_and_merge_group_without_filters(workflow: dict[str, Any]) -> None:
    assert workflow["name"] == "CI"
    triggers = workflow["on"]
    assert set(triggers) == {"pull_request", "merge_group"}
    assert not any(triggers[t] for t in triggers)  # no paths/branches filters at all


def test_the_job_named_ci_always_runs_needs_the_call_and_uses_ci_gate(
        workflow: dict[str, Any]) -> None:
    jobs = workflow["jobs"]
    [gate] = [j for j in jobs.values() if j.get("name") == "CI"]
    callers = [k for k, j in jobs.items() if str(j.get("uses", "")).endswith(".yml")]
    assert callers == ["tests"]
    assert gate["if"].replace(" ", "") in ("always()", "${{always()}}")
    needs = gate["needs"] if isinstance(gate["needs"], list) else [gate["needs"]]
    assert needs == callers
    [step] = [s for s in gate["steps"] if str(s.get("uses", "")).split("@")[0].endswith(
        "/ci-gate")]
    assert step["with"]["needs"].replace(" ", "") == "${{toJSON(needs)}}"


def test_no_other_job_is_named_ci(workflow: dict[str, Any]) -> None:
    names = [j.get("name", k) for k, j in workflow["jobs"].items()]
    assert names.count("CI") == 1


@pytest.mark.parametrize("index", [0, 1])
def test_every_workflow_on_the_page_validates_against_github_schema(
        tmp_path: Path, index: int) -> None:
    tool = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or \
        shutil.which("check-jsonschema")
    if tool is None:
        pytest.skip("check-jsonschema is not installed")
    path = tmp_path / f"workflow-{index}.yml"
    path.write_text(yaml_blocks()[index])
    done = subprocess.run([tool, "--builtin-schema", "vendor.github-workflows", str(path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_called_workflow_is_callable() -> None:
    called = load(yaml_blocks()[1])
    assert "workflow_call" in called["on"]
    assert "pull_request" not in called["on"]  # else every PR runs the tests twice
