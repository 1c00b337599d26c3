"""ci-toolkit: GitHub Actions in Python over one shared core."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ci-toolkit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
