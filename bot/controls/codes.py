"""One-time link codes: short enough to type on a phone, too many to guess under the throttle.

8 characters of Crockford's base32 (no I, L, O, U) are 40 bits: with at most `MAX_FAILURES` wrong tries per
identity per `CODE_TTL_S`, guessing a live code takes far longer than it lives. Only a hash is stored, so the
control database never holds a code someone could still use.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_CHARS = 8
CODE_TTL_S = 10 * 60
MAX_FAILURES = 5
"""Wrong codes one identity may enter within `CODE_TTL_S` before `/link <code>` refuses to check more."""

_READS_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))
    return f"{raw[:4]}-{raw[4:]}"


def normalise(code: str) -> str | None:
    """The code as issued, forgiving case, spaces, dashes and look-alike letters; None if it cannot be one."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum()).translate(_READS_AS)
    if len(cleaned) != CODE_CHARS or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def code_hash(normalised: str) -> str:
    return hashlib.sha256(f"memorybot-link|{normalised}".encode()).hexdigest()
