"""The one place that builds the PyGithub client, and the rules every request follows.

- Reads are retried on 5xx and rate limits (GithubRetry). Writes (POST, PATCH) never are:
  a create that failed without a clear answer goes through `create_once`, which first checks
  whether it happened.
- Every wait (backoff, Retry-After, pacing) is scaled by `CI_TOOLKIT_WAIT_SCALE` (tests set 0)
  and all waits of one process share a budget of `CI_TOOLKIT_MAX_WAIT` seconds (default 60):
  soft actions degrade with a warning instead of sleeping until an hourly limit resets.
  A request that gets no answer (a hang, a dropped connection) costs its timeout out of the
  same budget, so a soft step whose every request hangs ends on time with a warning.
- Every request says who it is: our User-Agent, the API version the requests are written
  against, and GitHub's media type.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, TypeVar

import requests
from github import Auth, Github, GithubException, GithubRetry
from github.GithubException import RateLimitExceededExceedsMaxWait
from github.Repository import Repository
from github.Requester import Requester
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError
from urllib3.exceptions import TimeoutError as NoAnswerInTime
from urllib3.util.retry import Retry

from ci_toolkit import __version__
from ci_toolkit.github.permissions import Needs, spelled
from ci_toolkit.markdown import Message
from ci_toolkit.runtime import Warn

if TYPE_CHECKING:
    from ci_toolkit.runtime import Runtime

T = TypeVar("T")

PER_PAGE = 100  # GitHub's maximum page size: fewest requests
API_VERSION = "2022-11-28"  # the REST API version every request is written against
MEDIA_TYPE = "application/vnd.github+json"
USER_AGENT = f"ci-toolkit/{__version__}"


class WaitBudgetExceeded(Exception):
    """All the waiting a run may do (rate limits, backoff, requests without an answer) is used
    up."""


class Waits:
    """Scaled sleeps under one shared budget."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        self.scale = float(env.get("CI_TOOLKIT_WAIT_SCALE", "1") or 1)
        self.budget = float(env.get("CI_TOOLKIT_MAX_WAIT", "60") or 60)
        self.budget_set = bool(env.get("CI_TOOLKIT_MAX_WAIT"))  # by the user: never overridden
        self.write_interval = float(env.get("CI_TOOLKIT_WRITE_INTERVAL", "1") or 1)
        self.timeout = float(env.get("CI_TOOLKIT_HTTP_TIMEOUT", "15") or 15)
        self.spent = 0.0
        self.silent = "GitHub"  # the last address that gave no answer, for the message

    def sleep(self, seconds: float, why: str = "") -> None:
        if self.spent + seconds > self.budget:
            raise WaitBudgetExceeded(
                f"waiting {seconds:.0f}s more{' for ' + why if why else ''} would pass the "
                f"{self.budget:.0f}s this step may wait in all")
        self.spent += seconds
        if seconds > 0 and self.scale > 0:
            time.sleep(seconds * self.scale)

    def charge_no_answer(self, url: str = "") -> None:
        """A request (to `url`) got no answer: it waited up to its timeout, counted against the
        budget. Past the budget this request and every later one stop (see `check`)."""
        self.silent = url or self.silent
        self.spent += self.timeout
        self.check()

    def check(self) -> None:
        """Before a request: none is sent once requests without an answer used up the budget."""
        if self.spent >= self.budget:
            raise WaitBudgetExceeded(
                f"no answer from {self.silent} within {self.timeout:.0f}s (a time-out), and the "
                f"{self.budget:.0f}s this step may wait in all are used up")

    def allow_operation_wait(self, seconds: float) -> None:
        """Let an explicit operation (not a soft action) wait up to `seconds` in all.

        A user waiting for bulk-issues would rather it wait out a secondary rate limit twice
        than fail half-way; soft actions keep the one-minute default. A budget set through
        `CI_TOOLKIT_MAX_WAIT` is kept. Call it before `connect`, which hands the budget to
        PyGithub's retry.
        """
        if not self.budget_set:
            self.budget = max(self.budget, seconds)


WAITS = Waits()


