"""Harmonization by joint likelihood: choose the chords that make the region most probable.

The model is a joint model of melody and chords (the continue layout interleaves them). To
harmonize a region we go through it one half bar (a *slot*) at a time and, for each candidate
chord at the slot's start (every root x major / minor / dominant 7th, or no new chord), score
``log P(chord tokens + the slot's own melody tokens | everything chosen before)``. The melody
that sounds *under* the chord therefore decides, through the model's ``P(notes | chord)``, and no
hand-written rule is involved. Candidates of one slot are scored in one batch on a copy of the
KV cache of the shared prefix. Used by ``composer-app evaluate`` (``harm_*_joint``) and available
to the suggestion engine for a "best fit" harmonization.
"""

from __future__ import annotations

import copy

from ..score import Chord, ChordSymbol, Score
from ..score.chords import spell
from .tokenizer import CHORD

QUALITIES = ("", "m", "7")


def _slot_tokens(tok, events, chord_ids, slot_start: int) -> list[int]:
    evs = sorted(list(events) + ([(slot_start, CHORD, tuple(chord_ids))] if chord_ids else []))
    out, last = [], None
    for pos, _kind, ids in evs:
        if pos != last:
            out.append(tok.position_ids[pos])
            last = pos
        out.extend(ids)
    return out


