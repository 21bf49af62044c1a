"""Discord adapter: mentions, DMs and threads to the core; `/memories` and `/forget` slash commands.

Setup (application, intents, invite URL) is described in docs/discord.md.
"""

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.config import DiscordConfig, validate_discord_settings

__all__ = ["DiscordAdapter", "DiscordConfig", "validate_discord_settings"]