class _Retry(GithubRetry):
    """GithubRetry whose sleeps, and requests that got no answer, come out of the shared budget."""

    def increment(self, *args: Any, **kwargs: Any) -> Retry:  # type: ignore[override]
        """Retry's own arguments: (method, url, response, error, _pool, _stacktrace)."""
        names = ("method", "url", "response", "error", "_pool")
        given = {**dict(zip(names, args, strict=False)), **kwargs}
        pool = given.get("_pool")
        error = given.get("error")
        # A refused connection or an unknown host answers at once: only a silence costs time.
        if given.get("response") is None and error is not None and \
                not isinstance(error, NewConnectionError):
            where = f"{pool.scheme}://{pool.host}:{pool.port}" if pool is not None else ""
            WAITS.charge_no_answer(f"{where}{str(given.get('url') or '').split('?')[0]}")
        return super().increment(*args, **kwargs)

    def sleep(self, response: Any = None) -> None:
        seconds = None
        if response is not None and self.respect_retry_after_header:
            seconds = self.get_retry_after(response)
        if seconds is None:
            seconds = self.get_backoff_time()
            WAITS.sleep(seconds, "a retry")
        else:
            WAITS.sleep(seconds, "a rate limit (GitHub's Retry-After)")


class _Identified(Auth.Auth):
    """The token (if any) and GitHub's media type on every request.

    PyGithub sends the User-Agent and API version it is given, but no `Accept` (so requests'
    `*/*`), or a long-retired preview type on a few calls (creating a label), and has no hook
    for default headers besides this one, which sees every request's headers. Another
    `Accept` a request sets itself (a download's `application/octet-stream`) is kept.
    """

    def __init__(self, token: str) -> None:
        self._token = Auth.Token(token) if token else None

    @property
    def token_type(self) -> str:
        return self._token.token_type if self._token else ""

    @property
    def token(self) -> str:
        return self._token.token if self._token else ""

    def authentication(self, headers: dict[str, str]) -> None:
        WAITS.check()  # the one hook before every request: none once the budget is used up
        if "preview" in headers.get("Accept", "preview"):
            headers["Accept"] = MEDIA_TYPE
        if self._token:
            self._token.authentication(headers)

    def mask_authentication(self, headers: dict[str, str]) -> None:
        if self._token:
            self._token.mask_authentication(headers)


def connect(token: str, api_url: str, *, waits: Waits | None = None) -> Github:
    """A PyGithub client for `api_url` (GitHub.com or Enterprise Server)."""
    waits = waits or WAITS
    retry = _Retry(
        total=3,
        backoff_factor=1.0,
        secondary_rate_wait=30,
        max_rate_limit_wait=waits.budget,
        allowed_methods=Retry.DEFAULT_ALLOWED_METHODS,  # GET, PUT, DELETE...: never POST/PATCH
    )
    return Github(
        auth=_Identified(token),
        base_url=api_url.rstrip("/"),
        user_agent=USER_AGENT,
        api_version=API_VERSION,
        per_page=PER_PAGE,
        retry=retry,
        timeout=max(1, int(waits.timeout)),
        seconds_between_requests=None,
        seconds_between_writes=waits.write_interval * waits.scale or None,
    )


def repository(gh: Github, full_name: str) -> Repository:
    """The repository object without the GET that `get_repo` makes: requests are the budget."""
    return gh.withLazy(True).get_repo(full_name)


def connect_repository(rt: Runtime) -> Repository:
    """This run's repository (`GITHUB_REPOSITORY`), through a client with the step's token."""
    return repository(connect(rt.token(), rt.context.api_url), rt.context.repository)


class GraphQLError(Exception):
    """GitHub answered a GraphQL request with `errors` (its HTTP status is 200 all the same)."""

    def __init__(self, operation: str, errors: list[Any]) -> None:
        self.operation = operation
        self.types = [str(e.get("type") or "") for e in errors if isinstance(e, dict)]
        details = "; ".join(
            f"{e.get('type') or 'ERROR'}: {e.get('message') or e}" if isinstance(e, dict)
            else str(e) for e in errors)
        super().__init__(f"GitHub's GraphQL API refused {operation} ({details})")

    @property
    def forbidden(self) -> bool:
        return "FORBIDDEN" in self.types


