"""The console adapter: the cheapest path through the whole stack, for local use, demos and tests."""

from adapters.console.adapter import ConsoleAdapter

__all__ = ["ConsoleAdapter"]
