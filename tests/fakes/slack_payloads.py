"""Slack payloads shaped like the real ones (Events API `event_callback`, slash command form fields,
`block_actions`), with the volatile fields (ids, timestamps) filled in per call.

Shapes follow https://docs.slack.dev/reference/events/app_mention, .../events/message.im,
https://docs.slack.dev/interactivity/implementing-slash-commands and
https://docs.slack.dev/reference/interaction-payloads/block_actions-payload.
"""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any

from tests.fakes.slack_api import APP_ID, BOT_USER_ID, TEAM_ID

_seq = itertools.count(1)


def new_ts() -> str:
    return f"{int(time.time())}.{next(_seq):06d}"


def event_callback(event: dict[str, Any], *, team_id: str = TEAM_ID, **extra: Any) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "context_team_id": team_id,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": "Ev" + uuid.uuid4().hex[:10].upper(),
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": team_id, "user_id": BOT_USER_ID, "is_bot": True, "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
        **extra,
    }


def app_mention(
    user: str,
    text: str,
    *,
    channel: str = "C0GENERAL",
    ts: str | None = None,
    thread_ts: str | None = None,
    mention: bool = True,
    team: str = TEAM_ID,
) -> dict[str, Any]:
    """An `app_mention` event_callback; `text` gets `<@BOT>` in front unless `mention=False`."""
    ts = ts or new_ts()
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}" if mention else text,
        "ts": ts,
        "client_msg_id": str(uuid.uuid4()),
        "team": team,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_callback(event, team_id=team)


def message(
    user: str,
    text: str,
    *,
    channel: str,
    channel_type: str = "channel",
    ts: str | None = None,
    thread_ts: str | None = None,
    team: str = TEAM_ID,
    **fields: Any,
) -> dict[str, Any]:
    """A `message` event_callback (`message.im` with `channel_type="im"`); extra `fields` go in the event."""
    ts = ts or new_ts()
    event: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "client_msg_id": str(uuid.uuid4()),
        "team": team,
        "channel": channel,
        "channel_type": channel_type,
        "event_ts": ts,
        **fields,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_callback(event, team_id=team)


def dm(user: str, text: str, **kw: Any) -> dict[str, Any]:
    return message(user, text, channel="D" + user.removeprefix("U"), channel_type="im", **kw)


def slash_command(
    command: str, text: str, *, user: str, response_url: str, channel: str = "C0GENERAL", team: str = TEAM_ID
) -> dict[str, str]:
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "team_domain": "fake",
        "channel_id": channel,
        "channel_name": "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{next(_seq)}.{uuid.uuid4().hex[:8]}",
    }


def block_action(
    action_id: str,
    value: str,
    *,
    user: str,
    response_url: str,
    channel: str = "C0GENERAL",
    team: str = TEAM_ID,
) -> dict[str, Any]:
    """A click on a button of an ephemeral message (the shape of `block_actions` for ephemeral containers)."""
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": new_ts(), "channel_id": channel, "is_ephemeral": True},
        "trigger_id": f"{next(_seq)}.{uuid.uuid4().hex[:8]}",
        "team": {"id": team, "domain": "fake"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "general"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": uuid.uuid4().hex[:5],
                "text": {"type": "plain_text", "text": "button", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": new_ts(),
            }
        ],
    }


def view_submission(
    view: dict[str, Any], values: dict[str, dict[str, dict[str, Any]]], *, user: str, team: str = TEAM_ID
) -> dict[str, Any]:
    """Submitting a modal the app opened (`view` as sent to views.open) with the inputs' `values`."""
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "trigger_id": f"{next(_seq)}.{uuid.uuid4().hex[:8]}",
        "view": {
            **view,
            "id": "V" + uuid.uuid4().hex[:10].upper(),
            "team_id": team,
            "type": "modal",
            "state": {"values": values},
            "hash": uuid.uuid4().hex,
            "app_id": APP_ID,
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
