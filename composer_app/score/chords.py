"""Chord symbols: parsing, spelling and pitch content. Pure Python, no Qt.

A :class:`ChordSymbol` is root + quality + optional bass, with the root and bass spelled as note
names ("Bb", "F#"). ``ChordSymbol.parse`` accepts common lead-sheet spellings and their usual
aliases (``Cmaj7``/``CM7``/``CΔ7``, ``Cm``/``Cmin``/``C-``, ``Cdim``/``C°``, ``Cm7b5``/``Cø``,
``Caug``/``C+``); :func:`parse_nottingham` reads the Nottingham database's own dialect
(``Gd`` = G diminished, ``Ca`` = C augmented, ``D/f+`` = D over F sharp, ``Gm/bb`` = G minor over B flat).
``str(symbol)`` always gives the canonical spelling used in files and on screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ChordSymbolError

NOTE_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
SHARP_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
FLAT_NAMES = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"]

#: Canonical quality suffix -> intervals above the root (semitones).
QUALITIES: dict[str, tuple[int, ...]] = {
    "": (0, 4, 7),
    "m": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "5": (0, 7),
    "6": (0, 4, 7, 9),
    "m6": (0, 3, 7, 9),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10),
    "mmaj7": (0, 3, 7, 11),
    "dim7": (0, 3, 6, 9),
    "m7b5": (0, 3, 6, 10),
    "aug7": (0, 4, 8, 10),
    "7sus4": (0, 5, 7, 10),
    "add9": (0, 4, 7, 14),
    "9": (0, 4, 7, 10, 14),
    "maj9": (0, 4, 7, 11, 14),
    "m9": (0, 3, 7, 10, 14),
    "7b9": (0, 4, 7, 10, 13),
    "7#9": (0, 4, 7, 10, 15),
    "11": (0, 4, 7, 10, 14, 17),
    "m11": (0, 3, 7, 10, 14, 17),
    "13": (0, 4, 7, 10, 14, 21),
}

#: Families used by vocabulary constraints and evaluation.
TRIAD_QUALITIES = frozenset({"", "m", "dim", "aug", "sus2", "sus4", "5"})
SEVENTH_QUALITIES = TRIAD_QUALITIES | {"6", "m6", "7", "maj7", "m7", "mmaj7", "dim7", "m7b5", "aug7", "7sus4"}

# Alias suffix -> canonical quality. Looked up longest first.
_ALIASES: dict[str, str] = {
    "": "", "maj": "", "M": "", "major": "",
    "m": "m", "min": "m", "mi": "m", "-": "m", "minor": "m",
    "dim": "dim", "°": "dim", "o": "dim", "d": "dim",
    "aug": "aug", "+": "aug", "+5": "aug", "#5": "aug", "a": "aug",
    "sus2": "sus2", "sus4": "sus4", "sus": "sus4",
    "5": "5",
    "6": "6", "maj6": "6", "M6": "6", "add6": "6",
    "m6": "m6", "min6": "m6", "-6": "m6",
    "7": "7", "dom7": "7",
    "maj7": "maj7", "M7": "maj7", "Δ": "maj7", "Δ7": "maj7", "ma7": "maj7", "j7": "maj7",
    "m7": "m7", "min7": "m7", "-7": "m7", "mi7": "m7",
    "mmaj7": "mmaj7", "mM7": "mmaj7", "minmaj7": "mmaj7", "m(maj7)": "mmaj7", "-maj7": "mmaj7",
    "dim7": "dim7", "°7": "dim7", "o7": "dim7", "d7": "dim7",
    "m7b5": "m7b5", "ø": "m7b5", "ø7": "m7b5", "min7b5": "m7b5", "-7b5": "m7b5", "m7(b5)": "m7b5",
    "aug7": "aug7", "+7": "aug7", "7#5": "aug7", "7+": "aug7", "a7": "aug7",
    "7sus4": "7sus4", "7sus": "7sus4",
    "add9": "add9", "add2": "add9",
    "9": "9", "maj9": "maj9", "M9": "maj9", "m9": "m9", "min9": "m9", "-9": "m9",
    "7b9": "7b9", "7#9": "7#9",
    "11": "11", "m11": "m11", "13": "13",
}
_ALIAS_KEYS = sorted(_ALIASES, key=len, reverse=True)
_ROOT_RE = re.compile(r"^([A-G])(#|b|♯|♭|-(?=$|/))?")


def pitch_class(name: str) -> int:
    """Pitch class of a spelled note name such as ``C#``, ``Bb`` or ``E``."""
    if not name or name[0] not in NOTE_PC:
        raise ValueError(f"not a note name: {name!r}")
    pc = NOTE_PC[name[0]]
    for acc in name[1:]:
        step = _ACCIDENTAL_STEPS.get(acc)
        if step is None:  # "Cz" is not C: a typo must not pass as another key
            raise ValueError(f"not a note name: {name!r}")
        pc += step
    return pc % 12


_ACCIDENTAL_STEPS = {"#": 1, "♯": 1, "x": 2, "b": -1, "♭": -1}


def spell(pc: int, prefer_flats: bool = False) -> str:
    return (FLAT_NAMES if prefer_flats else SHARP_NAMES)[pc % 12]


def _norm_acc(s: str | None) -> str:
    return {"♯": "#", "♭": "b", None: "", "-": "b"}.get(s, s or "")


