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
from ci_toolkit.runtime import InputError, Runtime

COMMANDS = {
    "coverage-soft-gate": "Summarise every job's coverage into one tracking issue (never fails).",
    "job-logs": "List every job of a run with its result and a link to its log.",
    "ci-gate": "One required check over `needs`; fails closed.",
    "bulk-issues": "Create issues from pasted Markdown, once.",
    "autofix-guard": "Say whether this run was caused by an autofix commit.",
    "draft-toggle": "Open a branch and a pull request when an issue gets the agent label.",
    "workflow-audit": "Find pull_request_target/workflow_run workflows that run PR code.",
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
    parser = argparse.ArgumentParser(prog=f"ci-toolkit {command}", description=COMMANDS[command])
    for spec in module.INPUTS:
        default = "(secret)" if spec.secret else repr(spec.default)
        extra: dict[str, Any] = {"nargs": "?", "const": "true"} if spec.boolean else {}
        parser.add_argument(f"--{spec.name}", dest=spec.name, metavar="VALUE",
                            help=f"default {default}", **extra)
    return parser


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
