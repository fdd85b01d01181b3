"""Score -> harmonizer input: one position per felt beat, a weighted bag of tokens at each.

Each beat is one position of the encoder. Its input vector is the weighted sum of the
embeddings of a few tokens (a *bag*): the key (``Key_<pc>_<maj|min>``), the metric position
(``Beat_<i>_<n>[c]``: beat ``i`` of ``n``, ``c`` for compound meters), the beat's chord when it is
given (``Chord_<label>``) or ``Chord_?`` when it is to be predicted, ``<start>`` / ``<end>`` on the
first / last beat of the piece, one ``N_<pc>_<how>`` per melody note sounding in the beat
(its pitch class and whether it starts ``on`` the beat, ``in`` it, or is ``held`` from before),
weighted by the share of the beat it fills, and pitch-class summaries of its surroundings, each
weighted by the share of time the pitch class sounds there: ``P_<pc>`` the previous beat,
``X_<pc>`` the next beat, ``H_<pc>`` the half bar holding the beat (the whole bar in odd meters),
``B_<pc>`` the whole bar. Chords mostly change with bars and half bars, so the melody of those
spans is what a chord answers to; having it at every beat lets the encoder's attention spend
itself on the progression rather than on finding the notes. A bag of embeddings is what a standard
``BertForTokenClassification`` takes as ``inputs_embeds``: the model folder stays a plain
Hugging Face folder, and every beat's chord sits at the position of its own melody, so the model
need not learn to find a beat's notes among variable runs of tokens.

Key-relative (vocabulary version 4): every pitch class, given chord and label is counted from the
tonic of the key in effect at its beat (``Key_0_maj`` / ``Key_0_min`` say the mode), so the model
learns harmony in scale degrees once instead of in twelve transpositions; :func:`from_relative`
turns its per-beat answers back into absolute chords. Version 3 folders (absolute pitch classes,
learnt with random transposition) still load. Pure Python.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...score import Score
from .labels import IGNORE, N_LABELS, label_of, transpose_label

VOCAB_FILE = "harmonizer_vocab.json"
VOCAB_VERSION = 4  # 4: key-relative (see the module docstring); 3: absolute pitch classes, still read
MAX_NOTES = 12  # notes of one beat at most (more are dropped)
#: Pitch-class summaries of a beat's surroundings (see the module docstring).
AROUND = ("P", "X", "H", "B")
MAX_BEATS_PER_BAR = 8
HOW = ("on", "in", "held")
MINOR_MODES = {"minor", "dorian", "phrygian", "locrian", "harmonic minor"}


class HarmVocab:
    """Token strings <-> ids (saved as ``harmonizer_vocab.json`` in the model folder)."""

    SPECIALS = ("<pad>", "<start>", "<end>", "Chord_?")

    def __init__(self, tokens: list[str] | None = None, relative: bool = True):
        #: Key-relative encoding (vocabulary version 4) or absolute (version 3).
        self.relative = relative
        if tokens is None:
            tokens = list(self.SPECIALS)
            tokens += [f"Key_{pc}_{m}" for pc in range(12) for m in ("maj", "min")]
            for c in ("", "c"):
                tokens += [f"Beat_{i}_{n}{c}" for n in range(1, MAX_BEATS_PER_BAR + 1) for i in range(n)]
            tokens += [f"N_{pc}_{how}" for pc in range(12) for how in HOW]
            tokens += [f"{g}_{pc}" for g in AROUND for pc in range(12)]
            tokens += [f"Chord_{lab}" for lab in range(N_LABELS)]
        self.tokens = tokens
        self.ids = {t: i for i, t in enumerate(tokens)}
        self.pad_id, self.start_id, self.end_id, self.unknown_chord_id = (self.ids[t] for t in self.SPECIALS)

    def __len__(self) -> int:
        return len(self.tokens)

    def key_id(self, pc: int, minor: bool) -> int:
        return self.ids[f"Key_{pc % 12}_{'min' if minor else 'maj'}"]

    def beat_id(self, i: int, n: int, compound: bool) -> int:
        n = min(n, MAX_BEATS_PER_BAR)
        return self.ids[f"Beat_{min(i, n - 1)}_{n}{'c' if compound else ''}"]

    def note_id(self, pc: int, how: str) -> int:
        return self.ids[f"N_{pc % 12}_{how}"]

    def chord_id(self, label: int) -> int:
        return self.ids[f"Chord_{label}"]

    def transposition(self, k: int) -> np.ndarray:
        """``table[id]``: the id ``k`` semitones up (keys, pitch classes and chord labels move)."""
        table = np.arange(len(self), dtype=np.int64)
        for t, i in self.ids.items():
            parts = t.split("_")
            if parts[0] == "Key":
                table[i] = self.key_id(int(parts[1]) + k, parts[2] == "min")
            elif parts[0] == "N":
                table[i] = self.note_id(int(parts[1]) + k, parts[2])
            elif parts[0] in AROUND:
                table[i] = self.ids[f"{parts[0]}_{(int(parts[1]) + k) % 12}"]
            elif parts[0] == "Chord" and parts[1] != "?":
                table[i] = self.chord_id(transpose_label(int(parts[1]), k))
        return table

    def save(self, folder: str | Path) -> None:
        data = {"version": VOCAB_VERSION if self.relative else 3, "tokens": self.tokens}
        (Path(folder) / VOCAB_FILE).write_text(json.dumps(data, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, folder: str | Path) -> "HarmVocab":
        """The vocabulary of a model folder; ``ValueError`` when it is not this program's."""
        path = Path(folder) / VOCAB_FILE
        if path.stat().st_size > 1 << 20:
            raise ValueError(f"{VOCAB_FILE} is implausibly large")
        data = json.loads(path.read_text(encoding="utf-8"))
        version = data.get("version") if isinstance(data, dict) else None
        mine = cls(relative=version == VOCAB_VERSION)
        if version not in (3, VOCAB_VERSION) or data.get("tokens") != mine.tokens:
            raise ValueError(f"{VOCAB_FILE} does not match this version of the program's harmonizer vocabulary")
        return mine


