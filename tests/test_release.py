"""The release script, and the rule that every action naming an image names this version."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from packaging.version import Version

from ci_toolkit import __version__
from conftest import ROOT

SCRIPT = ROOT / "scripts" / "release.py"


def copy_tree(target: Path, released: str | None = None) -> Path:
    """What a release commit edits; `released` adds that version's CHANGELOG heading."""
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    changelog = (ROOT / "CHANGELOG.md").read_text()
    if released:
        changelog = changelog.replace("## [Unreleased]\n",
                                      f"## [Unreleased]\n\n## [{released}]\n", 1)
    (target / "CHANGELOG.md").write_text(changelog)
    docs = [ROOT / "README.md", *ROOT.glob("*/README.md"), *(ROOT / "docs").rglob("*.md")]
    for action in [ROOT / "action.yml", *ROOT.glob("*/action.yml"), *docs]:
        out = target / action.relative_to(ROOT)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(action, out)
    return target


def release_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("release", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          check=False)


DIGEST = "sha256:" + "0123456789abcdef" * 4  # the shape `docker buildx` reports


def test_release_commit_names_one_image_everywhere(tmp_path: Path) -> None:
    root = copy_tree(tmp_path, released="9.8.7")
    assert run("--check", "9.8.7", "--root", str(root)).returncode == 1
    done = run("9.8.7", "--owner", "Octo-Org", "--root", str(root))  # the image's tree
    assert done.returncode == 0, done.stdout
    assert run("--check", "9.8.7", "--root", str(root)).returncode == 1  # no digest yet
    done = run("9.8.7", "--digest", DIGEST, "--owner", "Octo-Org", "--root", str(root))
    assert done.returncode == 0, done.stdout
    assert 'version = "9.8.7"' in (root / "pyproject.toml").read_text()
    images = {path.relative_to(root).as_posix(): re.search(r"image:\s*(.+)$", path.read_text(),
                                                           re.M)
              for path in root.rglob("action.yml")}
    docker = {name: m.group(1) for name, m in images.items() if m}
    assert len(docker) >= 7  # the root action and every Docker sub-action
    assert "ci-gate/action.yml" not in docker  # composite: runs from its own folder, no image
    assert set(docker.values()) == {f"docker://ghcr.io/octo-org/ci-toolkit@{DIGEST} # 9.8.7"}
    assert "uses: actions/upload-artifact@" in (root / "coverage-upload/action.yml").read_text()
    pinned = {path.relative_to(root).as_posix(): set(re.findall(r"ci-toolkit==(\d[\w.]*)",
                                                                path.read_text()))
              for path in root.rglob("*.md") if "ci-toolkit==" in path.read_text()}
    assert {"README.md", "job-logs/README.md"} <= set(pinned)  # the pipx form, moved
    assert set().union(*pinned.values()) == {"9.8.7"}
    assert run("--check", "9.8.7", "--root", str(root)).returncode == 0
    assert run("--check", "9.8.7", "--digest", DIGEST, "--root", str(root)).returncode == 0
    other = run("--check", "9.8.7", "--digest", DIGEST[:-1] + "0", "--root", str(root))
    assert other.returncode == 1 and "is not the image built" in other.stdout


@pytest.mark.parametrize(("old", "new", "says"), [
    ("# 1.2.3", "# 1.2.2", "is not pinned by digest to version 1.2.3"),  # another release's
    (f"@{DIGEST} # 1.2.3", ":1.2.3", "is not pinned by digest"),  # a tag: it can be moved
    (DIGEST[-4:], "cdee", "the actions name 2 images"),
])
def test_check_names_the_file_that_is_off(tmp_path: Path, old: str, new: str, says: str) -> None:
    root = copy_tree(tmp_path, released="1.2.3")
    run("1.2.3", "--digest", DIGEST, "--root", str(root))
    logs = root / "job-logs" / "action.yml"
    logs.write_text(logs.read_text().replace(old, new))
    done = run("--check", "1.2.3", "--root", str(root))
    assert done.returncode == 1 and says in done.stdout
    assert "job-logs/action.yml" in done.stdout or "images" in done.stdout


