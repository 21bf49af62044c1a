"""Buttons under `/memories list` and `/forget all`, answerable by any process at any time.

Each button is a `discord.ui.DynamicItem`: everything a click needs is in its `custom_id` (custom_ids.py), and
the classes are registered once per client (`PERSISTENT_BUTTONS`), so a click on a message sent before a
restart, or by another shard's process, still works. No view lives in memory between clicks; each answer
builds the next one from what the core says now.

Who may click is checked twice: the `custom_id` names its owner and anyone else gets a short ephemeral
refusal; and the core only ever deletes the clicker's own memories and accepts a forget-all token only from
the user it was issued to, which also covers a hand-made `custom_id`.

A new button must be a `DynamicItem` too: `OutdatedButton` answers every custom_id of the kind discord.py
gives a plain `ui.Button`, so a button kept in memory would get two answers.
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import TYPE_CHECKING, Any, ClassVar

import discord
from discord import ui

from adapters.discord import custom_ids
from adapters.discord.client import MemorybotClient
from adapters.discord.convert import identity_for_interaction
from adapters.discord.custom_ids import PAGE_SIZE
from adapters.discord.render import memories_embed
from bot import messages
from bot.types import ChatIdentity
from memory.types import MemoryPage

if TYPE_CHECKING:
    from adapters.discord._service import ChatServiceLike

log = logging.getLogger(__name__)

UNDELIVERABLE = (discord.HTTPException, RuntimeError)
"""Best-effort notices give up on these: Discord said no, or the client closed during shutdown."""
NOT_YOURS = "These buttons belong to someone else: run the command yourself to get your own."
NOT_YOUR_FORGET_ALL = "Only the person who ran /forget all can confirm it."
CANCELLED = "Cancelled: nothing was forgotten."
OUTDATED = "These buttons are from an older version of me and no longer work: please run the command again."
QUERY_NOT_KEPT = (
    "-# Your search is too long for the buttons to keep, so Newer/Older and Delete go on with all your "
    "memories."
)

MODAL_TEXT_LIMIT = 1000
Interaction = discord.Interaction[discord.Client]
AnyButton = ui.Button[Any]


def _service(interaction: Interaction) -> ChatServiceLike:
    client = interaction.client
    if not isinstance(client, MemorybotClient):
        raise RuntimeError("memorybot's buttons need the adapter's client")
    return client.service


class _OwnedButton(ui.DynamicItem[AnyButton], template=r"(?!)"):
    """A button only its owner may use. Never registered itself (its template matches nothing)."""

    refusal: ClassVar[str] = NOT_YOURS

    def __init__(self, owner: str, button: AnyButton) -> None:
        super().__init__(button)
        self.owner = owner

    async def interaction_check(self, interaction: Interaction, /) -> bool:
        if str(interaction.user.id) == self.owner:
            return True
        await interaction.response.send_message(self.refusal, ephemeral=True)
        return False

    async def callback(self, interaction: Interaction) -> None:
        # discord.py only logs an error from a dynamic item; the clicker would see "This interaction failed".
        try:
            await self.clicked(interaction, _service(interaction))
        except Exception:
            log.exception("button %s failed", type(self).__name__)
            await tell_failure(interaction)

    async def clicked(self, interaction: Interaction, service: ChatServiceLike) -> None:
        raise NotImplementedError


# --- /memories list ----------------------------------------------------------------------------------


class _MemoryButton(_OwnedButton, template=r"(?!)"):
    """A button for memory `number` of a listed page ("Delete n", "Edit n"), carrying the memory's id.

    Subclasses name only their verb, style, row and custom id; never registered itself."""

    verb: ClassVar[str]
    button_style: ClassVar[discord.ButtonStyle]
    button_row: ClassVar[int]

    def __init__(self, owner: str, number: int, memory_id: str) -> None:
        button: AnyButton = ui.Button(
            label=f"{self.verb} {number}",
            style=self.button_style,
            row=self.button_row,
            custom_id=self.custom_id_for(owner, number, memory_id),
        )
        super().__init__(owner, button)
        self.number = number
        self.memory_id = memory_id

    @staticmethod
    def custom_id_for(owner: str, number: int, memory_id: str) -> str:
        raise NotImplementedError

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> _MemoryButton:
        return cls(match["owner"], int(match["number"]), match["memory_id"])


class DeleteButton(_MemoryButton, template=custom_ids.DELETE):
    """ "Delete n": forget that memory, then show its page again as it is now."""

    verb, button_style, button_row = "Delete", discord.ButtonStyle.danger, 0
    custom_id_for = staticmethod(custom_ids.delete_id)

    async def clicked(self, interaction: Interaction, service: ChatServiceLike) -> None:
        await interaction.response.defer()  # the store may be slower than Discord's 3 s answer window
        clicker = identity_for_interaction(interaction)
        removed = await service.forget(clicker, self.memory_id)
        note = f"Forgot memory {self.number}." if removed else f"Memory {self.number} was already gone."
        query = _listing_query(interaction.message)
        await _show_page(interaction, service, clicker, custom_ids.offset_of(self.number), query, note)


class PageButton(_OwnedButton, template=custom_ids.PAGE):
    """ "◀ Newer" / "Older ▶": show the page at `offset` of the same listing."""

    def __init__(
        self, owner: str, offset: int, query: str | None, *, label: str = "", disabled: bool = False
    ) -> None:
        button: AnyButton = ui.Button(
            label=label,
            style=discord.ButtonStyle.secondary,
            row=1,
            disabled=disabled,
            custom_id=custom_ids.page_id(owner, offset, query),
        )
        super().__init__(owner, button)
        self.offset = offset
        self.query = query or None

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> PageButton:
        return cls(match["owner"], int(match["offset"]), match["query"])

    async def clicked(self, interaction: Interaction, service: ChatServiceLike) -> None:
        await interaction.response.defer()
        clicker = identity_for_interaction(interaction)
        await _show_page(interaction, service, clicker, self.offset, self.query, None)


class EditButton(_MemoryButton, template=custom_ids.EDIT):
    """ "Edit n": a modal with the memory's text; saving it replaces the memory and refreshes the page."""

    verb, button_style, button_row = "Edit", discord.ButtonStyle.secondary, 2
    custom_id_for = staticmethod(custom_ids.edit_id)

    async def clicked(self, interaction: Interaction, service: ChatServiceLike) -> None:
        # A modal must be the first answer (no defer); reading one memory by id takes milliseconds.
        record = await service.owned_memory(identity_for_interaction(interaction), self.memory_id)
        if record is None:
            await interaction.response.send_message(f"Memory {self.number} is gone.", ephemeral=True)
            return
        query = _listing_query(interaction.message)
        await interaction.response.send_modal(EditModal(record.id, record.text, self.number, query))


