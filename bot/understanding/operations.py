"""Memory updates as typed operations: what every producer emits and the update worker applies.

Producers (the offline rules, an LLM's structured output, operator guidance, the start-up upgrade) all emit
the same `Operation`s, and `validate_operations` checks them in one place before anything touches the store.
An operation never names a user: the `MemoryUpdate` that carries it is built by the chat service for the
speaker, so no producer can reach anyone else's memories.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.understanding.preferences import Preference, Profile

__all__ = [
    "Add",
    "Forget",
    "Interaction",
    "MemoryUpdate",
    "Operation",
    "Producer",
    "Remove",
    "Replace",
    "UpdateSource",
    "applied_to",
    "validate_operations",
]

Producer = Literal["offline", "llm", "mem0", "guidance", "migration"]


class _Op(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: Producer = "offline"
    """Who emitted the operation; set by the validator, never trusted from a model."""


class Add(_Op):
    """Remember a preference or fact; whatever the same key held before is replaced (the newest word wins)."""

    op: Literal["add"] = "add"
    preference: Preference
    correction: bool = False
    """True when the person corrected the bot's tags ("no — basketball, not points"); such preferences are
    counted, anonymously, towards bot-wide guidance suggestions."""


class Replace(_Op):
    """Replace what `key` holds by `preference` (which may have another key: "uppercase, not lowercase")."""

    op: Literal["replace"] = "replace"
    key: str
    preference: Preference


class Remove(_Op):
    """Retract: forget what `key` holds (only if it holds `value`, when given), or one memory by its id."""

    op: Literal["remove"] = "remove"
    key: str | None = None
    value: str | None = None
    memory_id: str | None = None


class Forget(_Op):
    """Forget the memories matching a description ("what I said about my dog"); the service resolves it
    against the speaker's memories and asks to confirm when the match is ambiguous or weak."""

    op: Literal["forget"] = "forget"
    description: str = Field(min_length=1, max_length=200)


Operation = Annotated[Add | Replace | Remove | Forget, Field(discriminator="op")]


class UpdateSource(BaseModel):
    """Where the message behind an update came from; stored on each memory it writes."""

    model_config = ConfigDict(frozen=True)

    platform: str
    channel: str | None = None
    thread: str | None = None
    message_link: str | None = None

    def metadata(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class Interaction(BaseModel):
    """A tagging exchange to remember: what was tagged and the tags exactly as the reply showed them."""

    model_config = ConfigDict(frozen=True)

    subject: str
    tags: tuple[str, ...]
    title: str | None = None
    url: str | None = None


class MemoryUpdate(BaseModel):
    """Everything one message changes in its speaker's memory; what the durable queue stores (as JSON)."""

    model_config = ConfigDict(frozen=True)

    key: str
    """Idempotency key (platform + message id): replaying the same update changes nothing."""
    user_id: str
    run_id: str | None = None
    source: UpdateSource
    operations: tuple[Operation, ...] = ()
    interaction: Interaction | None = None
    infer_messages: tuple[dict[str, str], ...] = ()
    """The exchange, for Mem0's own LLM extraction when MEMORY_LLM is set; empty otherwise."""


def validate_operations(
    raw: Iterable[Any], *, source: Producer, own_memory_ids: Sequence[str] | None = None
) -> list[Operation]:
    """The one check every producer's operations pass: well-formed, stamped with their source, and a
    removal by id only for one of the speaker's own memories. Invalid operations are dropped, not raised:
    a model's mistake costs that operation, never the reply.

    Args:
        raw: Operations or their JSON form, from any producer.
        source: Who produced them; overrides whatever they claim.
        own_memory_ids: The speaker's memory ids; a removal by id must name one of them. None: no id allowed.
    """
    from pydantic import TypeAdapter

    adapter: TypeAdapter[Operation] = TypeAdapter(Operation)
    allowed = set(own_memory_ids or ())
    out: list[Operation] = []
    for item in raw:
        try:
            op = adapter.validate_python(item.model_dump() if isinstance(item, BaseModel) else item)
        except ValidationError:
            continue
        if isinstance(op, Remove):
            if op.memory_id is not None and op.memory_id not in allowed:
                continue
            if op.memory_id is None and not op.key:
                continue
        op = op.model_copy(update={"source": source})
        if op not in out:
            out.append(op)
    return out


def applied_to(profile: Profile, operations: Sequence[Operation]) -> Profile:
    """The profile as it will be once `operations` land: what a message says shapes its own reply."""
    for op in operations:
        if isinstance(op, Add):
            profile = profile.plus([op.preference])
        elif isinstance(op, Replace):
            profile = profile.without(op.key).plus([op.preference])
        elif isinstance(op, Remove) and op.key:
            profile = profile.without(op.key, op.value)
    return profile
