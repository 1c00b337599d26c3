"""Our workflows, recipes and action.yml files: schema-valid, zizmor-clean, audit-clean, pinned."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_action

BIN = Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
RECIPES = sorted((ROOT / "docs" / "recipes").glob("*.yml"))
ACTIONS = sorted([ROOT / "action.yml", *ROOT.glob("*/action.yml")])


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


def relative(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(ROOT)) for p in paths]


@pytest.mark.parametrize(("schema", "files"), [
    ("vendor.github-workflows", WORKFLOWS + RECIPES),
    ("vendor.github-actions", ACTIONS),
], ids=["workflows", "actions"])
def test_schema_valid(schema: str, files: list[Path]) -> None:
    done = subprocess.run([tool("check-jsonschema"), "--builtin-schema", schema,
                           *relative(files)], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_offline_is_clean() -> None:
    done = subprocess.run([tool("zizmor"), "--offline", "--no-progress", "--config",
                           ".github/zizmor.yml", *relative(
        WORKFLOWS + RECIPES + ACTIONS)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_our_own_workflow_audit_is_clean(tmp_path: Path) -> None:
    target = tmp_path / "workspace" / ".github" / "workflows"
    target.mkdir(parents=True)
    for path in WORKFLOWS + RECIPES:
        shutil.copy(path, target / path.name)
    result = run_action("workflow-audit", {"fail-on": "warning"}, tmp_path=tmp_path)
    assert result.rc == 0, result.stdout
    assert result.outputs["errors"] == "0" and result.outputs["warnings"] == "0"


@pytest.mark.parametrize("path", WORKFLOWS + RECIPES + ACTIONS, ids=lambda p: p.name)
def test_third_party_actions_pinned_by_sha(path: Path) -> None:
    for use in re.findall(r"uses:\s*['\"]?([^\s'\"#]+)", path.read_text()):
        if use.startswith(("./", "docker://")) or use.startswith("ci-toolkit/"):
            continue
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", use), f"{path.name}: {use}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_no_expressions_in_scripts(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text())
    assert workflow.get("permissions") == {}, "top-level permissions must be empty"
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{name} must state its permissions"
        for step in job.get("steps", []):
            script = step.get("run", "")
            assert "${{" not in script, f"{name}: pass inputs to run: through env:"


def test_gate_job_is_named_ci_and_runs_always() -> None:
    jobs = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())["jobs"]
    gate = next(job for job in jobs.values() if job.get("name") == "CI")
    assert gate["if"] == "always()"
    assert set(gate["needs"]) == {"lint", "package", "test", "coverage"}
    assert any(step.get("uses", "").startswith("./ci-gate") for step in gate["steps"])
    steps = jobs["test"]["steps"]
    assert any(s.get("uses", "").startswith("./coverage-upload") for s in steps)
    assert "--junitxml" in " ".join(s.get("run", "") for s in steps)


def test_topology_page_is_copied_for_our_own_workflows() -> None:
    page = (ROOT / "docs" / "topology.md").read_text()
    assert (ROOT / ".github" / "workflows" / "README.md").read_text() == page
    for target in re.findall(r"\]\((/[^)#]+)", page):
        assert (ROOT / target.lstrip("/")).exists(), f"broken link {target}"


def test_hardened_pull_request_target_recipe_takes_only_trusted_files() -> None:
    workflow = yaml.safe_load((ROOT / "docs" / "recipes" / "pr-target-hardened.yml").read_text())
    assert "pull_request_target" in workflow[True]  # PyYAML reads the key `on` as True
    checkout = workflow["jobs"]["label"]["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"] == {"persist-credentials": False,
                                "sparse-checkout": ".github/agents.json",
                                "sparse-checkout-cone-mode": False, "path": "trusted"}


def test_dependabot_keeps_every_pin_current() -> None:
    """Schema-valid, and every folder whose action.yml uses other actions is covered."""
    path = ROOT / ".github" / "dependabot.yml"
    done = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot",
                           str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    updates = {u["package-ecosystem"]: u for u in yaml.safe_load(path.read_text())["updates"]}
    assert set(updates) == {"github-actions", "pip"}
    using = {"/" + p.parent.relative_to(ROOT).as_posix() for p in ROOT.glob("*/action.yml")
             if re.search(r"^\s*- uses: [^.]", p.read_text(), re.M)}
    assert {"/", *using} <= set(updates["github-actions"]["directories"])


def pinned_actions() -> list[tuple[str, str, str]]:
    """Every `uses: owner/repo[/path]@<sha> # <tag>` in the workflows, recipes, action.yml
    files, READMEs and docs users copy: (owner/repo[/path], sha, tag)."""
    texts = [*WORKFLOWS, *RECIPES, *ACTIONS, ROOT / "README.md", *ROOT.glob("*/README.md"),
             *(ROOT / "docs").rglob("*.md")]
    return sorted({found for path in texts for found in re.findall(
        r"uses:\s*([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # (v?\d[\w.-]*)", path.read_text())})


def test_each_third_party_action_is_pinned_to_one_commit_everywhere() -> None:
    """Dependabot updates the workflows and action.yml files; the READMEs, docs and recipes
    users copy must follow (one version of each action across the repository)."""
    pins: dict[str, set[str]] = {}
    for action, sha, _ in pinned_actions():
        pins.setdefault(action, set()).add(sha)
    assert pins["actions/checkout"] and pins["actions/setup-python"]
    assert {action: shas for action, shas in pins.items() if len(shas) > 1} == {}


def tag_commit(repo: str, tag: str) -> str | None:
    """The commit `tag` names in `repo`: from a local clone under $CI_TOOLKIT_ACTION_MIRRORS
    (`<owner>+<name>/repo`), else from GitHub; None when neither can say."""
    mirrors = os.environ.get("CI_TOOLKIT_ACTION_MIRRORS")
    if mirrors:
        done = subprocess.run(["git", "-C", str(Path(mirrors) / repo.replace("/", "+") / "repo"),
                               "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}"],
                              capture_output=True, text=True, check=False)
        return done.stdout.strip() or None
    try:
        done = subprocess.run(["git", "ls-remote", "--tags", f"https://github.com/{repo}",
                               f"refs/tags/{tag}", f"refs/tags/{tag}^{{}}"], capture_output=True,
                              text=True, check=False, timeout=20)
    except subprocess.TimeoutExpired:
        return None
    refs = dict(line.split("\t")[::-1] for line in done.stdout.splitlines())
    return refs.get(f"refs/tags/{tag}^{{}}") or refs.get(f"refs/tags/{tag}")  # annotated first


@pytest.mark.parametrize(("repo", "sha", "tag"), pinned_actions(),
                         ids=lambda v: v if "/" in v or v.startswith("v") else v[:7])
def test_each_pinned_commit_is_the_tag_its_comment_names(repo: str, sha: str, tag: str) -> None:
    """A pin's comment is what Dependabot and a reviewer read: it must be that commit."""
    found = tag_commit(re.sub(r"^([\w.-]+/[\w.-]+).*", r"\1", repo), tag)  # owner/name
    if found is None:
        pytest.skip(f"{repo} {tag}: no mirror and GitHub unreachable (or the tag is unknown)")
    assert found == sha, f"{repo}@{sha} is commented {tag}, which is {found}"
