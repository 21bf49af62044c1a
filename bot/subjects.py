"""One general subject tag for a text ("basketball", "astronomy", "databases"), when the subject is clear.

Keyphrases name what a text mentions (`lakers`, `rebounds`); people also file things under what it is about.
The text's WordLlama embedding is compared with each subject's; the nearest one becomes a tag when it is
close enough and clearly ahead of the runner-up that is not its neighbour in the list's sense (`football`
and `soccer` agreeing is no doubt). Each subject is embedded with a few words that pin its sense down
("python" the language, not the snake); the tag is the subject's name alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from bot.word_vectors import phrase_vectors
from memory.wordllama import load_wordllama

SUBJECTS: dict[str, str] = {
    # sport
    "basketball": "basketball NBA hoops dunk rebounds point guard",
    "football": "football soccer Premier League goal striker midfielder",
    "american-football": "American football NFL quarterback touchdown",
    "baseball": "baseball MLB pitcher home run innings",
    "tennis": "tennis Wimbledon grand slam serve",
    "golf": "golf PGA golfer birdie course",
    "cricket": "cricket test match wicket batsman",
    "motorsport": "Formula One motor racing grand prix driver",
    "cycling": "cycling Tour de France cyclist",
    "olympics": "Olympic Games athletes medals",
    "boxing": "boxing boxer heavyweight bout",
    "ice-hockey": "ice hockey NHL puck",
    "running": "running marathon runners race",
    "fitness": "fitness exercise workout gym training",
    # science
    "astronomy": "astronomy telescope planets stars galaxies space",
    "space-exploration": "spaceflight NASA rocket launch astronauts",
    "physics": "physics particles quantum energy",
    "chemistry": "chemistry molecules chemical reactions",
    "biology": "biology cells organisms genes",
    "genetics": "genetics DNA genome genes",
    "neuroscience": "neuroscience brain neurons",
    "climate": "climate change global warming emissions",
    "ecology": "ecology ecosystems species wildlife",
    "geology": "geology rocks earthquakes volcanoes",
    "mathematics": "mathematics theorem proof equations",
    "medicine": "medicine patients treatment doctors clinical",
    "public-health": "public health disease outbreak vaccination",
    "nutrition": "nutrition diet healthy eating",
    "psychology": "psychology behaviour mental health",
    "archaeology": "archaeology ancient ruins excavation",
    # technology
    "programming": "programming code software developers",
    "python": "Python programming language",
    "javascript": "JavaScript web development frontend",
    "rust": "Rust programming language memory safety",
    "databases": "databases SQL queries PostgreSQL indexes",
    "cloud-computing": "cloud computing Kubernetes containers servers",
    "devops": "DevOps deployment CI pipelines infrastructure",
    "cybersecurity": "cybersecurity hackers vulnerability malware",
    "machine-learning": "machine learning neural networks models training",
    "artificial-intelligence": "artificial intelligence AI chatbots",
    "open-source": "open source software projects contributors",
    "smartphones": "smartphones iPhone Android mobile phones",
    "computer-hardware": "computer hardware chips processors",
    "web-development": "web development websites browsers HTML",
    "video-games": "video games gaming consoles Nintendo",
    "internet": "internet online websites social media",
    "cryptocurrency": "cryptocurrency bitcoin blockchain",
    "robotics": "robotics robots automation",
    "electric-vehicles": "electric vehicles EV batteries Tesla",
    # business and money
    "economics": "economy inflation interest rates central bank",
    "finance": "finance investors markets stocks",
    "banking": "banking banks loans",
    "startups": "startups venture capital founders funding",
    "retail": "retail shopping stores consumers",
    "real-estate": "real estate housing property prices",
    "energy": "energy oil gas power electricity",
    "aviation": "aviation airlines aircraft flights",
    "automotive": "cars automakers vehicles",
    "employment": "jobs employment workers labour market",
    "marketing": "marketing advertising brands",
    # society
    "politics": "politics election government parliament",
    "law": "law court judge lawsuit",
    "crime": "crime police arrest murder",
    "education": "education schools teachers students",
    "religion": "religion church faith",
    "military": "military army war troops",
    "immigration": "immigration migrants border",
    "human-rights": "human rights protest freedom",
    # culture and life
    "music": "music songs album band concert",
    "film": "film movies cinema director actors",
    "television": "television TV series episodes",
    "books": "books novel author literature",
    "art": "art painting artists museum exhibition",
    "photography": "photography camera photos",
    "theatre": "theatre stage play actors",
    "fashion": "fashion designers clothing runway",
    "celebrities": "celebrities stars gossip",
    "baking": "baking bread cake oven flour",
    "cooking": "cooking recipes kitchen dishes",
    "food": "food restaurants dining",
    "coffee": "coffee espresso cafe",
    "wine": "wine vineyards winery",
    "travel": "travel tourism tourists destinations",
    "gardening": "gardening plants garden",
    "pets": "pets dogs cats",
    "parenting": "parenting children parents",
    "weather": "weather storms rain forecast",
    "history": "history historical past centuries",
    "architecture": "architecture buildings design",
    "design": "design user interface graphics",
}
"""Subject tag -> the words its embedding is made of."""

MIN_SIMILARITY = 0.30
"""Below this the text is about nothing on the list closely enough (measured on WordLlama 256)."""
MIN_MARGIN = 0.03
"""How far the winner must lead the runner-up that does not share a keyword sense with it."""


def subject_for(text_vector: NDArray[np.float32], tags: Sequence[str] = ()) -> str | None:
    """The text's general subject as a tag, or None when no subject is clear.

    Args:
        text_vector: The text's unit-length WordLlama embedding.
        tags: Tags already chosen; a subject among them ("python" beside "python") adds nothing.
    """
    names, vectors = _subject_vectors()
    scores = vectors @ text_vector
    order = np.argsort(-scores, kind="stable")
    best = int(order[0])
    if float(scores[best]) < MIN_SIMILARITY:
        return None
    runner_up = next((int(i) for i in order[1:] if not _neighbours(best, int(i))), None)
    if runner_up is not None and float(scores[best]) - float(scores[runner_up]) < MIN_MARGIN:
        return None
    name = names[best]
    return None if name in tags else name


STATIC_RANK = 15
"""`static_agrees`: the topic must be among this many nearest subjects to the phrase."""


def static_agrees(phrase: str, topic: str) -> bool:
    """Whether WordLlama, too, puts `phrase` near `topic`: fewer than `STATIC_RANK` unrelated subjects nearer.

    Subjects near the topic itself (its synonyms: "cryptocurrency" for "crypto") are not rivals. Measured:
    on 500N-KPCrowd this check removed two thirds of the tags a person avoiding politics lost in
    non-political stories (names such as "paris hilton", "dennis rodman") and none in political ones.
    """
    vectors = _subject_vectors()[1]
    phrase_vector, topic_vector = phrase_vectors([words(phrase), words(topic)])
    if not phrase_vector.any() or not topic_vector.any():
        return False
    rivals = vectors[(vectors @ topic_vector) < 0.6]
    topic_score = float(phrase_vector @ topic_vector)
    return int(np.sum(rivals @ phrase_vector > topic_score)) < STATIC_RANK


def _neighbours(a: int, b: int) -> bool:
    """Overlapping subjects (football / american-football, cooking / baking) leave no doubt between them."""
    return float(_subject_vectors()[1][a] @ _subject_vectors()[1][b]) >= 0.6


@lru_cache(maxsize=1)
def _subject_vectors() -> tuple[list[str], NDArray[np.float32]]:
    names = list(SUBJECTS)
    matrix = load_wordllama().embed([SUBJECTS[n] for n in names])
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return names, (matrix / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def words(phrase: str) -> list[str]:
    return [w for w in re.split(r"[^\w+#.]+|_", phrase.lower()) if w.strip(".")]


__all__ = ["MIN_MARGIN", "MIN_SIMILARITY", "STATIC_RANK", "SUBJECTS", "static_agrees", "subject_for"]
