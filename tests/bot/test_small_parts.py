"""Input cleaning, rate limiting and confirmation tokens."""

from __future__ import annotations

from pathlib import Path

from bot.confirm import ConfirmTokens, load_or_create_secret
from bot.ratelimit import RateLimiter
from bot.text import RECALL_QUERY_CHARS, clean_input, is_blank, recall_query


def test_clean_input_removes_invisible_and_control_characters() -> None:
    cleaned = clean_input("a\x00b\u200bc\u202e d\x07\n\n\n\ne", max_chars=100)
    assert cleaned.text == "a bc d\n\ne"
    assert not cleaned.truncated


def test_clean_input_keeps_emoji_combining_and_rtl_text() -> None:
    text = "Cafe\u0301 👩‍💻 שלום مرحبا"
    assert clean_input(text, max_chars=100).text == "Café 👩\u200d💻 שלום مرحبا"


def test_clean_input_caps_length_at_a_word_boundary() -> None:
    cleaned = clean_input("word " * 10_000, max_chars=1000)
    assert cleaned.truncated
    assert len(cleaned.text) <= 1000
    assert cleaned.text.endswith("word")


def test_the_recall_query_is_the_start_of_a_long_message_cut_between_words() -> None:
    article = "Rust async runtimes and work-stealing schedulers. " * 100
    query = recall_query(article)
    assert len(query) <= RECALL_QUERY_CHARS
    assert article.startswith(query)
    assert article[len(query)] == " "
    assert recall_query("short message") == "short message"
    unbroken = "x" * 5_000
    assert recall_query(unbroken) == "x" * RECALL_QUERY_CHARS


def test_rate_limiter_window() -> None:
    now = [0.0]
    limiter = RateLimiter(3, clock=lambda: now[0])
    assert [limiter.check("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.check("a") > 0
    assert limiter.check("b") == 0  # other users unaffected
    now[0] = 61.0
    assert limiter.check("a") == 0


def test_confirm_tokens_bind_user_and_expire(tmp_path: Path) -> None:
    tokens = ConfirmTokens(load_or_create_secret(tmp_path), ttl_s=60)
    token = tokens.issue("slack:T1:U1", now=1000)
    assert tokens.verify("slack:T1:U1", token, now=1010)
    assert not tokens.verify("slack:T1:U2", token, now=1010)
    assert not tokens.verify("slack:T1:U1", token, now=1061)
    assert not tokens.verify("slack:T1:U1", "garbage", now=1010)
    tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert not tokens.verify("slack:T1:U1", tampered, now=1010)
    # the secret persists, so tokens stay valid across a restart
    again = ConfirmTokens(load_or_create_secret(tmp_path), ttl_s=60)
    assert again.verify("slack:T1:U1", token, now=1010)


def test_is_blank_sees_through_format_characters() -> None:
    assert is_blank("") and is_blank(" \t\n") and is_blank("\u200c\u200d\u200d")
    assert not is_blank("a") and not is_blank("👩\u200d💻") and not is_blank("שלום")
