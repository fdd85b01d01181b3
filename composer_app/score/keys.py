"""Keys, modes and scales. Pure Python."""

from __future__ import annotations

from dataclasses import dataclass

from .chords import FLAT_NAMES, SHARP_NAMES, pitch_class

#: Mode name -> semitone steps of its scale from the tonic.
MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
    "harmonic minor": (0, 2, 3, 5, 7, 8, 11),
}
# Offset of each mode's tonic above its relative major tonic.
_MODE_OFFSET = {"major": 0, "minor": 9, "dorian": 2, "phrygian": 4, "lydian": 5, "mixolydian": 7,
                "locrian": 11, "harmonic minor": 9}
# Major keys by number of sharps (negative: flats).
_MAJOR_BY_SHARPS = {-7: "Cb", -6: "Gb", -5: "Db", -4: "Ab", -3: "Eb", -2: "Bb", -1: "F", 0: "C",
                    1: "G", 2: "D", 3: "A", 4: "E", 5: "B", 6: "F#", 7: "C#"}


@dataclass(frozen=True)
class KeySignature:
    """A key: spelled ``tonic`` and ``mode`` (see :data:`MODES`), effective from ``tick``.

    ``assumed``: nobody set this key; it stands in where a score declares none (a new document, a
    MIDI file without key events). The assistant reads such a melody in the key it estimates from
    the notes (:func:`.keyfinding.reading_keys`); a file written from it declares no key.
    """

    tonic: str = "C"
    mode: str = "major"
    tick: int = 0
    assumed: bool = False

    def __post_init__(self):
        pitch_class(self.tonic)
        if self.mode not in MODES:
            raise ValueError(f"unknown mode '{self.mode}'")

    @property
    def tonic_pc(self) -> int:
        return pitch_class(self.tonic)

    @property
    def scale_pcs(self) -> frozenset[int]:
        return frozenset((self.tonic_pc + s) % 12 for s in MODES[self.mode])

    @property
    def sharps(self) -> int:
        """Number of sharps (negative for flats) of the key signature."""
        major_pc = (self.tonic_pc - _MODE_OFFSET[self.mode]) % 12
        prefer_flat = "b" in self.tonic or (self.tonic == "F" and self.mode == "major")
        candidates = [n for n, name in _MAJOR_BY_SHARPS.items() if pitch_class(name) == major_pc]
        if len(candidates) > 1:
            return min(candidates) if prefer_flat else min(candidates, key=abs)
        return candidates[0]

    @classmethod
    def from_sharps(cls, sharps: int, mode: str = "major", tick: int = 0) -> "KeySignature":
        sharps = max(-7, min(7, sharps))
        major = _MAJOR_BY_SHARPS[sharps]
        pc = (pitch_class(major) + _MODE_OFFSET.get(mode, 0)) % 12
        names = FLAT_NAMES if sharps < 0 else SHARP_NAMES
        return cls(names[pc], mode if mode in MODES else "major", tick)

    @property
    def prefers_flats(self) -> bool:
        return self.sharps < 0

    def transposed(self, semitones: int) -> "KeySignature":
        pc = (self.tonic_pc + semitones) % 12
        flat = KeySignature(FLAT_NAMES[pc], self.mode, self.tick, self.assumed)
        sharp = KeySignature(SHARP_NAMES[pc], self.mode, self.tick, self.assumed)
        return min((flat, sharp), key=lambda k: abs(k.sharps))

    def __str__(self) -> str:
        return f"{self.tonic} {self.mode}"


def parse_key(text: str) -> KeySignature:
    """``"E"``, ``"Eb minor"``, ``"F# dorian"``, ``"Em"`` (minor), ``"c"`` -> a key at tick 0;
    ``ValueError`` with a readable reason otherwise."""
    words = (text or "").strip().split(None, 1)
    if not words:
        raise ValueError("no key given (write it like E, Eb minor or F# dorian)")
    tonic, mode = words[0], (words[1].strip().lower() if len(words) > 1 else "major")
    if len(words) == 1 and len(tonic) > 1 and tonic.endswith("m"):
        tonic, mode = tonic[:-1], "minor"  # "Em", "F#m", "Bbm"
    tonic = tonic[:1].upper() + tonic[1:]
    if mode not in MODES:
        raise ValueError(f"'{text.strip()}' is not a key: the mode must be one of {', '.join(MODES)}")
    try:
        return KeySignature(tonic, mode)
    except ValueError:
        raise ValueError(f"'{text.strip()}' is not a key (write it like E, Eb minor or F# dorian)") from None
