"""One error base for the core; user-visible wording lives in `bot.messages`."""


class MemorybotError(Exception):
    """Base of every error memorybot raises on purpose."""


class SettingsError(MemorybotError):
    """A setting is missing or malformed; the message says which and how to fix it."""


class RateLimited(MemorybotError):
    """The user sent too many messages in the current window."""
