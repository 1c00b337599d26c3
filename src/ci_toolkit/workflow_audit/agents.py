"""`ai-agent-untrusted-input`: an AI coding agent in a privileged job, fed what outsiders wrote.

An agent (Claude Code, Codex, Gemini CLI, Copilot CLI, …) reads its working tree's own
configuration and instructions — some of which run commands — and holds the job's token,
its secrets and its tools. Under `pull_request_target`, `workflow_run`, `issue_comment` —
or `issues` and `discussion*`, which anyone can start too — it is exposed when:

- the pull request's code is on disk where it works (a checkout of the head at the root);
- its prompt holds outsider text (a comment, a title, a branch name, values that carry them),
  or names an `env:` variable or a file an earlier step wrote that holds it;
- its own check that whoever started the run may write to the repository is switched off
  (`allowed_non_write_users: '*'`, `allowed_bots: '*'`, `allow-users: '*'`) while it reads
  the event on its own.

On `schedule`/`workflow_dispatch` it is exposed when it (or an earlier step of its job)
fetches outsiders' issues or pull requests itself and its token can write.

Without any of these it stays quiet: the documented safe shapes (the base checked out, the
pull request in a subfolder as data, a fixed prompt) are not findings, nor is an agent whose
own write-access check refuses outsiders when the one who starts the run wrote all it reads.
An exposed agent that can run commands (Bash allowed, a prefix grant of a general command
such as `Bash(gh api:*)`, `danger-full-access`, `--yolo` …) is an error; one held to its
default tools a warning, a note with a read-only token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ci_toolkit.workflow_audit import shell
from ci_toolkit.workflow_audit.checkout import Landing, lowered, norm, workdir
from ci_toolkit.workflow_audit.expressions import expressions, gates, untrusted_fields
from ci_toolkit.workflow_audit.model import (
    Finding,
    Piece,
    Quoted,
    Related,
    Rule,
    Severity,
    quoted_list,
)
from ci_toolkit.workflow_audit.trust import Trust, names_file
from ci_toolkit.workflow_audit.workflow import Job, Step, Workflow

AI_AGENT = Rule(
    "ai-agent-untrusted-input", "error",
    "An AI coding agent in a privileged job works on pull-request code or outsider text",
    "Under pull_request_target, workflow_run, issue_comment, issues or discussion* — or on a "
    "schedule, when it fetches outsiders' issues itself — the agent holds the job's token, "
    "secrets and tools, and follows what it reads: the checkout's own configuration and "
    "instructions (some run commands) and any outsider text in its prompt, in the `env:` "
    "variables the prompt names or in files it is told to read. A tool grant such as "
    "`Bash(gh api:*)` runs any command line starting so. Run it on "
    "`pull_request` (no secrets, read-only token), keep the pull request's tree and outsider "
    "text out of it, or keep its own restrictions on: its write-access check on whoever "
    "triggered the run, no Bash / a read-only sandbox, a read-only token.",
    "Run the agent on `pull_request` with a read-only token, or check out the base (the pull "
    "request into a subfolder, as data), keep outsider text out of the prompt, and keep the "
    "agent's own limits: its write-access check, no shell tool, a read-only sandbox.")
RULES = (AI_AGENT,)


@dataclass(frozen=True)
class Agent:
    """What the audit knows of one agent action."""

    action: str
    prompts: tuple[str, ...]  # inputs that become the prompt
    checks_writers: bool  # refuses runs started by users without write access
    reads_event: bool  # reads the comment / issue / pull request on its own
    bypass: tuple[str, ...] = ()  # inputs that open the writer check to everyone with '*'


AGENTS = (
    Agent("anthropics/claude-code-action", ("prompt", "direct_prompt", "override_prompt",
                                            "custom_instructions"), True, True,
          ("allowed_non_write_users", "allowed_bots")),
    Agent("anthropics/claude-code-base-action", ("prompt",), False, False),
    Agent("openai/codex-action", ("prompt",), True, False, ("allow-users",)),
    Agent("google-github-actions/run-gemini-cli", ("prompt",), False, False),
    Agent("sst/opencode/github", ("prompt",), False, False),
    Agent("actions/ai-inference", ("prompt",), False, False),
)
# Agent command lines in `run:` scripts, and the flags that let them run any command.
CLIS = {"claude": r"--dangerously-skip-permissions|bypassPermissions",
        "codex": r"--dangerously-bypass-approvals-and-sandbox|--yolo|danger-full-access",
        "gemini": r"--yolo|(?:^|\s)-y(?:\s|$)|approval-mode[= ]yolo",
        "copilot": r"--allow-all-tools|--allow-all\b|--yolo|--allow-tool[= ]['\"]?shell",
        "cursor-agent": r"--force|(?:^|\s)-f(?:\s|$)", "opencode": r".", "aider": r"--yes"}
PACKAGES = {"@anthropic-ai/claude-code": "claude", "@openai/codex": "codex",
            "@google/gemini-cli": "gemini", "@github/copilot": "copilot"}
# pull_request_target events started by the pull request's author (not a maintainer's label).
AUTHOR_TYPES = frozenset({"opened", "synchronize", "reopened", "edited"})
_CLI_NAMES = re.compile("|".join([*CLIS, *PACKAGES]))
# Runs nobody outside starts; an agent there is exposed when it reads outsiders' issues or
# pull requests on its own, with a token that writes.
SCHEDULED = frozenset({"schedule", "workflow_dispatch"})
_FETCHES = re.compile(r"\bgh\s+(?:issue|pr)\s+(?:list|view)\b|\bgh\s+search\s+(?:issues|prs)\b|"
                      r"issues\.listForRepo|pulls\.list\b|search\.issuesAndPullRequests|"
                      r"\bgh\s+api\s+[^\n]*?/(?:issues|pulls)\b|list_issues|list_pull_requests|"
                      r"search_issues|get_issue\b")
TOOL_INPUTS = ("claude_args", "allowed_tools", "settings")
# Tool grants of one narrow purpose: reading, commenting, labelling. None runs code.
NARROW_COMMANDS = (
    "gh pr comment", "gh pr view", "gh pr diff", "gh pr list", "gh pr review", "gh pr checks",
    "gh issue view", "gh issue list", "gh issue comment", "gh issue edit", "gh label list",
    "gh search", "git diff", "git log", "git show", "git status", "git blame", "git grep",
    "cat", "ls", "head", "tail", "grep", "rg", "wc", "echo", "jq")
_BASH = re.compile(r"\b(?:Bash|run_shell_command|ShellTool)\b(?:\(([^)]*)\))?")
_WRITE = re.compile(r":\s*write\b|write-all")


def _triggers(flow: Workflow) -> set[str]:
    return flow.outsider_triggers


def audit_job(flow: Workflow, job: Job, trust: Trust, landings: list[Landing]) -> list[Finding]:
    if not _triggers(flow) and not set(flow.triggers) & SCHEDULED:
        return []
    found = []
    for step in job.steps:
        agent = _agent(step)
        if agent is not None:
            finding = _audit_step(flow, job, step, agent, trust, landings)
            if finding is not None:
                found.append(finding)
    return found


def _agent(step: Step) -> Agent | str | None:
    """The agent action of a step, or the agent CLI a `run:` script starts."""
    for agent in AGENTS:
        if step.action == agent.action or step.action.startswith(agent.action + "/"):
            if agent.action == "actions/ai-inference" and \
                    step.input("enable-github-mcp").strip().lower() != "true":
                return None  # a model call without tools
            return agent
    if not step.run or not _CLI_NAMES.search(step.run):
        return None
    for words in shell.commands(step.run):
        name = words[0]
        if name in {"npx", "bunx"} and len(words) > 1:  # `npx @openai/codex@1.2 exec`
            package = words[1]
            name = PACKAGES.get(package[:package.rindex("@")] if "@" in package[1:] else package,
                                name)
        if name in CLIS:
            return name
    return None


def _audit_step(flow: Workflow, job: Job, step: Step, agent: Agent | str, trust: Trust,
                landings: list[Landing]) -> Finding | None:
    name = agent.action if isinstance(agent, Agent) else agent
    folder = workdir(step, job) if isinstance(agent, str) else \
        norm(step.input("working-directory"))
    exposed: list[Piece] = []
    related: list[Related] = []
    on_disk = [landing for landing in landings
               if landing.step.index < step.index and landing.holds(folder)]
    if on_disk:
        exposed += ["on pull-request code in its working directory (put there at ",
                    *on_disk[0].step.label(), ")"]
        related.append(Related(on_disk[0].step.line, "puts pull-request code on disk"))
    outsider = _prompt_outsiders(flow, job, step, agent, trust) if _triggers(flow) else []
    if outsider:
        exposed += [*(["; "] if exposed else []), "with outsider text in its prompt: ",
                    *quoted_list(outsider)]
    fetches = _fetches_outsiders(flow, job, step, agent)
    if fetches and _writes(flow, job, step, agent):
        exposed += [*(["; "] if exposed else []), "fetching outsiders' issues or pull "
                    "requests itself (", Quoted(fetches), ") with a token that writes"]
    bypassed = _bypassed(step, agent)
    opened = bypassed if isinstance(agent, Agent) and agent.reads_event and \
        _triggers(flow) else ""
    if opened:
        exposed += [*(["; "] if exposed else []), "for anyone: ", Quoted(opened),
                    " switches off its check that whoever starts it may write to the "
                    "repository, and it reads the event on its own"]
    if not exposed:
        return None
    if isinstance(agent, Agent) and agent.checks_writers and not bypassed and not fetches \
            and _starter_wrote_it(flow, on_disk, outsider):
        return None  # its own check refuses outsiders, and only the starter's text reaches it
    return _finding(flow, job, step, agent, name, exposed, related, on_disk, trust)


def _finding(flow: Workflow, job: Job, step: Step, agent: Agent | str, name: str,
             exposed: list[Piece], related: list[Related], on_disk: list[Landing],
             trust: Trust) -> Finding:
    commands = _command_grant(step, agent)
    writes = _writes(flow, job, step, agent)
    severity: Severity = "error" if commands else "warning" if writes else "note"
    limits: list[str] = []
    if not commands:
        limits.append("it cannot run commands as configured")
    if not writes:
        limits.append("its token is read-only")
    if on_disk and all(landing.guarded for landing in on_disk):
        limits.append("actions/checkout refuses a fork's pull request here")
        severity = lowered(severity)
    gate = ", ".join([g.name for g in trust.gates.before(job, step)] +
                     gates(job.condition + "\n" + step.condition) +
                     (["environment"] if job.node.get("environment") else []))
    held: list[Piece] = [
        " It can run commands (", Quoted(commands), f"){' and' if writes else ','} "
        f"{'write with the job token' if writes else 'though its token is read-only'}."
    ] if commands else []
    lower = f" Lowered by: {'; '.join(limits)}." if limits else ""
    return AI_AGENT.finding(
        flow.file, step.line, "Job ", Quoted(job.id), " runs the AI coding agent ",
        Quoted(name), " (", step.label(), f") under {'/'.join(_started_by(flow))} ",
        exposed, ". The agent follows what it reads and holds the job's secrets and tools.",
        held, lower, severity=severity, related=related, gate=gate)


def _started_by(flow: Workflow) -> list[str]:
    return sorted(_triggers(flow) or set(flow.triggers) & SCHEDULED)


def _starter_wrote_it(flow: Workflow, on_disk: list[Landing], outsider: list[str]) -> bool:
    """Is whoever starts the run the author of all the agent reads, so that the agent's own
    write-access check keeps outsiders out (the author's own pull_request_target events, a
    commenter's own comment)? Not when a maintainer's label or comment starts it on an
    outsider's pull request or issue."""
    triggers = _triggers(flow)
    if len(triggers) == 1 and triggers <= {"pull_request_target", "issues", "discussion"}:
        node = flow.triggers.get(next(iter(triggers)))
        types = node.get("types") if node is not None else None
        named = {t.value for t in types.items} if types is not None and types.kind == "seq" \
            else {types.value} if types is not None else set()
        return named <= AUTHOR_TYPES
    if triggers == {"issue_comment"} and not on_disk:
        return all("comment.body" in text for text in outsider)
    return False


def _prompt_outsiders(flow: Workflow, job: Job, step: Step, agent: Agent | str,
                      trust: Trust) -> list[str]:
    """Outsider text the agent is given: `${{ }}` expressions in its prompt; the `env:`
    variables the prompt names (`"${ISSUE_TITLE}"`, or a command line's script reads: its
    own expressions are already `untrusted-input-injection`), also those an earlier step
    wrote to `$GITHUB_ENV`; files an earlier step wrote outsider text into, named in it."""
    prompt = _prompt(step, agent)
    env = {**flow.env(), **job.env(), **step.env()}
    names = set(re.findall(r"\$\{?([A-Za-z_]\w*)", prompt))
    if isinstance(agent, Agent):  # the agent reads a variable it is told the name of
        names |= set(re.findall(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b", prompt))
    texts = [] if isinstance(agent, str) else [prompt]
    texts += [env[name] for name in sorted(names) if name in env]
    found = [match.group(0) for text in texts for match in expressions(text)
             if untrusted_fields(match.group(1)) or trust.outsiders(match.group(1), job)]
    found += [f"${name}" for name in sorted(names - set(env))
              if trust.outsiders(f"env.{name}", job)]
    found += [path for path in trust.outsider_files(job, step.index - 1)
              if names_file(prompt, path)]
    return list(dict.fromkeys(found))


def _prompt(step: Step, agent: Agent | str) -> str:
    if isinstance(agent, str):
        return step.run
    return "\n".join(step.input(name) for name in agent.prompts)


def _fetches_outsiders(flow: Workflow, job: Job, step: Step, agent: Agent | str) -> str:
    """On `schedule`/`workflow_dispatch`: how the job or the agent reads outsiders' issues or
    pull requests itself (its prompt, its tools, an earlier step), as written; "" if not."""
    if not set(flow.triggers) & SCHEDULED:
        return ""
    texts = [_prompt(step, agent), _tools(step, agent)]
    texts += [earlier.node.flat() for earlier in job.steps[: step.index]]
    return next((match.group(0) for text in texts if (match := _FETCHES.search(text))), "")


def _tools(step: Step, agent: Agent | str) -> str:
    if isinstance(agent, str):
        return step.run
    return "\n".join(step.input(name) for name in TOOL_INPUTS)


def _bypassed(step: Step, agent: Agent | str) -> str:
    """The input that opens the agent's write-access check to everyone, as written."""
    for name in agent.bypass if isinstance(agent, Agent) else ():
        if step.input(name).strip().strip("'\"") == "*":
            return f"{name}: '*'"
    return ""


def _command_grant(step: Step, agent: Agent | str) -> str:
    """What lets the agent run commands, as written (a flag, a tool grant); "" if nothing."""
    if isinstance(agent, str):
        for words in shell.commands(step.run):
            line = " ".join(words)
            if agent in line and (match := re.search(CLIS[agent], line)):
                return match.group(0) if len(match.group(0).strip()) > 1 else agent
        return _open_shell(step.run)
    if agent.action == "openai/codex-action":
        for name, value in (("sandbox", "danger-full-access"), ("safety-strategy", "unsafe")):
            if step.input(name).strip() == value:
                return f"{name}: {value}"
        return ""
    if agent.action == "actions/ai-inference":
        return ""
    text = _tools(step, agent)
    match = re.search(CLIS["claude"] + r"|--yolo|approval-?mode[\"']?\s*[:=]\s*[\"']?yolo", text,
                      re.I)
    return match.group(0) if match else _open_shell(text)


def _open_shell(text: str) -> str:
    """A shell tool granted for everything, for a command that runs code (`npm test`), or
    for every command line starting with a general one (`Bash(gh api:*)`: any API call with
    the job's token); the grant as written, "" if none. Gemini CLI's
    `run_shell_command(cmd)` always grants a prefix."""
    for match in _BASH.finditer(text):
        allowed = match.group(1) or ""
        prefix = allowed.rstrip().endswith("*") or match.group(0).startswith("run_shell_command")
        command = " ".join(allowed.replace(":*", "").strip(" *").split())
        if not command or shell.executes(command) or (prefix and not _narrow(command)):
            denied = rf"(?:disallowedTools|disallowed_tools|deny)[^\n]*{re.escape(match.group(0))}"
            if re.search(denied, text):
                continue
            return match.group(0)
    return ""


def _narrow(command: str) -> bool:
    """A command (and whatever follows it) that reads, or does one narrow thing, runs no code."""
    return any(command == n or command.startswith(n + " ") for n in NARROW_COMMANDS)


def _writes(flow: Workflow, job: Job, step: Step, agent: Agent | str) -> bool:
    """Does the agent hold a token that can write? claude-code-action uses its GitHub App's
    token (contents, issues, pull requests: write) unless it is given `github_token`."""
    if isinstance(agent, Agent) and agent.action.startswith("anthropics/claude-code-action") \
            and not step.input("github_token").strip():
        return True
    permissions = job.node.get("permissions") or flow.root.get("permissions")
    if permissions is None:
        return True  # the repository's default, often write
    if permissions.kind == "scalar":
        return permissions.value.strip() == "write-all"
    return bool(_WRITE.search("\n".join(f"{k}: {v.flat()}"
                                        for k, v in permissions.mapping.items()
                                        if k != "id-token")))

