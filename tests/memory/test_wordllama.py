"""The bundled static embedder: offline, normalised, and symmetric, through Mem0's embedder interface."""

from __future__ import annotations

import numpy as np
import pytest
import requests

from memory.embedder import WordLlamaEmbedder, embed_static
from memory.index_text import index_text, spoken_date
from memory.wordllama import _load, load_wordllama


def test_loads_from_the_wheel_without_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("wordllama tried to download something")

    monkeypatch.setattr(requests, "get", no_network)
    monkeypatch.setattr(requests.Session, "request", no_network)
    _load.cache_clear()
    model = load_wordllama()
    assert model.embedding.shape[1] == 256
    assert load_wordllama() is model  # cached


def test_vectors_are_unit_length_and_the_same_for_queries_and_passages() -> None:
    embedder = WordLlamaEmbedder()
    query = embedder.embed("peanut allergy", "search")
    passage = embedder.embed("peanut allergy", "add")
    assert len(query) == 256 and query == passage
    assert np.linalg.norm(query) == pytest.approx(1.0, abs=1e-5)
    near, far = embed_static(["allergic to peanuts", "a trip to the Alps"]) @ np.asarray(query)
    assert near > far


def test_an_empty_text_gets_a_zero_vector_not_nan() -> None:
    rows = embed_static(["", "hello"])
    assert not np.isnan(rows).any() and not rows[0].any()


def test_index_text_adds_speaker_and_date_in_words() -> None:
    assert index_text("Caroline: I went to a support group", {"session_date": "1:56 pm on 8 May, 2023"}) == (
        "Caroline: I went to a support group (8 May 2023)"
    )
    assert index_text("likes jazz", {"speaker": "Sam", "created_at": "2026-11-30T12:00:00+00:00"}) == (
        "Sam: likes jazz (30 November 2026)"
    )
    assert index_text("Sam: likes jazz", {"speaker": "Sam"}) == "Sam: likes jazz"
    assert spoken_date({"session_date": "last summer"}) == "last summer"
    assert spoken_date({}) is None
