"""The model's distribution over the next chord: root and quality at a tick, given the score up to it.

No Qt. ``next_chord_distribution(loaded, score, tick)`` builds the ``continue`` prompt for the bar
that holds ``tick`` (the tokenizer's :meth:`~composer_app.music_lm.tokenizer.MusicTokenizer.build_prompt`),
adds that bar's events before ``tick`` and the position token of ``tick``, and reads two steps of
the causal model: the probability that a chord starts there with each root, and for each root the
probability of each quality. The result maps ``(root pitch class, quality)`` to the joint
probability *given that a chord starts at tick* (the roots are renormalized over the chord tokens,
so a melody note being likelier than a chord does not shrink every number). The chord palette
shows these next to its buttons.

Chords and notes at or after ``tick`` are not part of the context; a chord that started before
``tick`` and still sounds there is cut at ``tick``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from ..music_lm.loading import LoadedModel
from ..music_lm.tokenizer import BarTokens
from ..score import Score
from ..score.keyfinding import reading_score


@dataclass(frozen=True)
class NextChord:
    """The distribution at ``tick``: ``probs[(root_pc, quality)]`` sums to 1 over the qualities kept."""

    tick: int
    probs: dict[tuple[int, str], float]

    def probability(self, root_pc: int, quality: str) -> float:
        return self.probs.get((root_pc % 12, quality), 0.0)

    def top(self, n: int = 5) -> list[tuple[tuple[int, str], float]]:
        return sorted(self.probs.items(), key=lambda kv: -kv[1])[:n]


def context_before(score: Score, tick: int) -> Score:
    """The score as the model sees it before ``tick``: later notes and chords removed, a chord that
    is still sounding cut at ``tick``."""
    chords = [c if c.end <= tick else replace(c, duration=tick - c.start) for c in score.chords if c.start < tick]
    tracks = tuple(t.with_notes(n for n in t.notes if n.start < tick) for t in score.tracks)
    return replace(score, tracks=tracks, chords=tuple(chords), length=0)


def prompt_ids(loaded: LoadedModel, score: Score, tick: int) -> list[int]:
    """The ids after which the model's next token is the chord root at ``tick``."""
    tok = loaded.tokenizer
    tick = max(0, int(tick))
    before = context_before(score, tick)
    meter = score.meter
    bar = meter.bar_at(tick)
    prompt = tok.build_prompt(before, "continue", bar.start, bar.end, max_len=loaded.max_len, reserve=64)
    pos = int(round((tick - bar.nominal_start) / tok.grid)) * tok.grid
    pos = min(max(pos, 0), tok.max_bar_ticks - tok.grid)
    # the bar so far: its events before the position (not the N.C. where the cut chord ends)
    bar_tokens = tok.encode_piece(before, (bar.index, bar.index + 1)).bar(bar.index)
    bar_tokens = BarTokens(list(bar_tokens.meta), [e for e in bar_tokens.events if e[0] < pos])
    ids = list(prompt.ids) + tok.render_bar(bar_tokens) + [tok.position_ids[pos]]
    return ids[-(loaded.max_len - 2):]


def next_chord_distribution(loaded: LoadedModel, score: Score, tick: int, *, top_roots: int = 12
                            ) -> NextChord:
    """The model's joint distribution over root and quality of a chord starting at ``tick``: one
    forward pass for the roots, one batched pass (the ``top_roots`` likeliest roots) for the qualities."""
    tok = loaded.tokenizer
    score = reading_score(score)[0]  # in the key of its notes where none is set, as the engine reads it
    ids = prompt_ids(loaded, score, tick)[-(loaded.max_len - 2):]
    roots = sorted(tok.root_ids.items())  # (pc, id)
    quals = list(tok.quality_ids.items())  # (quality, id)
    with torch.inference_mode():
        x = torch.tensor([ids], dtype=torch.long, device=loaded.device)
        logp = torch.log_softmax(loaded.model(input_ids=x, use_cache=False).logits[0, -1, :].float().cpu(), dim=-1)
        root_p = torch.softmax(torch.tensor([float(logp[i]) for _, i in roots]), dim=-1)  # given a chord here
        order = torch.argsort(root_p, descending=True)[:max(1, min(12, top_roots))].tolist()
        batch = torch.tensor([ids + [roots[k][1]] for k in order], dtype=torch.long, device=loaded.device)
        qlogp = torch.log_softmax(loaded.model(input_ids=batch, use_cache=False).logits[:, -1, :].float().cpu(), dim=-1)
    probs: dict[tuple[int, str], float] = {}
    for row, k in enumerate(order):
        q_logp = torch.tensor([float(qlogp[row, i]) for _, i in quals])
        q_p = torch.softmax(q_logp, dim=-1)  # over qualities only
        for (quality, _), p in zip(quals, q_p.tolist()):
            probs[(roots[k][0], quality)] = float(root_p[k]) * p
    return NextChord(int(tick), probs)
