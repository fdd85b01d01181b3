"""Music theory for the screen: roman numerals, the chords of a key, scale rows and melody clashes.

Pure Python (no Qt); the GUI only displays what these functions return.

* :func:`roman_numeral` names a chord's function in a key: diatonic (``I``, ``ii7``, ``V7``,
  ``viiø7``), secondary dominants (``V/V``, ``V7/vi``, ``vii°7/V``), chords borrowed from the
  parallel mode (``iv``, ``♭VII``, ``♭VI`` in major; ``IV``, ``♭II`` in minor) and the rest as
  chromatic, each with a sentence that explains it.
* :func:`diatonic_chords` and :func:`borrowed_chords` are the chord palette of a key, spelled with
  the key's letters (``B♭`` is the ``♭VII`` of C, ``G#dim`` the ``vii°`` of A minor).
* :func:`scale_row` says how a pitch sits in the key (tonic, scale tone, outside) for the rows of
  the piano roll.
* :func:`melody_clashes` finds melody notes that rub against the chord under them (a semitone from
  a chord tone, held or on the chord's start) and are not one of the chord's own tones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .chords import NOTE_PC, ChordSymbol, spell
from .keys import MODES, KeySignature

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII")
FLAT, SHARP = "♭", "♯"
LETTERS = "CDEFGAB"

#: The parallel mode a key borrows from.
PARALLEL = {"major": "minor", "minor": "major", "harmonic minor": "major", "dorian": "major",
            "phrygian": "major", "lydian": "minor", "mixolydian": "minor", "locrian": "major"}
#: Degree offsets (semitones above the tonic) of the borrowed chords offered in the palette.
_PALETTE_BORROWED = {
    "major": ((5, "m"), (8, ""), (10, ""), (3, "")),  # iv, bVI, bVII, bIII
    "minor": ((5, ""), (7, ""), (1, ""), (0, "")),  # IV (dorian), V (harmonic), bII (Neapolitan), I (Picardy)
}


@dataclass(frozen=True)
class RomanNumeral:
    """A chord's function in a key. ``kind`` is ``diatonic``, ``secondary``, ``borrowed`` or ``chromatic``."""

    text: str
    kind: str
    explanation: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class PaletteChord:
    """A chord of the palette with its numeral; ``group`` is ``diatonic`` or ``borrowed``."""

    symbol: ChordSymbol
    numeral: RomanNumeral
    group: str


# ---- scale ---------------------------------------------------------------------------------------
def scale_row(key: KeySignature, pitch: int) -> str:
    """``tonic``, ``scale`` or ``outside``: how a pitch sits in ``key`` (for the roll's rows)."""
    pc = pitch % 12
    if pc == key.tonic_pc:
        return "tonic"
    return "scale" if pc in key.scale_pcs else "outside"


def scale_steps(key: KeySignature) -> tuple[int, ...]:
    return MODES[key.mode]


# ---- spelling by scale degree --------------------------------------------------------------------
def degree_root(key: KeySignature, degree: int, semitones: int) -> str:
    """The note ``semitones`` above the tonic spelled on the letter ``degree`` (0-6) steps above it
    (``B♭`` rather than ``A#`` for the ``♭VII`` of C); a plain spelling where that needs a double accidental."""
    letter = LETTERS[(LETTERS.index(key.tonic[0]) + degree) % 7]
    pc = (key.tonic_pc + semitones) % 12
    diff = (pc - NOTE_PC[letter] + 6) % 12 - 6  # -6..5
    if diff == 0:
        return letter
    if diff in (-1, 1):
        return letter + ("#" if diff > 0 else "b")
    return spell(pc, key.prefers_flats)


#: The scale degree (0-6) a chromatic root is written on, counted from the tonic in semitones:
#: flat 2, 3, 6, 7 and the raised 4th, in major and minor alike (Db Eb F# Ab Bb in C; in A minor
#: C# F# G# for the raised 3rd, 6th and 7th).
ROOT_DEGREE = (0, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6)


def spell_root(key: KeySignature, pc: int) -> str:
    """Pitch class ``pc`` spelled as a chord root in ``key``, on its scale degree's letter, so
    borrowed roots read as musicians write them (``Ab`` and ``Bb`` for ``♭VI`` and ``♭VII`` of C,
    not ``G#`` and ``A#``); a plain spelling where that would be Fb, Cb, E# or B#."""
    semitones = (pc - key.tonic_pc) % 12
    name = degree_root(key, ROOT_DEGREE[semitones], semitones)
    return spell(pc % 12, key.prefers_flats) if name in ("Fb", "Cb", "E#", "B#") else name


def _degree_of(key: KeySignature, semitones: int) -> tuple[int, str]:
    """Scale degree (0-6) and accidental (``""``, ``♭``, ``♯``) of ``semitones`` above the tonic,
    relative to the key's own scale: in C major 10 is ``♭VII``; in A minor 10 is ``VII``."""
    steps = MODES[key.mode]
    if semitones in steps:
        return steps.index(semitones), ""
    # not in the scale: a flattened degree above, else a sharpened one below
    for i, s in enumerate(steps):
        if s == semitones + 1:
            return i, FLAT
    for i, s in enumerate(steps):
        if s == semitones - 1:
            return i, SHARP
    return 0, ""


