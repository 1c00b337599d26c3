"""Downloads that the API redirects to a storage host: artifacts' zips and jobs' logs.

Two hops (CONTRACT §6): the API answers 302 with a short-lived signed URL on a storage host;
that host gets a plain request WITHOUT our token (another origin; the signature in the URL is
the credential), and its answer is streamed in chunks, never read into memory whole. A retry
needs a fresh signed URL (it lives about a minute), so both hops are retried together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import requests
from github import GithubException
from github.Requester import Requester

from ci_toolkit.github.client import USER_AGENT, WAITS, is_transient

T = TypeVar("T")

ATTEMPTS = 3
CHUNK = 1024**2


class Retryable(Exception):
    """A failure with no clear answer (5xx, dropped connection): worth another attempt."""


class StorageRefused(Exception):
    """The storage host answered, and not with the file; the message says what it answered."""


class NoRedirect(Exception):
    """The API answered without a `Location` to follow."""


def location(api: Requester, path: str) -> str:
    """The API hop through PyGithub (token, retries on 5xx), which does not follow the 302.

    GithubException (410 gone, 404, 403) reaches the caller, which knows what it means.
    """
    headers, _ = api.requestJsonAndCheck("GET", path)
    found = headers.get("location")
    if not found:
        raise NoRedirect(f"GitHub answered {path} without a redirect to the download")
    return str(found)


@contextmanager
def stream(url: str) -> Iterator[Iterator[bytes]]:
    """The storage hop: the body as chunks of up to 1 MiB; never our token, never the whole body.

    requests' messages carry the signed URL (a credential for a minute): only the exception's
    type is named. A break before the first byte is `Retryable`; one while the caller reads the
    chunks comes out of the iterator as `Retryable` too.
    """
    try:
        with _plain_session() as session, session.get(url, stream=True,
                                                      timeout=WAITS.timeout) as resp:
            _check(resp)
            yield _chunks(resp)
    except (requests.ConnectionError, requests.Timeout,
            requests.exceptions.ChunkedEncodingError) as exc:
        raise Retryable(f"the storage host broke off ({type(exc).__name__})") from None
    except requests.RequestException as exc:
        raise StorageRefused(f"the download link GitHub gave failed "
                             f"({type(exc).__name__}).") from None


def _chunks(resp: requests.Response) -> Iterator[bytes]:
    try:
        yield from resp.iter_content(CHUNK)
    except (requests.ConnectionError, requests.Timeout,
            requests.exceptions.ChunkedEncodingError) as exc:
        raise Retryable(f"the storage host broke off ({type(exc).__name__})") from None


def _plain_session() -> requests.Session:
    session = requests.Session()
    # A no-op auth stops requests from adding credentials from ~/.netrc; proxies still apply.
    session.auth = _no_auth
    session.headers["User-Agent"] = USER_AGENT  # who we are, to the storage host too
    return session


def _no_auth(request: Any) -> Any:
    return request


def _check(resp: requests.Response) -> None:
    if resp.status_code >= 500:
        raise Retryable(f"the storage host answered {resp.status_code}")
    if resp.status_code != 200:
        raise StorageRefused(f"the storage host answered {resp.status_code} to the download "
                             "link GitHub gave.")


def retrying(attempt: Callable[[], T], why: str) -> T:
    """`attempt` again (after a scaled wait) while it fails without a clear answer."""
    for n in range(1, ATTEMPTS + 1):
        try:
            return attempt()
        except Exception as exc:
            if n == ATTEMPTS or not (isinstance(exc, Retryable) or is_transient(exc)):
                raise
            WAITS.sleep(2 ** (n - 1), why)
    raise AssertionError("unreachable")


def gone(exc: BaseException) -> bool:
    """GitHub deleted the file after its retention period (410)."""
    return isinstance(exc, GithubException) and exc.status == 410
