"""Held-out evaluation of the language model against the n-gram baseline (token-level metrics).

These measure the language model itself, teacher-forced: they are *not* the composer's task.
How well the app harmonizes and continues, through the code path it runs, is measured by
:mod:`composer_app.generation.evaluation`. Metrics (on the validation titles of the same title
split that training used):

* ``nll_per_note`` / ``nll_per_chord`` (nats): the summed negative log-likelihood of the tokens
  that describe melody notes (pitch, duration, their positions, bar lines) divided by the number
  of notes, and of the chord tokens (root, quality, bass, ``NC`` and their positions) divided by
  the number of chord changes, in the continue layout. Per event, not per token.
* ``next_chord_acc``: at each chord change, given everything before it and the position of the
  change, is the most likely root and then quality (given the true root) right?
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import numpy as np

from ..score import Score
from .baselines import NGramModel
from .tokenizer import EncodedPiece, MusicTokenizer

HARM_BARS = 4  # harmonize examples the n-gram is trained on


@dataclass
class EvalPiece:
    score: Score
    enc: EncodedPiece


# ---- token windows -------------------------------------------------------------------------
def windows(tok: MusicTokenizer, piece: EncodedPiece, max_len: int):
    """Continue-layout windows covering every bar once: ``(ids, first scored index)``; each window
    scores up to half of ``max_len`` and fills the rest with the bars before it as context."""
    lens = [len(tok.render_bar(b)) for b in piece.bars]
    s, n = 0, piece.n_bars
    while s < n:
        e, tot = s + 1, lens[s]
        while e < n and tot + lens[e] <= max_len // 2:
            tot += lens[e]
            e += 1
        a = s
        while a > 0 and 4 + sum(lens[a - 1:e]) + 1 <= max_len:
            a -= 1
        head = tok.header(piece, "continue", a) + tok.render_bars(piece, a, s)
        ids = head + tok.render_bars(piece, s, e) + ([tok.eos_id] if e == n else [])
        yield ids[:max_len], len(head)
        s = e


def attribute(tok: MusicTokenizer, ids: list[int], start: int) -> np.ndarray:
    """Per scored token: 1 = chord group, 0 = note group (positions go to the event they announce)."""
    kinds = tok.kinds
    group = np.zeros(len(ids) - start, dtype=np.int8)
    for j, i in enumerate(range(start, len(ids))):
        k = kinds[ids[i]]
        if k in ("root", "quality", "bass", "nc"):
            group[j] = 1
        elif k == "pos" and i + 1 < len(ids) and kinds[ids[i + 1]] in ("root", "nc"):
            group[j] = 1
    return group


# ---- the transformer as a scorer -----------------------------------------------------------
class ModelScorer:
    def __init__(self, loaded, batch_size: int = 8):
        import torch

        self.torch, self.lm, self.model, self.bs = torch, loaded, loaded.model, batch_size
        self.device = loaded.device

    def score(self, seqs: list[list[int]]) -> list[np.ndarray]:
        """Log-probabilities of every token after the first, for each sequence."""
        torch, out = self.torch, []
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        res: dict[int, np.ndarray] = {}
        for b in range(0, len(order), self.bs):
            idx = order[b:b + self.bs]
            n = max(len(seqs[i]) for i in idx)
            x = torch.full((len(idx), n), self.lm.tokenizer.pad_id, dtype=torch.long)
            m = torch.zeros((len(idx), n), dtype=torch.long)
            for r, i in enumerate(idx):
                x[r, :len(seqs[i])] = torch.tensor(seqs[i])
                m[r, :len(seqs[i])] = 1
            with torch.inference_mode():
                logits = self.model(input_ids=x.to(self.device), attention_mask=m.to(self.device)).logits.float()
                lp = torch.log_softmax(logits[:, :-1], -1).gather(-1, x[:, 1:, None].to(self.device))[..., 0].cpu()
            for r, i in enumerate(idx):
                res[i] = lp[r, :len(seqs[i]) - 1].numpy()
        out = [res[i] for i in range(len(seqs))]
        return out

    def last_logprobs(self, prefix: list[int], k: int = 2) -> np.ndarray:
        """Log-probabilities of the next token at the last ``k`` positions of ``prefix``."""
        torch = self.torch
        with torch.inference_mode():
            logits = self.model(input_ids=torch.tensor([prefix], device=self.device)).logits[0, -k:].float()
        return torch.log_softmax(logits, -1).cpu().numpy()


class NGramScorer:
    def __init__(self, ngram: NGramModel):
        self.ng = ngram

    def score(self, seqs):
        return [self.ng.score_sequence(s, 1) for s in seqs]

    def next_logprobs_of(self, prefix, ids) -> np.ndarray:
        return np.log(self.ng.distribution(prefix[-(self.ng.n - 1):], ids))


# ---- the metrics ---------------------------------------------------------------------------
def likelihood_metrics(tok, scorer, pieces: list[EvalPiece], max_len: int) -> dict:
    seqs, starts = [], []
    for p in pieces:
        for ids, start in windows(tok, p.enc, max_len):
            seqs.append(ids)
            starts.append(start)
    lps = scorer.score(seqs)
    note_nll = chord_nll = 0.0
    n_notes = n_chords = 0
    tokens = 0
    for ids, start, lp in zip(seqs, starts, lps):
        scored = -lp[start - 1:]
        group = attribute(tok, ids, start)
        note_nll += float(scored[group == 0].sum())
        chord_nll += float(scored[group == 1].sum())
        region = [tok.kinds[i] for i in ids[start:]]
        n_notes += region.count("pitch")
        n_chords += region.count("root") + region.count("nc")
        tokens += len(region)
    return {"nll_per_note": note_nll / max(1, n_notes), "nll_per_chord": chord_nll / max(1, n_chords),
            "nll_per_token": (note_nll + chord_nll) / max(1, tokens), "notes": n_notes, "chords": n_chords,
            "tokens": tokens}


def next_chord_accuracy(tok, scorer, pieces: list[EvalPiece], max_len: int, limit: int = 400,
                        seed: int = 0) -> dict:
    """Accuracy of root+quality (and root alone) at chord changes, sampled with a fixed seed."""
    cases = []
    for p in pieces:
        for ids, start in windows(tok, p.enc, max_len):
            for i in range(max(start, 1), len(ids) - 1):
                if tok.kinds[ids[i]] == "root" and tok.kinds[ids[i + 1]] == "quality":
                    cases.append((ids, i))
    rng = random.Random(seed)
    if len(cases) > limit:
        cases = rng.sample(cases, limit)
    roots, quals = list(tok.root_ids.values()), list(tok.quality_ids.values())
    ok_root = ok_both = 0
    for ids, i in cases:
        if isinstance(scorer, ModelScorer):
            # One pass over ids[:i+1]: the root is predicted from ids[:i], the quality after the true root.
            lp_root, lp_q = scorer.last_logprobs(ids[:i + 1], 2)
            root_pred = roots[int(np.argmax(lp_root[roots]))]
            q_pred = quals[int(np.argmax(lp_q[quals]))]
        else:
            root_pred = roots[int(np.argmax(scorer.next_logprobs_of(ids[:i], roots)))]
            q_pred = quals[int(np.argmax(scorer.next_logprobs_of(ids[:i + 1], quals)))]
        ok_root += root_pred == ids[i]
        ok_both += root_pred == ids[i] and q_pred == ids[i + 1]
    n = max(1, len(cases))
    return {"next_chord_acc": ok_both / n, "next_chord_root_acc": ok_root / n, "chord_changes": len(cases)}


def ngram_training_sequences(tok, pieces: list[EncodedPiece], seed: int = 0):
    """The n-gram sees the layouts it is tested on: whole pieces (continue) and 4-bar
    harmonize examples, in the original key and one random transposition."""
    from .dataset import TranspositionTables

    rng = random.Random(seed)
    tables = TranspositionTables(tok)
    for p in pieces:
        full = tok.layout(p, "continue", 0, 0, p.n_bars)
        k = rng.choice([k for k in range(-5, 7) if k and 0 <= p.pitch_min + k and p.pitch_max + k <= 127] or [0])
        yield full
        yield tables.apply(full, k)
        if p.n_chords:
            for r0 in range(0, p.n_bars, HARM_BARS):
                r1 = min(p.n_bars, r0 + HARM_BARS)
                a = max(0, r0 - 8)
                yield tok.layout(p, "harmonize", a, r0, r1)


def fit_ngram(tok, train_pieces: list[EncodedPiece], order: int = 7, seed: int = 0) -> NGramModel:
    return NGramModel(len(tok), order).fit(ngram_training_sequences(tok, train_pieces, seed))


def evaluate(loaded, ngram: NGramModel, valid: list[EvalPiece], *, max_len: int = 512, seed: int = 0,
             log=print) -> dict:
    """The language model's metrics next to the n-gram's: ``{"model": {...}, "ngram": {...}}``."""
    tok = loaded.tokenizer
    results: dict[str, dict] = {}
    for name, sc in {"model": ModelScorer(loaded), "ngram": NGramScorer(ngram)}.items():
        t = time.time()
        r = likelihood_metrics(tok, sc, valid, max_len)
        r.update(next_chord_accuracy(tok, sc, valid, max_len, seed=seed))
        r["seconds"] = round(time.time() - t, 1)
        results[name] = r
        log(f"{name}: done in {r['seconds']} s")
    return results