def test_release_commit_is_zizmor_clean_with_unpinned_images_on(tmp_path: Path) -> None:
    """The tag form is what zizmor's `unpinned-images` flags; the digest form passes, with no
    ignore of ours (.github/zizmor.yml ignores it for main's `image: Dockerfile` only)."""
    root = copy_tree(tmp_path, released="1.2.3")
    run("1.2.3", "--digest", DIGEST, "--root", str(root))
    zizmor = shutil.which("zizmor", path=str(Path(sys.executable).parent))
    if not zizmor:
        pytest.skip("zizmor is not installed (pip install -e '.[test]')")
    actions = [str(p) for p in root.rglob("action.yml")]
    done = subprocess.run([zizmor, "--offline", "--no-progress", "--persona", "pedantic",
                           *actions], capture_output=True, text=True, check=False)
    assert "unpinned-images" not in done.stdout, done.stdout
    tagged = root / "job-logs" / "action.yml"
    tagged.write_text(tagged.read_text().replace(f"@{DIGEST} # 1.2.3", ":1.2.3"))
    done = subprocess.run([zizmor, "--offline", "--no-progress", "--persona", "pedantic",
                           str(tagged)], capture_output=True, text=True, check=False)
    assert "unpinned-images" in done.stdout  # the judge sees a tag


def test_bad_version_or_digest_is_refused() -> None:
    assert run("v1.2", "--check").returncode == 2
    assert run("1.2.3", "--digest", "sha256:abc").returncode == 2


def test_actions_on_this_tree_name_this_version_or_build_the_dockerfile() -> None:
    for path in [ROOT / "action.yml", *ROOT.glob("*/action.yml")]:
        match = re.search(r"image:\s*['\"]?(\S+?)['\"]?$", path.read_text(), re.M)
        if not match:
            continue  # composite
        named = match.group(1)
        if named.startswith("docker://"):  # a release commit: by digest, its version beside
            assert re.search(rf"/ci-toolkit@sha256:[0-9a-f]{{64}} # {re.escape(__version__)}$",
                             path.read_text(), re.M), path
        else:
            assert (path.parent / named).resolve() == ROOT / "Dockerfile", path


RELEASE = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
JOBS = RELEASE["jobs"]


def step_using(job: str, action: str) -> list[dict[str, Any]]:
    return [s for s in JOBS[job]["steps"] if s.get("uses", "").startswith(action + "@")]


def runs(job: str) -> str:
    return "\n".join(step.get("run", "") for step in JOBS[job]["steps"])


def test_release_builds_the_image_then_tags_a_commit_pinned_to_its_digest() -> None:
    assert list(RELEASE[True]) == ["workflow_dispatch"]  # PyYAML reads the key `on` as True
    assert RELEASE[True]["workflow_dispatch"]["inputs"]["version"]["required"]
    image = JOBS["image"]
    steps = [s.get("uses", s.get("run", "")) for s in image["steps"]]
    prepare = steps.index('python scripts/release.py "$VERSION"')
    [build] = step_using("image", "docker/build-push-action")
    assert prepare < image["steps"].index(build) and build["id"] == "build"
    assert build["with"]["platforms"] == "linux/amd64,linux/arm64"
    assert image["outputs"]["digest"] == "${{ steps.build.outputs.digest }}"
    commit = JOBS["release-commit"]
    assert commit["needs"] == "image" and commit["permissions"] == {"contents": "write"}
    [step] = [s for s in commit["steps"] if "run" in s]
    assert step["env"]["DIGEST"] == "${{ needs.image.outputs.digest }}"
    script = step["run"]
    order = ['release.py "$VERSION" --digest "$DIGEST"',
             'release.py --check "$VERSION" --digest "$DIGEST"', "git commit", "git tag",
             "git push"]
    assert [script.index(part) for part in order] == sorted(script.index(p) for p in order)
    assert JOBS["package"]["needs"] == "release-commit"  # PyPI gets the tagged commit's files
    assert 'release.py --check "$VERSION"' in runs("package")
    [checkout] = step_using("package", "actions/checkout")
    assert checkout["with"]["ref"] == "refs/tags/v${{ inputs.version }}"
    assert JOBS["major-tag"]["steps"][0]["env"]["SHA"] == "${{ needs.release-commit.outputs.sha }}"
    for job in JOBS:  # no job leaves a token in .git/config for a later step to find
        for checkout in step_using(job, "actions/checkout"):
            assert checkout["with"]["persist-credentials"] is False, job


