"""Reading `run:` scripts well enough to see what executes, what checks out and what unpacks.

Not a shell parser: scripts are split into simple commands at `&&`, `||`, `;`, `|` and `$(`,
and each command's first word decides. That is enough for CI scripts, and errs towards
"executes" for anything that starts a build tool or a file from the tree.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import lru_cache
from itertools import takewhile

from ci_toolkit.workflow_audit.expressions import EXPRESSION, PR_REF

# Tools that run code or config from the directory they work in.
BUILD_TOOLS = frozenset({
    "make", "cmake", "ninja", "meson", "bazel", "scons", "npm", "npx", "pnpm", "yarn", "bun",
    "deno", "node", "python", "python3", "uv", "uvx", "poetry", "pdm", "hatch", "tox", "nox",
    "pytest", "go", "cargo", "gradle", "mvn", "dotnet", "bundle", "rake", "ruby", "perl", "php",
    "composer", "mise", "just", "task", "pre-commit", "mix", "swift", "sbt", "ant", "cabal",
    "stack", "rustc", "tsc", "jest", "vitest", "playwright", "source", ".",
})
SHELLS = frozenset({"bash", "sh", "zsh", "dash", "pwsh"})
DATA_SUBCOMMANDS = {"npm": {"view", "info", "whoami", "config"}, "go": {"version", "env"},
                    "docker": set(), "pip": set()}
WRAPPERS = frozenset({"sudo", "time", "env", "exec", "nohup", "timeout", "xargs"})
SPLIT = re.compile(r"&&|\|\||;|\||\$\(|`|\bthen\b|\bdo\b|\belse\b")
_QUOTING = re.compile(r"[\"'\\#]")
ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def logical_lines(script: str) -> list[str]:
    """Lines with backslash continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", script)
    return [line for line in (raw.strip() for raw in joined.splitlines())
            if line and not line.startswith("#")]


Words = tuple[str, ...]


@lru_cache(maxsize=4096)
def commands(script: str) -> tuple[Words, ...]:
    """Each simple command as words, wrappers (`sudo`, `VAR=x`) skipped.

    A `${{ }}` expression stays one word, as it is one value once GitHub has replaced it:
    its spaces, `||` and quotes neither split the command nor end a word. Cached: splitting
    is most of the audit's time, and several rules read the same script.
    """
    found = []
    for line in logical_lines(script):
        for part in SPLIT.split(EXPRESSION.sub(_hide, line)):
            words = [word.translate(_SHOWN) for word in _words(part)]
            while words and (words[0] in WRAPPERS or ASSIGN.match(words[0])):
                words = words[1:]
            if words:
                found.append(tuple(words))
    return tuple(found)


# Characters that the splitting above would act on, swapped out inside expressions and back.
_HIDDEN = str.maketrans({"|": "\x01", "&": "\x02", ";": "\x03", "`": "\x04", "'": "\x05",
                         '"': "\x06", "(": "\x07", "#": "\x08"})
_SHOWN = {ord(hidden): chr(shown) for shown, hidden in _HIDDEN.items()}


def _hide(match: re.Match[str]) -> str:
    return "${{" + "".join(match.group(1).split()).translate(_HIDDEN) + "}}"


def _words(text: str) -> list[str]:
    if not _QUOTING.search(text):
        return text.split()  # what shlex gives without quotes, escapes or comments, faster
    try:
        return shlex.split(text, comments=True)
    except ValueError:
        return text.split()


def executes(script: str, shell: str = "") -> bool:
    """Does the script start code or config that lives in the working tree?"""
    if shell.split(" ")[0] in {"python", "node", "pwsh", "perl", "ruby"}:
        return True  # inline code, but its interpreter imports from the working directory
    return any(_runs_code(words) for words in commands(script))


SCRIPT_RUNNERS = frozenset({"python", "python3", "node", "ruby", "perl", "php", "deno", "bun",
                            "source", ".", *SHELLS})
INLINE = frozenset({"-m", "-c", "-e", "--eval", "-p", "--print", "-r", "--require"})


@dataclass(frozen=True)
class CodeRun:
    """One command that runs code: the directory it runs in (`cd` followed, relative to the
    step's directory unless rooted) and the file it runs there ("" when it reads the
    directory's own config or modules: a build tool, `python -m`)."""

    cwd: str
    file: str
    words: Words