class EditModal(ui.Modal, title="Edit a memory"):
    """Lives in this process until submitted (Discord allows 15 minutes); a restart drops it, the button
    opens a new one."""

    def __init__(self, memory_id: str, text: str, number: int, query: str | None) -> None:
        super().__init__(timeout=15 * 60)
        self.memory_id = memory_id
        self.number = number
        self.query = query
        self.text: ui.TextInput[EditModal] = ui.TextInput(
            label="What I should remember instead",
            style=discord.TextStyle.long,
            default=text[:MODAL_TEXT_LIMIT],
            max_length=MODAL_TEXT_LIMIT,
        )
        self.add_item(self.text)

    async def on_submit(self, interaction: Interaction, /) -> None:
        try:
            service = _service(interaction)
            await interaction.response.defer()
            clicker = identity_for_interaction(interaction)
            note = await service.edit(clicker, self.memory_id, self.text.value)
            await _show_page(
                interaction, service, clicker, custom_ids.offset_of(self.number), self.query, note
            )
        except Exception:
            log.exception("editing a memory failed")
            await tell_failure(interaction)


def memory_page_view(owner: str, page: MemoryPage, query: str | None) -> ui.View:
    """The buttons for one page of `owner`'s memories: one delete per memory shown, then Newer / Older.

    Args:
        owner: the Discord user id the buttons answer to.
        page: the page shown in the embed above the buttons.
        query: the search the paging buttons continue; dropped when it does not fit (`query_for_buttons`).
    """
    view = ui.View(timeout=None)  # nothing to time out: the buttons hold no state in this process
    for number, record in enumerate(page.items, start=page.offset + 1):
        if custom_ids.fits(custom_ids.delete_id(owner, number, record.id)):
            view.add_item(DeleteButton(owner, number, record.id))
        else:  # not a Mem0 id; /forget memory still reaches it
            log.warning("memory id %r is too long for a delete button", record.id)
    for number, record in enumerate(page.items, start=page.offset + 1):
        if custom_ids.fits(custom_ids.edit_id(owner, number, record.id)):
            view.add_item(EditButton(owner, number, record.id))
    query = custom_ids.query_for_buttons(owner, query)
    newer, older = max(page.offset - PAGE_SIZE, 0), page.offset + PAGE_SIZE
    view.add_item(PageButton(owner, newer, query, label="◀ Newer", disabled=not page.has_previous))
    view.add_item(PageButton(owner, older, query, label="Older ▶", disabled=not page.has_next))
    return view


