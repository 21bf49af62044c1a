"""What a button's `custom_id` carries, so that any process can answer a click on it, even after a restart.

Discord sends the `custom_id` back with every click and allows at most 100 characters. Each of ours
starts with `mb:`, names the action, and holds the owner's Discord user id, which is checked against the
clicker before anything else happens. Free text (a memory id, a search query, a token) always comes last,
so it may contain `:`. Nothing here is secret or trusted: a forged `custom_id` still only reaches the
clicker's own memories, because the core scopes every call to the person who clicked.
"""

from __future__ import annotations

import re

CUSTOM_ID_LIMIT = 100
PAGE_SIZE = 5
LARGEST_OFFSET = 999_999
"""The page offset a query must leave room for: it has to fit on the buttons of every later page too."""

# Templates for `discord.ui.DynamicItem`; discord.py matches them against the whole custom_id.
DELETE = re.compile(r"mb:del:(?P<owner>\d{1,20}):(?P<number>\d{1,9}):(?P<memory_id>.+)", re.DOTALL)
PAGE = re.compile(r"mb:page:(?P<owner>\d{1,20}):(?P<offset>\d{1,9}):(?P<query>.*)", re.DOTALL)
EDIT = re.compile(r"mb:edit:(?P<owner>\d{1,20}):(?P<number>\d{1,9}):(?P<memory_id>.+)", re.DOTALL)
FORGET_ALL = re.compile(r"mb:forget-all:(?P<owner>\d{1,20}):(?P<token>.+)", re.DOTALL)
FORGET_ALL_LINKED = re.compile(r"mb:forget-linked:(?P<owner>\d{1,20}):(?P<token>.+)", re.DOTALL)
FORGET_ALL_CANCEL = re.compile(r"mb:forget-all-cancel:(?P<owner>\d{1,20})")
BEFORE_RESTARTS = re.compile(r"[0-9a-f]{32}")
"""What discord.py names a button that has no custom_id of its own: ours before their state moved in here."""


def delete_id(owner: str, number: int, memory_id: str) -> str:
    """The "Delete `number`" button: its page is the one that holds memory `number` (counted from 1)."""
    return f"mb:del:{owner}:{number}:{memory_id}"


def edit_id(owner: str, number: int, memory_id: str) -> str:
    """The "Edit `number`" button: opens a modal with that memory's text."""
    return f"mb:edit:{owner}:{number}:{memory_id}"


def forget_all_linked_id(owner: str, token: str) -> str:
    return f"mb:forget-linked:{owner}:{token}"


def page_id(owner: str, offset: int, query: str | None) -> str:
    """A paging button: which page it shows, and the search it continues ("" for the plain list)."""
    return f"mb:page:{owner}:{offset}:{query or ''}"


def forget_all_id(owner: str, token: str) -> str:
    return f"mb:forget-all:{owner}:{token}"


def forget_all_cancel_id(owner: str) -> str:
    return f"mb:forget-all-cancel:{owner}"


def offset_of(number: int) -> int:
    """The offset of the page on which memory `number` (counted from 1) is shown."""
    return max(number - 1, 0) // PAGE_SIZE * PAGE_SIZE


def fits(custom_id: str) -> bool:
    # Counted in UTF-16 code units, as JavaScript counts: never less than Python's count of code points, so
    # a query full of emoji cannot make Discord reject the whole message.
    return len(custom_id.encode("utf-16-le")) // 2 <= CUSTOM_ID_LIMIT


def query_for_buttons(owner: str, query: str | None) -> str | None:
    """`query` when the paging buttons of every page can carry it, else None (they page the plain list)."""
    if query is None or not fits(page_id(owner, LARGEST_OFFSET, query)):
        return None
    return query
