"""The suggestion engine: batched, constrained sampling of ranked candidates. No Qt here.

``SuggestionEngine(loaded).generate(request)`` builds the task's prompt with the tokenizer, feeds
it once for K sequences, then samples one token per sequence per step with the KV cache. A small
grammar (``_SeqState``) tracks where each sequence is (after ``Bar``, ``Pos``, a chord root, a
pitch ...) and the composer's hard constraints become a logit mask at every step: key/scale lock,
pitch range, finest rhythmic value (onsets and lengths), monophonic melody, chord vocabulary, no
meter/key changes, positions inside the score's own bar lengths, exactly the requested number of
bars. Nothing is filtered after the fact.

Each candidate carries the mean log-probability (temperature 1, before masking) of its tokens per
note or chord as its score, per-note and per-chord confidences (the model's probability of the
note's pitch and length, of the chord's root and quality) and its provenance (model, seed,
settings). Melodic candidates are sampled as a pool (``POOL``, or the size the model folder's
ranker asks for in its ``ranking.json``) and ordered by the ranker of :mod:`.ranking` (what a
musician would keep, not merely the most predictable line); its first K are returned,
de-duplicated (more are sampled if duplicates leave fewer). The chords of a continuation's new
bars come from the harmonizer (its best progression for the new melody, the context's chords
given) whenever one is loaded.
*Harmonize* goes to the harmonizer (:mod:`..music_lm.harmonizer`) when the model folder has one
(or the bundled one is there); without it, the language model samples chords in the harmonize
layout, fused with the melody fit of :mod:`..music_lm.melody_fit`.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Callable

import torch

from ..errors import ComposerError
from ..music_lm.harmonizer.runtime import best_progressions, harmonize
from ..music_lm.loading import LoadedModel
from ..music_lm.melody_fit import DEFAULT_WEIGHT, MelodyFit
from ..music_lm.step import step
from ..score import Chord, Note, Score
from ..score.keyfinding import reading_score
from ..score.chords import SEVENTH_QUALITIES, TRIAD_QUALITIES
from ..score.time import MAX_BARS, MAX_TICK
from .ranking import load_ranker
from .types import Candidate, SuggestionRequest, SuggestionSettings

MAX_ROUNDS = 3  # sampling rounds used to replace duplicates
POOL = 8  # continuations sampled per request (at least K) unless the ranker asks for more
#: A learned taste chooses the K shown among the ranker's first TASTE_CHOICE of the pool (taste.py).
TASTE_CHOICE = 8

# Grammar states.
S_START, S_BAR, S_POS, S_ROOT, S_QUAL, S_PITCH, S_DUR, S_DONE, S_IDX = range(9)


class _Masks:
    """Boolean vocabulary masks built once per request from the tokenizer and the settings."""

    bar_index_ids: list[int]  # set per request by the engine, from the prompt

    def __init__(self, tok, settings: SuggestionSettings, score: Score, region_start: int, notes: bool,
                 chords: bool):
        v = len(tok)
        z = lambda: torch.zeros(v, dtype=torch.bool)  # noqa: E731
        self.pos_ticks = torch.full((v,), -1, dtype=torch.long)
        for t, i in tok.position_ids.items():
            self.pos_ticks[i] = t
        fine = max(1, settings.finest_grid)
        self.pos_ok = z()
        for t, i in tok.position_ids.items():
            if t % fine == 0:
                self.pos_ok[i] = True
        self.pitch = z()
        scale = score.key_at(region_start).scale_pcs if settings.key_lock else None
        for p, i in tok.pitch_ids.items():
            if settings.pitch_low <= p <= settings.pitch_high and (scale is None or p % 12 in scale):
                self.pitch[i] = True
        self.pitch_value = torch.full((v,), -1, dtype=torch.long)
        for p, i in tok.pitch_ids.items():
            self.pitch_value[i] = p
        self.dur = z()
        for d, i in tok.duration_ids.items():
            if d % fine == 0:
                self.dur[i] = True
        if not self.dur.any():  # a grid coarser than every length: allow the coarsest
            self.dur[max(tok.duration_ids.items())[1]] = True
        allowed_q = {"triads": TRIAD_QUALITIES, "sevenths": SEVENTH_QUALITIES}.get(settings.chord_vocab)
        self.root = z()
        for i in tok.root_ids.values():
            self.root[i] = True
        self.qual = z()
        for q, i in tok.quality_ids.items():
            if allowed_q is None or q in allowed_q:
                self.qual[i] = True
        self.bass = z()
        if settings.chord_vocab == "all":
            for i in tok.bass_ids.values():
                self.bass[i] = True
        self.nc = z()
        self.nc[tok.nc_id] = True
        self.bar = z()
        self.bar[tok.bar_id] = True
        self.eos = z()
        self.eos[tok.eos_id] = True
        self.notes, self.chords = notes, chords


class _SeqState:
    """Where one sequence is in the bar grammar, and what it has produced."""

    def __init__(self):
        self.state = S_START
        self.bars = 0  # bars opened so far
        self.pos = -1  # current position tick in the bar
        self.chord_here = False
        self.notes_here: list[int] = []  # pitches at the current position
        self.last_pitch_pos = -1
        self.logp = 0.0
        self.n_events = 0
        self.tokens: list[int] = []
        self.token_probs: list[float] = []
        self.done = False
        self.indexed = False  # bars of the answer carry an ``Idx_k`` token (harmonize layout)
        self.need_chord = False  # harmonize / chords: the region opens with a chord on its downbeat
        self.root_pc = 0  # root of the chord being sampled


class SuggestionEngine:
    def __init__(self, loaded: LoadedModel):
        self.loaded = loaded
        self.model = loaded.model
        self.tok = loaded.tokenizer
        self.device = loaded.device
        #: Weight of the melody-fit bias in harmonizations (0: the model alone); see music_lm.melody_fit.
        self.fusion = DEFAULT_WEIGHT
        #: How candidates are ordered (``ranking.json`` of the model folder, else the default).
        self.ranker = load_ranker(loaded.path)
        #: Melodies sampled per request; the best ``K`` by the ranker are returned.
        self.pool = self.ranker.pool or POOL

    # ---- public --------------------------------------------------------------------------
    def generate(self, request: SuggestionRequest, *, on_candidate: Callable[[Candidate], None] | None = None,
                 on_progress: Callable[[int, int], None] | None = None,
                 should_stop: Callable[[], bool] = lambda: False, exclude: set[str] | None = None
                 ) -> list[Candidate]:
        """Ranked candidates for ``request`` (best first). ``exclude``: fingerprints never to return."""
        s = request.settings
        # In the keys the notes are in where the score sets none (a new document, a MIDI file
        # without key events): the models count from the tonic. A key that is set is kept.
        score, _readings = reading_score(request.score)
        request = replace(request, score=score)
        task = s.task
        start, end = self._region(score, task, request.region, s.bars)
        if task in ("harmonize", "infill") and not any(start <= n.start < end for n in score.melody.notes) \
                and task == "harmonize":
            raise ComposerError("There is no melody in the selected bars to harmonize: "
                                "write or select some notes first.")
        if task == "harmonize" and self.loaded.harmonizer is not None:
            return self._harmonize(request, start, end, on_candidate, should_stop, exclude)
        # Harmonize ignores chords already in the region (they are what we replace).
        if task == "harmonize":
            score = score.with_chords(c for c in score.chords if not (start <= c.start < end))
        elif task == "infill":
            score = score.with_chords(c for c in score.chords if not (start <= c.start < end))
            score = score.with_notes([n for n in score.melody.notes if not (start <= n.start < end)])
        n_bars = score.meter.bar_count(end) - score.meter.bar_at(start).index
        prompt = self.tok.build_prompt(score, task, start, end, n_bars=n_bars,
                                       max_len=self.loaded.max_len, reserve=min(self.loaded.max_len // 2,
                                                                                64 * n_bars + 8))
        seed = s.seed if s.seed is not None else int(time.time_ns() % 2**31)
        gen = torch.Generator(device="cpu").manual_seed(seed)
        want = s.candidates
        # Melodies: sample a larger pool and show the K the ranker likes best (ranking.py).
        pool = max(want, self.pool) if task in ("continue", "infill") else want
        # Candidates are shown as they finish unless they are re-ranked or completed afterwards.
        stream = pool == want and task != "continue"
        found: dict[str, Candidate] = {}
        order: list[str] = []
        exclude = set(exclude or ()) | set(request.exclude)
        t0 = time.perf_counter()
        for round_ in range(MAX_ROUNDS):
            need = pool - len(found)
            if need <= 0 or should_stop():
                break
            batch = need if round_ == 0 else min(16, need * 2)
            for cand in self._sample(prompt, score, s, task, start, end, n_bars, batch, gen, should_stop,
                                     on_progress, seed):
                fp = cand.fingerprint()
                if fp in found or fp in exclude or len(found) >= pool:
                    continue
                found[fp] = replace(cand, provenance={**cand.provenance, "sample": len(order)})
                order.append(fp)
                if on_candidate is not None and stream:
                    on_candidate(cand)
        ranked = self.ranker.order([found[f] for f in order], score)
        # A learned taste chooses the K to show among the ranker's first TASTE_CHOICE (taste.py): a
        # composer who keeps leaps gets the leaping lines, not only the ranker's four in another order.
        tasting = request.taste is not None and bool(getattr(request.taste, "active", False))
        if task == "continue":
            # The harmonizer's chords change a candidate's identity: what the composer rejected
            # is the candidate as shown, so the excluded ones are dropped after harmonizing (the
            # harmonizer is deterministic for a melody and its context).
            keep = max(want, TASTE_CHOICE) if tasting else want
            ranked = self._with_harmony(ranked[:keep + len(exclude)], score)
            ranked = [c for c in ranked if c.fingerprint() not in exclude]
        if request.taste is not None:  # the composer's taste re-orders (and, learned, chooses) what is shown
            ranked = request.taste.rerank(ranked[:max(want, TASTE_CHOICE)] if tasting else ranked[:want], score)
        ranked = ranked[:want]
        elapsed = time.perf_counter() - t0
        out = [replace(c, rank=i + 1, provenance={**c.provenance, "seconds": round(elapsed, 3)})
               for i, c in enumerate(ranked)]
        if on_candidate is not None and not stream:
            for c in out:
                on_candidate(c)
        return out

    # ---- harmonization with the bidirectional chord model ----------------------------------
    def _harmonize(self, request: SuggestionRequest, start: int, end: int, on_candidate, should_stop,
                   exclude: set[str] | None) -> list[Candidate]:
        """Ranked progressions from the harmonizer (:mod:`..music_lm.harmonizer`): rank 1 is the
        most probable one, the others are real alternatives, each scored per beat."""
        s = request.settings
        h = self.loaded.harmonizer
        seed = s.seed if s.seed is not None else int(time.time_ns() % 2**31)
        exclude = set(exclude or ()) | set(request.exclude)
        t0 = time.perf_counter()
        progs = harmonize(h, request.score, start, end, candidates=s.candidates + len(exclude),
                          temperature=s.temperature, seed=seed, vocab=s.chord_vocab)
        provenance = {"model": f"{self.loaded.name} + harmonizer", "model_path": str(h.path), "seed": seed,
                      "task": "harmonize", "settings": s.to_dict()}
        out: list[Candidate] = []
        for prog in progs:
            if should_stop():
                return []
            chords = tuple(replace(c, provenance=dict(provenance)) for c in prog.chords)
            cand = Candidate(rank=0, score=prog.score, notes=(), chords=chords, note_confidence=(),
                             chord_confidence=tuple(prog.confidence), region=(start, end), task="harmonize",
                             provenance=dict(provenance))
            if cand.fingerprint() in exclude:
                continue
            out.append(cand)
            if len(out) >= s.candidates:
                break
        if request.taste is not None:
            out = request.taste.rerank(out, request.score)
        elapsed = time.perf_counter() - t0
        ranked = [replace(c, rank=i + 1, provenance={**c.provenance, "seconds": round(elapsed, 3)})
                  for i, c in enumerate(out)]
        if on_candidate is not None:
            for c in ranked:
                on_candidate(c)
        return ranked

    def _with_harmony(self, cands: list[Candidate], score: Score) -> list[Candidate]:
        """The chords of a continuation's new bars are the harmonizer's best progression for its
        new melody (the context's chords given), all candidates in one batch: "Continue melody and
        chords" always brings chords, also after a bare melody, and they fit the melody they go
        with (the language model's own chords put 55 % of the new melody on chord tones on held-out
        tunes, the harmonizer's about as many as the composers' own, see the model card)."""
        h = self.loaded.harmonizer
        todo = [i for i, c in enumerate(cands) if c.notes]
        if h is None or not todo:
            return cands
        start, end = cands[todo[0]].region
        vocab = cands[todo[0]].provenance.get("settings", {}).get("chord_vocab", "all")
        extended = [score.with_notes(list(score.melody.notes) + list(cands[i].notes)) for i in todo]
        out = list(cands)
        for i, prog in zip(todo, best_progressions(h, extended, start, end, vocab)):
            if prog is not None:
                c = cands[i]
                stamp = {**c.provenance, "chords_by": "harmonizer"}
                chords = tuple(replace(x, provenance=stamp) for x in prog.chords)
                out[i] = replace(c, chords=chords, chord_confidence=tuple(prog.confidence))
        return out

    # ---- internals ------------------------------------------------------------------------
    @staticmethod
    def _region(score: Score, task: str, region, bars: int) -> tuple[int, int]:
        meter = score.meter
        if task in ("continue", "chords"):
            # After the selection's last bar, or after the last bar of the piece.
            after = region[1] if region else score.end_of_last_bar
            b0 = meter.bar_at(after).index if after > 0 else 0
            if after > 0 and meter.bar(b0).start < after:
                b0 += 1
            if meter.bar(b0 + bars).start > MAX_TICK:  # a score never grows past its limit
                raise ComposerError(f"There is no room to continue: a score ends at bar {MAX_BARS:,} and "
                                    f"{bars} more bar{'s' if bars != 1 else ''} would go past it.")
            return meter.bar(b0).start, meter.bar(b0 + bars).start
        if region is None:
            if score.end <= 0:
                raise ComposerError("The piece is empty: there is nothing to harmonize yet.")
            return 0, score.end_of_last_bar
        a, b = region
        first = meter.bar_at(a)
        last = meter.bar_at(max(a, b - 1))
        return first.start, last.end

    def _sample(self, prompt, score: Score, s: SuggestionSettings, task: str, start: int, end: int,
                n_bars: int, batch: int, gen: torch.Generator, should_stop, on_progress, seed: int):
        tok = self.tok
        notes_ok = task in ("continue", "infill")
        masks = _Masks(tok, s, score, start, notes=notes_ok, chords=True)
        meter = score.meter
        first_bar = meter.bar_at(start).index
        bar_len = [meter.bar(first_bar + k).length for k in range(n_bars)]
        max_new = min(self.loaded.max_len - len(prompt.ids) - 1, 96 * n_bars + 8)
        if max_new < 8:
            raise ComposerError("The context is too long for this model's window: select fewer bars.")
        ids = torch.tensor([prompt.ids], dtype=torch.long, device=self.device)
        states = [_SeqState() for _ in range(batch)]
        fit = MelodyFit(self.tok, score) if task == "harmonize" and self.fusion else None
        if fit is not None:
            fit.weight = self.fusion
        bar_start = [meter.bar(first_bar + k).start for k in range(n_bars)]
        masks.bar_index_ids = list(getattr(prompt, "bar_index_ids", []) or [])
        for st in states:
            st.indexed = bool(masks.bar_index_ids)
            st.need_chord = task in ("harmonize", "chords")
        provenance = {"model": self.loaded.name, "model_path": str(self.loaded.path), "seed": seed, "task": task,
                      "settings": s.to_dict()}
        temperature = s.temperature
        with torch.inference_mode():
            # The prompt is the same for every sequence: read it once, then copy its cache K times.
            first, past = step(self.model, ids, None)
            if batch > 1:
                past.batch_repeat_interleave(batch)
            next_logits = first[:, -1, :].expand(batch, -1)
            for _ in range(max_new):
                if should_stop():
                    return []
                logits = next_logits.float().cpu()
                logp_raw = torch.log_softmax(logits, dim=-1)
                if fit is not None:  # harmonize: the notes under the chord shape its root and quality
                    logits = logp_raw.clone()
                    for b, st in enumerate(states):
                        if not st.done and st.state in (S_POS, S_ROOT):
                            t = bar_start[min(st.bars, n_bars) - 1] + max(0, st.pos)
                            bias = fit.root_bias(t) if st.state == S_POS else fit.quality_bias(t, st.root_pc)
                            for i, v in bias.items():
                                logits[b, i] += v
                allowed = torch.stack([self._allowed(st, masks, bar_len, n_bars, s) for st in states])
                # Rank by the model's probability, fused with the melody fit when harmonizing.
                logp_rank = torch.log_softmax(logits, dim=-1) if fit is not None else logp_raw
                masked = (logits / temperature).masked_fill(~allowed, float("-inf"))
                probs = torch.softmax(masked, dim=-1)
                probs = _top_p(probs, s.top_p)
                choice = torch.multinomial(probs, 1, generator=gen).squeeze(1)
                for b, st in enumerate(states):
                    if st.done:
                        continue
                    t = int(choice[b])
                    self._advance(st, t, float(logp_rank[b, t]), n_bars)
                    if st.done:  # finished: show it now, before the others
                        yield self._candidate(st, score, task, start, end, provenance)
                if on_progress is not None:
                    on_progress(max(st.bars for st in states), n_bars)
                if all(st.done for st in states):
                    break
                out, past = step(self.model, choice.unsqueeze(1).to(self.device), past)
                next_logits = out[:, -1, :]

    def _allowed(self, st: _SeqState, m: _Masks, bar_len, n_bars: int, s: SuggestionSettings) -> torch.Tensor:
        if st.done:
            return m.eos.clone()
        state = st.state
        if state == S_START:
            return m.bar.clone()
        if state == S_IDX:  # harmonize: the bar's number is given, not sampled
            only = torch.zeros_like(m.bar)
            only[m.bar_index_ids[min(st.bars, len(m.bar_index_ids)) - 1]] = True
            return only
        if state == S_ROOT:
            return m.qual.clone()
        if state == S_PITCH:
            return m.dur.clone()
        allowed = torch.zeros_like(m.bar)
        # A new bar (or the end once all bars are there).
        allowed |= m.eos if st.bars >= n_bars else m.bar
        length = bar_len[min(st.bars - 1, len(bar_len) - 1)]
        later = m.pos_ok & (m.pos_ticks > st.pos) & (m.pos_ticks < length)
        if state == S_BAR and st.need_chord:
            return m.pos_ok & (m.pos_ticks == 0)
        if state == S_POS and st.need_chord:
            return m.root.clone()
        if state == S_BAR:
            allowed |= m.pos_ok & (m.pos_ticks >= 0) & (m.pos_ticks < length)
        elif state == S_POS:
            if m.chords:
                allowed |= m.root | m.nc
            if m.notes:
                allowed |= m.pitch
        elif state == S_QUAL:  # after a chord: bass, notes at this position, or move on
            allowed |= m.bass | later
            if m.notes:
                allowed |= m.pitch
        elif state == S_DUR:  # after a note
            allowed |= later
            if m.notes and not s.monophonic:
                allowed |= m.pitch & (m.pitch_value > max(st.notes_here))
        if not allowed.any():
            allowed |= m.eos if st.bars >= n_bars else m.bar
        return allowed

    def _advance(self, st: _SeqState, t: int, logp: float, n_bars: int) -> None:
        tok = self.tok
        kind = tok.kinds[t]
        if t == tok.eos_id or (kind == "bar" and st.bars >= n_bars):
            st.done = True
            return
        st.tokens.append(t)
        st.token_probs.append(math.exp(logp))
        st.logp += logp
        if kind == "bar":
            st.bars += 1
            st.state, st.pos, st.chord_here, st.notes_here = S_BAR, -1, False, []
            if st.indexed:
                st.state = S_IDX
        elif kind == "idx":
            st.state = S_BAR
        elif kind == "pos":
            st.state, st.pos, st.chord_here, st.notes_here = S_POS, tok.id_position[t], False, []
        elif kind == "root":
            st.state, st.root_pc = S_ROOT, tok.id_root[t]
        elif kind == "quality":
            st.state, st.chord_here, st.need_chord = S_QUAL, True, False
            st.n_events += 1
        elif kind == "nc":
            st.state, st.chord_here = S_QUAL, True
        elif kind == "bass":
            st.state = S_QUAL
        elif kind == "pitch":
            st.state = S_PITCH
            st.notes_here.append(tok.id_pitch[t])
        elif kind == "dur":
            st.state = S_DUR
            st.n_events += 1

    def _candidate(self, st: _SeqState, score: Score, task: str, start: int, end: int, provenance: dict
                   ) -> Candidate:
        tok = self.tok
        notes, chords = tok.decode_continuation(st.tokens, score, start, end)
        # Confidence per event: product of its tokens' probabilities, in token order.
        note_conf, chord_conf = [], []
        pending = 1.0
        for t, p in zip(st.tokens, st.token_probs):
            kind = tok.kinds[t]
            if kind in ("pitch", "root"):
                pending = p
            elif kind == "dur":
                note_conf.append(pending * p)
            elif kind == "quality":
                chord_conf.append(pending * p)
        note_conf = note_conf[:len(notes)]
        chord_conf = chord_conf[:len(chords)] + [0.0] * max(0, len(chords) - len(chord_conf))
        # A monophonic melody never overlaps itself: cut a note where the next one starts.
        if task in ("continue", "infill"):
            notes = _trim_overlaps(notes, end)
        if task in ("harmonize", "chords"):
            notes = []
            note_conf = []
        chords, chord_conf = _merge_repeats(chords, chord_conf)
        stamped = dict(provenance)
        notes = [replace(n, velocity=90, provenance=stamped) for n in notes]
        chords = [replace(c, provenance=stamped) for c in chords]
        events = max(1, st.n_events)
        return Candidate(rank=0, score=st.logp / events, notes=tuple(notes), chords=tuple(chords),
                         note_confidence=tuple(note_conf), chord_confidence=tuple(chord_conf),
                         region=(start, end), task=task, provenance=stamped)


def _merge_repeats(chords: list[Chord], conf: list[float]) -> tuple[list[Chord], list[float]]:
    """One chord where the model wrote the same symbol again right where the last one ends (a
    composer reads "F F F" in one bar as clutter, not as three chords); its confidence is the
    first one's."""
    out: list[Chord] = []
    out_conf: list[float] = []
    for c, p in zip(chords, conf):
        if out and str(out[-1].symbol) == str(c.symbol) and out[-1].end == c.start:
            out[-1] = replace(out[-1], duration=c.end - out[-1].start)
            continue
        out.append(c)
        out_conf.append(p)
    return out, out_conf


def _trim_overlaps(notes: list[Note], end: int) -> list[Note]:
    out = []
    ordered = sorted(notes, key=lambda n: (n.start, n.pitch))
    for i, n in enumerate(ordered):
        limit = end
        for later in ordered[i + 1:]:
            if later.start > n.start:
                limit = min(limit, later.start)
                break
        dur = min(n.duration, max(1, limit - n.start))
        out.append(replace(n, duration=dur) if dur != n.duration else n)
    return out


def _top_p(probs: torch.Tensor, top_p: float) -> torch.Tensor:
    if top_p >= 1.0:
        return probs
    sorted_p, idx = torch.sort(probs, dim=-1, descending=True)
    cum = torch.cumsum(sorted_p, dim=-1)
    drop = cum - sorted_p > top_p  # keep the smallest set whose mass reaches top_p
    sorted_p = sorted_p.masked_fill(drop, 0.0)
    out = torch.zeros_like(probs).scatter(-1, idx, sorted_p)
    return out / out.sum(dim=-1, keepdim=True)
