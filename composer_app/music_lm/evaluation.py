"""Held-out evaluation of a model against the n-gram and template baselines.

Metrics (all on the validation titles of the same title split that training used):

* ``nll_per_note`` / ``nll_per_chord`` (nats): the summed negative log-likelihood of the tokens
  that describe melody notes (pitch, duration, their positions, bar lines) divided by the number
  of notes, and of the chord tokens (root, quality, bass, ``NC`` and their positions) divided by
  the number of chord changes, in the continue layout. Per event, not per token.
* ``next_chord_acc``: at each chord change, given everything before it and the position of the
  change, is the most likely root and then quality (given the true root) right?
* ``harm_root_acc`` / ``harm_class_acc``: harmonize regions of 4 bars given their melody and the
  context before (greedy, grammar-constrained decoding in the harmonize layout; the template
  harmonizer uses the melody and key only); on every beat, is the root right, and the root plus
  major/minor class? ``joint_root_acc`` / ``joint_class_acc``: the same regions harmonized by
  joint likelihood (:mod:`.harmonize`: per half bar, the chord that makes the chord and the melody
  under it most probable), for the model and the n-gram alike. ``fused_root_acc`` /
  ``fused_class_acc`` (model only): :func:`.harmonize.harmonize_fused`, one chord per half bar
  chosen by the model's log-probability plus the melody-fit bias of :mod:`.melody_fit` (shallow
  fusion). This is how the app's "Harmonize" ranks and shapes its chords.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import numpy as np

from ..score import Score
from .baselines import NGramModel, TemplateHarmonizer
from .melody_fit import DEFAULT_WEIGHT, MelodyFit
from .tokenizer import EncodedPiece, MusicTokenizer

HARM_BARS = 4


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

    def greedy(self, prompt: list[int], grammar, bias=None) -> list[int]:
        """Constrained greedy decoding with the KV cache; ``bias(grammar)`` may add to the
        log-probabilities of some tokens (melody-fit fusion, :mod:`.melody_fit`)."""
        torch = self.torch
        out: list[int] = []
        with torch.inference_mode():
            res = self.model(input_ids=torch.tensor([prompt], device=self.device), use_cache=True)
            for _ in range(grammar.max_steps):
                allowed = grammar.allowed()
                if not allowed:
                    break
                logits = torch.log_softmax(res.logits[0, -1].float(), -1).cpu().numpy()
                if bias is not None:
                    for i, b in bias(grammar).items():
                        logits[i] += b
                t = allowed[int(np.argmax(logits[allowed]))]
                out.append(t)
                if grammar.feed(t):
                    break
                res = self.model(input_ids=torch.tensor([[t]], device=self.device),
                                 past_key_values=res.past_key_values, use_cache=True)
        return out


class NGramScorer:
    def __init__(self, ngram: NGramModel):
        self.ng = ngram

    def score(self, seqs):
        return [self.ng.score_sequence(s, 1) for s in seqs]

    def next_logprobs_of(self, prefix, ids) -> np.ndarray:
        return np.log(self.ng.distribution(prefix[-(self.ng.n - 1):], ids))

    def greedy(self, prompt, grammar):
        out: list[int] = []
        seq = list(prompt)
        for _ in range(grammar.max_steps):
            allowed = grammar.allowed()
            if not allowed:
                break
            p = self.ng.distribution(seq[-(self.ng.n - 1):], allowed)
            t = allowed[int(np.argmax(p))]
            out.append(t)
            seq.append(t)
            if grammar.feed(t):
                break
        return out


class ChordPartGrammar:
    """Which tokens may come next in a harmonize answer: exactly ``n_bars`` bars of
    ``Bar Idx_k (Pos Root Quality [Bass])*`` with increasing positions inside each bar, then ``<eos>``."""

    def __init__(self, tok: MusicTokenizer, bar_lengths: list[int]):
        self.tok, self.lengths = tok, bar_lengths
        self.bars, self.last_pos, self.state, self.last_root = 0, -1, "start", 0
        self.max_steps = 12 * len(bar_lengths) + 4
        self.roots = list(tok.root_ids.values())
        self.quals = list(tok.quality_ids.values())
        self.basses = list(tok.bass_ids.values())

    def allowed(self) -> list[int]:
        tok = self.tok
        if self.state == "start":
            return [tok.bar_id]
        if self.state == "bar":  # the bar's index is not a choice
            return [tok.bar_index_id(self.bars)]
        if self.state == "pos":
            return self.roots
        if self.state == "root":
            return self.quals
        length = self.lengths[self.bars - 1]
        out = [i for p, i in tok.position_ids.items() if self.last_pos < p < length]
        out.append(tok.bar_id if self.bars < len(self.lengths) else tok.eos_id)
        if self.state == "quality":
            out += self.basses
        return out

    def feed(self, t: int) -> bool:
        tok, kind = self.tok, self.tok.kinds[t]
        if t == tok.eos_id:
            return True
        if kind == "bar":
            self.bars, self.last_pos, self.state = self.bars + 1, -1, "bar"
        elif kind == "idx":
            self.state = "idx"
        elif kind == "pos":
            self.last_pos, self.state = tok.id_position[t], "pos"
        elif kind == "root":
            self.state, self.last_root = "root", tok.id_root[t]
        elif kind == "quality":
            self.state = "quality"
        elif kind == "bass":
            self.state = "bass"
        return False


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


def harmonization_regions(tok, pieces: list[EvalPiece], max_regions_per_piece: int = 3):
    """(piece, first bar, last bar + 1) for 4-bar regions that hold chords, evenly spread."""
    out = []
    for p in pieces:
        if not p.score.chords:
            continue
        n = p.enc.n_bars
        starts = list(range(0, max(1, n - HARM_BARS + 1), HARM_BARS))
        if len(starts) > max_regions_per_piece:
            step = len(starts) / max_regions_per_piece
            starts = [starts[int(k * step)] for k in range(max_regions_per_piece)]
        out += [(p, r0, min(n, r0 + HARM_BARS)) for r0 in starts]
    return out


def beat_accuracy(score: Score, predicted, start: int, end: int) -> tuple[int, int, int]:
    """(beats with a true chord, root right, root and major/minor class right) over [start, end)."""
    meter = score.meter
    total = root_ok = class_ok = 0
    tick = start
    while tick < end:
        bar = meter.bar_at(tick)
        for beat in meter.beats_of_bar(bar):
            true = score.chord_at(beat)
            if true is None or beat >= end:
                continue
            pred = next((c for c in predicted if c.start <= beat < c.end), None)
            total += 1
            if pred is not None and pred.symbol.root_pc == true.symbol.root_pc:
                root_ok += 1
                class_ok += pred.symbol.is_minor == true.symbol.is_minor
        tick = bar.end
    return total, root_ok, class_ok


def fit_bias(tok, score: Score, r0: int, weight: float):
    """A ``bias(grammar)`` for :meth:`ModelScorer.greedy`: melody fit at the chord's position."""
    fit = MelodyFit(tok, score, weight)
    meter = score.meter

    def bias(grammar) -> dict:
        if grammar.state not in ("pos", "root"):
            return {}
        t = meter.bar(r0 + grammar.bars - 1).start + max(0, grammar.last_pos)
        return fit.root_bias(t) if grammar.state == "pos" else fit.quality_bias(t, grammar.last_root)

    return bias