@dataclass(frozen=True)
class ChordSymbol:
    """A chord symbol: spelled ``root``, canonical ``quality`` (a key of :data:`QUALITIES`), optional ``bass``."""

    root: str
    quality: str = ""
    bass: str | None = None

    def __post_init__(self):
        pitch_class(self.root)
        if self.quality not in QUALITIES:
            raise ChordSymbolError(str(self.root) + self.quality, f"unknown quality '{self.quality}'")
        if self.bass is not None:
            pitch_class(self.bass)

    # ---- parsing -------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> "ChordSymbol":
        """Parse a lead-sheet chord symbol; raise :class:`ChordSymbolError` with a reason."""
        raw = text
        text = "".join((text or "").split())  # no whitespace of any kind (a reason stays one line)
        if not text:
            raise ChordSymbolError(raw, "empty")
        bass = None
        if "/" in text:
            head, _, tail = text.rpartition("/")
            m = _ROOT_RE.match(tail)
            if m and m.end() == len(tail):
                bass = m.group(1) + _norm_acc(m.group(2))
                text = head
            elif not tail.isdigit():  # "C6/9" style stays in the quality
                raise ChordSymbolError(raw, f"bass note '{tail}' is not a note name")
        m = _ROOT_RE.match(text)
        if not m:
            raise ChordSymbolError(raw, "it must start with a note name A-G")
        root = m.group(1) + _norm_acc(m.group(2))
        suffix = text[m.end():]
        for paren in ("(", ")"):
            if suffix.startswith("(") and suffix.endswith(")"):
                suffix = suffix[1:-1]
            _ = paren
        if suffix in _ALIASES:
            return cls(root, _ALIASES[suffix], bass)
        if suffix.lower() in ("maj7", "maj9", "dim", "dim7", "aug", "sus4", "sus2", "min", "min7", "maj"):
            return cls(root, _ALIASES[suffix.lower()], bass)
        raise ChordSymbolError(raw, f"unknown chord quality '{suffix}'")

    # ---- content ------------------------------------------------------------------------
    @property
    def root_pc(self) -> int:
        return pitch_class(self.root)

    @property
    def bass_pc(self) -> int:
        return pitch_class(self.bass) if self.bass else self.root_pc

    @property
    def intervals(self) -> tuple[int, ...]:
        return QUALITIES[self.quality]

    @property
    def pitch_classes(self) -> frozenset[int]:
        pcs = {(self.root_pc + i) % 12 for i in self.intervals}
        if self.bass:
            pcs.add(self.bass_pc)
        return frozenset(pcs)

    @property
    def is_minor(self) -> bool:
        """Minor-third family (m, m7, m6, dim, m7b5 ...): the major/minor class used in evaluation."""
        return 3 in self.intervals

    def triad_class(self) -> str:
        """Coarse class: ``maj``, ``min``, ``dim``, ``aug`` or ``sus``."""
        iv = set(self.intervals)
        if 3 in iv and 6 in iv and 7 not in iv:
            return "dim"
        if 3 in iv:
            return "min"
        if 8 in iv and 7 not in iv:
            return "aug"
        if 4 in iv:
            return "maj"
        return "sus"

    def voicing(self, low: int = 48) -> list[int]:
        """A simple close voicing (MIDI pitches) with the bass below, for playback."""
        root = low + (self.root_pc - low) % 12
        notes = [root + i for i in self.intervals if i < 12]
        if self.bass:
            b = low - 12 + (self.bass_pc - low) % 12
            notes.insert(0, b)
        return notes

    def transposed(self, semitones: int, prefer_flats: bool | None = None) -> "ChordSymbol":
        if prefer_flats is None:
            prefer_flats = "b" in self.root
        root = spell(self.root_pc + semitones, prefer_flats)
        bass = spell(self.bass_pc + semitones, prefer_flats) if self.bass else None
        return ChordSymbol(root, self.quality, bass)

    def __str__(self) -> str:
        return f"{self.root}{self.quality}" + (f"/{self.bass}" if self.bass else "")


_NOTT_RE = re.compile(r"^([A-G])([#b]?)(.*?)(?:/([a-gA-G])([+#b-]?))?$")
_NOTT_QUAL = {
    "": "", "m": "m", "7": "7", "m7": "m7", "6": "6", "m6": "m6", "d": "dim", "d7": "dim7",
    "a": "aug", "a7": "aug7", "9": "9", "maj7": "maj7", "M7": "maj7", "7b9": "7b9", "m9": "m9",
    "sus4": "sus4", "sus": "sus4", "dim": "dim", "aug": "aug",
}


def parse_nottingham(text: str) -> ChordSymbol:
    """Parse a chord in the Nottingham ABC dialect (``Gd``, ``Ca``, ``D/f+``, ``Gm/bb``, ``(E7)``)."""
    t = text.strip().strip("()").strip()
    m = _NOTT_RE.match(t)
    if not m:
        raise ChordSymbolError(text, "not a Nottingham chord")
    letter, acc, qual, bl, bacc = m.groups()
    if qual not in _NOTT_QUAL:
        return ChordSymbol.parse(t)
    bass = None
    if bl:
        bass = bl.upper() + {"+": "#", "#": "#", "b": "b", "-": "b", "": ""}[bacc or ""]
    return ChordSymbol(letter + acc, _NOTT_QUAL[qual], bass)
