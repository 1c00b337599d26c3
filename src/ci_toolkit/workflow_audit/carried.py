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
from dataclasses import dataclass, field

from ci_toolkit.workflow_audit.expressions import untrusted_fields
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
# Commands that fetch what outsiders wrote: issues, pull requests, their comments, discussions.
_FETCH = re.compile(
    r"\bgh\s+(?:pr|issue)\s+(?:view|list)\b|\bgh\s+search\s+(?:issues|prs)\b"
    r"|\bgh\s+api\b[^\n|;]*(?:pulls|issues|discussions|comments|graphql)"
    r"|\bcurl\b[^\n|;]*/(?:pulls|issues|discussions|comments)\b")
FETCHED = "text of issues or pull requests the job fetched itself (title, body, branch)"
# What the fetch keeps: `--json a,b`, and the filter (`--jq`, `-q`, `| jq -r`) applied to it.
_JSON_FIELDS = re.compile(r"--json[ =]+([\w,]+)")
_FILTER = re.compile(r"(?:--jq|\s-q|\bjq(?:\s+-[-\w]+)*)[ =]+('[^']*'|\"[^\"]*\"|[^\s|;)]+)")
_OUTSIDER_FIELD = re.compile(r"\b(?:title|body|headRefName|ref|label|message|comments?|files?|"
                             r"filename|path|description|text)\b")
# Writing a file: `> f`, `>> f`, `tee f`, `-o f`, `--output f` (not $GITHUB_* files).
_TO_FILE = re.compile(r"(?:>>?|\btee\s+(?:-a\s+)?|\s-o\s+|--output[ =])\s*[\"']?"
                      r"(?!\$\{?GITHUB_|/dev/|&)([\w./${}-]+)")
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
    files: dict[str, str] = field(default_factory=dict)  # file written → the outsider text in it


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
    files: dict[str, str] = {}
    group: list[str] | None = None  # the lines of a `{ ... } >> "$GITHUB_OUTPUT"` group
    block: _Block | None = None
    for line in logical_lines(script):
        target = _FILE.search(line)
        for name in validated(line):  # checked against a strict pattern: no longer free text
            assigned[name] = VALIDATED
        if (match := _ASSIGN.match(line)) and not target:
            assigned[match.group(1)] = match.group(2)
        if not target and (written := _TO_FILE.search(line)):
            what = _shell_value(line, assigned, env).outsider or (
                "a title or body an outsider wrote" if untrusted_fields(
                    substituted(line, assigned, env)) else "")
            if what:
                files[written.group(1).strip("'\"")] = what
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
    return Writes(found["GITHUB_OUTPUT"], found["GITHUB_ENV"], files)


def assignments(script: str) -> dict[str, str]:
    """The script's `VAR=value` assignments (and strict checks: `VALIDATED`), last one wins."""
    assigned: dict[str, str] = {}
    for line in logical_lines(script):
        for name in validated(line):
            assigned[name] = VALIDATED
        if (match := _ASSIGN.match(line)) and not _FILE.search(line):
            assigned[match.group(1)] = match.group(2)
    return assigned


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


def substituted(text: str, assigned: dict[str, str], env: dict[str, str]) -> str:
    for _ in range(3):  # `$VAR` and `${VAR}` replaced by what the script or `env:` put there
        text = _VAR.sub(lambda m: assigned.get(m.group(1), env.get(m.group(1), m.group(0))),
                        text)
    return text


def _shell_value(text: str, assigned: dict[str, str], env: dict[str, str]) -> Carried:
    text = substituted(text, assigned, env)
    outsider = FILE_NAMES if _PR_DIFF.search(text) else fetched(text)
    return Carried(text, outsider=outsider, reads_files=bool(_READS_FILE.search(text)),
                   git_history=bool(_GIT_DIFF.search(text)))


def fetched(text: str) -> str:
    """`FETCHED` when a command in `text` reads issues or pull requests through the API and
    keeps text an outsider wrote: everything, or the fields its `--json`/`jq` filter names."""
    for line in text.splitlines():
        fetch = _FETCH.search(line)
        if fetch is None:
            continue
        rest = line[fetch.start():]
        fields = _JSON_FIELDS.findall(rest)
        filters = _FILTER.findall(rest)
        if fields and not any(_OUTSIDER_FIELD.search(f) for f in fields):
            continue  # `--json number,state`: nothing an outsider wrote
        if filters and not any(_OUTSIDER_FIELD.search(f) for f in filters):
            continue  # `| jq -r .number`
        return FETCHED
    return ""


# A check that stops the step unless the value matches a strict pattern: anchored at both
# ends, built of character classes without spaces or quotes (`^[0-9a-f]{40}$`, `^[0-9]+$`),
# or a numeric test. GitHub runs `bash -e`, so a failed `[[ ]]` or `grep -q` ends the step.
VALIDATED = "validated"
_STRICT = re.compile(r"\^(?:\[[\w.\-]+\]|\\d|\\w|[\w-]|\\\.|[(|)]|[+*?]|\{\d+(?:,\d*)?\})+\$")
_MATCH_TEST = re.compile(r"\[\[\s+[\"']?\$\{?(\w+)\}?[\"']?\s+=~\s+[\"']?(\S+?)[\"']?\s+\]\]")
_GREP_TEST = re.compile(r"\$\{?(\w+)\}?[\"']?\s*\|\s*grep\s+-[a-zA-Z]*[Eq][a-zA-Z]*\s+"
                        r"(?:-[a-zA-Z]+\s+)*['\"]?([^'\"\s]+)")
_NUMERIC_TEST = re.compile(r"\[\[?\s+[\"']?\$\{?(\w+)\}?[\"']?\s+-(?:eq|ne|gt|ge|lt|le)\s")


_CHECK_COMMANDS = ("[[", "[ ", "test ", "echo ", "printf ", "grep ")


def validated(line: str) -> list[str]:
    """Variables a line checks against a strict pattern (or as a number), as a command of its
    own that ends the step when it fails (`bash -e`): alone, or `|| exit 1`. Inside an `if`
    or an `&&` list a failed check ends nothing, so it clears nothing."""
    if "=~" not in line and "grep" not in line and " -" not in line:
        return []
    if not line.startswith(_CHECK_COMMANDS) or "&&" in line:
        return []
    _, fails, fallback = line.partition("||")
    if fails and not re.search(r"\b(?:exit|return)\b", fallback):
        return []
    names = [m.group(1) for m in _NUMERIC_TEST.finditer(line)]
    names += [m.group(1) for pattern in (_MATCH_TEST, _GREP_TEST) for m in pattern.finditer(line)
              if _STRICT.fullmatch(m.group(2))]
    return names


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