def _listing_query(message: discord.Message | None) -> str | None:
    """The search a listing continues, read from its paging buttons (delete buttons do not carry it)."""
    for row in message.components if message is not None else []:
        for component in getattr(row, "children", []):
            match = custom_ids.PAGE.fullmatch(getattr(component, "custom_id", None) or "")
            if match is not None:
                return match["query"] or None
    return None


async def _load_page(
    service: ChatServiceLike, owner: ChatIdentity, offset: int, query: str | None
) -> MemoryPage:
    page = await service.list_memories(owner, offset=max(offset, 0), limit=PAGE_SIZE, query=query)
    while not page.items and page.offset > 0:  # past the end (the last page emptied): show the last one
        offset = max(min(page.offset, page.total) - 1, 0) // PAGE_SIZE * PAGE_SIZE
        page = await service.list_memories(owner, offset=offset, limit=PAGE_SIZE, query=query)
    return page


async def _show_page(
    interaction: Interaction,
    service: ChatServiceLike,
    owner: ChatIdentity,
    offset: int,
    query: str | None,
    note: str | None,
) -> None:
    page = await _load_page(service, owner, offset, query)
    if not page.items:
        await interaction.edit_original_response(content=note or messages.NO_MEMORIES, embed=None, view=None)
        return
    await interaction.edit_original_response(
        content=note, embed=memories_embed(page, query=query), view=memory_page_view(owner.user, page, query)
    )


# --- /forget all -------------------------------------------------------------------------------------


class _ConfirmForgetButton(_OwnedButton, template=r"(?!)"):
    """A danger button of `/forget all`; its token is signed for its owner and expires (bot/confirm.py).

    The two confirmations (this account, every linked account) differ only in label, custom id and which
    erasure they confirm, so each subclass names just those."""

    refusal = NOT_YOUR_FORGET_ALL
    label: ClassVar[str]

    def __init__(self, owner: str, token: str) -> None:
        button: AnyButton = ui.Button(
            label=self.label, style=discord.ButtonStyle.danger, custom_id=self.custom_id_for(owner, token)
        )
        super().__init__(owner, button)
        self.token = token

    @staticmethod
    def custom_id_for(owner: str, token: str) -> str:
        raise NotImplementedError

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> _ConfirmForgetButton:
        return cls(match["owner"], match["token"])

    async def confirm(self, service: ChatServiceLike, identity: ChatIdentity) -> int | None:
        raise NotImplementedError

    async def clicked(self, interaction: Interaction, service: ChatServiceLike) -> None:
        await interaction.response.defer()
        count = await self.confirm(service, identity_for_interaction(interaction))
        text = messages.FORGET_ALL_REFUSED if count is None else messages.forget_all_done(count)
        await interaction.edit_original_response(content=text, view=None)


