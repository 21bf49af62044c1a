"""Slack: mentions, DMs and thread follow-ups answered by the core; `/memories` and `/forget` for the caller.

Serves over HTTP or Socket Mode with slack-bolt. The adapter only translates: Slack events in, `Reply` and
memory pages out.
"""

from adapters.slack.adapter import SlackAdapter
from adapters.slack.config import validate_slack_settings

__all__ = ["SlackAdapter", "validate_slack_settings"]