# ---- chord figures -------------------------------------------------------------------------------
def _figure(symbol: ChordSymbol) -> tuple[bool, str]:
    """``(upper case, suffix)`` of a chord's numeral: ``(False, "ø7")`` for m7b5, ``(True, "7")`` for a
    dominant seventh, ``(True, "maj7")``; the suffix of extended chords is their own spelling."""
    q = symbol.quality
    named = {
        "": (True, ""), "m": (False, ""), "dim": (False, "°"), "aug": (True, "+"), "sus2": (True, "sus2"),
        "sus4": (True, "sus4"), "5": (True, "5"), "6": (True, "add6"), "m6": (False, "add6"), "7": (True, "7"),
        "maj7": (True, "maj7"), "m7": (False, "7"), "mmaj7": (False, "maj7"), "dim7": (False, "°7"),
        "m7b5": (False, "ø7"), "aug7": (True, "+7"), "7sus4": (True, "7sus4"), "add9": (True, "add9"),
        "9": (True, "9"), "maj9": (True, "maj9"), "m9": (False, "9"), "7b9": (True, "7♭9"), "7#9": (True, "7♯9"),
        "11": (True, "11"), "m11": (False, "11"), "13": (True, "13"),
    }
    if q in named:
        return named[q]
    iv = set(symbol.intervals)
    minor = 3 in iv and 4 not in iv
    text = q
    if q.startswith("mmaj"):
        text = q[1:]
    elif q.startswith("m") and not q.startswith("maj"):
        text = q[1:]
    elif q.startswith("ø"):
        text = "ø" + q[1:]
    return (not minor), text.replace("b", FLAT).replace("#", SHARP).strip("()")


def _numeral(degree: int, accidental: str, symbol: ChordSymbol) -> str:
    upper, suffix = _figure(symbol)
    base = ROMAN[degree] if upper else ROMAN[degree].lower()
    return accidental + base + suffix


def _triad_of(symbol: ChordSymbol) -> str:
    return symbol.triad_class()


def _diatonic_triad(steps: tuple[int, ...], degree: int) -> str:
    """``maj``, ``min``, ``dim`` or ``aug`` triad built on ``degree`` of a 7-note scale."""
    root = steps[degree]
    third = (steps[(degree + 2) % 7] - root) % 12
    fifth = (steps[(degree + 4) % 7] - root) % 12
    if third == 4:
        return "aug" if fifth == 8 else "maj"
    return "dim" if fifth == 6 else "min"


def _diatonic_seventh(steps: tuple[int, ...], degree: int) -> int:
    return (steps[(degree + 6) % 7] - steps[degree]) % 12


def _fits(steps: tuple[int, ...], degree: int, symbol: ChordSymbol) -> bool:
    """Whether ``symbol`` (on ``degree``) is built from the scale's own tones (triad class and seventh)."""
    if symbol.triad_class() == "sus":
        return all((steps[degree] + i) % 12 in {s for s in steps} for i in symbol.intervals)
    if _triad_of(symbol) != _diatonic_triad(steps, degree):
        return False
    sevenths = [i for i in symbol.intervals if i in (9, 10, 11)]
    if 9 in sevenths and symbol.quality not in ("dim7",) and 10 not in sevenths and 11 not in sevenths:
        sevenths = []  # a sixth, not a seventh
    if not sevenths:
        return True
    return _diatonic_seventh(steps, degree) in sevenths


def _scale_name(key: KeySignature, mode: str) -> str:
    return f"{key.tonic} {mode}"


# ---- roman numerals ------------------------------------------------------------------------------
def roman_numeral(symbol: ChordSymbol, key: KeySignature) -> RomanNumeral:
    """The function of ``symbol`` in ``key`` (see the module docstring)."""
    semis = (symbol.root_pc - key.tonic_pc) % 12
    steps = MODES[key.mode]
    # 1. the key's own chords (in minor also V and vii° of the harmonic minor)
    scales = [(steps, "")] + ([(MODES["harmonic minor"], " (from the harmonic minor scale)")]
                              if key.mode == "minor" else [])
    for scale, note in scales:
        if semis in scale and _fits(scale, scale.index(semis), symbol):
            text = _numeral(scale.index(semis), "", symbol)
            return RomanNumeral(text, "diatonic", f"{text}: a chord of {key}{note}")
    # 2. in a minor key a plain major triad is read as mixture first (IV, the Picardy I)
    minor_key = key.mode in ("minor", "harmonic minor", "dorian", "phrygian", "locrian")
    if minor_key and symbol.quality == "":
        found = _borrowed(symbol, key, semis)
        if found is not None:
            return found
    # 3. secondary dominants: a major/dominant chord a fifth above, or a diminished one a semitone
    #    below, a major or minor chord of the key (not the tonic)
    dominant = _triad_of(symbol) == "maj" and 11 not in symbol.intervals
    leading = symbol.triad_class() == "dim"
    if dominant or leading:
        target_semis = (semis - 7) % 12 if dominant else (semis + 1) % 12
        if target_semis in steps and target_semis != 0:
            tdeg = steps.index(target_semis)
            tclass = _diatonic_triad(steps, tdeg)
            if tclass in ("maj", "min"):
                target = ROMAN[tdeg] if tclass == "maj" else ROMAN[tdeg].lower()
                fig = _figure(symbol)[1]
                text = f"V{fig}/{target}" if dominant else f"vii{fig}/{target}"
                what = "dominant" if dominant else "leading-tone chord"
                return RomanNumeral(text, "secondary",
                                    f"{text}: secondary {what}, leads to {target} "
                                    f"({degree_root(key, tdeg, target_semis)})")
    # 4. borrowed from the parallel mode (or the Neapolitan)
    found = _borrowed(symbol, key, semis)
    if found is not None:
        return found
    degree, acc = _degree_of(key, semis)
    text = _numeral(degree, acc, symbol)
    return RomanNumeral(text, "chromatic", f"{text}: outside {key}")