class ConfirmForgetAllButton(_ConfirmForgetButton, template=custom_ids.FORGET_ALL):
    label = "Forget everything"
    custom_id_for = staticmethod(custom_ids.forget_all_id)

    async def confirm(self, service: ChatServiceLike, identity: ChatIdentity) -> int | None:
        return await service.confirm_forget_all(identity, self.token)


class ConfirmForgetLinkedButton(_ConfirmForgetButton, template=custom_ids.FORGET_ALL_LINKED):
    """Every linked account's memories, for a person who linked accounts."""

    label = "Forget on every linked account"
    custom_id_for = staticmethod(custom_ids.forget_all_linked_id)

    async def confirm(self, service: ChatServiceLike, identity: ChatIdentity) -> int | None:
        return await service.confirm_forget_all_linked(identity, self.token)


class CancelForgetAllButton(_OwnedButton, template=custom_ids.FORGET_ALL_CANCEL):
    refusal = NOT_YOUR_FORGET_ALL

    def __init__(self, owner: str) -> None:
        custom_id = custom_ids.forget_all_cancel_id(owner)
        button: AnyButton = ui.Button(
            label="Cancel", style=discord.ButtonStyle.secondary, custom_id=custom_id
        )
        super().__init__(owner, button)

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> CancelForgetAllButton:
        return cls(match["owner"])

    async def clicked(self, interaction: Interaction, service: ChatServiceLike) -> None:
        await interaction.response.edit_message(content=CANCELLED, view=None)


def forget_all_view(owner: str, token: str, linked_token: str | None = None) -> ui.View:
    """ "Forget everything" / "Cancel" for `owner`, with the confirmation `token` from the core.

    Raises:
        ValueError: the token is too long for a custom_id (the core's token format changed).
    """
    if not custom_ids.fits(custom_ids.forget_all_id(owner, token)):
        raise ValueError(f"a forget-all token of {len(token)} characters does not fit in a button")
    view = ui.View(timeout=None)
    view.add_item(ConfirmForgetAllButton(owner, token))
    if linked_token is not None and custom_ids.fits(custom_ids.forget_all_linked_id(owner, linked_token)):
        view.add_item(ConfirmForgetLinkedButton(owner, linked_token))
    view.add_item(CancelForgetAllButton(owner))
    return view


# --- buttons from before ------------------------------------------------------------------------------


class OutdatedButton(ui.DynamicItem[AnyButton], template=custom_ids.BEFORE_RESTARTS):
    """A button from a version that kept its state in memory: say so instead of "This interaction failed"."""

    def __init__(self, custom_id: str) -> None:
        super().__init__(ui.Button(label="…", custom_id=custom_id))

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> OutdatedButton:
        return cls(match.string)

    async def callback(self, interaction: Interaction) -> None:
        with contextlib.suppress(*UNDELIVERABLE):
            await interaction.response.send_message(OUTDATED, ephemeral=True)


PERSISTENT_BUTTONS: tuple[type[ui.DynamicItem[AnyButton]], ...] = (
    DeleteButton,
    EditButton,
    PageButton,
    ConfirmForgetAllButton,
    ConfirmForgetLinkedButton,
    CancelForgetAllButton,
    OutdatedButton,
)
"""Register with `client.add_dynamic_items(*PERSISTENT_BUTTONS)` before connecting."""


async def tell_failure(interaction: Interaction) -> None:
    """Say privately that a command or button failed; an interaction past answering is let go."""
    text = "Sorry, that did not work; please try again."
    with contextlib.suppress(*UNDELIVERABLE):
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