def harmonization_metrics(tok, harmonizer, regions, max_len: int, joint: bool = False, prefix: str = "harm",
                          fusion: float = 0.0) -> dict:
    """``harmonizer`` is a scorer with ``greedy`` (model, n-gram) or a :class:`TemplateHarmonizer`;
    ``joint`` uses :mod:`.harmonize` (best joint likelihood per half bar) instead of the harmonize layout."""
    from .harmonize import harmonize_by_likelihood, harmonize_by_likelihood_ngram, harmonize_fused

    total = root_ok = class_ok = 0
    for p, r0, r1 in regions:
        meter = p.score.meter
        start, end = meter.bar(r0).start, meter.bar(r1).start
        if isinstance(harmonizer, TemplateHarmonizer):
            chords = harmonizer.harmonize(p.score, start, end)
        elif joint and isinstance(harmonizer, ModelScorer):
            chords = harmonize_by_likelihood(harmonizer.lm, p.score, start, end, max_len=max_len)
        elif joint:
            chords = harmonize_by_likelihood_ngram(harmonizer.ng, tok, p.score, start, end, max_len=max_len)
        else:
            prompt = tok.build_prompt(p.score, "harmonize", start, end, max_len=max_len, reserve=12 * (r1 - r0) + 4)
            grammar = ChordPartGrammar(tok, [meter.bar(i).length for i in range(r0, r1)])
            gen = harmonizer.greedy(prompt.ids, grammar)
            _, chords = tok.decode_continuation(gen, p.score, start, end)
        if fusion and isinstance(harmonizer, ModelScorer):
            chords = harmonize_fused(harmonizer.lm, p.score, start, end, weight=fusion, max_len=max_len)
        t, r, c = beat_accuracy(p.score, chords, start, end)
        total, root_ok, class_ok = total + t, root_ok + r, class_ok + c
    n = max(1, total)
    return {f"{prefix}_root_acc": root_ok / n, f"{prefix}_class_acc": class_ok / n, f"{prefix}_beats": total,
            f"{prefix}_regions": len(regions)}


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


def evaluate(loaded, train_pieces: list[EncodedPiece], valid: list[EvalPiece], *, max_len: int = 512,
             ngram_order: int = 7, seed: int = 0, log=print, fusion: float = DEFAULT_WEIGHT) -> dict:
    """Every metric for the model and both baselines; returns ``{"model": {...}, "ngram": {...}, "template": {...}}``."""
    tok = loaded.tokenizer
    t0 = time.time()
    ngram = NGramModel(len(tok), ngram_order).fit(ngram_training_sequences(tok, train_pieces, seed))
    log(f"n-gram (order {ngram_order}) fitted in {time.time() - t0:.0f} s")
    scorers = {"model": ModelScorer(loaded), "ngram": NGramScorer(ngram)}
    regions = harmonization_regions(tok, valid)
    results: dict[str, dict] = {}
    for name, sc in scorers.items():
        t = time.time()
        r = likelihood_metrics(tok, sc, valid, max_len)
        r.update(next_chord_accuracy(tok, sc, valid, max_len, seed=seed))
        r.update(harmonization_metrics(tok, sc, regions, max_len))
        r.update(harmonization_metrics(tok, sc, regions, max_len, joint=True, prefix="joint"))
        if name == "model" and fusion:
            r.update(harmonization_metrics(tok, sc, regions, max_len, prefix="fused", fusion=fusion))
        r["seconds"] = round(time.time() - t, 1)
        results[name] = r
        log(f"{name}: done in {r['seconds']} s")
    t = time.time()
    results["template"] = harmonization_metrics(tok, TemplateHarmonizer(), regions, max_len)
    results["template"]["seconds"] = round(time.time() - t, 1)
    return results
