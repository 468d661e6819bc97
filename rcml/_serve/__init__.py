"""``rcml serve``: a local Calls API server backed by the rehearsal engine."""

from rcml._serve._app import ApiError, ServeConfig, conference_sid, create_app
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
    "conference_sid",
    "create_app",
    "new_account",
]
