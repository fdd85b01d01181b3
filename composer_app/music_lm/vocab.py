"""The lead-sheet vocabulary: which tokens exist, their ids, and the JSON config saved with a model.

The vocabulary is built deterministically from a small :class:`VocabConfig` (time grid, longest
bar, duration set, version). A model directory stores the config *and* the resulting token list in
``music_vocab.json``; :meth:`Vocabulary.load` rebuilds the vocabulary from the config and refuses
(:class:`~composer_app.errors.ModelError`) a file whose token list differs from what this code
builds, so a model trained with another vocabulary can never be fed wrong ids silently.

Token families (string form, ``id`` order is the order below):

========== ====================== ==================================================
family     example                meaning
========== ====================== ==================================================
special    ``<pad> <bos> <eos>``  padding, start, end of sequence; ``<unk>`` unused
task       ``<CONT> <HARM>``      sequence layout (see :mod:`composer_app.music_lm`)
           ``<CHORDS> <INFILL>``
separator  ``<MEL> <CHD>``        region melody / region chords follow
           ``<AFTER> <FILL>``     context after the region / the region itself follows
length     ``Len_4``              number of bars of an infill region (1-32)
bar index  ``Idx_3``              after ``Bar`` in a harmonize region: its 1-based bar number
                                  (melody and chord parts alike, so chords find their bar's melody)
meter      ``TS_6/8``             time signature (at the start, or after ``Bar`` on a change)
key        ``Key_D_minor``        key signature: tonic pitch class (sharp names) and mode
bar        ``Bar``                a new bar starts
position   ``Pos_480``            onset inside the bar, in ticks on the ``grid`` (40 = 1/12 quarter)
chord      ``Root_F# Q_m7 Bass_E`` chord symbol = root pitch class, quality, optional bass
no chord   ``NC``                 the previous chord ends here (a gap in the chord lane)
pitch      ``Pitch_67``           a note's MIDI pitch; always followed by a duration
duration   ``Dur_240``            the note's length in ticks (a fixed set, see below)
========== ====================== ==================================================
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import ModelError
from ..score import MODES, QUALITIES, TPQ
from ..score.chords import SHARP_NAMES

VOCAB_FILE = "music_vocab.json"
VOCAB_VERSION = 1

SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")
TASKS = ("<CONT>", "<HARM>", "<CHORDS>", "<INFILL>")
SEPARATORS = ("<MEL>", "<CHD>", "<AFTER>", "<FILL>")
TASK_NAMES = {"continue": "<CONT>", "harmonize": "<HARM>", "chords": "<CHORDS>", "infill": "<INFILL>"}


def default_durations(grid: int) -> list[int]:
    """Note lengths in ticks: every grid step up to a half note, then coarser steps up to 4 whole notes."""
    out = list(range(grid, 2 * TPQ + 1, grid))
    out += list(range(2 * TPQ + TPQ // 4, 4 * TPQ + 1, TPQ // 4))  # 16ths up to a whole note
    out += list(range(4 * TPQ + TPQ // 2, 8 * TPQ + 1, TPQ // 2))  # 8ths up to two whole notes
    out += list(range(8 * TPQ + TPQ, 16 * TPQ + 1, TPQ))  # quarters up to four whole notes
    return sorted(set(out))


def default_meters(max_bar_ticks: int) -> list[tuple[int, int]]:
    out = []
    for den in (2, 4, 8, 16):
        for num in range(1, 17):
            if num * TPQ * 4 // den <= max_bar_ticks:
                out.append((num, den))
    return out


@dataclass
class VocabConfig:
    """Everything that determines the token list. Saved as JSON next to the model."""

    grid: int = 40  # ticks; 40 = 1/12 quarter: 16ths (120) and 8th/16th triplets (160/80) are exact
    max_bar_ticks: int = 8 * TPQ  # longest bar (8 quarters: 4/2, 8/4, 16/8)
    pitch_low: int = 0
    pitch_high: int = 127
    max_len_bars: int = 32
    durations: list[int] = field(default_factory=list)
    version: int = VOCAB_VERSION

    def __post_init__(self):
        if not self.durations:
            self.durations = default_durations(self.grid)
        if TPQ % self.grid:
            raise ValueError(f"grid {self.grid} must divide {TPQ}")

    def to_dict(self) -> dict:
        return asdict(self)


class Vocabulary:
    """Token strings <-> ids, with the id groups the sampler needs (see :class:`MusicTokenizer`)."""

    def __init__(self, config: VocabConfig | None = None):
        self.config = config or VocabConfig()
        c = self.config
        self.meters = default_meters(c.max_bar_ticks)
        self.modes = list(MODES)
        self.qualities = list(QUALITIES)
        toks: list[str] = list(SPECIALS) + list(TASKS) + list(SEPARATORS)
        toks += [f"Len_{n}" for n in range(1, c.max_len_bars + 1)]
        toks += [f"Idx_{n}" for n in range(1, c.max_len_bars + 1)]
        toks += [f"TS_{n}/{d}" for n, d in self.meters]
        toks += [f"Key_{SHARP_NAMES[pc]}_{m.replace(' ', '-')}" for m in self.modes for pc in range(12)]
        toks += ["Bar", "NC"]
        toks += [f"Pos_{t}" for t in range(0, c.max_bar_ticks, c.grid)]
        toks += [f"Root_{n}" for n in SHARP_NAMES]
        toks += [f"Q_{q or 'maj'}" for q in self.qualities]
        toks += [f"Bass_{n}" for n in SHARP_NAMES]
        toks += [f"Pitch_{p}" for p in range(c.pitch_low, c.pitch_high + 1)]
        toks += [f"Dur_{d}" for d in c.durations]
        self.tokens = toks
        self.index = {t: i for i, t in enumerate(toks)}
        if len(self.index) != len(toks):
            raise ValueError("duplicate tokens in the vocabulary")

    def __len__(self) -> int:
        return len(self.tokens)

    def id(self, token: str) -> int:
        return self.index[token]

    # ---- persistence ---------------------------------------------------------------------
    def to_json(self) -> dict:
        return {"format": "composer-app-music-vocab", "config": self.config.to_dict(), "tokens": self.tokens}

    def save(self, directory: str | Path) -> Path:
        p = Path(directory) / VOCAB_FILE
        p.write_text(json.dumps(self.to_json(), indent=1), encoding="utf-8")
        return p

    @classmethod
    def load(cls, directory: str | Path) -> "Vocabulary":
        """Read ``music_vocab.json`` from a model directory; :class:`ModelError` if absent or incompatible."""
        directory = Path(directory)
        p = directory / VOCAB_FILE
        if not p.is_file():
            raise ModelError(directory, f"no {VOCAB_FILE} (not a Composer Assistant music model)")
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
            cfg = dict(data["config"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(directory, f"{VOCAB_FILE} is unreadable ({exc})") from None
        if data.get("format") != "composer-app-music-vocab":
            raise ModelError(directory, f"{VOCAB_FILE} is not a music vocabulary file")
        if cfg.get("version") != VOCAB_VERSION:
            raise ModelError(directory, f"incompatible vocabulary version {cfg.get('version')} "
                                        f"(this program reads version {VOCAB_VERSION})")
        try:
            vocab = cls(VocabConfig(**cfg))
        except (TypeError, ValueError) as exc:
            raise ModelError(directory, f"incompatible vocabulary config ({exc})") from None
        if data.get("tokens") != vocab.tokens:
            saved = data.get("tokens") or []
            diff = next((i for i, (a, b) in enumerate(zip(saved, vocab.tokens)) if a != b), min(len(saved), len(vocab)))
            raise ModelError(directory, f"incompatible vocabulary: the saved token list ({len(saved)} tokens) "
                                        f"differs from this program's ({len(vocab)} tokens) at id {diff}")
        return vocab
