"""draft-toggle: the agent lane's draft-or-ready toggle, in two lanes.

- An issue gets the trigger label: open a branch and a pull request for it (draft or ready),
  with labels, reviewers and the command comment, each once.
- An agent opened (or reopened, or changed the draft state of) its own pull request: set the
  pull request's draft state to the toggle, unless a person just changed it by hand.

An operation: exit 1 when it could not be done, after saying what was done. The decisions are
`decision` (pure); the requests `remote`, imported only once the inputs are good and the
event asks for work.
"""

from __future__ import annotations

import re

from ci_toolkit.draft_toggle.decision import (
    AGENTS,
    DRAFT_ENV,
    Agent,
    Kickoff,
    Operation,
    Options,
    Outcome,
    Skip,
    Toggle,
    installation_token,
    lane,
    resolve_draft,
)
from ci_toolkit.markdown import Text, callout, prose
from ci_toolkit.runtime import Input, InputError, Runtime, parse_bool

INPUTS = (
    Input("github-token", secret=True,
          description="Needs `contents: write`, `pull-requests: write`, `issues: write`. "
                      "A PR opened with GITHUB_TOKEN starts no workflow runs."),
    Input("trigger-label", "agent:codex",
          description="Act only when this label was added to an issue."),
    Input("draft",
          description="`true`/`false`. Empty: the `CODEX_PR_DRAFT` environment variable "
                      "(a value that is not a boolean there is a warning and `false`); "
                      "unset: `false`."),
    Input("branch-prefix", "codex/issue-",
          description="The branch is `<branch-prefix><issue number>`."),
    Input("command",
          description="Posted once on the PR (`{issue}`, `{pr}` replaced); with `agent: "
                      "copilot`, Copilot's custom instructions."),
    Input("agent-authors",
          description="Logins of agents that open their own pull requests (with or "
                      "without `[bot]`); their PRs are set to the toggle."),
    Input("labels",
          description="Comma-separated labels for the pull requests it opens, added once."),
    Input("reviewers",
          description="Comma-separated users asked to review the pull requests it opens, "
                      "asked once."),
    Input("agent", "command", choices=AGENTS,
          description="`command`: open a branch and PR, post `command`. `copilot`: assign "
                      "the issue to Copilot via the API, once."),
    Input("agent-token", secret=True,
          description="`agent: copilot` only: a person's token (PAT or GitHub App user "
                      "token); GITHUB_TOKEN cannot assign Copilot."),
)
SOFT = False
_BAD_REF = re.compile(r"[\s~^:?*\[\\\x00-\x1f\x7f]|\.\.|@\{|//|^[/.-]|/\.|\.lock(/|$)")
# A GitHub login (managed users carry `_shortcode`), an App's with `[bot]`.
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,38})(?:\[bot\])?")
LABEL_LIMIT = 50  # characters GitHub accepts in a label name
USER_TOKEN = ("GitHub assigns Copilot only with a person's token: a fine-grained personal access "
              "token with read and write access to actions, contents, issues and pull requests, a "
              "classic one with the `repo` scope, or a GitHub App user-to-server token (`ghu_`), "
              "of a user with Copilot; pass it from a secret, e.g. `${{ secrets.COPILOT_TOKEN }}`")


def run(rt: Runtime) -> int:
    options = read_options(rt)
    if options.draft.warning:
        rt.log.warning(options.draft.warning)
    choice = lane(rt.context.event_name, rt.context.event, options.label, options.agent_authors)
    if isinstance(choice, Skip):
        return skipped(rt, Outcome(draft=options.draft.value), choice.why)
    from ci_toolkit.draft_toggle import remote as side  # PyGithub only when there is work

    outcome = Outcome(draft=options.draft.value)
    remote = side.Remote.connect(rt.token(), rt.context.api_url, rt.context.repository,
                                 rt.log.warning, graphql_url=rt.context.graphql_url,
                                 default_branch=rt.context.default_branch,
                                 agent_token=options.agent_token)
    try:
        if isinstance(choice, Kickoff) and options.agent is Agent.COPILOT:
            remote.assign_copilot(choice.issue, options.command, outcome)
        elif isinstance(choice, Kickoff):
            outcome.branch = f"{options.prefix}{choice.issue}"
            remote.kickoff(options, choice.issue, outcome)
        elif isinstance(choice, Toggle):
            remote.toggle(choice.number, options.draft.value, outcome)
    except side.Skipped as why_not:
        return skipped(rt, outcome, str(why_not), warn=True)
    except side.Failed as exc:
        message = exc.message
        outcome.operation = ""  # the step failed: `operation` says so by being empty
        finish(rt, outcome, failed=message)  # first say what was done, then why it stopped
        rt.log.error(message)
        return 1
    finish(rt, outcome)
    return 0


