"""Tokens, signing secrets and API keys never reach the logs."""

from __future__ import annotations

import io
import logging

from bot.logs import configure_logging
from tests.conftest import make_settings

SECRETS = {
    "slack_bot_token": "xoxb-1111-2222-abcdefghijkl",
    "slack_signing_secret": "8f14e45fceea167a5a36dedd4bea2543",
    "slack_app_token": "xapp-1-A111-222-abcdef",
    "discord_token": "MTAxMjM0NTY3ODkwMTIzNDU2.GhIjKl.abcdefghijklmnopqrstuvwxyz12345",
    "bot_model_api_key": "sk-proj-abcdefghijklmnop1234",
    "qdrant_api_key": "qdrant-key-zzz-999",
}


def test_configured_secrets_are_redacted_from_every_logger(tmp_path: object) -> None:
    settings = make_settings(tmp_path / "data", log_level="DEBUG", **SECRETS)  # type: ignore[operator]
    stream = io.StringIO()
    configure_logging(settings, stream=stream)
    for name, value in SECRETS.items():
        logging.getLogger("slack_bolt").info("calling with %s=%s", name, value)
        logging.getLogger("discord.http").warning(f"header Authorization: Bot {value}")
        logging.getLogger("bot.service").error("failed", extra={"token": value})
    # Token-shaped strings are redacted even when they are not ours.
    logging.getLogger("x").info("stray xoxb-9999-8888-zyxwvutsrqpo and sk-abcdefghijklmnopqrstu")
    text = stream.getvalue()
    assert "calling with" in text
    for value in SECRETS.values():
        assert value not in text
    assert "xoxb-9999" not in text and "sk-abcdefghijklmnopqrstu" not in text
    assert "[redacted]" in text
