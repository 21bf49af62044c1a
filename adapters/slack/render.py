"""Core replies and memory pages → Slack messages (Block Kit), within Slack's limits and with text escaped.

Every piece of user or model text goes through `escape`: Slack's mrkdwn treats `<!channel>`, `<@U123>` and
`<https://evil|innocent>` as control sequences, and a bot that echoes them would ping or mislead on the user's
behalf. Limits: https://docs.slack.dev/reference/block-kit/blocks/section-block (3,000 characters of text) and
https://docs.slack.dev/reference/block-kit/blocks (50 blocks per message).
"""

from __future__ import annotations

import json
from typing import Any

from bot.types import Reply
from memory.ids import short_id
from memory.types import MemoryPage, MemoryRecord

SECTION_TEXT_LIMIT = 3000
MAX_BLOCKS = 50
FALLBACK_TEXT_LIMIT = 3000
BUTTON_VALUE_LIMIT = 2000
QUERY_VALUE_LIMIT = 500
PAGE_SIZE = 5

ACTION_FORGET = "memorybot_forget"
"""Delete-one buttons are `memorybot_forget:<n>`: action ids must be unique within a message."""
ACTION_PAGE = "memorybot_page"
"""`memorybot_page:prev` / `memorybot_page:next`."""
ACTION_FORGET_ALL = "memorybot_forget_all"
ACTION_FORGET_ALL_LINKED = "memorybot_forget_all_linked"
ACTION_EDIT = "memorybot_edit"
"""`memorybot_edit:<n>`, like the delete buttons: opens the edit modal for memory n of the page."""
EDIT_VIEW = "memorybot_edit_view"
EDIT_INPUT_BLOCK, EDIT_INPUT = "memory", "text"
MODAL_TEXT_LIMIT = 3000
ACTION_CANCEL = "memorybot_cancel"

Block = dict[str, Any]
Message = dict[str, Any]
"""`{"text": fallback, "blocks": [...]}`: keyword arguments for chat.postMessage or a response_url post."""

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    """Slack's three control characters as entities; `&` first so entities are not double-escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    """`text` escaped and, if needed, cut with "…" so that the escaped result is at most `limit` characters.

    Cutting happens on the raw text so that no entity such as `&amp;` is ever split.
    """
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    return escape(text[: _raw_prefix_fitting(text, limit - 1)]).rstrip() + "…"


def split(text: str, limit: int) -> list[str]:
    """`text` escaped, in pieces of at most `limit` characters, cut at a line or word break where possible."""
    pieces: list[str] = []
    rest = text.strip()
    while rest:
        if len(escape(rest)) <= limit:
            pieces.append(escape(rest))
            break
        n = _raw_prefix_fitting(rest, limit)
        cut = max(rest.rfind("\n", 0, n), rest.rfind(" ", 0, n))
        if cut < n // 2:  # no break in the second half: a hard cut wastes less space
            cut = n
        piece = escape(rest[:cut].rstrip())
        if piece:
            pieces.append(piece)
        rest = rest[cut:].lstrip()
    return pieces


def reply_message(reply: Reply) -> Message:
    """The bot's answer: the text in sections, then tags, the memories it drew on, and notices as context."""
    extras: list[Block] = []
    if reply.tags:
        tags = [f"`{fit(tag.replace('`', ''), 100)}`" for tag in reply.tags]
        extras.append(_context("*Tags:* " + _joined(tags)))
    if reply.memories_used:
        extras.append(_context("*Remembered:* " + _joined([fit(m, 300) for m in reply.memories_used], "; ")))
    if reply.notices:
        extras.append(_context(_joined([f"_{fit(n, 500)}_" for n in reply.notices], "\n")))
    # One character of headroom per piece, for the "…" that marks a reply cut at the block limit.
    pieces = split(reply.text, SECTION_TEXT_LIMIT - 1) or ["…"]
    room = MAX_BLOCKS - len(extras)
    if len(pieces) > room:
        pieces = pieces[:room]
        pieces[-1] += "…"
    sections = [_section(p) for p in pieces]
    fallback = reply.text.strip() or ("Tags: " + ", ".join(reply.tags) if reply.tags else "…")
    return {"text": fit(fallback, FALLBACK_TEXT_LIMIT), "blocks": sections + extras}


def notice_message(text: str) -> Message:
    """A one-paragraph message; `text` is escaped."""
    return {"text": fit(text, FALLBACK_TEXT_LIMIT), "blocks": [_section(fit(text, SECTION_TEXT_LIMIT))]}


