"""Small helpers for messages in the composer's words (no Qt)."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 chord"``, ``"2 chords"``, ``"0 bars"``."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def plural_suffix(spin, word: str, prefix: str = "") -> None:
    """Keep a spin box's suffix in the right number as its value changes: ``1 bar``, ``2 bars``."""
    def update(value: int) -> None:
        spin.setSuffix(" " + (word if value == 1 else word + "s"))

    if prefix:
        spin.setPrefix(prefix)
    spin.valueChanged.connect(update)
    update(spin.value())