def graphql(requester: Requester, operation: str, query: str, variables: dict[str, Any], *,
            url: str = "") -> dict[str, Any]:
    """One GraphQL request through the client's requester (`gh.requester`, or any object's
    `.requester`); its `data`, or GraphQLError.

    `url` is the runner's GITHUB_GRAPHQL_URL; empty: PyGithub's, derived from the API URL
    (`https://api.github.com/graphql`, or `https://HOST/api/graphql` on Enterprise Server).
    A POST, so never retried (a mutation may have happened); `operation` names it in errors.
    """
    _, answer = requester.requestJsonAndCheck(
        "POST", url or requester.graphql_url, input={"query": query, "variables": variables})
    errors = answer.get("errors") if isinstance(answer, dict) else None
    if errors:
        raise GraphQLError(operation, errors if isinstance(errors, list) else [errors])
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        raise GraphQLError(operation, [{"message": "the answer holds no data"}])
    return data


# What a request through this client may raise: GitHub's answers (REST and GraphQL), no answer,
# and the wait budget used up. A remote turns these into its own typed errors.
ERRORS = (GithubException, GraphQLError, requests.RequestException, WaitBudgetExceeded)


def is_transient(exc: BaseException) -> bool:
    """No clear answer: the request may or may not have been carried out."""
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return True
    return isinstance(exc, GithubException) and exc.status >= 500


def create_once(create: Callable[[], T], find: Callable[[], T | None], *,
                attempts: int = 3, waits: Waits | None = None) -> T:
    """Run a create request; after a failure with no clear answer, look before trying again."""
    waits = waits or WAITS
    for attempt in range(1, attempts + 1):
        try:
            return create()
        except Exception as exc:
            if not is_transient(exc) or attempt == attempts:
                raise
            found = find()
            if found is not None:
                return found
            waits.sleep(2 ** (attempt - 1), "a retried create")
    raise AssertionError("unreachable")


UNSPECIFIED_WAIT = 60.0  # GitHub: a limit answer without Retry-After means "wait a minute or more"


def rate_limit_wait(exc: GithubException, now: float | None = None) -> float | None:
    """Seconds GitHub asks us to wait, or None when the answer is not a rate limit.

    Retry-After (secondary limits) first; else the primary limit's reset time, which may be
    most of an hour away: the budget then refuses the wait at once instead of sleeping a
    minute and trying again against a limit that has not reset.
    """
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    message = str(exc.data.get("message", "")) if isinstance(exc.data, dict) else ""
    exhausted = headers.get("x-ratelimit-remaining") == "0"
    limited = exc.status == 429 or (exc.status == 403 and (
        "retry-after" in headers or exhausted or "rate limit" in message.lower()))
    if not limited:
        return None
    if headers.get("retry-after", "").isdigit():
        return max(float(headers["retry-after"]), 1.0)
    reset = headers.get("x-ratelimit-reset", "")
    if exhausted and reset.isdigit():
        return max(float(reset) - (time.time() if now is None else now), 0.0) + 1.0
    return UNSPECIFIED_WAIT


def retry_rate_limited(write: Callable[[], T], attempts: int = 3,
                       waits: Waits | None = None) -> T:
    """A write whose rate-limit answers are waited out and retried.

    PyGithub never retries POST/PATCH (a blind retry can duplicate). A rate-limit answer is the
    one clear "not done", so this retries on it alone; every wait comes out of the shared
    budget, and past it `WaitBudgetExceeded` ends the write.
    """
    for _ in range(attempts - 1):
        try:
            return write()
        except GithubException as exc:
            seconds = rate_limit_wait(exc)
            if seconds is None:
                raise
            (waits or WAITS).sleep(seconds, "a rate limit")
    return write()


def explain(exc: BaseException, doing: str, permission: Needs | None = None) -> Message:
    """A one-line cause for a failed request: a bad token (401), a locked conversation, a rate
    limit, or the permission a 403/404 points at. Our Markdown, GitHub's words escaped."""
    if isinstance(exc, WaitBudgetExceeded):
        return Message("Could not {}: {}.", doing, exc)
    if isinstance(exc, GraphQLError):
        need = (f" The token needs {spelled(permission)}: add it under `permissions:`."
                if exc.forbidden and permission else "")
        return Message(f"Could not {{}}: {{}}.{need}", doing, exc)
    if isinstance(exc, RateLimitExceededExceedsMaxWait):
        return Message("Could not {}: the API rate limit is used up until it resets.", doing)
    if isinstance(exc, GithubException):
        return _explain_answer(exc, doing, permission)
    if isinstance(exc, requests.RequestException):
        return Message("Could not {}: {}.", doing, no_answer(exc))
    return Message("Could not {}: {}: {}", doing, type(exc).__name__, exc)


