#!/usr/bin/env python3
"""Where the actions run, measured (figures for docs/performance.md, "Where each action runs").

1. ci-gate's composite step, exactly as ci-gate/action.yml writes it (bash finds the Python,
   which starts cold with `-I -S` and imports the gate from the source folder), against the same
   decision through the installed `ci-toolkit` entry point (what `pipx run` ends in, and the
   image's ENTRYPOINT). Runs alternate, so both see the same machine; medians of --runs each.
2. The wheel's size, built as release.yml builds it (`python -m build --wheel`).
3. The image's size as the Dockerfile would build it: the base image's published size (given,
   Docker cannot run here) plus what `pip install` of the package adds, measured by installing
   the wheel with its dependencies into a fresh venv (needs PyPI) — the same install the RUN
   line does.

    python bench/bench_runners.py --runs 21
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).parent / "ci-toolkit"
NEEDS = json.dumps({f"job-{i}": {"result": "success", "outputs": {}} for i in range(20)})
# python:3.12-slim, linux/amd64, compressed, as Docker Hub lists it: about 41 MB. Not measured
# here (no Docker, no registry); pass the current figure with --base-image-mb.
BASE_IMAGE_MB = 41.0


def gate_step() -> str:
    [step] = yaml.safe_load((ROOT / "ci-gate" / "action.yml").read_text())["runs"]["steps"]
    return str(step["run"])


def bare_python(target: Path) -> Path:
    """A Python with no site-packages, put first on PATH as the runner's own Python."""
    venv.create(target, with_pip=False)
    return target / "bin"


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{argv[0]} failed: {done.stdout}{done.stderr}")
    return wall


def gate_times(runs: int, tmp: Path) -> tuple[float, float]:
    script = tmp / "step.sh"
    script.write_text(gate_step())
    common = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp / "out"),
              "GITHUB_STEP_SUMMARY": str(tmp / "summary"), "HOME": str(tmp)}
    composite_env = {**common, "PATH": str(bare_python(tmp / "bare")),
                     "GITHUB_ACTION_PATH": str(ROOT / "ci-gate"), "INPUT_NEEDS": NEEDS}
    entry_env = {**common, "PATH": os.environ.get("PATH", ""), "INPUT_NEEDS": NEEDS}
    composite, entry = [], []
    for _ in range(runs):
        composite.append(timed(["/bin/bash", "--noprofile", "--norc", "-eo", "pipefail",
                                str(script)], composite_env))
        entry.append(timed([str(CLI), "ci-gate"], entry_env))
    return statistics.median(composite), statistics.median(entry)


def build_wheel(tmp: Path) -> Path:
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp / "dist"),
                    str(ROOT)], capture_output=True, check=True)
    [wheel] = (tmp / "dist").glob("*.whl")
    return wheel


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def installed_bytes(wheel: Path, tmp: Path) -> tuple[int, int, float]:
    """site-packages bytes of a fresh venv: before (pip alone) and after installing the wheel
    with its dependencies, without pip's cache, as the Dockerfile's RUN line does; and the
    seconds that install took (what a first `pipx run` on a fresh runner also pays)."""
    env_dir = tmp / "image"
    start = time.perf_counter()
    venv.create(env_dir, with_pip=True)
    [site] = (env_dir / "lib").glob("python3*/site-packages")
    before = folder_bytes(site)
    subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    "--no-cache-dir", "--disable-pip-version-check", str(wheel)], check=True)
    return before, folder_bytes(site), time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--base-image-mb", type=float, default=BASE_IMAGE_MB,
                        help="the base image's published compressed size (not measurable here)")
    parser.add_argument("--no-install", action="store_true",
                        help="skip the image size (it installs the dependencies from PyPI)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        composite, entry = gate_times(args.runs, tmp)
        print(f"ci-gate, 20 needs, median of {args.runs} alternated runs:")
        print(f"  composite step (bash, Python found, cold -I -S): {composite * 1000:6.0f} ms")
        print(f"  installed entry point (ci-toolkit ci-gate):      {entry * 1000:6.0f} ms")
        wheel = build_wheel(tmp)
        print(f"wheel {wheel.name}: {wheel.stat().st_size / 1024:.0f} KiB")
        if not args.no_install:
            before, after, seconds = installed_bytes(wheel, tmp)
            added = (after - before) / 1e6
            print(f"image: base python:3.12-slim ~{args.base_image_mb} MB compressed (Docker Hub, "
                  f"given) + {added:.1f} MB installed by pip (uncompressed site-packages)")
            print(f"fresh venv + pip install of the wheel and its dependencies: {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
