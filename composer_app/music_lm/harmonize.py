"""The n-gram baseline's harmonizer: choose the chords that make the region most probable.

An n-gram model over the lead-sheet tokens is a joint model of melody and chords (the continue
layout interleaves them). To harmonize a region we go through it one half bar (a *slot*) at a
time and, for each candidate chord at the slot's start (every root x major / minor / dominant
7th, or no new chord), score ``log P(chord tokens + the slot's own melody tokens | everything
chosen before)``, so the melody under the chord decides through ``P(notes | chord)``. Used by
``composer-app evaluate`` as the n-gram's answer to the composer's "harmonize" task.
"""

from __future__ import annotations

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
    cands: list[tuple[int, str] | None] = [None, *((r, q) for r in range(12) for q in qualities)]
    cand_ids: list[list[int] | None] = [None, *([tok.root_ids[r], tok.quality_ids[q]] for r in range(12) for q in qualities)]
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
