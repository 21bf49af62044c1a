"""slack-manifest.yml must create an app that sends exactly what the adapter listens to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from adapters.slack.commands import FORGET_COMMAND, MEMORIES_COMMAND
from adapters.slack.controls import ADMIN_COMMAND, LINK_COMMAND, REMEMBER_COMMAND, UNLINK_COMMAND
from adapters.slack.events import EVENTS
from adapters.slack.runner import EVENTS_PATH

MANIFEST = Path(__file__).parents[3] / "slack-manifest.yml"


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())
    return data


def test_slash_commands_match_the_adapter_and_reach_the_endpoint() -> None:
    commands = manifest()["features"]["slash_commands"]
    assert {c["command"] for c in commands} == {
        MEMORIES_COMMAND,
        FORGET_COMMAND,
        REMEMBER_COMMAND,
        LINK_COMMAND,
        UNLINK_COMMAND,
        ADMIN_COMMAND,
    }
    # Slack sends a named channel as <#C123|name> only when escaping is on: the admin command needs the id.
    assert [c["should_escape"] for c in commands if c["command"] == ADMIN_COMMAND] == [True]
    assert all(c["url"].endswith(EVENTS_PATH) for c in commands)


def test_events_and_interactivity_reach_the_endpoint() -> None:
    settings = manifest()["settings"]
    events = settings["event_subscriptions"]["bot_events"]
    assert {e.split(".")[0] for e in events} == set(EVENTS)
    assert {"app_mention", "message.im"} <= set(events)
    assert settings["event_subscriptions"]["request_url"].endswith(EVENTS_PATH)
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith(EVENTS_PATH)


def test_scopes_cover_every_call_the_adapter_makes() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    # replies, commands, mentions, DMs, the export (open a DM, upload a file), reading threads we are in
    needed = {"chat:write", "commands", "app_mentions:read", "im:history", "im:write", "files:write"}
    needed |= {"channels:history", "groups:history", "mpim:history"}
    needed.add("users:read")  # users.info: is the person switching memory off a workspace admin?
    assert scopes == needed