def harmonize_by_likelihood(loaded, score: Score, start: int, end: int, *, max_len: int = 512,
                            qualities=QUALITIES) -> list[Chord]:
    """Chords for the bars ``[start, end)`` of ``score`` (chords already in the region are ignored)."""
    import torch

    tok, model, device = loaded.tokenizer, loaded.model, loaded.device
    meter = score.meter
    # The context keeps its chords; inside the region only the melody (and key changes) is read.
    # (Deleting the region's chords from the score would make the encoder close the last context
    # chord with an NC at the region start, which is not what the region holds.)
    base = score
    piece = tok.encode_piece(score)
    r0 = meter.bar_at(start).index
    r1 = meter.bar_at(max(start, end - 1)).index + 1
    # Region tokens per bar: about 40; keep room for them after the context.
    prompt = tok.build_prompt(base, "continue", start, end, max_len=max_len, reserve=min(max_len // 2, 48 * (r1 - r0)))
    cands = [None] + [(r, q) for r in range(12) for q in qualities]
    cand_ids = [None] + [[tok.root_ids[r], tok.quality_ids[q]] for r, q in cands[1:]]
    chosen: list[tuple[int, tuple[int, str]]] = []  # (tick, (root pc, quality))

    with torch.inference_mode():
        out = model(input_ids=torch.tensor([prompt.ids], device=device), use_cache=True)
        cache, last_logits = out.past_key_values, out.logits[:, -1:]
        used = len(prompt.ids)
        for i in range(r0, r1):
            bar = meter.bar(i)
            bar_tokens = piece.bar(i)
            head = [tok.bar_id, *bar_tokens.meta]
            if used + len(head) + 64 > max_len:
                break  # the window is full: leave the rest unharmonized
            out = model(input_ids=torch.tensor([head], device=device), past_key_values=cache, use_cache=True)
            cache, last_logits = out.past_key_values, out.logits[:, -1:]
            used += len(head)
            half = bar.length // 2
            for lo, hi in ((0, half), (half, bar.length)):
                events = [e for e in bar_tokens.events if lo <= e[0] < hi and e[1] != CHORD]
                seqs = [_slot_tokens(tok, events, ids, lo) for ids in cand_ids]
                n = max(len(s) for s in seqs)
                x = torch.full((len(seqs), n), tok.pad_id, dtype=torch.long)
                for k, s in enumerate(seqs):
                    x[k, :len(s)] = torch.tensor(s)
                trial = copy.deepcopy(cache)
                trial.batch_repeat_interleave(len(seqs))
                logits = model(input_ids=x.to(device), past_key_values=trial, use_cache=True).logits.float()
                logits = torch.cat([last_logits.float().expand(len(seqs), 1, -1), logits[:, :-1]], 1)
                lp = torch.log_softmax(logits, -1).gather(-1, x.to(device)[..., None])[..., 0].cpu()
                scores = [float(lp[k, :len(s)].sum()) for k, s in enumerate(seqs)]
                best = max(range(len(seqs)), key=lambda k: scores[k])
                if cands[best] is not None:
                    chosen.append((bar.start + lo, cands[best]))
                if seqs[best]:
                    out = model(input_ids=torch.tensor([seqs[best]], device=device), past_key_values=cache,
                                use_cache=True)
                    cache, last_logits = out.past_key_values, out.logits[:, -1:]
                    used += len(seqs[best])
    return _to_chords(chosen, base, start, end)


def _to_chords(chosen, base: Score, start: int, end: int) -> list[Chord]:
    """Chosen (tick, (root, quality)) -> chords; a region that starts with "no new chord" keeps
    the chord sounding before it."""
    if not chosen or chosen[0][0] > start:
        before = base.chord_at(start - 1) if start > 0 else None
        if before is not None:
            chosen = [(start, (before.symbol.root_pc, before.symbol.quality))] + list(chosen)
    chords = []
    for j, (tick, (r, q)) in enumerate(chosen):
        nxt = chosen[j + 1][0] if j + 1 < len(chosen) else end
        flats = base.key_at(tick).prefers_flats
        chords.append(Chord(ChordSymbol(spell(r, flats), q), tick, nxt - tick))
    return chords


def harmonize_by_likelihood_ngram(ngram, tok, score: Score, start: int, end: int, *, max_len: int = 512,
                                  qualities=QUALITIES) -> list[Chord]:
    """The same procedure with an n-gram model's probabilities (the baseline's fair counterpart)."""
    import math

    meter = score.meter
    base = score
    piece = tok.encode_piece(score)
    r0 = meter.bar_at(start).index
    r1 = meter.bar_at(max(start, end - 1)).index + 1
    hist = list(tok.build_prompt(base, "continue", start, end, max_len=max_len).ids)
    cands = [None] + [(r, q) for r in range(12) for q in qualities]
    cand_ids = [None] + [[tok.root_ids[r], tok.quality_ids[q]] for r, q in cands[1:]]
    chosen = []
    k = ngram.n - 1
    for i in range(r0, r1):
        bar = meter.bar(i)
        bar_tokens = piece.bar(i)
        hist += [tok.bar_id, *bar_tokens.meta]
        half = bar.length // 2
        for lo, hi in ((0, half), (half, bar.length)):
            events = [e for e in bar_tokens.events if lo <= e[0] < hi and e[1] != CHORD]
            best, best_score, best_seq = None, -math.inf, []
            for cand, ids in zip(cands, cand_ids):
                seq = _slot_tokens(tok, events, ids, lo)
                h, total = list(hist), 0.0
                for t in seq:
                    total += ngram.logprob(h[-k:], t)
                    h.append(t)
                if total > best_score:
                    best, best_score, best_seq = cand, total, seq
            if best is not None:
                chosen.append((bar.start + lo, best))
            hist += best_seq
    return _to_chords(chosen, base, start, end)


def harmonize_fused(loaded, score: Score, start: int, end: int, *, weight: float | None = None,
                    max_len: int = 512) -> list[Chord]:
    """Greedy harmonization in the harmonize layout, one chord per half bar (the template's slots),
    each chosen by the model's log-probability plus ``weight x`` melody fit (:mod:`.melody_fit`).

    The model brings the progression (what may follow what, in this key and style), the fit term
    the notes under the chord. A slot whose best chord repeats the previous one keeps it.
    """
    import torch

    from .melody_fit import DEFAULT_WEIGHT, MelodyFit

    tok, model, device = loaded.tokenizer, loaded.model, loaded.device
    fit = MelodyFit(tok, score, DEFAULT_WEIGHT if weight is None else weight)
    meter = score.meter
    prompt = tok.build_prompt(score, "harmonize", start, end, max_len=max_len,
                              reserve=12 * (meter.bar_count(end) - meter.bar_at(start).index) + 4)
    roots, quals = sorted(tok.root_ids.items()), list(tok.quality_ids.items())
    root_ids = [i for _, i in roots]
    qual_ids = [i for _, i in quals]
    chords: list[Chord] = []
    with torch.inference_mode():
        res = model(input_ids=torch.tensor([prompt.ids], device=device), use_cache=True)
        past = res.past_key_values

        def feed(t: int):
            nonlocal past
            out = model(input_ids=torch.tensor([[t]], device=device), past_key_values=past, use_cache=True)
            past = out.past_key_values
            return torch.log_softmax(out.logits[0, -1].float(), -1).cpu().numpy()

        first = meter.bar_at(start).index
        k = 0
        prev = None
        while meter.bar(first + k).start < end:
            bar = meter.bar(first + k)
            feed(tok.bar_id)
            if prompt.bar_index_ids:
                feed(tok.bar_index_id(k + 1))
            for pos in (0, bar.length // 2):
                if pos not in tok.position_ids:
                    continue
                t = bar.start + pos
                lp = feed(tok.position_ids[pos])
                rb = fit.root_bias(t)
                r_scores = [lp[i] + rb.get(i, 0.0) for i in root_ids]
                root_pc = roots[int(max(range(len(root_ids)), key=r_scores.__getitem__))][0]
                lq = feed(tok.root_ids[root_pc])
                qb = fit.quality_bias(t, root_pc)
                q_scores = [lq[i] + qb.get(i, 0.0) for i in qual_ids]
                quality = quals[int(max(range(len(qual_ids)), key=q_scores.__getitem__))][0]
                feed(tok.quality_ids[quality])
                flats = score.key_at(t).prefers_flats
                sym = ChordSymbol(spell(root_pc, flats), quality)
                if prev is not None and str(prev.symbol) == str(sym) and prev.end == t:
                    chords[-1] = prev = Chord(prev.symbol, prev.start, prev.duration + (bar.end - t if pos else bar.length // 2))
                    continue
                span_end = bar.start + bar.length // 2 if pos == 0 else bar.end
                prev = Chord(sym, t, span_end - t)
                chords.append(prev)
            k += 1
    return chords
