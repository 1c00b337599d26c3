"""The image's locks: every dependency of pyproject.toml (and its build backend) pinned exactly,
each pin with its hashes, each lock remade by the command scripts/release.py runs.

That a lock is complete (every dependency of a dependency pinned too) is what `pip install
--require-hashes` checks when scripts/image-e2e builds the image: pip refuses an unpinned one.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import ROOT
from test_release import release_script

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
ENTRY = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+) \\\n"
                   r"(?P<hashes>(?:    --hash=\S+(?: \\)?\n)+)(?P<via>(?:    #.*\n)*)", re.M)


@dataclass(frozen=True)
class Pin:
    version: str
    hashes: tuple[str, ...]
    via: str  # pip-compile's `# via` lines: who needs it


def pins(lock: str) -> dict[str, Pin]:
    text = (ROOT / lock).read_text()
    found = {canonicalize_name(m["name"]): Pin(m["version"],
                                               tuple(re.findall(r"--hash=(\S+)", m["hashes"])),
                                               m["via"]) for m in ENTRY.finditer(text)}
    requirements = [line for line in text.splitlines() if re.match(r"[A-Za-z0-9]", line)]
    assert len(found) == len(requirements), f"{lock}: an entry pip-compile did not write"
    return found


LOCKED = {"requirements/image.lock": PYPROJECT["project"]["dependencies"],
          "requirements/build.lock": PYPROJECT["build-system"]["requires"]}


@pytest.mark.parametrize("lock", sorted(LOCKED))
def test_lock_pins_exactly_what_pyproject_asks(lock: str) -> None:
    locked = pins(lock)
    wanted = [Requirement(spec) for spec in LOCKED[lock]]
    for requirement in wanted:
        pin = locked.get(canonicalize_name(requirement.name))
        assert pin, f"{lock} does not pin {requirement.name}: run scripts/release.py " \
                    "--refresh-locks"
        assert requirement.specifier.contains(pin.version, prereleases=True), \
            f"{lock}: {requirement.name}=={pin.version} is outside {requirement.specifier}"
    direct = {name for name, pin in locked.items() if "ci-toolkit (pyproject.toml" in pin.via}
    assert direct == {canonicalize_name(r.name) for r in wanted}, "a dependency pyproject dropped"


@pytest.mark.parametrize("lock", sorted(LOCKED))
def test_every_pin_is_exact_and_hashed(lock: str) -> None:
    for name, pin in pins(lock).items():
        assert re.fullmatch(r"[0-9][0-9a-z.+!-]*", pin.version), (name, pin.version)
        assert pin.hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in pin.hashes)


@pytest.mark.parametrize("lock", sorted(LOCKED))
def test_lock_is_remade_by_the_release_script(lock: str) -> None:
    """The header pip-compile wrote names the command; scripts/release.py runs the same."""
    header = re.search(r"^#    (pip-compile .+)$", (ROOT / lock).read_text(), re.M)
    assert header, f"{lock} has no pip-compile header"
    assert header.group(1).split() == release_script().lock_command(lock)
    assert sorted(release_script().LOCKS) == sorted(LOCKED)


def test_dockerignore_sends_the_locks_to_the_build(tmp_path: Path) -> None:
    from test_docker import build_context

    build_context(tmp_path)
    assert sorted(p.name for p in (tmp_path / "requirements").iterdir()) == \
        ["build.lock", "image.lock"]
