"""HTTP Basic authentication against the server's accounts.

The user name is the AccountSid (or, as RestComm allows, the account's e-mail address)
and the password its AuthToken.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets

from rcml._serve._store import Account

__all__ = ["Accounts", "new_account"]


def new_account(email: str | None = None) -> Account:
    """A fresh account with random Sid and AuthToken, shaped like RestComm's."""
    return Account("AC" + secrets.token_hex(16), secrets.token_hex(16), email)


class Accounts:
    """The accounts a server knows, by Sid and by e-mail, for a check on every request."""

    def __init__(self, accounts: list[Account]) -> None:
        self._by_name: dict[str, Account] = {}
        for account in accounts:
            self.add(account)

    def add(self, account: Account) -> None:
        self._by_name[account.sid] = account
        if account.email:
            self._by_name[account.email] = account

    def __len__(self) -> int:
        return len({a.sid for a in self._by_name.values()})

    def check(self, authorization: str | None) -> Account | None:
        """The account the ``Authorization`` header proves, or None."""
        if not authorization or authorization[:6].lower() != "basic ":
            return None
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, sep, token = decoded.partition(":")
        account = self._by_name.get(user)
        if not sep or account is None:
            return None
        if not hmac.compare_digest(token.encode(), account.auth_token.encode()):
            return None
        return account
