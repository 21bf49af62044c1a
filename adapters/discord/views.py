"""Buttons under `/memories list` and `/forget all`.

A view belongs to the person whose command created it: `interaction_check` refuses anyone else with a short
ephemeral note. Deletion is also scoped by the core to the clicker's own memories, so even a view shown to the
wrong person could not remove someone else's. Views stay live for 14 minutes, just under the 15 minutes for
which Discord lets us edit an interaction's messages.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import ui

from adapters.discord.convert import identity_for_interaction
from adapters.discord.render import memories_embed
from bot import messages
from bot.types import ChatIdentity
from memory.types import MemoryPage

if TYPE_CHECKING:
    from adapters.discord._service import ChatServiceLike

log = logging.getLogger(__name__)

VIEW_TIMEOUT_S = 14 * 60
UNDELIVERABLE = (discord.HTTPException, RuntimeError)
"""Best-effort notices give up on these: Discord said no, or the client closed during shutdown."""
PAGE_SIZE = 5

Interaction = discord.Interaction[discord.Client]


class OwnedView(ui.View):
    """A view only its owner may use."""

    refusal = "These buttons belong to someone else: run the command yourself to get your own."

    def __init__(self, owner: ChatIdentity, *, timeout: float | None = VIEW_TIMEOUT_S) -> None:
        super().__init__(timeout=timeout)
        self.owner = owner
        self.message: discord.WebhookMessage | None = None
        """Set by whoever sends the view, so a timeout can grey the buttons out."""

    async def interaction_check(self, interaction: Interaction, /) -> bool:
        if str(interaction.user.id) == self.owner.user:
            return True
        await interaction.response.send_message(self.refusal, ephemeral=True)
        return False

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, ui.Button):
                item.disabled = True
        if self.message is not None:
            with contextlib.suppress(*UNDELIVERABLE):
                await self.message.edit(view=self)

    async def on_error(self, interaction: Interaction, error: Exception, item: ui.Item[Any], /) -> None:
        log.exception("button %s failed", getattr(item, "label", item), exc_info=error)
        await tell_failure(interaction)


class _DeleteButton(ui.Button["MemoryPageView"]):
    def __init__(self, number: int, memory_id: str) -> None:
        super().__init__(label=f"Delete {number}", style=discord.ButtonStyle.danger, row=0)
        self.number = number
        self.memory_id = memory_id

    async def callback(self, interaction: Interaction) -> None:
        assert self.view is not None
        await self.view.delete(interaction, self.number, self.memory_id)


class _PageButton(ui.Button["MemoryPageView"]):
    def __init__(self, label: str, step: int, *, disabled: bool) -> None:
        super().__init__(label=label, style=discord.ButtonStyle.secondary, row=1, disabled=disabled)
        self.step = step

    async def callback(self, interaction: Interaction) -> None:
        assert self.view is not None
        await self.view.turn(interaction, self.step)


class MemoryPageView(OwnedView):
    """Newer/Older paging over the owner's memories, with one delete button per memory shown."""

    def __init__(
        self, service: ChatServiceLike, owner: ChatIdentity, page: MemoryPage, query: str | None
    ) -> None:
        super().__init__(owner)
        self.service = service
        self.query = query
        self.page = page
        self._rebuild()

    def _rebuild(self) -> None:
        self.clear_items()
        for number, record in enumerate(self.page.items, start=self.page.offset + 1):
            self.add_item(_DeleteButton(number, record.id))
        self.add_item(_PageButton("◀ Newer", -1, disabled=not self.page.has_previous))
        self.add_item(_PageButton("Older ▶", +1, disabled=not self.page.has_next))

    def embed(self) -> discord.Embed:
        return memories_embed(self.page, query=self.query)

    async def _load(self, offset: int) -> None:
        offset = max(offset, 0)
        page = await self.service.list_memories(self.owner, offset=offset, limit=PAGE_SIZE, query=self.query)
        while not page.items and page.offset > 0:  # the last page emptied: show the one before it
            offset = max(page.offset - PAGE_SIZE, 0)
            page = await self.service.list_memories(
                self.owner, offset=offset, limit=PAGE_SIZE, query=self.query
            )
        self.page = page
        self._rebuild()

    async def _show(self, interaction: Interaction, note: str | None) -> None:
        if not self.page.items:
            self.stop()
            await interaction.edit_original_response(
                content=note or messages.NO_MEMORIES, embed=None, view=None
            )
            return
        await interaction.edit_original_response(content=note, embed=self.embed(), view=self)

    async def turn(self, interaction: Interaction, step: int) -> None:
        await interaction.response.defer()  # the store may be slower than Discord's 3 s answer window
        await self._load(self.page.offset + step * PAGE_SIZE)
        await self._show(interaction, None)

    async def delete(self, interaction: Interaction, number: int, memory_id: str) -> None:
        await interaction.response.defer()
        clicker = identity_for_interaction(interaction)
        removed = await self.service.forget(clicker, memory_id)
        note = f"Forgot memory {number}." if removed else f"Memory {number} was already gone."
        await self._load(self.page.offset)
        await self._show(interaction, note)


class ForgetAllView(OwnedView):
    """The danger button of `/forget all`: nothing is deleted until its owner clicks it."""

    refusal = "Only the person who ran /forget all can confirm it."

    def __init__(self, service: ChatServiceLike, owner: ChatIdentity, token: str) -> None:
        super().__init__(owner)
        self.service = service
        self._token = token

    @ui.button(label="Forget everything", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: Interaction, button: ui.Button[ForgetAllView]) -> None:
        await interaction.response.defer()
        self.stop()
        count = await self.service.confirm_forget_all(identity_for_interaction(interaction), self._token)
        text = messages.FORGET_ALL_REFUSED if count is None else messages.forget_all_done(count)
        await interaction.edit_original_response(content=text, view=None)

    @ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: Interaction, button: ui.Button[ForgetAllView]) -> None:
        self.stop()
        await interaction.response.edit_message(content="Cancelled: nothing was forgotten.", view=None)


async def tell_failure(interaction: Interaction) -> None:
    """Say privately that a command or button failed; an interaction past answering is let go."""
    text = "Sorry, that did not work; please try again."
    with contextlib.suppress(*UNDELIVERABLE):
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
