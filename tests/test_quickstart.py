"""The README's Quick start stays true: two commands, the first a token-less dry run of the
soft gate on the example reports kept in the repository, the second the test command of CI."""

from __future__ import annotations

import os
import re
import shlex
import subprocess

from conftest import CLI, ROOT

QUICK_START = re.search(r"## Quick start.*?```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
COMMANDS = QUICK_START.group(1).splitlines() if QUICK_START else []


def test_exactly_two_commands_and_the_second_is_what_ci_runs() -> None:
    assert len(COMMANDS) == 2
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert COMMANDS[1].endswith("python -m pytest") and ci[-2] == "python -m pytest"
    assert ci[-1] == "scripts/image-e2e"  # then the real image, its own step: no daemon in tests


def test_first_command_reads_the_example_reports_without_a_token() -> None:
    words = shlex.split(COMMANDS[0].split("&&")[-1])
    assert words[0].endswith("ci-toolkit") and "--dry-run" in words
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "GH_", "INPUT_"))}
    done = subprocess.run([CLI, *words[1:]], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "2 jobs" in done.stdout and "warning" not in done.stderr.lower()
    assert "Dry run: nothing was written to GitHub." in done.stdout
