"""The README's Quick start stays true: two commands, the first a token-less dry run of the
soft gate on the example reports kept in the repository, the second the test command of CI."""

from __future__ import annotations

import json
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


def test_the_readme_shows_the_result_line_the_first_command_prints() -> None:
    shown = re.search(r"## Quick start.*?```text\n(.*?)\n```", (ROOT / "README.md").read_text(),
                      re.S)
    assert shown, "the Quick start shows no result line"
    words = shlex.split(COMMANDS[0].split("&&")[-1])
    done = subprocess.run([CLI, *words[1:]], cwd=ROOT, capture_output=True, text=True,
                          check=False, env={k: v for k, v in os.environ.items()
                                            if not k.startswith(("GITHUB_", "GH_", "INPUT_"))})
    assert done.stdout.splitlines()[-1] == shown.group(1)


def test_the_example_reports_match_the_current_source() -> None:
    """Each example report's statements are the ones coverage.py finds in the source today:
    else the Quick start's report points at lines that moved. Fix: python scripts/make_examples.py
    """
    import coverage
    from coverage.python import PythonFileReporter

    measure = coverage.Coverage(data_file=None, config_file=str(ROOT / "pyproject.toml"))
    reports = sorted((ROOT / "examples" / "coverage").glob("*/coverage.json"))
    assert len(reports) == 2
    for report in reports:
        files = json.loads(report.read_text())["files"]
        measured = sorted(p.relative_to(ROOT).as_posix()
                          for p in (ROOT / "src" / "ci_toolkit" / "coverage").glob("*.py"))
        assert sorted(files) == measured, f"{report}: run python scripts/make_examples.py"
        for path, data in files.items():
            recorded = set(data["executed_lines"]) | set(data["missing_lines"])
            now = PythonFileReporter(str(ROOT / path), measure).lines()
            assert recorded == now, f"{path} changed since {report} was made: run " \
                                    "python scripts/make_examples.py"