def _borrowed(symbol: ChordSymbol, key: KeySignature, semis: int) -> RomanNumeral | None:
    other = PARALLEL.get(key.mode, "major")
    osteps = MODES[other]
    degree, acc = _degree_of(key, semis)
    text = _numeral(degree, acc, symbol)
    if semis in osteps and _fits(osteps, osteps.index(semis), symbol):
        return RomanNumeral(text, "borrowed", f"{text}: borrowed from {_scale_name(key, other)}")
    if semis == 1 and symbol.triad_class() == "maj":
        return RomanNumeral(text, "borrowed", f"{text}: the Neapolitan chord (borrowed from {key.tonic} phrygian)")
    return None


# ---- the palette -------------------------------------------------------------------------------
def diatonic_chords(key: KeySignature, sevenths: bool = False) -> list[PaletteChord]:
    """The seven chords built on the key's scale, triads or seventh chords, in degree order."""
    steps = MODES[key.mode]
    out = []
    for degree, semis in enumerate(steps):
        triad = _diatonic_triad(steps, degree)
        if sevenths:
            seventh = _diatonic_seventh(steps, degree)
            quality = {("maj", 11): "maj7", ("maj", 10): "7", ("min", 10): "m7", ("min", 11): "mmaj7",
                       ("dim", 10): "m7b5", ("dim", 9): "dim7", ("aug", 11): "maj7#5",
                       ("aug", 10): "aug7"}.get((triad, seventh), "7")
        else:
            quality = {"maj": "", "min": "m", "dim": "dim", "aug": "aug"}[triad]
        sym = ChordSymbol(degree_root(key, degree, semis), quality)
        out.append(PaletteChord(sym, roman_numeral(sym, key), "diatonic"))
    return out


def borrowed_chords(key: KeySignature) -> list[PaletteChord]:
    """Common chords from outside the key: mixture from the parallel mode (``iv ♭VI ♭VII ♭III`` in a
    major key; ``IV V ♭II I`` in a minor one)."""
    family = "minor" if key.mode in ("minor", "harmonic minor", "dorian", "phrygian", "locrian") else "major"
    out = []
    own = {(c.symbol.root_pc, c.symbol.quality) for c in diatonic_chords(key)}
    for semis, quality in _PALETTE_BORROWED[family]:
        degree, _acc = _degree_of(key, semis)
        sym = ChordSymbol(degree_root(key, degree, semis), quality)
        if (sym.root_pc, sym.quality) in own:
            continue
        out.append(PaletteChord(sym, roman_numeral(sym, key), "borrowed"))
    return out


# ---- melody against chords ------------------------------------------------------------------------
@dataclass(frozen=True)
class Clash:
    """A melody note that rubs against the chord under it."""

    note_id: int
    pitch: int
    start: int
    chord_start: int
    chord: ChordSymbol
    against: int  # the chord tone (pitch class) a semitone away

    def describe(self, flats: bool = False) -> str:
        return (f"{spell(self.pitch % 12, flats)} over {self.chord} rubs a semitone against its "
                f"{spell(self.against, flats)}")


def melody_clashes(chords: Iterable, notes: Iterable, beat_ticks: int = 480) -> list[Clash]:
    """Melody notes that are not tones of the chord sounding with them, lie a semitone (or a minor
    ninth) from one of its tones, and matter: they start with the chord or last at least a beat.
    Passing notes shorter than a beat between chord changes are not clashes."""
    chords = sorted(chords, key=lambda c: c.start)
    out: list[Clash] = []
    for n in sorted(notes, key=lambda n: n.start):
        for c in chords:
            if c.start > n.start:
                break
            if not (c.start <= n.start < c.end):
                continue
            pcs = c.symbol.pitch_classes
            pc = n.pitch % 12
            if pc in pcs:
                continue
            held = min(n.end, c.end) - n.start
            if n.start != c.start and held < beat_ticks:
                continue
            near = [t for t in sorted(pcs) if (pc - t) % 12 in (1, 11)]
            if near:
                out.append(Clash(n.id, n.pitch, n.start, c.start, c.symbol, near[0]))
    return out
