"""Everything that talks to GitHub: the client factory and the operations commands share."""

from ci_toolkit.github.client import (
    PER_PAGE,
    WAITS,
    GraphQLError,
    WaitBudgetExceeded,
    Waits,
    connect,
    connect_repository,
    create_once,
    explain,
    graphql,
    is_transient,
    rate_limit_wait,
    repository,
    retry_rate_limited,
)

__all__ = [
    "PER_PAGE",
    "WAITS",
    "GraphQLError",
    "WaitBudgetExceeded",
    "Waits",
    "connect",
    "connect_repository",
    "create_once",
    "explain",
    "graphql",
    "is_transient",
    "rate_limit_wait",
    "repository",
    "retry_rate_limited",
]
