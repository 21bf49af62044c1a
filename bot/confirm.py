"""Signed, expiring confirmation tokens for "forget everything".

The token is bound to the memory owner's id, so a button click can be verified without server-side state:
any worker (Slack runs as stateless HTTP workers) can check it, and a click by anyone else fails.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path

from state.secrets import file_secret

TOKEN_TTL_S = 15 * 60


def load_or_create_secret(data_dir: Path, configured: str | None = None) -> bytes:
    """The embedded deployment's secret (`MEMORYBOT_SECRET`, else a file in the data directory)."""
    return configured.encode() if configured else file_secret(data_dir)


class ConfirmTokens:
    def __init__(self, secret: bytes, *, ttl_s: int = TOKEN_TTL_S) -> None:
        self._secret = secret
        self._ttl = ttl_s

    def _sign(self, user_id: str, expires: int) -> str:
        msg = f"forget-all|{user_id}|{expires}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()[:32]

    def issue(self, user_id: str, *, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + self._ttl)
        return f"{expires}.{self._sign(user_id, expires)}"

    def verify(self, user_id: str, token: str, *, now: float | None = None) -> bool:
        expires_text, _, signature = token.partition(".")
        if not expires_text.isdigit() or not signature:
            return False
        expires = int(expires_text)
        if expires < (now if now is not None else time.time()):
            return False
        return hmac.compare_digest(signature, self._sign(user_id, expires))
