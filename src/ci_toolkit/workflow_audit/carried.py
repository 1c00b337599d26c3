"""What a step hands to later steps: its outputs (`$GITHUB_OUTPUT`, github-script's `result`
and `core.setOutput`) and the variables it adds to `$GITHUB_ENV` (`core.exportVariable`).

Each value is a `Carried`: the text it is made from, with the script's own variables and the
step's `env:` put in (so trust can follow `${{ }}` expressions in it further), and what the
text alone tells: the pull request's code or its outsiders' text. Not a shell or JavaScript
parser: `echo name=value >> "$GITHUB_OUTPUT"` (also in `{ ...; } >>` groups and `name<<EOF`
blocks), `VAR=$(...)` assignments, and `return`/`setOutput`/`exportVariable` with `const`
definitions — the shapes CI scripts use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ci_toolkit.workflow_audit.shell import logical_lines
from ci_toolkit.workflow_audit.workflow import Step

FILE_NAMES = "file names or commits from a diff of the pull request"
ANY = "*"  # a write whose name the audit cannot read: it may be any output of the step

_FILE = re.compile(r"(?:>>?|\btee\s+(?:-a\s+)?)\s*[\"']?\$\{?(GITHUB_OUTPUT|GITHUB_ENV)\}?[\"']?")
_NAMED = re.compile(r"""^(?:echo|printf)\s+(?:-[a-z]+\s+)*["']?([A-Za-z_][\w-]*)(=|<<)(.*)$""")
_ASSIGN = re.compile(r"^(?:export\s+|local\s+|declare\s+)?([A-Za-z_]\w*)=(.*)$")
_VAR = re.compile(r"\$\{?([A-Za-z_]\w*)\}?")

# Shell commands whose output an outsider writes: file names or commits of the pull request.
# `git diff`/`git log` list them only once the job has fetched the pull request's commits.
_GIT_DIFF = re.compile(r"\bgit\s+(?:diff|diff-tree|show|log)\b")
_PR_DIFF = re.compile(r"\bgh\s+pr\s+diff\b|/pulls/[^\s/]+/(?:files|commits)")
_PR_VIEW = re.compile(r"\bgh\s+(?:pr\s+view|api\s+\S*(?:pulls|issues))\b(?![^\n]*--json\s+"
                      r"(?:number|state|url|isDraft|mergeable|id)(?:\s|$))")
_READS_FILE = re.compile(r"\$\(\s*<|\bcat\s+\S|\bjq\b[^|]*\s[\w./-]+\.json\b|\bhead\s+-|"
                         r"\btail\s+-|\bread\s+-r?\s*\w+\s*<")

# github-script: a script that reads a pull request or the event's outsider text.
_JS_READS_PR = re.compile(r"pulls\.(?:get|list)|pullRequest|payload\.pull_request|/pulls/|"
                          r"pulls\.listFiles|issue\.pull_request", re.I)
_JS_CODE = re.compile(r"\.head\.(?:sha|ref|repo)\b|headRefOid|headRefName|headRepository|"
                      r"merge_commit_sha")
_JS_TEXT = (
    ("the pull request's branch name", re.compile(r"\.head\.(?:ref|label)\b|headRefName")),
    ("file names of the pull request", re.compile(r"listFiles|\.filename\b|/files\b")),
    ("a title or body an outsider wrote",
     re.compile(r"\.(?:title|body)\b|comment\.body|commit\.message|\.message\b")),
)
_JS_RETURN = re.compile(r"\breturn\s+([^;\n]+)")
_JS_SET = re.compile(r"core\.(setOutput|exportVariable)\(\s*['\"`]([\w-]+)['\"`]\s*,\s*"
                     r"([^;\n]+?)\)\s*;?\s*$", re.M)
_JS_CONST = re.compile(r"\b(?:const|let|var)\s+(\{[^}]*\}|\w+)\s*=\s*([^;\n]+)")


@dataclass(frozen=True)
class Carried:
    """One output or `$GITHUB_ENV` variable, as far as the step's text tells."""

    source: str  # the text it is made from (expressions kept, for trust to follow)
    pr_code: bool = False  # names the pull request's code (github-script: its head)
    outsider: str = ""  # the outsider text it carries, described; "" when none is known
    reads_files: bool = False  # made from file contents: outsider text if PR files are there
    git_history: bool = False  # made by git diff/log: outsider text if PR commits are there
    script: bool = False  # a github-script value (JavaScript), read with `fromJSON(...).x`


@dataclass(frozen=True)
class Writes:
    outputs: dict[str, Carried]
    env: dict[str, Carried]


