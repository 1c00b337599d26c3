"""Every action.yml, its command's code, its README and the contract in ACTIONS.md agree."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_toolkit.cli import COMMANDS, load
from conftest import ROOT, shared

TOKEN_DEFAULT = "${{ github.token }}"
DOCKER_ACTIONS = sorted(p.parent.name for p in ROOT.glob("*/action.yml")
                        if p.parent.name in COMMANDS)
COMPOSITE = {"ci-gate"}  # commands whose action is composite: the runner's own Python


def action(folder: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / folder / "action.yml").read_text())


def declared_defaults(meta: dict[str, Any]) -> dict[str, str]:
    return {name: str(spec.get("default", "")) for name, spec in (meta.get("inputs") or {}).items()}


def code_defaults(command: str) -> dict[str, str]:
    return {spec.name: TOKEN_DEFAULT if spec.name == "github-token" else spec.default
            for spec in load(command).INPUTS}


def test_every_command_has_an_action_folder() -> None:
    assert sorted(COMMANDS) == DOCKER_ACTIONS


@pytest.mark.parametrize("command", DOCKER_ACTIONS)
def test_action_yml_matches_the_code(command: str) -> None:
    meta = action(command)
    assert declared_defaults(meta) == code_defaults(command)
    if command in COMPOSITE:  # runs the core from its own folder (tests/test_ci_gate.py)
        assert meta["runs"]["using"] == "composite"
    else:
        assert meta["runs"] == {"using": "docker", "image": "../Dockerfile", "args": [command]}
    assert meta["branding"]["icon"] and meta["branding"]["color"]
    assert meta.get("description") and meta.get("author")
    for kind in ("inputs", "outputs"):
        for name, spec in (meta.get(kind) or {}).items():
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), f"{name} is not kebab-case"
            assert spec.get("description"), f"{command}: {kind[:-1]} {name} has no description"


@pytest.mark.parametrize("command", DOCKER_ACTIONS)
def test_every_input_and_output_is_used_by_the_code(command: str) -> None:
    source = inspect.getsource(load(command))
    meta = action(command)
    for name in [*(meta.get("inputs") or {}), *(meta.get("outputs") or {})]:
        assert f'"{name}"' in source, f"{command}: {name!r} is declared but never used"


@pytest.mark.parametrize("folder", [*DOCKER_ACTIONS, "coverage-upload"])
def test_readme_documents_every_input_and_output(folder: str) -> None:
    readme = ROOT / folder / "README.md"
    if not (ROOT / folder / "action.yml").exists():
        pytest.skip(f"{folder} is not built yet")
    text = readme.read_text()
    meta = action(folder)
    for name in [*(meta.get("inputs") or {}), *(meta.get("outputs") or {})]:
        assert f"`{name}`" in text, f"{folder}/README.md does not document {name!r}"
    assert "permissions:" in text and "uses: " in text, "README needs a complete workflow"


def test_root_action_is_the_soft_gate_with_the_same_contract() -> None:
    root, sub = yaml.safe_load((ROOT / "action.yml").read_text()), action("coverage-soft-gate")
    assert root["runs"] == {"using": "docker", "image": "Dockerfile",
                            "args": ["coverage-soft-gate"]}
    assert root["inputs"] == sub["inputs"] and root["outputs"] == sub["outputs"]
    assert root["branding"]


# Inputs ACTIONS.md asks for without naming them (1.2): the name is ours, the words are its.
UNNAMED = {"draft-toggle": {"agent": "an input selects the Copilot coding agent",
                            "agent-token": "a user token given in an input of its own"}}


def contract_tables() -> dict[str, dict[str, str]]:
    """`## section` → {input: default} from the input tables of ../shared/design/ACTIONS.md."""
    path = shared("design", "ACTIONS.md")
    tables: dict[str, dict[str, str]] = {}
    section = ""
    for line in path.read_text().splitlines():
        heading = re.match(r"## ([\w-]+)", line)
        if heading:
            section = heading.group(1)
        row = re.match(r"\| `([\w-]+)` \| (.*?) \|", line)
        if row and section:
            default = row.group(2).strip()
            default = "" if default.startswith("*(") else default.strip("`")
            tables.setdefault(section, {})[row.group(1)] = default
    # 1.2 adds inputs in prose: "New input `annotate` (default `true`)", and changes a default:
    # "`pr-comment` gains `auto`, the new default" (sentences run over lines).
    for part in path.read_text().split("\n## ")[1:]:
        name, text = part.split()[0], " ".join(part.split())
        for found in (*re.findall(r"[Nn]ew input `([\w-]+)` \(default `([^`]*)`\)", text),
                      *re.findall(r"`([\w-]+)` gains `([^`]*)`, the new default", text)):
            tables.setdefault(name, {})[found[0]] = found[1]
    return tables


@pytest.mark.shared
@pytest.mark.parametrize("folder", [*DOCKER_ACTIONS, "coverage-upload"])
def test_inputs_and_defaults_follow_actions_md(folder: str) -> None:
    if not (ROOT / folder / "action.yml").exists():
        pytest.skip(f"{folder} is not built yet")
    expected = contract_tables()[folder]
    declared = declared_defaults(action(folder))
    contract = shared("design", "ACTIONS.md").read_text()
    for name, words in UNNAMED.get(folder, {}).items():  # the contract asks for them, unnamed
        assert words in contract and declared.pop(name) is not None, (folder, name)
    assert set(declared) == set(expected)
    for name, default in expected.items():
        if name == "files" and folder == "coverage-upload":
            continue  # the contract lists the set in prose; checked by the action's own test
        assert declared[name] == default, f"{folder}: {name} default differs from ACTIONS.md"


def test_unknown_flag_and_bad_input_exit_2(tmp_path: Path) -> None:
    from conftest import run_action

    result = run_action("ci-gate", {"needs": "{}"}, tmp_path=tmp_path, args=["--no-such-flag"])
    assert result.rc == 2


@pytest.mark.parametrize("path", ["action.yml", *sorted(p.relative_to(ROOT).as_posix()
                                                        for p in ROOT.glob("*/action.yml"))])
def test_description_fits_the_marketplace(path: str) -> None:
    """The Marketplace release form refuses a description of 125 characters or more."""
    meta = yaml.safe_load((ROOT / path).read_text())
    assert len(meta["description"]) < 125, f"{path}: {len(meta['description'])} characters"
    assert meta["name"].startswith("ci-toolkit"), f"{path}: a generic name is likely taken"


# ---------------------------------------------------------------- one source for each input's words

def readme_rows(folder: str) -> dict[str, list[str]]:
    """The README's `## Inputs` table: input name → its cells (default, description)."""
    text = (ROOT / folder / "README.md").read_text()
    section = text.split("\n## Inputs", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        found = re.match(r"\| `([a-z0-9-]+)` \|(.*)\|$", line)
        if found:
            rows[found[1]] = [cell.strip() for cell in found[2].split(" | ")]
    return rows


@pytest.mark.parametrize("command", DOCKER_ACTIONS)
def test_action_yml_says_what_the_code_says(command: str) -> None:
    """action.yml's words, default and accepted values are the code's `Input` declarations."""
    meta = action(command)
    specs = load(command).INPUTS
    assert [spec.name for spec in specs] == list(meta.get("inputs") or {})
    assert meta["description"] == COMMANDS[command]
    for spec in specs:
        declared = meta["inputs"][spec.name]
        assert declared["description"] == spec.description, f"{command}: {spec.name}"
        for value in spec.choices:
            assert f"`{value}`" in spec.description, f"{command}: {spec.name} omits {value}"


@pytest.mark.parametrize("command", DOCKER_ACTIONS)
def test_readme_inputs_table_matches_the_code(command: str) -> None:
    """Each README lists every input once, with the code's default and accepted values."""
    rows = readme_rows(command)
    specs = load(command).INPUTS
    assert list(rows) == [spec.name for spec in specs], f"{command}/README.md ## Inputs"
    for spec in specs:
        default, words = rows[spec.name][0], " | ".join(rows[spec.name][1:])
        if spec.name == "github-token":
            assert default == f"`{TOKEN_DEFAULT}`", spec.name
        elif spec.default:
            assert default == f"`{spec.default}`", f"{command}: {spec.name} default {default}"
        else:
            assert default in ("*(empty)*", "*(this run)*", "*(required)*"), spec.name
        for value in spec.choices:
            assert f"`{value}`" in words, f"{command}/README.md: {spec.name} omits {value}"
