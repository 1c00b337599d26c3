"""ci-toolkit: GitHub Actions in Python over one shared core."""

from __future__ import annotations

from functools import cache


def __getattr__(name: str) -> str:
    # `__version__` is read lazily: importlib.metadata costs more start-up than the whole
    # ci-gate decision, and only `--version`, the User-Agent and SARIF need it.
    if name == "__version__":
        return _version()
    raise AttributeError(f"module 'ci_toolkit' has no attribute {name!r}")


@cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ci-toolkit")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"