def test_image_and_pypi_files_get_provenance_and_an_sbom_attested() -> None:
    [provenance] = step_using("image", "actions/attest-build-provenance")
    assert provenance["with"] == {"subject-name": "${{ env.IMAGE }}", "push-to-registry": True,
                                  "subject-digest": "${{ steps.build.outputs.digest }}"}
    [sbom] = step_using("image", "anchore/sbom-action")
    assert sbom["with"]["image"] == "${{ env.IMAGE }}@${{ steps.build.outputs.digest }}"
    [attest] = step_using("image", "actions/attest")
    assert attest["with"]["sbom-path"] == sbom["with"]["output-file"]
    assert attest["with"]["subject-digest"] == provenance["with"]["subject-digest"]
    assert JOBS["image"]["env"]["IMAGE"] == "ghcr.io/${{ github.repository_owner }}/ci-toolkit"
    [provenance] = step_using("package", "actions/attest-build-provenance")
    [sbom] = step_using("package", "anchore/sbom-action")
    [attest] = step_using("package", "actions/attest")
    assert provenance["with"] == {"subject-path": "dist/*"}
    assert attest["with"] == {"subject-path": "dist/*", "sbom-path": sbom["with"]["output-file"]}
    assert "--require-hashes -r requirements/image.lock" in runs("package")  # what it installs
    steps, [upload] = JOBS["package"]["steps"], step_using("package", "actions/upload-artifact")
    assert steps.index(provenance) < steps.index(upload)  # what PyPI gets is what was attested
    for job in ("image", "package"):
        assert {"id-token": "write", "attestations": "write"}.items() <= \
            JOBS[job]["permissions"].items()


def test_release_publishes_to_pypi_by_trusted_publishing_after_the_image() -> None:
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    package, pypi = JOBS["package"], JOBS["pypi"]
    assert "python -m build" in runs("package") and "twine check --strict dist/*" in runs("package")
    assert set(pypi["needs"]) == {"image", "package"}  # the image is pushed first
    assert pypi["permissions"] == {"id-token": "write"} and pypi["environment"]["name"]
    signing = {name for name, job in JOBS.items() if "id-token" in str(job.get("permissions"))}
    assert signing == {"pypi", "image", "package"}  # PyPI's trust, and the attestations' only
    assert package["permissions"]["contents"] == "read"
    publish = re.search(r"uses: pypa/gh-action-pypi-publish@([0-9a-f]{40}) # v\d+\.\d+\.\d+$",
                        text, re.M)
    assert publish, "pypa/gh-action-pypi-publish pinned by commit with its version"
    assert not any("password" in (step.get("with") or {}) for step in pypi["steps"])
    assert {"pypi", "release-commit"} <= set(JOBS["major-tag"]["needs"])  # @v1 moves last


def test_ci_builds_and_checks_what_pypi_gets() -> None:
    jobs = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())["jobs"]
    runs = [step.get("run", "") for step in jobs["package"]["steps"]]
    assert "python -m build" in runs and "twine check --strict dist/*" in runs


def test_check_covers_the_pypi_version_and_the_changelog(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    run("4.5.6", "--root", str(root))
    done = run("--check", "4.5.6", "--root", str(root))  # no ## [4.5.6] in CHANGELOG.md
    assert done.returncode == 1 and "CHANGELOG.md" in done.stdout
    (tmp_path / "again").mkdir()
    root = copy_tree(tmp_path / "again", released="4.5.6")
    run("4.5.6", "--root", str(root))
    readme = root / "bulk-issues" / "README.md"
    readme.write_text(readme.read_text().replace("ci-toolkit==4.5.6", "ci-toolkit==4.5.5", 1))
    done = run("--check", "4.5.6", "--root", str(root))
    assert done.returncode == 1 and "bulk-issues/README.md: ci-toolkit==4.5.5" in done.stdout


def test_pipx_pins_name_the_last_release() -> None:
    """On a release commit the pins equal the package's version; on a development version
    they name the last release (what PyPI has), which is below it."""
    released = release_script().last_released(ROOT)
    pinned = release_script().pins(ROOT)
    assert released and pinned
    assert {name: named for name, named in pinned.items() if named != {released}} == {}
    package = Version(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])
    if package.is_devrelease or package.is_prerelease:
        assert Version(released) < package
    else:
        assert Version(released) == package, "a final version is a release commit"