@lru_cache(maxsize=4096)
def code_runs(script: str, shell: str = "") -> tuple[CodeRun, ...]:
    """Every command of the script that runs code, with where that code is: a base-branch
    script run inside the pull request's folder (`python ../ci/check.py`) runs the base's
    code; plain `git` runs none."""
    if shell.split(" ")[0] in {"python", "node", "pwsh", "perl", "ruby"}:
        return (CodeRun("", "", ()),)  # inline code importing from the working directory
    found = []
    cwd = ""
    for words in commands(script):
        if words[0] in {"cd", "pushd"} and len(words) > 1:
            cwd = words[1] if _rooted(words[1]) else f"{cwd}/{words[1]}" if cwd else words[1]
        elif _runs_code(words):
            found.append(CodeRun(cwd, _code_file(words), words))
    return tuple(found)


def _rooted(path: str) -> bool:
    return path.startswith(("/", "~", "$"))


def _code_file(words: Words) -> str:
    """The script file a command runs (`python ci/x.py`, `./build.sh`); "" for the folder."""
    head = words[0].rsplit("/", 1)[-1]
    if head in SCRIPT_RUNNERS and words[0] not in {"./", "../"}:
        options = list(takewhile(lambda arg: arg.startswith("-"), words[1:]))
        operands = words[1 + len(options):]
        if set(options) & INLINE or any(o[1:2] == "c" for o in options if head in SHELLS):
            return ""
        return operands[0] if operands and ("/" in operands[0] or "." in operands[0]) else ""
    return words[0] if "/" in words[0] else ""


def _runs_code(words: Words) -> bool:
    head = words[0].rsplit("/", 1)[-1] if words[0].startswith("/") else words[0]
    rest = words[1:]
    if head in BUILD_TOOLS:
        return not (rest and rest[0] in DATA_SUBCOMMANDS.get(head, set()))
    if head in SHELLS:
        options = list(takewhile(lambda arg: arg.startswith("-"), rest))
        operands = rest[len(options):]
        if any(not o.startswith("--") and "c" in o.lower() for o in options):
            return bool(operands) and executes(operands[0])  # `bash -c 'make test'`
        return bool(operands)  # `bash script.sh`
    if head in {"pip", "pip3"}:
        return any(arg in {"-r", "-e", "."} or arg.startswith((".", "/", "-r", "-e"))
                   for arg in rest)
    if head in {"docker", "podman"}:
        return bool(set(rest[:2]) & {"build", "buildx", "compose"})
    # ./script, bin/tool, gradlew: a file of the working tree started as a program
    return words[0].startswith(("./", "../", *WORKSPACE_PREFIXES)) or (
        "/" in words[0] and not words[0].startswith(("/", "$", "~")))


WORKSPACE_PREFIXES = ("${{github.workspace}}/", "${{ github.workspace }}/", "$GITHUB_WORKSPACE/",
                      "${GITHUB_WORKSPACE}/")


def mentions_path(text: str, path: str) -> bool:
    """Does the text name `path` as a path (`./p`, `../p`, `p/...`), not just the word?"""
    if not path:
        return False
    p = re.escape(path.strip("/"))
    start = r"(?:^|[\s\"'=:(,])"
    pattern = rf"{start}(?:\.{{1,2}}/)+{p}(?=/|[\"'\s),]|$)|{start}{p}/"
    return re.search(pattern, text, re.M) is not None


def git_checkouts(script: str, pr_vars: set[str]) -> list[list[str]]:
    """PR code written into the working tree by git or gh: one entry per command, holding
    the paths limited to (`git checkout <sha> -- paths`), empty for the whole tree."""
    found: list[list[str]] = []
    fetched = set()  # what names the fetched PR commit: FETCH_HEAD, `src:dst` branches
    for words in commands(script):
        if words[:3] == ("gh", "pr", "checkout"):
            found.append([])
            continue
        if words[0] != "git":
            continue
        sub, args = _git_subcommand(words[1:])
        tainted = [arg for arg in args if _is_pr_value(arg, pr_vars)]
        if sub == "fetch" and tainted:
            # Objects and refs only, nothing on disk yet; a later checkout of them is.
            fetched.add("FETCH_HEAD")
            fetched.update(_local_branch(arg) for arg in tainted if ":" in arg)
        elif sub in {"checkout", "switch", "reset", "merge", "pull", "cherry-pick", "rebase",
                     "restore"} and (tainted or fetched & {_local_branch(a) for a in args}):
            found.append(list(args[args.index("--") + 1:]) if "--" in args else [])
    return found