# --- inputs


def read_options(rt: Runtime) -> Options:
    label = rt.inputs.text("trigger-label")
    if not label:
        raise InputError("trigger-label", "must name the label that starts the agent")
    prefix = rt.inputs.text("branch-prefix")
    if _BAD_REF.search(f"{prefix}1"):
        raise InputError("branch-prefix", f"{prefix!r} does not make a valid branch name")
    given = rt.inputs.text("draft")
    draft = resolve_draft(parse_bool("draft", given) if given else None,
                          rt.context.env.get(DRAFT_ENV, ""))
    labels = tuple(rt.inputs.items("labels"))
    for name in labels:
        if len(name) > LABEL_LIMIT:
            raise InputError("labels", f"{name[:60]!r} is longer than the {LABEL_LIMIT} "
                                       "characters GitHub allows in a label name")
    agent = Agent(rt.inputs.choice("agent", AGENTS))
    return Options(label, draft, prefix, rt.inputs.raw("command").strip(),
                   _logins(rt, "agent-authors"), labels, _logins(rt, "reviewers"), agent,
                   _agent_token(rt) if agent is Agent.COPILOT else "")


def _agent_token(rt: Runtime) -> str:
    """A person's token for `agent: copilot`; the workflow's own token is refused before any
    request."""
    token = rt.inputs.raw("agent-token").strip()
    if not token:
        raise InputError("agent-token", f"is empty, and `agent: copilot` needs it. {USER_TOKEN}.")
    if installation_token(token, rt.context.env.get("GITHUB_TOKEN", "")):
        raise InputError("agent-token", f"is the workflow's GITHUB_TOKEN or another GitHub App "
                                        f"installation token (`ghs_…`). {USER_TOKEN}.")
    return token


def _logins(rt: Runtime, name: str) -> tuple[str, ...]:
    logins = tuple(dict.fromkeys(item.lstrip("@") for item in rt.inputs.items(name)))
    for login in logins:
        if not _LOGIN.fullmatch(login):
            raise InputError(name, f"{login!r} is not a GitHub login (comma-separated logins, "
                                   "e.g. `Copilot, devin-ai-integration[bot]`)")
    return logins


# --- outputs


def skipped(rt: Runtime, outcome: Outcome, why: str, *, warn: bool = False) -> int:
    outcome.operation = Operation.SKIPPED
    (rt.log.warning if warn else rt.log.info)(f"draft-toggle skipped: {why}.")
    finish(rt, outcome)
    return 0


def finish(rt: Runtime, outcome: Outcome, failed: Text = "") -> None:
    rt.outputs.set("pr-number", outcome.pr_number or "")
    rt.outputs.set("pr-url", outcome.pr_url)
    rt.outputs.set("branch", outcome.branch)
    rt.outputs.set("draft", "true" if outcome.draft else "false")
    rt.outputs.set("operation", outcome.operation)
    for step in outcome.done:
        rt.log.info(f"draft-toggle: {step}")
    pull = f" · pull request #{outcome.pr_number}" if outcome.pr_number else ""
    rt.log.result("draft-toggle", f"{outcome.operation or 'failed'}{pull} · draft "
                  f"{'true' if outcome.draft else 'false'}")
    if outcome.operation == Operation.SKIPPED:
        return
    lines = [f"- {step}" for step in outcome.done] or ["- nothing was done"]
    if failed:
        lines.append("\n" + callout("caution", prose(failed)))
    rt.summary.write("### draft-toggle\n\n" + "\n".join(lines))
