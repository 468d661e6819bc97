"""``rcml serve``: a local Calls API server backed by the rehearsal engine."""

from rcml._serve._app import ApiError, ServeConfig, create_app
from rcml._serve._auth import new_account
from rcml._serve._store import Account, CallFilter, CallStore, SqliteStore, StoredCall

__all__ = [
    "Account",
    "ApiError",
    "CallFilter",
    "CallStore",
    "ServeConfig",
    "SqliteStore",
    "StoredCall",
    "create_app",
    "new_account",
]
