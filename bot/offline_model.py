"""The offline model: a pydantic-ai `FunctionModel` that tags with `bot.keyphrases` and the preferences.

How it sees the run's deps: `DepsChannel`, a capability every agent from `bot.agent.build_agent` carries, puts
the run's `TagDeps` in a context variable around each model request, and the model function reads it there.
We chose that over parsing the `<user_memory>` / `<shared_content>` blocks back out of the instructions
because the offline model needs more than text: the similarity function (to drop tags near avoided topics)
cannot travel in a prompt, and re-parsing escaped prompt text would tie the model to the exact rendering of
the instructions. The context variable is set and reset around the request itself, so concurrent runs (one
task each) never see each other's deps; pydantic-ai runs the (sync) model function in a worker thread with a
copy of the context, which keeps the CPU-bound keyphrase and embedding work off the event loop.

The instructions still carry the memory for real LLMs, and the tests check them separately.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from pydantic_ai import RunContext
from pydantic_ai.capabilities import AbstractCapability, WrapModelRequestHandler
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    UserPromptPart,
)
from pydantic_ai.models import ModelRequestContext
from pydantic_ai.models.function import AgentInfo, FunctionModel

from bot.errors import MemorybotError
from bot.offline_answers import answer
from bot.tagging import TagDeps

MODEL_NAME = "memorybot-offline"

__all__ = ["MODEL_NAME", "DepsChannel", "offline_model"]

_current_deps: ContextVar[TagDeps | None] = ContextVar("memorybot_offline_deps", default=None)


@dataclass(init=False)
class DepsChannel(AbstractCapability[TagDeps]):
    """Hands the run's deps to the offline model for the duration of each model request."""

    async def wrap_model_request(
        self,
        ctx: RunContext[TagDeps],
        *,
        request_context: ModelRequestContext,
        handler: WrapModelRequestHandler,
    ) -> ModelResponse:
        token = _current_deps.set(ctx.deps)
        try:
            return await handler(request_context)
        finally:
            _current_deps.reset(token)


def offline_model() -> FunctionModel:
    """A fresh offline model; deterministic, no network, no download."""
    return FunctionModel(_respond, model_name=MODEL_NAME)


def _respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    deps = _current_deps.get()
    if deps is None:
        raise MemorybotError("the offline model runs only inside an agent built by bot.agent.build_agent")
    result = answer(_last_user_text(messages), deps)
    if info.output_tools:
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, result.model_dump(mode="json"))])
    return ModelResponse(parts=[TextPart(result.model_dump_json())])


def _last_user_text(messages: list[ModelMessage]) -> str:
    for message in reversed(messages):
        if not isinstance(message, ModelRequest):
            continue
        for part in reversed(message.parts):
            if isinstance(part, UserPromptPart):
                if isinstance(part.content, str):
                    return part.content
                return " ".join(item for item in part.content if isinstance(item, str))
    return ""