def writes(step: Step) -> Writes:
    if step.script:
        return _script_writes(step.script)
    if step.run:
        return _shell_writes(step.run, step.env())
    return Writes({}, {})


@dataclass
class _Block:
    """An open `name<<DELIMITER` value: the commands writing to the file until the delimiter."""

    file: str
    name: str
    delimiter: str
    commands: list[str]


def _shell_writes(script: str, env: dict[str, str]) -> Writes:
    found: dict[str, dict[str, Carried]] = {"GITHUB_OUTPUT": {}, "GITHUB_ENV": {}}
    assigned: dict[str, str] = {}
    group: list[str] | None = None  # the lines of a `{ ... } >> "$GITHUB_OUTPUT"` group
    block: _Block | None = None
    for line in logical_lines(script):
        target = _FILE.search(line)
        if (match := _ASSIGN.match(line)) and not target:
            assigned[match.group(1)] = match.group(2)
        if line in {"{", "("}:
            group = []
            continue
        if group is not None and not line.startswith(("}", ")")):
            group.append(line)
            continue
        commands = group if group is not None else [line[: target.start()]] if target else []
        group = None
        if target is None:
            continue
        for command in commands:
            block = _record(found[target.group(1)], target.group(1), command.strip(), block,
                            assigned, env)
    return Writes(found["GITHUB_OUTPUT"], found["GITHUB_ENV"])


def _record(into: dict[str, Carried], file: str, command: str, block: _Block | None,
            assigned: dict[str, str], env: dict[str, str]) -> _Block | None:
    """One command writing to the file; returns the `name<<EOF` block still open, if any."""
    named = _NAMED.match(command)
    if named and named.group(2) == "<<":
        return _Block(file, named.group(1), named.group(3).strip("'\" "), [])
    if block is not None and block.file == file:
        if re.fullmatch(rf"(?:echo|printf)\s+[\"']?{re.escape(block.delimiter)}[\"']?", command):
            into[block.name] = _shell_value("\n".join(block.commands), assigned, env)
            return None
        block.commands.append(command)
        return block
    if named:
        into[named.group(1)] = _shell_value(named.group(3), assigned, env)
    else:
        into.setdefault(ANY, _shell_value(command, assigned, env))
    return block


def _shell_value(text: str, assigned: dict[str, str], env: dict[str, str]) -> Carried:
    for _ in range(3):  # `$VAR` and `${VAR}` replaced by what the script or `env:` put there
        text = _VAR.sub(lambda m: assigned.get(m.group(1), env.get(m.group(1), m.group(0))),
                        text)
    outsider = ""
    if _PR_DIFF.search(text):
        outsider = FILE_NAMES
    elif _PR_VIEW.search(text):
        outsider = "the pull request's own fields (title, body, branch, files)"
    return Carried(text, outsider=outsider, reads_files=bool(_READS_FILE.search(text)),
                   git_history=bool(_GIT_DIFF.search(text)))


def _script_writes(script: str) -> Writes:
    consts = _consts(script)
    outputs: dict[str, Carried] = {}
    env: dict[str, Carried] = {}
    returned = [m.group(1) for m in _JS_RETURN.finditer(script)]
    if returned:
        outputs["result"] = _script_value(" || ".join(returned), consts, script)
    for call, name, value in _JS_SET.findall(script):
        into = outputs if call == "setOutput" else env
        into[name] = _script_value(value, consts, script)
    return Writes(outputs, env)


def _consts(script: str) -> dict[str, str]:
    """`const x = ...` and `const { data: pr } = ...` definitions, by name."""
    found: dict[str, str] = {}
    for target, value in _JS_CONST.findall(script):
        if target.startswith("{"):
            for part in target.strip("{} ").split(","):
                key, _, alias = part.partition(":")
                found[(alias or key).strip()] = f"{value}.{key.strip()}"
        else:
            found[target] = value
    return found


def _script_value(expression: str, consts: dict[str, str], script: str) -> Carried:
    text = expression
    for _ in range(3):
        text = re.sub(r"\b([A-Za-z_]\w*)\b", lambda m: f"({consts[m.group(1)]})"
                      if m.group(1) in consts else m.group(0), text)
    return script_value(text, script)


def script_value(text: str, script: str) -> Carried:
    """A github-script value (`text` may end in an accessor, `.head.ref`): PR code when it
    is the head of a pull request the script read, outsider text when it is its text."""
    if not _JS_READS_PR.search(script) and "payload" not in text:
        return Carried(text, script=True)
    outsider = next((what for what, pattern in _JS_TEXT if pattern.search(text)), "")
    return Carried(text, pr_code=bool(_JS_CODE.search(text)), outsider=outsider, script=True)
