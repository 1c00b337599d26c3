"""Make (or check) a release commit: one package version, every Docker action on its image.

    python scripts/release.py 1.2.3                   # the tree the image of 1.2.3 is built from
    python scripts/release.py 1.2.3 --digest sha256:… [--owner OWNER]   # the release commit
    python scripts/release.py --check 1.2.3 [--digest sha256:…]  # exit 1 unless it is one
    python scripts/release.py --refresh-locks         # the image's locks, newest pins (network)

A release commit sets `version` in pyproject.toml (the version PyPI gets), moves every
`pipx run --spec ci-toolkit==X.Y.Z` in the READMEs and docs to it, and points every Docker
action.yml at the image built for it BY DIGEST, `docker://ghcr.io/<owner>/ci-toolkit@sha256:…
# X.Y.Z`: one commit of the actions always runs one image, whatever a registry tag is moved to,
and nothing is built on a user's runner. The digest is known once the image is pushed, so the
release workflow runs this twice: without `--digest` for the tree it builds the image from (no
action.yml is in the image), then with the digest for the commit it tags. Between releases the
pipx pins name the last release (the newest `## [X.Y.Z]` of CHANGELOG.md), which is what PyPI has.
The image installs only what requirements/image.lock and requirements/build.lock pin, with
their hashes; `--refresh-locks` remakes both with pip-compile (pip-tools) from pyproject.toml,
before a release and through a pull request, so CI's image e2e builds with the new pins.
docs/releasing.md gives the order of the steps.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEMVER = re.compile(r"\d+\.\d+\.\d+")
VERSION_LINE = re.compile(r'^version = "[^"]*"$', re.M)
IMAGE_LINE = re.compile(r"^(\s+image:\s*).*$", re.M)
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
PIN = re.compile(r"(?<=ci-toolkit==)\d+\.\d+\.\d+(?:\.?(?:dev|a|b|rc)\d+)?")  # pipx form
RELEASED = re.compile(r"^## \[(\d+\.\d+\.\d+)\]", re.M)
# pip-compile's options for each lock (its header repeats them, sorted, as the way to remake it)
LOCK_OPTIONS = ("--allow-unsafe", "--generate-hashes", "--index-url=https://pypi.org/simple",
                "--no-emit-find-links", "--no-emit-index-url", "--strip-extras")
LOCKS = {"requirements/image.lock": (),  # what the package needs at run time
         "requirements/build.lock": ("--all-build-deps", "--only-build-deps")}  # its backend


def docker_actions(root: Path) -> list[Path]:
    """Every action.yml that runs the image (composite actions have no `image:`)."""
    found = [root / "action.yml", *sorted(root.glob("*/action.yml"))]
    return [p for p in found if p.exists() and "using: docker" in p.read_text()]


def pinned_docs(root: Path) -> list[Path]:
    """Every README and doc page that shows the Docker-free `ci-toolkit==X.Y.Z` form."""
    found = [root / "README.md", *sorted(root.glob("*/README.md")),
             *sorted((root / "docs").rglob("*.md"))]
    return [p for p in found if p.exists() and PIN.search(p.read_text())]


def pins(root: Path) -> dict[str, set[str]]:
    """`ci-toolkit==` versions named, by file."""
    return {p.relative_to(root).as_posix(): set(PIN.findall(p.read_text()))
            for p in pinned_docs(root)}


def last_released(root: Path) -> str | None:
    """The newest release in CHANGELOG.md (its first `## [X.Y.Z]` heading)."""
    changelog = root / "CHANGELOG.md"
    match = RELEASED.search(changelog.read_text()) if changelog.exists() else None
    return match.group(1) if match else None


def image(owner: str, digest: str, version: str) -> str:
    """An action.yml's `image:` value on a release commit (the version as a YAML comment)."""
    return f"docker://ghcr.io/{owner.lower()}/ci-toolkit@{digest} # {version}"


