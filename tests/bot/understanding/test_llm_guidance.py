"""Guidance the rules cannot read, read by an LLM (scripted here) into the same preference model."""

from __future__ import annotations

from typing import Any

from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from bot.understanding.llm_guidance import GuidanceReader
from bot.understanding.preferences import Preference


def answering(*outputs: dict[str, Any]) -> FunctionModel:
    queue = list(outputs)

    def respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, queue.pop(0))])

    return FunctionModel(respond)


async def test_the_model_names_preferences_in_the_schema() -> None:
    reader = GuidanceReader(
        answering(
            {
                "preferences": [
                    {"kind": "format.case", "value": "upper"},
                    {"kind": "identity.name", "value": "Ops"},  # nobody's default: dropped
                ]
            }
        )
    )
    assert await reader("Make every tag shout") == [Preference.from_key("format.case", "upper")]


async def test_an_answer_outside_the_schema_reads_as_no_preference() -> None:
    bad = {"preferences": [{"kind": "format.case", "value": "sideways"}]}
    reader = GuidanceReader(answering(bad, bad))  # one retry, then give up
    assert await reader("Tags sideways please") == []