def memory_page_message(
    page: MemoryPage, query: str | None = None, *, notes: list[str] | None = None
) -> Message:
    """One page of the caller's memories, each with a Delete button, Edit buttons, and Prev/Next buttons.

    `notes` (memory paused, linked accounts, retention, the outcome of an edit) go above the list.
    """
    q = f" matching “{fit(query, 200)}”" if query else ""
    if page.items:
        first, last = page.offset + 1, page.offset + len(page.items)
        order = "best matches first" if query else "newest first"
        head = f"*Your memories*{q}: {first}–{last} of {page.total}, {order}"
    elif query:
        head = f"None of your memories match “{fit(query, 200)}”."
    else:
        head = "I don't remember anything about you yet. Talk to me and I will."
    blocks: list[Block] = [_section(head)]
    if notes:
        blocks.append(_context(_joined([fit(n, 500) for n in notes], "\n")))
    state_query = query[:QUERY_VALUE_LIMIT] if query else None
    for n, record in enumerate(page.items[: MAX_BLOCKS - 3]):
        value = {"id": record.id, "o": page.offset, "q": state_query}
        blocks.append(
            {
                **_section(_memory_line(record)),
                "accessory": _button("Delete", f"{ACTION_FORGET}:{n}", value),
            }
        )
    edits = [
        _button(
            f"Edit {page.offset + n + 1}",
            f"{ACTION_EDIT}:{n}",
            {"id": r.id, "o": page.offset, "q": state_query},
        )
        for n, r in enumerate(page.items[: MAX_BLOCKS - 4])
    ]
    if edits:
        blocks.append({"type": "actions", "elements": edits[:25]})
    paging: list[Block] = []
    if page.has_previous:
        prev = {"o": max(0, page.offset - page.limit), "q": state_query}
        paging.append(_button("◀ Prev", f"{ACTION_PAGE}:prev", prev))
    if page.has_next:
        following = {"o": page.offset + page.limit, "q": state_query}
        paging.append(_button("Next ▶", f"{ACTION_PAGE}:next", following))
    if paging:
        blocks.append({"type": "actions", "elements": paging})
    blocks.append(
        _context(
            "`/forget <id>` deletes one, `/forget all` deletes everything, "
            "`/memories export` sends you all of them as a JSON file, "
            "`/memories edit <id> <text>` changes one, `/memories pause` stops me remembering."
        )
    )
    text = f"Your memories: {page.total}" if page.items else "No memories to show."
    return {"text": text, "blocks": blocks}


def forget_all_message(
    token: str, total: int, *, linked_token: str | None = None, linked: list[str] | None = None
) -> Message:
    """The confirmation step of `/forget all`: nothing is deleted until the danger button is clicked.

    For someone with linked accounts, a second danger button erases every linked account too.
    """
    if len(token) > BUTTON_VALUE_LIMIT or len(linked_token or "") > BUTTON_VALUE_LIMIT:
        raise ValueError("the confirmation token does not fit in a Slack button value")
    what = f"all *{total}* of your memories" if total else "all of your memories"
    intro = f"This deletes {what}, for good. Nothing is deleted until you click a red button."
    buttons = [{**_button("Delete all my memories", ACTION_FORGET_ALL, token), "style": "danger"}]
    if linked_token and linked:
        intro += (
            " Your account is linked with "
            + fit(", ".join(linked), 500)
            + ": the first button erases this account's memories only, the second every linked account's."
        )
        buttons.append(
            {
                **_button("Delete on every linked account", ACTION_FORGET_ALL_LINKED, linked_token),
                "style": "danger",
            }
        )
    return {
        "text": "Confirm: delete all your memories?",
        "blocks": [
            _section(intro),
            {"type": "actions", "elements": [*buttons, _button("Cancel", ACTION_CANCEL, "")]},
        ],
    }


def edit_modal(text: str, state: dict[str, Any]) -> Block:
    """The Edit button's modal: the memory's text, editable; `state` comes back with the submission."""
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": json.dumps(state, separators=(",", ":")),
        "title": {"type": "plain_text", "text": "Edit a memory"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": EDIT_INPUT_BLOCK,
                "label": {"type": "plain_text", "text": "What I should remember instead"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": EDIT_INPUT,
                    "multiline": True,
                    "max_length": MODAL_TEXT_LIMIT,
                    "initial_value": text[:MODAL_TEXT_LIMIT],
                },
            }
        ],
    }


def parse_page_state(value: str) -> tuple[int, str | None, str | None]:
    """(offset, query, memory id) from a button value made here; raises ValueError on anything else."""
    data = json.loads(value)
    if not isinstance(data, dict):
        raise ValueError("not a memorybot button value")
    offset, query, memory_id = data.get("o", 0), data.get("q"), data.get("id")
    if not isinstance(offset, int) or offset < 0:
        raise ValueError("bad offset")
    if query is not None and not isinstance(query, str):
        raise ValueError("bad query")
    if memory_id is not None and not isinstance(memory_id, str):
        raise ValueError("bad memory id")
    return offset, query, memory_id


def _memory_line(record: MemoryRecord) -> str:
    when = record.updated_at or record.created_at
    meta = [f"_{record.category}_"]
    if when is not None:
        meta.append(when.strftime("%Y-%m-%d"))
    meta.append(f"`{short_id(record.id)}`")
    return fit(record.text, SECTION_TEXT_LIMIT - 200) + "\n" + " · ".join(meta)


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _button(label: str, action_id: str, value: str | dict[str, Any]) -> Block:
    raw = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    button: Block = {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action_id}
    if raw:
        button["value"] = raw
    return button


def _joined(parts: list[str], sep: str = " ") -> str:
    """Join already-escaped parts, dropping whole parts rather than cutting one in the middle."""
    out: list[str] = []
    size = 0
    for part in parts:
        if size + len(part) + len(sep) > SECTION_TEXT_LIMIT - 100:
            out.append("…")
            break
        out.append(part)
        size += len(part) + len(sep)
    return sep.join(out)


def _raw_prefix_fitting(text: str, limit: int) -> int:
    """How many leading characters of `text` fit in `limit` once escaped."""
    size = 0
    for n, char in enumerate(text):
        size += len(_ESCAPES.get(char, char))
        if size > limit:
            return n
    return len(text)
