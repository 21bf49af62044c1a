"""Operator guidance the rules cannot read, read by the configured LLM into the same preference model.

`memorybot guidance add "Make every tag shout"` means `format.case = upper`, but no rule says so. With a real
`BOT_MODEL`, a small pydantic-ai agent with structured output (`Extraction`) names the preferences; pydantic
validates each against the schema, and the same filter as for rule-read guidance applies (a name, a role or
a free-form fact is nobody's default). Offline, such guidance stays plain text for LLM models to read.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel, Field
from pydantic_ai import Agent
from pydantic_ai.models import Model

from bot.understanding.preferences import Preference

__all__ = ["Extraction", "GuidanceReader"]

log = logging.getLogger(__name__)

INSTRUCTIONS = """\
You read one piece of guidance that a chat bot's operator wrote for how the bot tags everyone's \
messages, and name the tag preferences it states. Kinds: format.case (value lower / upper / title), \
format.hashtags (yes / no), format.number (singular / plural), format.max_tags (a number from 1 to 20), \
tag.always and tag.never (subject: the tag in lowercase kebab-case, value: the tag as written), topic \
(subject: the topic in lowercase, value like / avoid). Return no preference for anything else.\
"""


class Extraction(BaseModel):
    preferences: list[Preference] = Field(default_factory=list)


class GuidanceReader:
    """Reads guidance with an LLM; any failure reads as "no preference" (the text is still kept)."""

    def __init__(self, model: Model) -> None:
        self._agent: Agent[None, Extraction] = Agent(
            model, output_type=Extraction, instructions=INSTRUCTIONS, retries=1
        )

    async def __call__(self, text: str) -> list[Preference]:
        try:
            run = await self._agent.run(text)
        except Exception as exc:  # an unreachable or confused model must not lose the operator's guidance
            log.warning("guidance could not be read by the model", extra={"error": type(exc).__name__})
            return []
        return [p for p in run.output.preferences if not p.kind.startswith(("identity.", "fact", "reply."))]
