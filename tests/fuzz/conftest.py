"""Property-based fuzzing (hypothesis). CI runs a small budget; `FUZZ_EXAMPLES=2000 pytest tests/fuzz` runs a
long one. Text strategies include what real input carries: any code point, lone surrogates (undecodable
bytes, `\\ud800` JSON escapes), control characters, and empty or huge strings."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile(
    "memorybot",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")),
    deadline=None,  # a shared, loaded CI machine: time is not the property under test
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=not os.environ.get("FUZZ_EXAMPLES"),  # CI is reproducible; a long run explores
    database=None,  # nothing written beside the checkout
)
settings.load_profile("memorybot")

ANY_CHAR = st.characters(codec=None, exclude_categories=())
"""Every code point, surrogates (category Cs) and controls included."""

HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\ud800",
        "\udcff",
        "\u202e",
        "\u200b" * 50,
        "/",
        "/forget all",
        "<!channel>",
        "@everyone",
        "x" * 100_000,
        "http://",
        "https://[::1",
        "\n" * 1000,
    ]
)
"""Inputs that are rare to draw at random but have broken chat bots before."""

TEXT = st.one_of(st.text(ANY_CHAR, max_size=300), HOSTILE, st.lists(HOSTILE, max_size=4).map("".join))