def no_answer(exc: requests.RequestException) -> str:
    """Why a request got no answer, named as what it is, with the URL it went to."""
    url = exc.request.url if exc.request is not None and exc.request.url else "GitHub's API"
    url = str(url).split("?", 1)[0]
    cause = exc.args[0] if exc.args else None
    if isinstance(cause, MaxRetryError):
        cause = cause.reason
    if isinstance(cause, NameResolutionError):
        return (f"the host of {url} could not be found (a DNS failure): check the API URL "
                "(GITHUB_API_URL) and this machine's network")
    if isinstance(cause, NewConnectionError):
        return (f"the connection to {url} was refused (nothing answers there): check the API "
                "URL (GITHUB_API_URL)")
    if isinstance(exc, requests.Timeout) or isinstance(cause, NoAnswerInTime):
        return f"no answer from {url} within {WAITS.timeout:.0f}s (a time-out)"
    if isinstance(exc, requests.ConnectionError):
        kind = type(cause if isinstance(cause, BaseException) else exc).__name__
        return f"the connection to {url} broke off before an answer ({kind})"
    return f"the request to {url} failed ({type(exc).__name__}: {exc})"


def _explain_answer(exc: GithubException, doing: str, permission: Needs | None) -> Message:
    message = _message(exc)
    if exc.status == 401 and "requires authentication" in message.lower():
        return Message("Could not {}: no token was given, and GitHub needs one for this (401: "
                       "{}). Pass one in `github-token`; run by hand, set GITHUB_TOKEN or "
                       "GH_TOKEN (e.g. `GH_TOKEN=$(gh auth token)`).", doing, message)
    if exc.status == 401:
        return Message("Could not {}: GitHub refused the token (401: {}): it is wrong, expired "
                       "or revoked. Pass a valid one in `github-token`; the default "
                       "`${{{{ github.token }}}}` is valid until the job ends.", doing, message)
    if exc.status == 403 and "locked" in message.lower():
        return Message("Could not {}: the conversation is locked ({}), so only collaborators "
                       "may comment. Unlock it, or use a token of a collaborator.", doing,
                       message)
    if exc.status == 403 and "rate limit" in message.lower():
        return Message("Could not {}: rate limited by GitHub ({}).", doing, message)
    if exc.status == 403:
        need = spelled(permission) if permission else "a permission it lacks"
        return Message(f"Could not {{}}: GitHub answered 403 ({{}}). The token needs {need}: "
                       "add it under `permissions:`. Pull requests from forks always get a "
                       "read-only token.", doing, message)
    if exc.status == 404:
        hint = f" or the token lacks {spelled(permission)}" if permission else ""
        return Message(f"Could not {{}}: not found (404){hint}.", doing)
    return Message("Could not {}: GitHub answered {} ({}).", doing, exc.status, message)


def _message(exc: GithubException) -> str:
    data = exc.data
    if isinstance(data, dict):
        text = str(data.get("message") or "")
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            details = "; ".join(str(e.get("message") or e.get("code") or e) if isinstance(e, dict)
                                else str(e) for e in errors)
            text = f"{text}: {details}" if text else details
        return text or str(exc.status)
    return str(data or exc.status)


@dataclass
class RemoteBase:
    """What every action's `remote.Remote` is built from: the client, the repository's full name
    and the warning callback (never the `Runtime`). A soft action's remote never raises (what it
    cannot do goes to `warn`); an operation's raises its own typed errors."""

    gh: Github
    full_name: str
    warn: Warn

    @classmethod
    def connect(cls, token: str, api_url: str, full_name: str, warn: Warn) -> Self:
        return cls(connect(token, api_url), full_name, warn)

    @property
    def repo(self) -> Repository:
        return repository(self.gh, self.full_name)
