"""Harmonizer training data: pieces as beats, random windows, chord-reveal patterns, transposition.

A training example is a window of whole bars of one piece (up to ``max_len`` tokens), transposed
by a random -5..+6 semitones (training split only), in which some beats' chords are *given* and
the rest are to be predicted, in the proportions the app asks for them:

* ``none`` (45 %): no chord given: harmonize a melody from scratch (Ctrl+H on a bare melody);
* ``prefix`` (25 %): the chords before a random bar are given: continue with chords, or harmonize
  bars after ones that already have chords;
* ``infill`` (10 %): given before and after a region of 1-8 bars (harmonize selected bars);
* ``scatter`` (20 %): each bar given with probability 1/2.

The loss is on the beats to predict that have a chord in the source. Torch is imported here only
for the ``Dataset`` base class and the collator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch

from ...score import Score
from .encoding import Beat, HarmVocab, beat_labels, beat_notes, beats_of, encode, relative_labels
from .labels import IGNORE, transpose_label

REVEAL_MIX = {"none": 0.45, "prefix": 0.25, "infill": 0.10, "scatter": 0.20}


@dataclass
class HarmPiece:
    title: str
    group: str
    beats: list[Beat]
    notes: list[list[tuple[int, str, float]]]
    labels: list[int]

    @property
    def labelled(self) -> int:
        return sum(1 for lab in self.labels if lab != IGNORE)


def harm_piece(score: Score, title: str = "", group: str = "") -> HarmPiece | None:
    """The piece as beats, or ``None`` when it has no melody or fewer than 8 beats with chords."""
    if not score.tracks or not score.melody.notes or not score.chords:
        return None
    beats = beats_of(score)
    p = HarmPiece(title, group, beats, beat_notes(score, beats), beat_labels(score, beats))
    return p if p.labelled >= 8 else None


def _bar_starts(piece: HarmPiece, a: int, b: int) -> list[int]:
    return [j for j in range(a, b) if j == a or piece.beats[j].bar != piece.beats[j - 1].bar]


def reveal(piece: HarmPiece, a: int, b: int, pattern: str, rng: random.Random) -> list[bool]:
    """Which beats of ``[a, b)`` get their chord as input."""
    n = b - a
    bars = _bar_starts(piece, a, b) + [b]
    given = [False] * n
    if pattern == "prefix" and len(bars) > 2:
        cut = bars[rng.randrange(1, len(bars) - 1)]
        given[:cut - a] = [True] * (cut - a)
    elif pattern == "infill" and len(bars) > 3:
        i = rng.randrange(1, len(bars) - 2)
        k = rng.randint(1, min(8, len(bars) - 1 - i))
        lo, hi = bars[i] - a, bars[min(i + k, len(bars) - 1)] - a
        given = [not (lo <= j < hi) for j in range(n)]
    elif pattern == "scatter":
        for s, e in zip(bars, bars[1:]):
            if rng.random() < 0.5:
                given[s - a:e - a] = [True] * (e - s)
    return given


def example(vocab: HarmVocab, piece: HarmPiece, a: int, b: int, given: list[bool], k: int = 0) -> dict:
    """The bags and per-beat labels of beats ``[a, b)``, transposed by ``k`` semitones."""
    beats = piece.beats[a:b]
    notes = piece.notes[a:b]
    labels = piece.labels[a:b]
    if k:
        beats = [Beat(x.tick, x.length, x.bar, x.index, x.of, x.compound, (x.key_pc + k) % 12, x.key_minor)
                 for x in beats]
        notes = [[((pc + k) % 12, how, w) for pc, how, w in beat] for beat in notes]
        labels = [lab if lab == IGNORE else transpose_label(lab, k) for lab in labels]
    known = [lab if g and lab != IGNORE else None for lab, g in zip(labels, given)]
    enc = encode(vocab, beats, notes, known, at_start=a == 0, at_end=b == len(piece.beats))
    targets = relative_labels(vocab, beats, labels)
    return {"bags": enc.bags, "labels": [IGNORE if g else lab for lab, g in zip(targets, given)]}


def random_window(piece: HarmPiece, rng: random.Random, max_len: int) -> tuple[int, int]:
    """A window of whole bars of at most ``max_len`` beats (the whole piece when it fits; shorter
    windows now and then, as the app sees short pieces too)."""
    n = len(piece.beats)
    starts = _bar_starts(piece, 0, n)
    length = max_len if rng.random() < 0.7 else rng.randint(8, max_len)
    a = 0 if rng.random() < 0.3 else rng.choice(starts)
    b = min(n, a + length)
    if b < n:  # end on a bar line
        b = max((s for s in starts if a < s <= b), default=b)
    return a, max(b, a + 1)


class TrainingWindows(torch.utils.data.Dataset):
    """Random examples; ``len`` is the number drawn per epoch."""

    def __init__(self, vocab: HarmVocab, pieces: list[HarmPiece], max_len: int = 512, per_epoch: int | None = None,
                 seed: int = 0, transpose: bool = True, reveal_mix: dict[str, float] = REVEAL_MIX,
                 extra: list[HarmPiece] | None = None, extra_share: float = 0.0,
                 group_weights: dict[str, float] | None = None):
        """``extra`` pieces (e.g. pseudo-labelled ones) get ``extra_share`` of the draws in all;
        within each set a piece is drawn in proportion to its beats, times its collection's weight
        in ``group_weights`` (1 for a collection not named)."""
        if not pieces:
            raise ValueError("no training pieces with chords")
        self.vocab, self.max_len, self.transpose = vocab, max_len, transpose
        self.n = per_epoch or len(pieces)
        self.rng = random.Random(seed)
        self._worker_seed: int | None = None
        extra = list(extra or []) if extra_share > 0 else []
        self.pieces = list(pieces) + extra
        gw = group_weights or {}
        own = [float(len(p.beats)) * gw.get(p.group, 1.0) for p in pieces]
        if extra:
            more = [float(len(p.beats)) for p in extra]
            k_own, k_more = (1.0 - extra_share) / sum(own), extra_share / sum(more)
            self.weights = [w * k_own for w in own] + [w * k_more for w in more]
        else:
            self.weights = own
        self.patterns, self.pattern_weights = zip(*reveal_mix.items())

    def __len__(self) -> int:
        return self.n

    def _rng(self) -> random.Random:
        """The draw's generator. A loader worker (a copy of this dataset in another process) reseeds it
        from torch's per-worker seed, which differs between workers and between epochs, so that no two
        workers draw the same windows."""
        info = torch.utils.data.get_worker_info()
        if info is not None and info.seed != self._worker_seed:
            self._worker_seed = info.seed
            self.rng = random.Random(info.seed)
        return self.rng

    def __getitem__(self, index: int) -> dict:
        rng = self._rng()
        piece = rng.choices(self.pieces, self.weights)[0]
        a, b = random_window(piece, rng, self.max_len)
        given = reveal(piece, a, b, rng.choices(self.patterns, self.pattern_weights)[0], rng)
        k = rng.randint(-5, 6) if self.transpose else 0
        return example(self.vocab, piece, a, b, given, k)


class FixedWindows(torch.utils.data.Dataset):
    """A seeded, fixed draw (validation): the same examples at every evaluation."""

    def __init__(self, vocab: HarmVocab, pieces: list[HarmPiece], max_len: int = 512, per_piece: int = 2,
                 seed: int = 1234, limit: int = 256):
        rng = random.Random(seed)
        items = []
        for p in pieces:
            for _ in range(per_piece):
                a, b = random_window(p, rng, max_len)
                pattern = rng.choices(list(REVEAL_MIX), list(REVEAL_MIX.values()))[0]
                items.append(example(vocab, p, a, b, reveal(p, a, b, pattern, rng)))
        self.items = rng.sample(items, limit) if len(items) > limit else items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict:
        return self.items[index]


class HarmCollator:
    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, batch: list[dict]) -> dict:
        from .bags import bag_tensors

        ids, w, mask, labels = bag_tensors([b["bags"] for b in batch], self.pad_id, [b["labels"] for b in batch])
        return {"bag_ids": ids, "bag_weights": w, "attention_mask": mask, "labels": labels}
