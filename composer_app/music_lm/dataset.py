"""Training and validation sequences: task mixing, windows and transposition (training split only).

Each training example is drawn at random from the encoded training pieces: a task (continue,
harmonize, chords-only, infill; see :mod:`composer_app.music_lm`), a region and as much context
as fits in ``max_len``, then a random transposition (-5..+6 semitones) applied to the token ids.
Validation examples are fixed (a seeded draw, no transposition) so validation loss is comparable
across evaluations.
"""

from __future__ import annotations

import random

import numpy as np
import torch

from .tokenizer import EncodedPiece, MusicTokenizer

DEFAULT_TASK_MIX = {"continue": 0.45, "harmonize": 0.35, "chords": 0.1, "infill": 0.1}


class TranspositionTables:
    """``table[k][id]``: the id after moving ``k`` semitones (pitches, chord roots/basses, keys)."""

    def __init__(self, tok: MusicTokenizer):
        self.tables = {}
        n = len(tok)
        for k in range(-11, 12):
            t = np.arange(n, dtype=np.int64)
            for p, i in tok.pitch_ids.items():
                t[i] = tok.pitch_ids.get(p + k, tok.unk_id)
            for pc, i in tok.root_ids.items():
                t[i] = tok.root_ids[(pc + k) % 12]
            for pc, i in tok.bass_ids.items():
                t[i] = tok.bass_ids[(pc + k) % 12]
            for (pc, mode), i in tok.key_ids.items():
                t[i] = tok.key_ids[((pc + k) % 12, mode)]
            self.tables[k] = t

    def apply(self, ids: list[int], k: int) -> list[int]:
        return ids if k == 0 else self.tables[k][np.asarray(ids, dtype=np.int64)].tolist()


def draw_example(tok: MusicTokenizer, piece: EncodedPiece, rng: random.Random, max_len: int,
                 task_mix: dict[str, float] = DEFAULT_TASK_MIX) -> list[int]:
    """One sequence of at most ``max_len`` ids from ``piece`` in a randomly chosen layout."""
    n = piece.n_bars
    tasks, weights = zip(*task_mix.items())
    task = rng.choices(tasks, weights)[0]
    if task in ("harmonize", "chords") and piece.n_chords == 0:
        task = "continue"
    if task == "infill" and n < 3:
        task = "continue"
    if task == "continue":
        a = 0 if rng.random() < 0.3 else rng.randrange(n)
        ids = tok.header(piece, task, a)
        for i in range(a, n):
            ids += tok.render_bar(piece.bars[i])
            if len(ids) >= max_len:
                break
        else:
            ids.append(tok.eos_id)
        return ids[:max_len]
    if task == "infill":
        length = rng.randint(1, min(4, n - 2))
        r0 = rng.randint(1, n - length - 1)
        r1 = r0 + length
        c = min(n, r1 + rng.randint(1, 8))
    else:
        length = rng.randint(1, min(8, n))
        r0 = rng.randint(0, n - length)
        r1 = r0 + length
        c = None
    a = r0
    # Grow the context to the left while it fits (sometimes stop early: short contexts happen too).
    limit = max_len if rng.random() < 0.8 else max_len // 3
    ids = tok.layout(piece, task, a, r0, r1, c)
    while a > 0:
        longer = tok.layout(piece, task, a - 1, r0, r1, c)
        if len(longer) > limit:
            break
        a, ids = a - 1, longer
    return ids[:max_len]


class TrainingSequences(torch.utils.data.Dataset):
    """Random examples from the training pieces; ``len`` is the number drawn per epoch."""

    def __init__(self, tok: MusicTokenizer, pieces: list[EncodedPiece], max_len: int = 512,
                 examples_per_epoch: int | None = None, transpose: bool = True, seed: int = 0,
                 task_mix: dict[str, float] = DEFAULT_TASK_MIX, harmonize_answer_loss: bool = False):
        if not pieces:
            raise ValueError("no training pieces")
        self.tok, self.pieces, self.max_len = tok, pieces, max_len
        self.transpose, self.task_mix = transpose, task_mix
        #: harmonize examples learn only their answer (the chord part after <CHD>), not the context.
        self.harmonize_answer_loss = harmonize_answer_loss
        self.tables = TranspositionTables(tok) if transpose else None
        self.n = examples_per_epoch or len(pieces)
        self.rng = random.Random(seed)
        weights = [max(1, p.n_bars) for p in pieces]  # long pieces give more windows
        total = sum(weights)
        self.cum = np.cumsum([w / total for w in weights])

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> dict:
        rng = self.rng
        j = min(int(np.searchsorted(self.cum, rng.random())), len(self.pieces) - 1)
        piece = self.pieces[j]
        ids = draw_example(self.tok, piece, rng, self.max_len, self.task_mix)
        if self.tables is not None:
            lo = self.tok.vocab.config.pitch_low - piece.pitch_min
            hi = self.tok.vocab.config.pitch_high - piece.pitch_max
            ks = [k for k in range(-5, 7) if lo <= k <= hi] or [0]
            ids = self.tables.apply(ids, rng.choice(ks))
        if self.harmonize_answer_loss and ids[1] == self.tok.task_ids["harmonize"] and self.tok.chd_id in ids:
            return {"input_ids": ids, "loss_start": ids.index(self.tok.chd_id) + 1}
        return {"input_ids": ids}


class FixedSequences(torch.utils.data.Dataset):
    """A fixed, seeded draw of examples (validation): same sequences at every evaluation."""

    def __init__(self, tok: MusicTokenizer, pieces: list[EncodedPiece], max_len: int = 512,
                 per_piece: int = 2, seed: int = 1234, task_mix: dict[str, float] = DEFAULT_TASK_MIX,
                 limit: int = 256):
        rng = random.Random(seed)
        self.items = [draw_example(tok, p, rng, max_len, task_mix) for p in pieces for _ in range(per_piece)]
        if len(self.items) > limit:  # keep validation cheap: a fixed sample
            self.items = rng.sample(self.items, limit)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict:
        return {"input_ids": self.items[index]}


class Collator:
    """Pads a batch on the right; padding (and ids before an item's ``loss_start``) is masked out of the loss."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, batch: list[dict]) -> dict:
        n = max(len(b["input_ids"]) for b in batch)
        ids = torch.full((len(batch), n), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), n), dtype=torch.long)
        for r, b in enumerate(batch):
            x = b["input_ids"]
            ids[r, :len(x)] = torch.tensor(x, dtype=torch.long)
            mask[r, :len(x)] = 1
        labels = ids.masked_fill(mask == 0, -100)
        for r, b in enumerate(batch):
            labels[r, :b.get("loss_start", 0)] = -100
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}
