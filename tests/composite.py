"""A composite action's `bash` step run as the runner runs it, and a Python with no site-packages.

The runner writes a step's `run:` script to a file and starts `bash --noprofile --norc -eo
pipefail FILE` with the job's environment, the step's `env:` (its `${{ inputs.* }}` already
replaced by the input values, defaults applied), `GITHUB_ACTION_PATH` (the action's folder) and
the file-command paths. The action's outputs are its `outputs.*.value` expressions over the
steps' outputs. That is all a composite step gets, so that is all this gives it.
"""

from __future__ import annotations

import os
import re
import subprocess
import venv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from conftest import ROOT, Result, parse_outputs

INPUT_EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}")
STEP_OUTPUT = re.compile(r"\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}")
BASH = "/bin/bash"


def action(folder: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / folder / "action.yml").read_text())
    return loaded


def bash_steps(meta: Mapping[str, Any]) -> list[dict[str, Any]]:
    steps = meta["runs"]["steps"]
    assert all(step.get("shell") == "bash" and "run" in step for step in steps), \
        "only `shell: bash` run steps can be run here"
    return list(steps)


def step_env(step: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, str]:
    """The step's `env:` as the runner sets it: only `${{ inputs.NAME }}` may appear."""
    env = {}
    for name, template in (step.get("env") or {}).items():
        text = INPUT_EXPRESSION.sub(lambda m: values[m.group(1)], str(template))
        assert "${{" not in text, f"{name}: an expression this runner does not evaluate"
        env[str(name)] = text
    return env


def run_composite(folder: str, inputs: Mapping[str, str] | None = None, *, tmp_path: Path,
                  path: Sequence[Path] = (), tool_cache: Path | None = None,
                  env: Mapping[str, str] | None = None, timeout: float = 60) -> Result:
    """Run every step of `folder/action.yml` in order, stopping at the first that fails."""
    meta = action(folder)
    declared = meta.get("inputs") or {}
    given = dict(inputs or {})
    assert not set(given) - set(declared), f"inputs not declared: {set(given) - set(declared)}"
    values = {name: given.get(name, str(spec.get("default", "")))
              for name, spec in declared.items()}
    files = tmp_path / "file_commands"
    files.mkdir(parents=True, exist_ok=True)
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    runner = {
        "PATH": os.pathsep.join(str(p) for p in path),
        "HOME": str(tmp_path),
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_ACTION_PATH": str(ROOT / folder),
        "GITHUB_STEP_SUMMARY": str(files / "step_summary"),
        "RUNNER_TEMP": str(tmp_path / "runner_temp"),
        **({"RUNNER_TOOL_CACHE": str(tool_cache)} if tool_cache else {}),
        **(env or {}),
    }
    stdout, stderr, rc = "", "", 0
    step_outputs: dict[str, dict[str, str]] = {}
    for number, step in enumerate(bash_steps(meta)):
        script = tmp_path / f"step_{number}.sh"
        script.write_text(step["run"])
        output = files / f"set_output_{number}"
        output.touch()
        done = subprocess.run([BASH, "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              env={**runner, **step_env(step, values),
                                   "GITHUB_OUTPUT": str(output)},
                              cwd=workspace, capture_output=True, text=True, timeout=timeout,
                              check=False)
        stdout, stderr, rc = stdout + done.stdout, stderr + done.stderr, done.returncode
        step_outputs[str(step.get("id", number))] = parse_outputs(output.read_text())
        if rc:
            break
    outputs = {}
    for name, spec in (meta.get("outputs") or {}).items():
        match = STEP_OUTPUT.fullmatch(str(spec["value"]).strip())
        assert match, f"output {name}: expected ${{{{ steps.ID.outputs.NAME }}}}"
        value = step_outputs.get(match.group(1), {}).get(match.group(2))
        if value is not None:
            outputs[name] = value
    summary = files / "step_summary"
    return Result(rc=rc, stdout=stdout, stderr=stderr, outputs=outputs,
                  summary=summary.read_text() if summary.exists() else "")


def bare_python(target: Path) -> Path:
    """A Python 3.11+ with no site-packages of its own: a venv made without pip, nothing in it."""
    venv.create(target, with_pip=False, symlinks=os.name != "nt")
    return target / ("Scripts" if os.name == "nt" else "bin")


def can_import(python: Path, module: str, *flags: str) -> bool:
    done = subprocess.run([str(python), *flags, "-c", f"import {module}"], capture_output=True,
                          env={}, check=False)
    return done.returncode == 0
