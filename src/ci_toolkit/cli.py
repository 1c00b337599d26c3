"""`ci-toolkit <command> [--input-name VALUE ...]`: the Docker entry point and the local CLI.

Each command is `ci_toolkit.<command>.command`, a module that declares `INPUTS`, `SOFT` and `run()`.
Modules are imported only when their command runs, so `--version` imports no PyGithub.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import ci_toolkit
from ci_toolkit.runtime import Input, InputError, Runtime

COMMANDS = {  # what each command is for: its action.yml's description (tests compare them)
    "coverage-soft-gate": ("Every test job's coverage (coverage.py JSON, Cobertura, LCOV) in one "
                           "tracking issue with a trend. Never fails the build."),
    "job-logs": ("List every job of a run (all pages, matrix legs, reusable-workflow jobs) with "
                 "its result and a link to its log."),
    "ci-gate": ("One required check for a whole run: fails unless every needed job passed its "
                "policy (fails closed)."),
    "bulk-issues": ("Create many issues from one Markdown text (## Title, Labels: line, body), "
                    "once: a second run creates nothing new."),
    "autofix-guard": ("Say whether this run was caused by an autofix commit, so an autofix job can "
                      "skip itself and never loop."),
    "draft-toggle": ("Agent lane: open a branch and pull request for a labelled issue, once; set "
                     "agents' own PRs draft or ready."),
    "workflow-audit": ("Find pull_request_target/workflow_run jobs that run pull-request code, "
                       "leak their token or expand outsider text."),
}

EXIT_INPUT_ERROR = 2


def load(command: str) -> ModuleType:
    return importlib.import_module(f"ci_toolkit.{command.replace('-', '_')}.command")


def _top_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ci-toolkit",
        description="GitHub Actions in Python. Run a command as `ci-toolkit COMMAND --help`.",
        epilog="\n".join(f"  {name:<20} {text}" for name, text in COMMANDS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version",
                        version=f"ci-toolkit {ci_toolkit.__version__}")
    parser.add_argument("command", choices=sorted(COMMANDS), metavar="COMMAND")
    return parser


def _command_parser(command: str, module: ModuleType) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"ci-toolkit {command}", description=COMMANDS[command],
        epilog="Each input can also be given as its INPUT_* variable, as the runner does; a flag "
               "wins over the variable, which wins over the default.")
    for spec in module.INPUTS:
        extra: dict[str, Any] = {"nargs": "?", "const": "true"} if spec.boolean else {}
        metavar = "|".join(spec.choices) if spec.choices else "VALUE"
        parser.add_argument(f"--{spec.name}", dest=spec.name, metavar=metavar,
                            help=input_help(spec).replace("%", "%%"), **extra)
    return parser


def input_help(spec: Input) -> str:
    """What `--help` says of an input: its action.yml words, the values it takes, its default
    and its runner variable."""
    parts = [spec.description.rstrip(".") + "." if spec.description else ""]
    if spec.accepted:
        parts.append(f"One of: {', '.join(spec.accepted)}.")
    if spec.secret:
        parts.append("Default: the workflow's token; run by hand: $GITHUB_TOKEN or $GH_TOKEN.")
    else:
        parts.append(f"Default: {spec.default!r}." if spec.default else "Default: empty.")
    parts.append(f"Variable: {spec.variable}.")
    return " ".join(part for part in parts if part)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    # The runner passes `args: [command]`; anything before the command is a top-level flag.
    if not args or args[0].startswith("-") or args[0] not in COMMANDS:
        _top_parser().parse_args(args)  # prints help/version/usage and exits
        return EXIT_INPUT_ERROR
    command, rest = args[0], args[1:]
    module = load(command)
    flags = {k: v for k, v in vars(_command_parser(command, module).parse_args(rest)).items()
             if v is not None}
    runtime = Runtime.create(module.INPUTS, flags)
    try:
        return int(module.run(runtime))
    except InputError as exc:
        runtime.log.error(f"Invalid {exc}")
        return EXIT_INPUT_ERROR
    except Exception as exc:  # the last line of defence: soft actions stay soft
        message = f"{command} stopped on an unexpected error: {type(exc).__name__}: {exc}"
        if module.SOFT:
            runtime.log.warning(message)
            return 0
        runtime.log.error(message)
        return 1


if __name__ == "__main__":
    sys.exit(main())
