"""Plain data passed between the GUI, the worker and the engine (no Qt, no torch)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from ..score import Chord, Note, Score
from ..score.time import TPQ

#: Task name -> what the composer sees.
TASKS = {
    "continue": "Continue melody and chords",
    "harmonize": "Harmonize the selected bars",
    "chords": "Continue the chord progression",
    "infill": "Regenerate the selected bars",
}

CHORD_VOCABS = ("triads", "sevenths", "all")
#: The largest seed: the random generator takes a 64-bit signed number.
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class SuggestionSettings:
    task: str = "continue"
    candidates: int = 4  # K, 1..16
    bars: int = 2  # length of a continuation
    temperature: float = 1.0
    top_p: float = 0.95
    seed: int | None = 0  # None: a fresh random seed each time
    key_lock: bool = False  # melody pitches only from the key's scale
    pitch_low: int = 36
    pitch_high: int = 96
    finest_grid: int = TPQ // 4  # shortest value / finest onset grid in ticks (120 = 16th)
    monophonic: bool = True
    chord_vocab: str = "all"  # triads | sevenths | all

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"unknown task '{self.task}' (choose {', '.join(TASKS)})")
        if not 1 <= self.candidates <= 16:
            raise ValueError("the number of candidates must be between 1 and 16")
        if not 1 <= self.bars <= 16:
            raise ValueError("the length must be between 1 and 16 bars")
        if not 0.05 <= self.temperature <= 3.0:
            raise ValueError("temperature must be between 0.05 and 3")
        if not 0.05 <= self.top_p <= 1.0:
            raise ValueError("top-p must be between 0.05 and 1")
        if not 0 <= self.pitch_low <= self.pitch_high <= 127:
            raise ValueError("the pitch range is empty")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)
                                      or not 0 <= self.seed <= MAX_SEED):
            raise ValueError(f"the seed must be a whole number from 0 to {MAX_SEED} (got {str(self.seed)[:40]})")
        if self.chord_vocab not in CHORD_VOCABS:
            raise ValueError(f"chord vocabulary must be one of {', '.join(CHORD_VOCABS)}")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SuggestionRequest:
    """A request with an id and an immutable snapshot of the score.

    ``region`` is ``(start_tick, end_tick)``: the selected bars for harmonize/infill, or the bars
    after which to continue (``None``: continue after the last bar of the piece / harmonize all).
    """

    id: int
    score: Score
    settings: SuggestionSettings = SuggestionSettings()
    region: tuple[int, int] | None = None
    #: Fingerprints of candidates the composer rejected: never suggested again.
    exclude: frozenset[str] = frozenset()
    #: The composer's taste (:class:`.taste.TasteModel`, a copy the request owns) re-ranks the
    #: candidates on top of the base ranking; None: the base ranking alone.
    taste: Any = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class Candidate:
    rank: int
    score: float  # mean log-probability per note or chord (higher is better)
    notes: tuple[Note, ...]
    chords: tuple[Chord, ...]
    note_confidence: tuple[float, ...]  # model probability of each note, in ``notes`` order
    chord_confidence: tuple[float, ...]
    region: tuple[int, int]  # ticks the candidate covers
    task: str
    provenance: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def chord_symbols(self) -> list[str]:
        return [str(c.symbol) for c in self.chords]

    def fingerprint(self) -> str:
        """Identity of the musical content (for de-duplication and 'never suggest again')."""
        key = [(n.pitch, n.start, n.duration) for n in self.notes], \
              [(str(c.symbol), c.start, c.duration) for c in self.chords]
        return hashlib.sha1(json.dumps(key).encode()).hexdigest()[:16]

    def to_json(self, tpq: int = TPQ) -> dict:
        """The CLI contract: beats from the start of the piece."""
        return {
            "rank": self.rank,
            "score": round(self.score, 4),
            "notes": [{"pitch": n.pitch, "start": n.start / tpq, "duration": n.duration / tpq,
                       "velocity": n.velocity} for n in self.notes],
            "chords": [{"symbol": str(c.symbol), "start": c.start / tpq, "duration": c.duration / tpq}
                       for c in self.chords],
        }


def context_hash(score: Score, region: tuple[int, int] | None = None) -> str:
    """A stable hash of what the model saw (melody, chords, meter, key)."""
    payload = {
        "notes": [(n.pitch, n.start, n.duration) for n in score.melody.notes],
        "chords": [(str(c.symbol), c.start, c.duration) for c in score.chords],
        "meter": [(t.numerator, t.denominator, t.tick) for t in score.time_signatures],
        "key": [(k.tonic, k.mode, k.tick) for k in score.key_signatures],
        "region": region,
    }
    return hashlib.sha1(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
