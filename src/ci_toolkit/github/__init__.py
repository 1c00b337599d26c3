"""Everything that talks to GitHub: the client factory and the operations commands share."""

from ci_toolkit.github.client import (
    PER_PAGE,
    WAITS,
    WaitBudgetExceeded,
    Waits,
    connect,
    connect_repository,
    create_once,
    explain,
    is_transient,
    rate_limit_wait,
    repository,
    retry_rate_limited,
)

__all__ = [
    "PER_PAGE",
    "WAITS",
    "WaitBudgetExceeded",
    "Waits",
    "connect",
    "connect_repository",
    "create_once",
    "explain",
    "is_transient",
    "rate_limit_wait",
    "repository",
    "retry_rate_limited",
]