def release(root: Path, version: str, owner: str, digest: str | None = None) -> list[Path]:
    pyproject = root / "pyproject.toml"
    pyproject.write_text(VERSION_LINE.sub(f'version = "{version}"', pyproject.read_text(), 1))
    changed = [pyproject]
    for path in docker_actions(root) if digest else []:
        path.write_text(IMAGE_LINE.sub(rf"\g<1>{image(owner, digest, version)}",
                                       path.read_text(), 1))
        changed.append(path)
    for path in pinned_docs(root):
        path.write_text(PIN.sub(version, path.read_text()))
        changed.append(path)
    return changed


def problems(root: Path, version: str, images: bool = True,
             digest: str | None = None) -> list[str]:
    """What keeps the tree from being release `version` (its images unless `images` is false:
    the tree the image is built from; they name `digest` when it is given)."""
    found = []
    match = VERSION_LINE.search((root / "pyproject.toml").read_text())
    if not match or match.group(0) != f'version = "{version}"':
        found.append(f"pyproject.toml: {match.group(0) if match else 'no version'}, "
                     f"not {version}")
    digests = set()
    for path in docker_actions(root) if images else []:
        line = IMAGE_LINE.search(path.read_text())
        named = line.group(0).split("image:", 1)[1].strip() if line else ""
        pinned = re.fullmatch(rf"docker://ghcr\.io/[a-z0-9._-]+/ci-toolkit@({DIGEST.pattern})"
                              rf" # {re.escape(version)}", named)
        if not pinned:
            found.append(f"{path.relative_to(root)}: image {named!r} is not pinned by digest "
                         f"to version {version} (docker://ghcr.io/<owner>/ci-toolkit@sha256:… "
                         f"# {version})")
        elif digest and pinned.group(1) != digest:
            found.append(f"{path.relative_to(root)}: image {pinned.group(1)} is not the image "
                         f"built, {digest}")
        else:
            digests.add(named)
    if len(digests) > 1:
        found.append(f"the actions name {len(digests)} images: {', '.join(sorted(digests))}")
    for name, named in pins(root).items():
        if named != {version}:
            found.append(f"{name}: ci-toolkit=={', '.join(sorted(named))} is not {version}")
    if last_released(root) != version:
        found.append(f"CHANGELOG.md: the newest release is {last_released(root)}, not {version}"
                     f" (move the [Unreleased] notes under ## [{version}] first)")
    return found


def lock_command(lock: str) -> list[str]:
    """The pip-compile command that makes `lock` from pyproject.toml (run in the root)."""
    return ["pip-compile", *sorted((*LOCK_OPTIONS, *LOCKS[lock], f"--output-file={lock}")),
            "pyproject.toml"]


def refresh_locks(root: Path) -> None:
    """Both locks again, every pin at its newest allowed version; only PyPI is asked (no local
    pip configuration: a wheel cache or mirror could pin what PyPI does not serve)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k == "PIP_CERT"}
    for lock in LOCKS:
        subprocess.run([*lock_command(lock), "--upgrade", "--quiet"], cwd=root, check=True,
                       env={**env, "PIP_CONFIG_FILE": os.devnull})
        print(f"updated {lock}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", nargs="?", help="X.Y.Z")
    parser.add_argument("--check", action="store_true", help="only check the tree")
    parser.add_argument("--refresh-locks", action="store_true",
                        help="remake requirements/*.lock with the newest allowed pins")
    parser.add_argument("--digest", help="the pushed image's digest, sha256:…: pin every "
                        "Docker action to it")
    parser.add_argument("--owner", default=os.environ.get("GITHUB_REPOSITORY_OWNER", "ci-toolkit"))
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.refresh_locks:
        refresh_locks(args.root)
        return 0
    if not SEMVER.fullmatch(args.version or ""):
        parser.error(f"version must be X.Y.Z, got {args.version!r}")
    if args.digest and not DIGEST.fullmatch(args.digest):
        parser.error(f"digest must be sha256: and 64 hex digits, got {args.digest!r}")
    if not args.check:
        for path in release(args.root, args.version, args.owner, args.digest):
            print(f"updated {path.relative_to(args.root)}")
    found = problems(args.root, args.version, images=args.check or bool(args.digest),
                     digest=args.digest)
    for problem in found:
        print(f"::error::{problem}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