@dataclass
class Beat:
    tick: int
    length: int
    bar: int  # bar index in the score
    index: int  # beat number in the bar
    of: int  # beats in the bar
    compound: bool
    key_pc: int
    key_minor: bool


@dataclass
class Encoded:
    """Per beat, the bag of ``(token id, weight)`` pairs that makes its input vector."""

    bags: list[list[tuple[int, float]]]
    labels: list[int] = field(default_factory=list)  # per beat (IGNORE: no chord or given)


def beats_of(score: Score, start: int = 0, end: int | None = None) -> list[Beat]:
    """The felt beats of ``score`` from the bar holding ``start`` to ``end`` (default: the last bar)."""
    meter = score.meter
    end = score.end_of_last_bar if end is None else end
    out: list[Beat] = []
    if end <= start:
        return out
    bar = meter.bar_at(start)
    keys = sorted(score.key_signatures, key=lambda k: k.tick)
    kpos = 0
    while bar.start < end:
        ticks = meter.beats_of_bar(bar)
        while kpos + 1 < len(keys) and keys[kpos + 1].tick <= bar.start:
            kpos += 1
        key = keys[kpos] if keys else None
        step = bar.meter.beat_ticks
        of = -(-(bar.end - bar.nominal_start) // step)  # a pickup bar counts its missing beats too
        for i, t in enumerate(ticks):
            nxt = ticks[i + 1] if i + 1 < len(ticks) else bar.end
            out.append(Beat(t, nxt - t, bar.index, (t - bar.nominal_start) // step, of, bar.meter.is_compound,
                            key.tonic_pc if key else 0, (key.mode in MINOR_MODES) if key else False))
        bar = meter.bar(bar.index + 1)
    return out


def beat_notes(score: Score, beats: list[Beat]) -> list[list[tuple[int, str, float]]]:
    """Per beat, ``(pitch class, how, share of the beat)`` of every melody note sounding in it."""
    notes = sorted(score.melody.notes, key=lambda n: (n.start, n.pitch)) if score.tracks else []
    out: list[list[tuple[int, str, float]]] = [[] for _ in beats]
    if not beats:
        return out
    starts = np.array([b.tick for b in beats])
    for n in notes:
        first = max(0, int(np.searchsorted(starts, n.start, side="right")) - 1)
        j = first
        while j < len(beats) and beats[j].tick < n.end:
            b = beats[j]
            overlap = min(n.end, b.tick + b.length) - max(n.start, b.tick)
            if overlap > 0:
                how = "on" if n.start == b.tick else ("in" if n.start > b.tick else "held")
                out[j].append((n.pitch % 12, how, round(overlap / b.length, 4)))
            j += 1
    return out


def silent_beats(notes: list[list]) -> np.ndarray:
    """Per beat of :func:`beat_notes`' answer, whether no melody note sounds in it."""
    return np.array([not n for n in notes], dtype=bool)


def beat_labels(score: Score, beats: list[Beat]) -> list[int]:
    """The chord class sounding at each beat (``IGNORE`` where there is none)."""
    chords = sorted(score.chords, key=lambda c: c.start)
    out, j = [], 0
    for b in beats:
        while j < len(chords) and chords[j].end <= b.tick:
            j += 1
        c = chords[j] if j < len(chords) and chords[j].start <= b.tick else None
        out.append(label_of(c.symbol) if c is not None else IGNORE)
    return out


def _summary(notes_of_beats, length: int) -> dict[int, float]:
    w: dict[int, float] = {}
    for beat in notes_of_beats:
        for pc, _how, share in beat:
            w[pc] = w.get(pc, 0.0) + share
    return {pc: round(x / max(1, length), 4) for pc, x in w.items()}


def _groups(beats: list[Beat]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Per beat, the ``[a, b)`` beat ranges of its half bar and of its bar (within ``beats``)."""
    half, bar = [], []
    j = 0
    while j < len(beats):
        k = j
        while k + 1 < len(beats) and beats[k + 1].bar == beats[j].bar:
            k += 1
        a, b = j, k + 1
        of = beats[j].of
        for t in range(a, b):
            bar.append((a, b))
            if of % 2 == 0 and of > 1:
                mid = a + (of // 2 - beats[a].index)
                half.append((a, max(a, min(mid, b))) if t < mid else (max(a, mid), b))
            else:
                half.append((a, b))
        j = b
    return half, bar


def encode(vocab: HarmVocab, beats: list[Beat], notes: list[list[tuple[int, str, float]]], known: list[int | None],
           *, at_start: bool, at_end: bool) -> Encoded:
    """The bags of ``beats`` (with their ``notes``); ``known[j]`` is a given chord label or ``None``."""
    half, bar = _groups(beats)
    bags = []
    for j, b in enumerate(beats):
        k = b.key_pc if vocab.relative else 0  # everything counted from the tonic
        given = known[j]
        chord = vocab.unknown_chord_id if given is None else vocab.chord_id(transpose_label(given, -k))
        bag = [(vocab.key_id(b.key_pc - k, b.key_minor), 1.0), (vocab.beat_id(b.index, b.of, b.compound), 1.0),
               (chord, 1.0)]
        if at_start and j == 0:
            bag.append((vocab.start_id, 1.0))
        if at_end and j == len(beats) - 1:
            bag.append((vocab.end_id, 1.0))
        bag += [(vocab.note_id(pc - k, how), share) for pc, how, share in notes[j][:MAX_NOTES]]
        around = (("P", notes[j - 1:j], 1), ("X", notes[j + 1:j + 2], 1),
                  ("H", notes[half[j][0]:half[j][1]], half[j][1] - half[j][0]),
                  ("B", notes[bar[j][0]:bar[j][1]], bar[j][1] - bar[j][0]))
        for g, span, length in around:
            bag += [(vocab.ids[f"{g}_{(pc - k) % 12}"], w) for pc, w in sorted(_summary(span, length).items())]
        bags.append(bag)
    return Encoded(bags)


def relative_labels(vocab: HarmVocab, beats: list[Beat], labels: list[int]) -> list[int]:
    """Targets as the model learns them: counted from each beat's tonic when the vocabulary is relative."""
    if not vocab.relative:
        return labels
    return [lab if lab == IGNORE else transpose_label(lab, -b.key_pc) for b, lab in zip(beats, labels)]


def from_relative(vocab: HarmVocab, beats: list[Beat], scores: np.ndarray) -> np.ndarray:
    """Per-beat scores over the model's labels -> over absolute labels (``scores[t, label]``)."""
    if not vocab.relative:
        return scores
    out = np.empty_like(scores)
    for t, b in enumerate(beats):
        perm = [transpose_label(lab, -b.key_pc) for lab in range(N_LABELS)]
        out[t] = scores[t, perm]
    return out


def windows(n_beats: int, max_len: int, starts: list[int], overlap: float = 0.5) -> list[tuple[int, int]]:
    """Beat ranges ``[a, b)`` of at most ``max_len`` beats, starting on bar lines (``starts``: the
    beats that begin bars) and overlapping by about ``overlap`` of a window, covering every beat."""
    if n_beats <= max_len:
        return [(0, n_beats)]
    out: list[tuple[int, int]] = []
    a = 0
    while True:
        b = min(n_beats, a + max_len)
        if b < n_beats:
            cut = max((s for s in starts if a < s <= b), default=b)
            b = cut if cut > a else b
        out.append((a, b))
        if b >= n_beats:
            return out
        step_to = a + max(1, int((b - a) * (1 - overlap)))
        nxt = min((s for s in starts if s >= step_to), default=b)
        a = nxt if a < nxt <= b else b


def bar_starts(beats: list[Beat]) -> list[int]:
    """Indices of the beats that open a bar (a pickup bar opens on a later beat than its first)."""
    return [j for j, b in enumerate(beats) if j == 0 or b.bar != beats[j - 1].bar]
