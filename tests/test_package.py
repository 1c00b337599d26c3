"""The package as PyPI gets it: sdist and wheel built as release.yml builds them, `twine check
--strict` clean, and the wheel installed into a fresh venv runs `ci-toolkit`."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
VERSION = PYPROJECT["project"]["version"]
BIN = Path(sys.executable).parent


def normalised(requirements: list[str]) -> set[str]:
    return {str(Requirement(text)) for text in requirements}


def tracked_package_files() -> set[str]:
    """Every file of the package under version control (on disk outside a git checkout), as
    the wheel names it."""
    done = subprocess.run(["git", "ls-files", "src/ci_toolkit"], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    if done.returncode == 0 and done.stdout:
        return {line.removeprefix("src/") for line in done.stdout.splitlines()}
    return {p.relative_to(ROOT / "src").as_posix() for p in (ROOT / "src" / "ci_toolkit").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m build` (sdist, then the wheel from the sdist), as release.yml runs it."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
                          capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def wheel(dist: Path) -> Path:
    [found] = dist.glob(f"ci_toolkit-{VERSION}-py3-none-any.whl")
    return found


@pytest.mark.slow
def test_twine_check_strict_passes(dist: Path) -> None:
    files = sorted(dist.iterdir())
    assert [p.name for p in files] == [f"ci_toolkit-{VERSION}-py3-none-any.whl",
                                       f"ci_toolkit-{VERSION}.tar.gz"]
    done = subprocess.run([str(BIN / "twine"), "check", "--strict", *map(str, files)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_wheel_holds_the_whole_package_and_its_metadata(dist: Path) -> None:
    with zipfile.ZipFile(wheel(dist)) as archive:
        names = set(archive.namelist())
        metadata = Parser().parsestr(
            archive.read(f"ci_toolkit-{VERSION}.dist-info/METADATA").decode())
        entry_points = archive.read(f"ci_toolkit-{VERSION}.dist-info/entry_points.txt").decode()
    assert tracked_package_files() <= names  # package data too, not only the modules
    assert metadata["Name"] == "ci-toolkit" and metadata["Version"] == VERSION
    assert metadata["Requires-Python"] == PYPROJECT["project"]["requires-python"]
    declared = PYPROJECT["project"]["dependencies"] + [
        f'{dep}; extra == "test"' for dep in PYPROJECT["project"]["optional-dependencies"]["test"]]
    assert normalised(metadata.get_all("Requires-Dist") or []) == normalised(declared)
    assert "ci-toolkit = ci_toolkit.cli:main" in entry_points


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_runs(dist: Path, tmp_path: Path) -> None:
    """Installed without its dependencies (no index needed): `--version` and the gate import
    only the standard library, so they run as they would after `pipx install`."""
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                              "--quiet", "--no-deps", "--no-index", str(wheel(dist))],
                             capture_output=True, text=True, check=False)
    assert install.returncode == 0, install.stdout + install.stderr
    entry = env_dir / "bin" / "ci-toolkit"
    version = subprocess.run([str(entry), "--version"], capture_output=True, text=True,
                             check=False, cwd=tmp_path, env={})
    assert (version.returncode, version.stdout) == (0, f"ci-toolkit {VERSION}\n")
    gate = subprocess.run([str(entry), "ci-gate", "--needs", '{"test": {"result": "failure"}}'],
                          capture_output=True, text=True, check=False, cwd=tmp_path, env={})
    assert gate.returncode == 1 and "test" in gate.stderr, gate.stdout + gate.stderr
