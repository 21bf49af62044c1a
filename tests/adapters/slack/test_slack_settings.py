"""Start-up validation: each problem names the variable to set."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.slack import validate_slack_settings
from adapters.slack.config import api_base_url
from bot.errors import SettingsError
from tests.conftest import make_settings


def check(data_dir: Path, **values: object) -> str:
    with pytest.raises(SettingsError) as info:
        validate_slack_settings(make_settings(data_dir, **values))
    return str(info.value)


def test_http_mode_needs_bot_token_and_signing_secret(data_dir: Path) -> None:
    message = check(data_dir, slack_port=0)
    assert "SLACK_BOT_TOKEN is not set" in message
    assert "SLACK_SIGNING_SECRET is not set" in message


def test_malformed_token_prefixes_are_named_without_leaking_the_token(data_dir: Path) -> None:
    message = check(data_dir, slack_bot_token="xoxp-secret-part", slack_app_token="xoxb-other-secret")
    assert "SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'" in message
    assert "SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'" in message
    assert "secret-part" not in message and "other-secret" not in message


def test_socket_mode_needs_no_signing_secret(data_dir: Path) -> None:
    validate_slack_settings(make_settings(data_dir, slack_bot_token="xoxb-1", slack_app_token="xapp-1"))


def test_bad_api_url(data_dir: Path) -> None:
    message = check(data_dir, slack_bot_token="xoxb-1", slack_signing_secret="s", slack_api_url="slack.com")
    assert "SLACK_API_URL" in message


def test_api_url_gets_its_trailing_slash(data_dir: Path) -> None:
    assert (
        api_base_url(make_settings(data_dir, slack_api_url="http://127.0.0.1:1/api"))
        == "http://127.0.0.1:1/api/"
    )
