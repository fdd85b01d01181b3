"""Small helpers for messages in the composer's words (no Qt)."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 chord"``, ``"2 chords"``, ``"0 bars"``."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
