"""Start-up checks and client construction for Slack.

A missing or mistyped token otherwise surfaces much later as an opaque `invalid_auth` from the first API
call, so the checks here run before anything connects and name the variable to fix.
"""

from __future__ import annotations

from urllib.parse import urlparse

from pydantic import SecretStr
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import SettingsError
from bot.settings import Settings

RATE_LIMIT_RETRIES = 3
SERVER_ERROR_RETRIES = 2
"""A 500/503 from Slack is usually gone a second later (slack_sdk waits with a growing backoff)."""


def validate_slack_settings(settings: Settings) -> None:
    """Fail fast, listing every Slack setting that is missing or malformed.

    HTTP mode needs `SLACK_BOT_TOKEN` and `SLACK_SIGNING_SECRET`; Socket Mode (chosen by setting
    `SLACK_APP_TOKEN`) needs `SLACK_BOT_TOKEN` and the app token, and no signing secret.

    Raises:
        SettingsError: with one line per problem, each naming the variable and where to find its value.
    """
    problems: list[str] = []
    bot_token = _value(settings.slack_bot_token)
    app_token = _value(settings.slack_app_token)
    secret = _value(settings.slack_signing_secret)

    if bot_token is None:
        problems.append(
            "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (it starts with 'xoxb-') from your "
            "app's 'OAuth & Permissions' page."
        )
    elif not bot_token.startswith("xoxb-"):
        problems.append(
            f"SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-' (got one starting with "
            f"{_prefix(bot_token)!r}); user tokens (xoxp-) and app-level tokens (xapp-) do not work here."
        )
    if app_token is not None and not app_token.startswith("xapp-"):
        problems.append(
            f"SLACK_APP_TOKEN must be an app-level token starting with 'xapp-' (got one starting with "
            f"{_prefix(app_token)!r}): create one with the 'connections:write' scope under 'Basic "
            "Information > App-Level Tokens', or unset SLACK_APP_TOKEN to receive events over HTTP."
        )
    if app_token is None and secret is None:
        problems.append(
            "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your app's 'Basic Information > "
            "App Credentials' page (HTTP mode), or set SLACK_APP_TOKEN to use Socket Mode instead."
        )
    url = urlparse(settings.slack_api_url)
    if url.scheme not in ("http", "https") or not url.netloc:
        problems.append(
            "SLACK_API_URL must be an http(s) URL such as https://slack.com/api/ "
            f"(got {settings.slack_api_url!r})."
        )
    if problems:
        raise SettingsError("Slack is not configured correctly:\n" + "\n".join(f"  {p}" for p in problems))


def api_base_url(settings: Settings) -> str:
    """The Web API base URL with the trailing slash slack_sdk needs (else it drops the last segment)."""
    url = settings.slack_api_url.strip()
    return url if url.endswith("/") else url + "/"


def retry_handlers() -> list[AsyncRetryHandler]:
    """Retry rate-limited calls (honouring Retry-After), Slack's 5xx answers and one dropped connection."""
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        AsyncServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
        AsyncConnectionErrorRetryHandler(max_retry_count=1),
    ]


def build_web_client(settings: Settings) -> AsyncWebClient:
    """The bot's Web API client; call only after `validate_slack_settings`."""
    return AsyncWebClient(
        token=_value(settings.slack_bot_token),
        base_url=api_base_url(settings),
        retry_handlers=retry_handlers(),
    )


def _value(secret: SecretStr | None) -> str | None:
    if secret is None:
        return None
    return secret.get_secret_value().strip() or None


def _prefix(token: str) -> str:
    # Show only the kind of token, never any of its secret part.
    head, sep, _ = token.partition("-")
    return head + sep if sep and len(head) <= 5 else token[:2] + "…"
