"""Chord symbols: parsing, spelling and pitch content. Pure Python, no Qt.

A :class:`ChordSymbol` is root + quality + optional bass, with the root and bass spelled as note
names ("Bb", "F#"). ``ChordSymbol.parse`` accepts common lead-sheet spellings and their usual
aliases (``Cmaj7``/``CM7``/``CΔ7``, ``Cm``/``Cmin``/``C-``, ``Cdim``/``C°``, ``Cm7b5``/``Cø``,
``Caug``/``C+``); :func:`parse_nottingham` reads the Nottingham database's own dialect
(``Gd`` = G diminished, ``Ca`` = C augmented, ``D/f+`` = D over F sharp, ``Gm/bb`` = G minor over B flat).
``str(symbol)`` always gives the canonical spelling used in files and on screen.

Beyond the named qualities of :data:`QUALITIES` (the ones the music model's vocabulary knows),
``parse`` reads the extended and altered chords of lead sheets: 6/9 chords (``C69``, ``C6/9``),
``C2``, ninths, elevenths and thirteenths of every family (``Cmaj13``, ``Cm13``, ``C9sus4``),
alterations in any order, with or without parentheses (``Cmaj13#11``, ``C7(b9,#11)``, ``C7#9b13``,
``C7b5``, ``Cmaj7#5``), ``C7alt``, ``add`` and ``omit`` tones (``Cmadd9``, ``Cadd11``, ``C7no3``).
Such a symbol keeps its own spelling in the score, in files and on screen;
:attr:`ChordSymbol.vocab_quality` is the nearest named quality, used where a fixed set is needed
(the model's tokens). :data:`SUPPORTED_HELP` says all this in one line for messages.
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

#: What the chord editor accepts, in one line (for messages and tooltips).
SUPPORTED_HELP = ("a root A-G (with # or b), then a quality such as m, 7, maj7, m7, dim, ø, aug, sus4, 6, 69, "
                  "9, 11, 13 with alterations b5 #5 b9 #9 #11 b13, alt, add9, and an optional /bass: "
                  "Am7, G/B, F#m7b5, Cmaj13#11, C7alt, C2")

# ---- extended qualities: family, extension and alterations --------------------------------------
_FAMILIES = (  # suffix prefix -> family, longest first
    ("minmaj", "mmaj"), ("mmaj", "mmaj"), ("mMaj", "mmaj"), ("-maj", "mmaj"), ("mΔ", "mmaj"), ("-Δ", "mmaj"),
    ("mM", "mmaj"), ("min", "m"), ("mi", "m"), ("dim", "dim"), ("aug", "aug"), ("maj", "maj"), ("Maj", "maj"),
    ("ma", "maj"), ("ø", "hdim"), ("Ø", "hdim"), ("°", "dim"), ("o", "dim"), ("Δ", "maj"), ("M", "maj"),
    ("j", "maj"), ("m", "m"), ("-", "m"), ("+", "aug"),
)
_EXTENSIONS = ("13", "11", "69", "9", "7", "6", "5", "2")
# modifier text -> canonical modifier, longest first when matching
_MODIFIERS = {
    "b5": "b5", "-5": "b5", "#5": "#5", "+5": "#5", "b9": "b9", "-9": "b9", "#9": "#9", "+9": "#9",
    "#11": "#11", "+11": "#11", "b13": "b13", "-13": "b13", "alt": "alt", "sus2": "sus2", "sus4": "sus4",
    "sus": "sus4", "add9": "add9", "add2": "add9", "add11": "add11", "add4": "add11", "add13": "add13",
    "add6": "add13", "no3": "no3", "omit3": "no3", "no5": "no5", "omit5": "no5", "maj7": "maj7",
}
_MODIFIER_KEYS = sorted(_MODIFIERS, key=len, reverse=True)
_MODIFIER_ORDER = ("maj7", "sus2", "sus4", "b5", "#5", "b9", "#9", "#11", "b13", "alt", "add9", "add11",
                   "add13", "no3", "no5")
_FAMILY_TEXT = {"": "", "m": "m", "maj": "maj", "mmaj": "mmaj", "dim": "dim", "aug": "aug", "hdim": "ø"}


def _split_quality(suffix: str) -> tuple[str, str, tuple[str, ...]] | None:
    """``(family, extension, modifiers)`` of a quality suffix (parentheses and commas ignored), or None."""
    text = suffix.replace("(", "").replace(")", "").replace(",", "").replace("6/9", "69")
    family = ""
    for prefix, fam in _FAMILIES:
        rest = text[len(prefix):]
        if text.startswith(prefix) and not (prefix in ("m", "M") and text.startswith(("maj", "Maj"))) \
                and not (prefix in ("ma", "mi") and not rest[:1].isdigit()):
            # "m" / "M" are not the start of "maj"; "ma7" is maj7 but "madd9" is m + add9
            family, text = fam, rest
            break
    ext = ""
    for e in _EXTENSIONS:
        if text.startswith(e):
            ext, text = e, text[len(e):]
            break
    mods: list[str] = []
    while text:
        for key in _MODIFIER_KEYS:
            if text.startswith(key):
                mods.append(_MODIFIERS[key])
                text = text[len(key):]
                break
        else:
            return None
    if family == "maj" and ext in ("", "6", "69", "5", "2") and not mods:
        family = ""  # "Cmaj" is C; "Cmaj6" is C6
    if family == "hdim" and ext in ("", "7"):
        family, ext, mods = "m", "7", mods + ["b5"]
    if len(set(mods)) != len(mods):
        return None
    return family, ext, tuple(sorted(mods, key=_MODIFIER_ORDER.index))


def _build_intervals(family: str, ext: str, mods: tuple[str, ...]) -> tuple[int, ...] | None:
    """Pitch content (semitones above the root) of a chord given by family, extension and modifiers."""
    if ext == "5":
        return (0, 7) if not mods and family == "" else None
    third = 3 if family in ("m", "dim", "hdim", "mmaj") else 4
    fifth = {"dim": 6, "hdim": 6, "aug": 8}.get(family, 7)
    tones = {0, third, fifth}
    if ext in ("7", "9", "11", "13") or "alt" in mods:
        tones.add(11 if family in ("maj", "mmaj") else 9 if family == "dim" and ext == "7" else 10)
    elif family == "maj":
        return None  # "Cmajb9" means nothing
    if ext in ("9", "11", "13"):
        tones.add(14)
    if ext == "11" or (ext == "13" and third == 3):
        tones.add(17)
    if ext == "13":
        tones.add(21)
    if ext in ("6", "69"):
        tones.add(9)
    if ext == "69":
        tones.add(14)
    if ext == "2":
        tones.add(2)
    for m in mods:
        if m == "maj7":
            tones.discard(10)
            tones.add(11)
        elif m in ("sus2", "sus4"):
            tones.discard(third)
            tones.add(2 if m == "sus2" else 5)
        elif m in ("b5", "#5"):
            tones.discard(fifth)
            tones.add(6 if m == "b5" else 8)
        elif m in ("b9", "#9"):
            tones.discard(14)
            tones.add(13 if m == "b9" else 15)
        elif m == "#11":
            tones.discard(17)
            tones.add(18)
        elif m == "b13":
            tones.discard(21)
            tones.add(20)
        elif m == "alt":
            if family or ext not in ("", "7") or set(mods) & {"b5", "#5", "b9", "#9", "#11", "b13"}:
                return None
            tones = {0, 4, 10, 13, 15, 18, 20}
        elif m.startswith("add"):
            tones.add({"add9": 14, "add11": 17, "add13": 21}[m])
        elif m == "no3":
            tones.discard(third)
        elif m == "no5":
            tones.discard(fifth)
    return tuple(sorted(tones))


def _canonical_extended(suffix: str) -> str | None:
    """The canonical spelling of an extended quality (``"maj13#11"``, ``"7alt"``), or None."""
    parts = _split_quality(suffix)
    if parts is None or _build_intervals(*parts) is None:
        return None
    family, ext, mods = parts
    if family == "mmaj" and ext == "":
        return None
    text = _FAMILY_TEXT[family] + ext + "".join(mods)
    if text in _ALIASES:
        return _ALIASES[text]
    return f"({text})" if text[:1] in ("b", "#") else text  # "Cb5" would read as C flat 5: C(b5)


def quality_intervals(quality: str) -> tuple[int, ...]:
    """Semitones above the root of a canonical quality (named or extended); ChordSymbolError if unknown."""
    found = QUALITIES.get(quality)
    if found is not None:
        return found
    found = _EXTENDED_CACHE.get(quality)
    if found is None:
        parts = _split_quality(quality)
        built = _build_intervals(*parts) if parts is not None else None
        if built is None or _canonical_extended(quality) != quality:
            raise ChordSymbolError("C" + quality, f"unknown quality '{quality}'")
        found = _EXTENDED_CACHE[quality] = built
    return found


_EXTENDED_CACHE: dict[str, tuple[int, ...]] = {}
# How much each chord tone counts when finding the nearest named quality: the third (or its
# suspension) most, then the seventh, the fifth, and the upper extensions least.
_TONE_WEIGHT = {2: 4, 3: 5, 4: 5, 5: 4, 6: 2, 7: 2, 8: 2, 9: 3, 10: 3, 11: 3}


def nearest_named_quality(quality: str, among=None) -> str:
    """The named quality (of :data:`QUALITIES`, or of ``among``) closest in pitch content to ``quality``."""
    if quality in QUALITIES and (among is None or quality in among):
        return quality
    mine = set(quality_intervals(quality))

    def weight(i: int) -> int:
        return _TONE_WEIGHT.get(i, 1) if i < 12 else 1

    def score(q: str) -> tuple:
        theirs = set(QUALITIES[q])
        same = sum(weight(i) for i in mine & theirs)
        differ = sum(weight(i) for i in mine ^ theirs)
        mine_pcs, their_pcs = {i % 12 for i in mine}, {i % 12 for i in theirs}
        return (same - differ, len(mine_pcs & their_pcs))

    names = list(among) if among is not None else list(QUALITIES)
    return max(names, key=lambda q: (score(q), -names.index(q)))
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
            try:
                quality_intervals(self.quality)
            except ChordSymbolError:
                raise ChordSymbolError(str(self.root) + self.quality, f"unknown quality '{self.quality}'") from None
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
        extended = _canonical_extended(suffix)
        if extended is not None:
            return cls(root, extended, bass)
        raise ChordSymbolError(raw, f"unknown chord quality '{suffix}'; write {SUPPORTED_HELP}")

    # ---- content ------------------------------------------------------------------------
    @property
    def root_pc(self) -> int:
        return pitch_class(self.root)

    @property
    def bass_pc(self) -> int:
        return pitch_class(self.bass) if self.bass else self.root_pc

    @property
    def intervals(self) -> tuple[int, ...]:
        return quality_intervals(self.quality)

    @property
    def vocab_quality(self) -> str:
        """The nearest named quality (a key of :data:`QUALITIES`): the quality itself when it is one.
        The music model's tokens know only these; the score keeps the symbol as written."""
        return nearest_named_quality(self.quality)

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