def _local_branch(ref: str) -> str:
    """`pr` for `pull/1/head:pr`, `+refs/pull/1/head:refs/heads/pr`, `pr` or `refs/heads/pr`."""
    return ref.rsplit(":", 1)[-1].removeprefix("refs/heads/")


def _git_subcommand(args: Words) -> tuple[str, Words]:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in {"-c", "-C"} else 1
    return (args[i], args[i + 1:]) if i < len(args) else ("", ())


def _is_pr_value(arg: str, pr_vars: set[str]) -> bool:
    if PR_REF.search(arg):
        return True
    names = re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", arg)
    return any(name in pr_vars for name in names)


def extractions(script: str) -> list[str]:
    """Folders that `unzip`, `tar x` or `gh run download` unpack into (relative to the step's
    directory; "" for the directory itself). Folders outside the workspace are left out."""
    found: list[str] = []
    cwd = ""
    for words in commands(script):
        if words[0] == "cd" and len(words) > 1:
            cwd = words[1]
        target = _extraction_target(words)
        if target is None:
            continue
        target = target if target.startswith("/") or target.startswith("$") else \
            "/".join(p for p in (cwd, target) if p and p != ".")
        if not outside_workspace(target):
            found.append(target)
    return found


def _extraction_target(words: Words) -> str | None:
    head, args = words[0], words[1:]
    if head == "unzip":
        return _option(args, "-d") or ""
    if head == "tar" and args and "x" in args[0].lstrip("-"):
        return _option(args, "-C") or ""
    if words[:3] == ("gh", "run", "download"):
        return _option(args, "-D") or _option(args, "--dir") or ""
    return None


def _option(args: Words, flag: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == flag and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(flag) and len(arg) > len(flag) and flag.startswith("-d"):
            return arg[len(flag):]
    return None


# `<<EOF` / `<<-EOF` whose delimiter is not quoted: the shell expands `$VAR` and `$(…)` in it.
_HEREDOC = re.compile(r"(?<!<)<<-?\s*([A-Za-z_]\w*)\b")
INTERPRETERS = frozenset({"bash", "sh", "zsh", "dash", "python", "python3", "node", "ruby",
                          "perl", "pwsh", "php", "deno", "bun", "eval"})
_CODE_FILE = re.compile(r">\s*[\"']?[\w./${}-]+\.(?:sh|bash|py|js|mjs|cjs|ts|rb|pl|ps1|php)\b")


def code_heredocs(script: str) -> list[tuple[str, list[str]]]:
    """Unquoted heredocs that become code: fed to an interpreter (`bash <<EOF`, `python3 -
    <<EOF`) or written to a script file (`cat > run.sh <<EOF`). Each as (its command line,
    its body lines)."""
    found = []
    lines = script.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        match = _HEREDOC.search(line)
        index += 1
        if match is None or line.lstrip().startswith("#"):
            continue
        delimiter = match.group(1)
        body = _until(lines, index, delimiter)
        words = line[: match.start()].split()
        head = words[0].rsplit("/", 1)[-1] if words else ""
        if head in INTERPRETERS or (head in {"cat", "tee"} and _CODE_FILE.search(line)):
            found.append((line.strip(), body))
        index += len(body) + 1
    return found


def _until(lines: list[str], start: int, delimiter: str) -> list[str]:
    """The lines from `start` up to the delimiter's (not copying the rest: scripts are long)."""
    end = start
    while end < len(lines) and lines[end].strip() != delimiter:
        end += 1
    return lines[start:end]


def outside_workspace(path: str) -> bool:
    return path.startswith(("/", "~", "$RUNNER_TEMP", "${RUNNER_TEMP}", "${{ runner.temp",
                            "${{runner.temp", "$HOME", "${HOME}"))
