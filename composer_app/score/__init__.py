"""Pure score model: time in ticks, chord symbols, keys, notes, tracks and scores. No Qt here."""

from .chords import QUALITIES, ChordSymbol, parse_nottingham, pitch_class, spell
from .keys import MODES, KeySignature
from .model import Chord, Note, Score, Track, new_id
from .time import GRID_CHOICES, TPQ, Bar, Meter, Tempo, TimeSignature, beats_to_ticks, snap, snap_length, ticks_to_beats

__all__ = [
    "QUALITIES", "ChordSymbol", "parse_nottingham", "pitch_class", "spell", "MODES", "KeySignature",
    "Chord", "Note", "Score", "Track", "new_id", "GRID_CHOICES", "TPQ", "Bar", "Meter", "Tempo",
    "TimeSignature", "beats_to_ticks", "snap", "snap_length", "ticks_to_beats",
]
