"""Score <-> tokens: the lead-sheet tokenizer, the task layouts and the prompt builder.

See :mod:`composer_app.music_lm` for the layouts and :mod:`.vocab` for the token families. The
tokenizer reads the *first* track (the melody) and the chord lane, plus meters and keys. Tempo,
velocities, other tracks and note spelling are not represented; chord roots and basses are stored
as pitch classes and spelled from the key signature when decoded.

A score first becomes an :class:`EncodedPiece` (per bar: meter/key changes and the onset events),
from which every layout is rendered; the training data and the prompts use the same code.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ..score import Chord, ChordSymbol, KeySignature, Note, Score, TimeSignature, Track
from ..score.chords import SHARP_NAMES, spell
from ..score.time import Meter
from .vocab import SEPARATORS, SPECIALS, TASK_NAMES, Vocabulary

KEY, CHORD, NOTE = -1, 0, 1  # event kinds, in their order at one position
#: Which events a rendered bar keeps.
RENDER_MODES = ("full", "melody", "chords", "empty")


@dataclass
class BarTokens:
    """One bar: meter/key change tokens, then onset events ``(position ticks, CHORD|NOTE, token ids)``."""

    meta: list[int] = field(default_factory=list)
    events: list[tuple[int, int, tuple[int, ...]]] = field(default_factory=list)


@dataclass
class EncodedPiece:
    """A score in token form, bar by bar, before a layout is chosen."""

    title: str
    bars: list[BarTokens]
    bar_ts: list[int]  # TS token in effect at each bar
    bar_key: list[int]  # Key token in effect at each bar
    n_notes: int = 0
    n_chords: int = 0
    pitch_min: int = 127
    pitch_max: int = 0
    issues: list[str] = field(default_factory=list)  # why the round trip would not be exact
    #: Meter and key tokens of the score's start, for the header of a piece with no bars yet.
    start_ts: int | None = None
    start_key: int | None = None

    @property
    def n_bars(self) -> int:
        return len(self.bars)

    def bar(self, i: int) -> BarTokens:
        return self.bars[i] if i < len(self.bars) else BarTokens()


@dataclass
class Prompt:
    """What :meth:`MusicTokenizer.build_prompt` returns: the ids to feed and where the region lies."""

    ids: list[int]
    task: str
    first_bar: int  # 0-based index of the region's first bar
    n_bars: int
    start_tick: int  # region start (a bar line)
    end_tick: int  # region end (a bar line)
    context_first_bar: int  # first bar kept in the (left-truncated) context
    #: harmonize only: after the k-th ``Bar`` of the answer the next token must be
    #: ``bar_index_ids[k-1]`` (``Idx_k``); feed it (force it) before sampling on. Empty for other tasks.
    bar_index_ids: list[int] = field(default_factory=list)
    #: ``(first, end)``: the bars whose notes and chords were tokenized to build the prompt (a
    #: window around the region, however long the piece is).
    encoded_bars: tuple[int, int] = (0, 0)


class MusicTokenizer:
    """Lead-sheet tokenizer. Id groups for constrained sampling are public attributes:

    ``pitch_ids[midi] / duration_ids[ticks] / position_ids[ticks] / root_ids[pc] / quality_ids[q] /
    bass_ids[pc] / meter_ids[(num, den)] / key_ids[(pc, mode)] / len_ids[n] / bar_index_ids[k] /
    task_ids[name]`` map values to ids (dicts); ``id_pitch``, ``id_duration``, ``id_position``, ``id_root``,
    ``id_quality``, ``id_bass`` map back. Single ids: ``bar_id nc_id bos_id eos_id pad_id unk_id
    mel_id chd_id after_id fill_id``. ``kinds[id]`` names each id's family.
    """

    def __init__(self, vocab: Vocabulary | None = None):
        self.vocab = vocab or Vocabulary()
        v, c = self.vocab, self.vocab.config
        self.grid = c.grid
        self.max_bar_ticks = c.max_bar_ticks
        self.pad_id, self.bos_id, self.eos_id, self.unk_id = (v.id(t) for t in SPECIALS)
        self.mel_id, self.chd_id, self.after_id, self.fill_id = (v.id(t) for t in SEPARATORS)
        self.task_ids = {name: v.id(tok) for name, tok in TASK_NAMES.items()}
        self.bar_id, self.nc_id = v.id("Bar"), v.id("NC")
        self.len_ids = {n: v.id(f"Len_{n}") for n in range(1, c.max_len_bars + 1)}
        self.bar_index_ids = {n: v.id(f"Idx_{n}") for n in range(1, c.max_len_bars + 1)}
        self.meter_ids = {(n, d): v.id(f"TS_{n}/{d}") for n, d in v.meters}
        self.key_ids = {(pc, m): v.id(f"Key_{SHARP_NAMES[pc]}_{m.replace(' ', '-')}") for m in v.modes for pc in range(12)}
        self.position_ids = {t: v.id(f"Pos_{t}") for t in range(0, c.max_bar_ticks, c.grid)}
        self.root_ids = {pc: v.id(f"Root_{SHARP_NAMES[pc]}") for pc in range(12)}
        self.quality_ids = {q: v.id(f"Q_{q or 'maj'}") for q in v.qualities}
        self.bass_ids = {pc: v.id(f"Bass_{SHARP_NAMES[pc]}") for pc in range(12)}
        self.pitch_ids = {p: v.id(f"Pitch_{p}") for p in range(c.pitch_low, c.pitch_high + 1)}
        self.duration_ids = {d: v.id(f"Dur_{d}") for d in c.durations}
        self._durations = sorted(c.durations)
        inv = lambda d: {i: k for k, i in d.items()}  # noqa: E731
        self.id_meter, self.id_key, self.id_position = inv(self.meter_ids), inv(self.key_ids), inv(self.position_ids)
        self.id_root, self.id_quality, self.id_bass = inv(self.root_ids), inv(self.quality_ids), inv(self.bass_ids)
        self.id_pitch, self.id_duration, self.id_len = inv(self.pitch_ids), inv(self.duration_ids), inv(self.len_ids)
        kinds = ["special"] * len(v)
        for name, group in (("task", self.task_ids), ("len", self.len_ids), ("idx", self.bar_index_ids),
                            ("meter", self.meter_ids),
                            ("key", self.key_ids), ("pos", self.position_ids), ("root", self.root_ids),
                            ("quality", self.quality_ids), ("bass", self.bass_ids), ("pitch", self.pitch_ids),
                            ("dur", self.duration_ids)):
            for i in group.values():
                kinds[i] = name
        for i in (self.mel_id, self.chd_id, self.after_id, self.fill_id):
            kinds[i] = "sep"
        kinds[self.bar_id], kinds[self.nc_id] = "bar", "nc"
        self.kinds = kinds
        #: ids of tokens that belong to chords (root, quality, bass, NC).
        self.chord_token_ids = frozenset(i for i, k in enumerate(kinds) if k in ("root", "quality", "bass", "nc"))

    def __len__(self) -> int:
        return len(self.vocab)

    def token(self, i: int) -> str:
        return self.vocab.tokens[i]

    def tokens(self, ids) -> list[str]:
        return [self.vocab.tokens[i] for i in ids]

    # ---- small helpers -------------------------------------------------------------------
    def chord_ids(self, symbol: ChordSymbol) -> list[int]:
        """Tokens of a chord symbol: root, quality, and bass when it differs from the root."""
        out = [self.root_ids[symbol.root_pc], self.quality_ids[symbol.vocab_quality]]
        if symbol.bass and symbol.bass_pc != symbol.root_pc:
            out.append(self.bass_ids[symbol.bass_pc])
        return out

    def nearest_duration(self, ticks: int) -> int:
        ds = self._durations
        i = bisect.bisect_left(ds, ticks)
        cands = ds[max(0, i - 1):i + 1]
        return min(cands, key=lambda d: (abs(d - ticks), d))

    def _meter_id(self, ts: TimeSignature, issues: list[str]) -> int:
        tid = self.meter_ids.get((ts.numerator, ts.denominator))
        if tid is None:
            issues.append(f"meter {ts} not in vocabulary")
            tid = self.meter_ids[(4, 4)]
        return tid

    def _key_id(self, key: KeySignature) -> int:
        return self.key_ids[(key.tonic_pc, key.mode)]

    # ---- score -> tokens -----------------------------------------------------------------
    def encode_piece(self, score: Score, window: tuple[int, int] | None = None) -> EncodedPiece:
        """Bar-by-bar token form of ``score`` (melody = first track, chord lane, meters, keys).

        ``window = (a, b)``: only the notes and chords of bars ``a`` to ``b - 1`` are encoded (the
        other bars keep their meter/key tokens and no events), so a prompt from a window of a long
        piece does not tokenize the whole piece; ``n_notes``/``n_chords``/pitch range/``issues``
        then describe the window only."""
        issues: list[str] = []
        meter = score.meter
        g = self.grid
        notes = list(score.tracks[0].notes) if score.tracks else []
        if len(score.tracks) > 1 and any(t.notes for t in score.tracks[1:]):
            issues.append("notes in tracks other than the first are not represented")
        end = max([n.end for n in notes] + [c.end for c in score.chords] + [0])
        n_bars = meter.bar_count(end)
        all_chords = sorted(score.chords, key=lambda c: c.start)
        chord_range = (0, len(all_chords))
        if window is not None:
            # Events that can land in the window (an onset a grid step early rounds onto its first
            # bar line). The melody is sorted by start (Track keeps it so): bisect, do not scan.
            lo = meter.bar(max(0, window[0])).start - g
            hi = meter.bar(max(0, min(window[1], n_bars))).start + g
            starts = [n.start for n in notes]
            notes = notes[bisect.bisect_left(starts, lo):bisect.bisect_left(starts, hi)]
            cstarts = [c.start for c in all_chords]
            # from the chord before the window: where it ends, an NC may open the window
            chord_range = (max(0, bisect.bisect_left(cstarts, lo) - 1), bisect.bisect_left(cstarts, hi))
        bars = [BarTokens() for _ in range(n_bars)]
        bar_starts = [meter.bar(i).start for i in range(n_bars + 1)]
        # Meters and keys per bar.
        bar_ts, bar_key = [], []
        for i in range(n_bars):
            bar_ts.append(self._meter_id(meter.bar(i).meter, issues))
        for s in score.time_signatures:
            if s.tick and s.tick not in bar_starts:
                issues.append("meter change not on a bar line")
        keys = sorted(score.key_signatures, key=lambda k: k.tick) or [KeySignature()]
        for i in range(n_bars):
            k = keys[0]
            for kk in keys:
                if kk.tick <= bar_starts[i]:
                    k = kk
            bar_key.append(self._key_id(k))
        for i in range(1, n_bars):
            if bar_ts[i] != bar_ts[i - 1]:
                bars[i].meta.append(bar_ts[i])
        inline_keys = []
        prev = keys[0]
        for kk in keys[1:]:
            if (kk.tonic_pc, kk.mode) == (prev.tonic_pc, prev.mode):
                continue  # a repeated key signature changes nothing
            prev = kk
            if kk.tick in bar_starts[:n_bars]:
                bars[bar_starts.index(kk.tick)].meta.append(self._key_id(kk))
            elif kk.tick < bar_starts[n_bars]:
                inline_keys.append(kk)  # mid-bar (e.g. before a pickup): placed at its position below

        def place(tick: int, what: str) -> tuple[int, int]:
            # Positions count from the bar's nominal start: a pickup's notes sit at the end of its bar.
            b = meter.bar_at(tick)
            pos = int(round((tick - b.nominal_start) / g)) * g
            if pos != tick - b.nominal_start:
                issues.append(f"{what} onset off the {g}-tick grid")
            if pos >= b.offset + b.length and b.index + 1 < n_bars:  # rounded onto the next bar line
                b, pos = meter.bar(b.index + 1), 0
            if b.index >= n_bars:
                b = meter.bar(n_bars - 1)
            if pos >= self.max_bar_ticks:
                issues.append(f"{what} position beyond the longest bar")
                pos = self.max_bar_ticks - g
            return b.index, max(0, pos)

        for kk in inline_keys:
            bi, pos = place(kk.tick, "key change")
            bars[bi].events.append((pos, KEY, (self._key_id(kk),)))
        # Chords, with NC where the lane has a gap.
        chords = all_chords
        last_end = bar_starts[n_bars] if n_bars else 0
        chord_slots: dict[tuple[int, int], tuple[int, ...]] = {}
        for j in range(*chord_range):
            c = chords[j]
            slot = place(c.start, "chord")
            if slot in chord_slots:
                issues.append("two chords at one position")
            if c.symbol.vocab_quality != c.symbol.quality:
                issues.append("chord quality not in the vocabulary (its nearest is used)")
            chord_slots[slot] = tuple(self.chord_ids(c.symbol))
            nxt = chords[j + 1].start if j + 1 < len(chords) else last_end
            if c.end < nxt:
                nc_slot = place(c.end, "chord end")
                if nc_slot not in chord_slots:
                    chord_slots[nc_slot] = (self.nc_id,)
            elif c.end > nxt:
                issues.append("overlapping chords")
        for (bi, pos), ids in chord_slots.items():
            bars[bi].events.append((pos, CHORD, ids))
        # Notes.
        pmin, pmax = 127, 0
        for n in notes:
            bi, pos = place(n.start, "note")
            d = self.nearest_duration(n.duration)
            if d != n.duration:
                issues.append("note duration not in the vocabulary")
            if n.pitch not in self.pitch_ids:
                issues.append("pitch out of range")
                continue
            pmin, pmax = min(pmin, n.pitch), max(pmax, n.pitch)
            bars[bi].events.append((pos, NOTE, (self.pitch_ids[n.pitch], self.duration_ids[d])))
        for b in bars:
            b.events.sort()
        return EncodedPiece(score.title, bars, bar_ts, bar_key, len(notes), chord_range[1] - chord_range[0], pmin, pmax,
                            sorted(set(issues)), self._meter_id(meter.bar(0).meter, []), self._key_id(keys[0]))

    def bar_index_id(self, k: int) -> int:
        """``Idx_k`` for the k-th (1-based) bar of a harmonize region (cycling after the last index)."""
        return self.bar_index_ids[(k - 1) % len(self.bar_index_ids) + 1]

    def render_bar(self, bar: BarTokens, mode: str = "full", index: int | None = None) -> list[int]:
        """``Bar`` [``Idx_k``], meta tokens, then per onset ``Pos`` + chord tokens + notes (by ``mode``)."""
        out = [self.bar_id] + ([self.bar_index_id(index)] if index else []) + bar.meta
        last = None
        want_chords = mode in ("full", "chords")
        want_notes = mode in ("full", "melody")
        for pos, kind, ids in bar.events:  # key changes (KEY) are kept in every mode
            if (kind == CHORD and not want_chords) or (kind == NOTE and not want_notes):
                continue
            if pos != last:
                out.append(self.position_ids[pos])
                last = pos
            out.extend(ids)
        return out

    def render_bars(self, piece: EncodedPiece, a: int, b: int, mode: str = "full", indexed: bool = False) -> list[int]:
        out: list[int] = []
        for i in range(a, b):
            out.extend(self.render_bar(piece.bar(i), mode, i - a + 1 if indexed else None))
        return out

    def header(self, piece: EncodedPiece, task: str, bar: int) -> list[int]:
        i = min(bar, piece.n_bars - 1)
        # an empty piece (continuing from nothing) still has the score's meter and key
        ts = piece.bar_ts[i] if i >= 0 else piece.start_ts or self.meter_ids[(4, 4)]
        key = piece.bar_key[i] if i >= 0 else piece.start_key or self.key_ids[(0, "major")]
        return [self.bos_id, self.task_ids[task], ts, key]

    def layout(self, piece: EncodedPiece, task: str, a: int, r0: int, r1: int, c: int | None = None,
               end: bool = True) -> list[int]:
        """A full training sequence (see the package docstring). ``a``: first context bar; region
        ``[r0, r1)``; ``c``: end of the after-context (infill). ``end`` appends ``<eos>`` where the
        layout ends one (always for harmonize/infill; for continue/chords only when ``r1`` is the last bar)."""
        ids = self.header(piece, task, a)
        if task == "continue":
            ids += self.render_bars(piece, a, r1)
        else:
            ids += self.render_bars(piece, a, r0)
            if task == "harmonize":
                ids += [self.mel_id] + self.render_bars(piece, r0, r1, "melody", True) + [self.chd_id]
                ids += self.render_bars(piece, r0, r1, "chords", True)
            elif task == "chords":
                ids += [self.chd_id] + self.render_bars(piece, r0, r1, "chords")
            elif task == "infill":
                ids += [self.after_id] + self.render_bars(piece, r1, c if c is not None else r1)
                ids += [self.fill_id, self.len_ids[min(r1 - r0, len(self.len_ids))]]
                ids += self.render_bars(piece, r0, r1)
            else:
                raise ValueError(f"unknown task {task!r}")
        if end and (task in ("harmonize", "infill") or r1 >= piece.n_bars):
            ids.append(self.eos_id)
        return ids

    def encode(self, score: Score) -> list[int]:
        """The whole score in the plain continuation layout, ending with ``<eos>``."""
        piece = self.encode_piece(score)
        return self.layout(piece, "continue", 0, 0, piece.n_bars)

    # ---- prompts for generation ----------------------------------------------------------
    def build_prompt(self, score: Score, task: str, region_start_tick: int, region_end_tick: int | None = None,
                     *, n_bars: int = 2, max_len: int = 512, reserve: int | None = None,
                     after_bars: int = 4) -> Prompt:
        """Ids to feed the model so that what it generates next is the region's content.

        ``task``: ``continue`` (melody + chords of the region, from the context before it),
        ``harmonize`` (chords for the region given its melody), ``chords`` (chords only, no
        melody), ``infill`` (melody + chords of the region given the bars before *and* after it).
        The region is whole bars: from the bar holding ``region_start_tick`` to the bar holding
        ``region_end_tick - 1`` (or ``n_bars`` bars when no end is given). The context before the
        region is cut from the left, whole bars at a time, so that the prompt plus ``reserve``
        tokens for the answer fit in ``max_len`` (default reserve: 48 tokens per region bar).
        The generated ids start with ``Bar``; in a harmonize answer every ``Bar`` is followed by
        its ``Idx_k`` (``Prompt.bar_index_ids``: force it). Decode with :meth:`decode_continuation`.
        """
        if task not in TASK_NAMES:
            raise ValueError(f"unknown task {task!r}; expected one of {sorted(TASK_NAMES)}")
        meter = score.meter
        r0 = meter.bar_at(max(0, region_start_tick)).index
        if region_end_tick is not None and region_end_tick > meter.bar(r0).start:
            r1 = meter.bar_at(region_end_tick - 1).index + 1
        else:
            r1 = r0 + max(1, n_bars)
        if reserve is None:
            reserve = 48 * (r1 - r0)
        budget = max(8, max_len - reserve)
        # Only a window of bars before the region is tokenized, whatever the length of the piece:
        # ``span`` bars, widened (x4) while the left truncation would reach the window's first bar
        # (then the window may have cut the context short; when it stops inside, the prompt is the
        # one the whole piece gives).
        span = max(8, budget // 16)
        while True:
            w0 = max(0, r0 - span)
            piece = self.encode_piece(score, (w0, r1 + after_bars + 1))
            a, c = self._truncate(piece, task, r0, r1, w0, budget, after_bars)
            if a > w0 or w0 == 0:
                break
            span *= 4
        ids = self._prompt_ids(piece, task, a, r0, r1, c)
        forced = [self.bar_index_id(k) for k in range(1, r1 - r0 + 1)] if task == "harmonize" else []
        return Prompt(ids, task, r0, r1 - r0, meter.bar(r0).start, meter.bar(r1).start, a, forced,
                      (w0, r1 + after_bars + 1))

    def _prompt_ids(self, piece: EncodedPiece, task: str, a: int, r0: int, r1: int, c: int) -> list[int]:
        """The prompt layout: context bars ``[a, r0)``, the region ``[r0, r1)``, after-context up to ``c``."""
        ids = self.header(piece, task, a if a < piece.n_bars else piece.n_bars - 1)
        ids += self.render_bars(piece, a, r0)
        if task == "harmonize":
            ids += [self.mel_id] + self.render_bars(piece, r0, r1, "melody", True) + [self.chd_id]
        elif task == "chords":
            ids += [self.chd_id]
        elif task == "infill":
            ids += [self.after_id] + self.render_bars(piece, r1, c)
            ids += [self.fill_id, self.len_ids[min(r1 - r0, len(self.len_ids))]]
        return ids

    def _truncate(self, piece: EncodedPiece, task: str, r0: int, r1: int, w0: int, budget: int,
                  after_bars: int) -> tuple[int, int]:
        """``(a, c)``: the first context bar (not before ``w0``) and the end of the after-context
        (infill) such that the prompt fits in ``budget`` tokens."""
        c = min(piece.n_bars, r1 + after_bars) if task == "infill" else r1
        c = max(c, r1)
        fixed = len(self._prompt_ids(piece, task, r0, r0, r1, c))
        while task == "infill" and fixed > budget and c > r1:
            c -= 1
            fixed = len(self._prompt_ids(piece, task, r0, r0, r1, c))
        a, total = r0, fixed
        while a > w0:
            more = len(self.render_bar(piece.bar(a - 1)))
            if total + more > budget:
                break
            a -= 1
            total += more
        return a, c

    # ---- tokens -> score -----------------------------------------------------------------
    def decode_continuation(self, ids, score: Score, start_tick: int, end_tick: int | None = None
                            ) -> tuple[list[Note], list[Chord]]:
        """Notes and chords from generated ids that start at the bar line ``start_tick`` of ``score``.

        Each ``Bar`` token moves to the next bar of the score's meter (the first ``Bar`` opens the
        bar at ``start_tick``). Decoding stops at ``<eos>``/``<pad>`` or at ``end_tick``; a chord
        lasts until the next chord or ``NC``, the last one until ``end_tick`` (or the end of the
        last decoded bar). Chord roots are spelled with flats in flat keys. Incomplete events
        (a pitch without a duration, a root without a quality) are dropped.
        """
        meter = score.meter
        first = meter.bar_at(start_tick).index
        notes, marks = self._parse_events(ids, lambda k: meter.bar(first + k), end_tick)
        bar_end = marks.pop() if marks and marks[-1][0] is None else None
        end = end_tick if end_tick is not None else (bar_end[1] if bar_end else start_tick)
        return notes, self._chords_from_marks(marks, end, score)

    def _parse_events(self, ids, bar_of, end_tick):
        """Walk event tokens; returns notes and chord marks ``(symbol|NC=None-less tuple, tick)``."""
        notes: list[Note] = []
        marks: list[tuple] = []  # (ChordSymbol or "NC", tick)
        k = -1
        bar = None
        pos = 0
        pitch = None
        root = None
        for i in ids:
            i = int(i)
            kind = self.kinds[i]
            if i in (self.eos_id, self.pad_id):
                break
            if kind == "bar":
                k += 1
                bar = bar_of(k)
                pos, pitch, root = bar.start, None, None
                if end_tick is not None and bar.start >= end_tick:
                    break
                continue
            if bar is None:
                k, bar = 0, bar_of(0)
                pos = bar.start
            if kind == "pos":
                pos = bar.nominal_start + self.id_position[i]
            elif kind == "pitch":
                pitch = self.id_pitch[i]
            elif kind == "dur":
                if pitch is not None and pos >= 0 and (end_tick is None or pos < end_tick):
                    notes.append(Note(pitch, pos, self.id_duration[i]))
                pitch = None
            elif kind == "root":
                root = self.id_root[i]
            elif kind == "quality":
                if root is not None and pos >= 0 and (end_tick is None or pos < end_tick):
                    marks.append((("chord", root, self.id_quality[i], None), pos))
                root = None
            elif kind == "bass":
                if marks and marks[-1][1] == pos and marks[-1][0][0] == "chord":
                    _, r, q, _ = marks[-1][0]
                    marks[-1] = (("chord", r, q, self.id_bass[i]), pos)
            elif kind == "nc":
                if pos >= 0 and (end_tick is None or pos < end_tick):
                    marks.append((("nc",), pos))
        if bar is not None:
            marks.append((None, bar.end))
        return notes, marks

    def _chords_from_marks(self, marks, end: int, score: Score) -> list[Chord]:
        chords = []
        for j, (what, tick) in enumerate(marks):
            if what[0] != "chord":
                continue
            nxt = marks[j + 1][1] if j + 1 < len(marks) else end
            if nxt <= tick:
                continue
            _, r, q, b = what
            flats = score.key_at(tick).prefers_flats
            sym = ChordSymbol(spell(r, flats), q, spell(b, flats) if b is not None else None)
            chords.append(Chord(sym, tick, nxt - tick))
        return chords

    def decode_score(self, ids, title: str = "") -> Score:
        """Inverse of :meth:`encode` (continue layout from the start of a piece)."""
        ids = [int(i) for i in ids]
        ts = [TimeSignature()]
        keys = [KeySignature()]
        j = 0
        while j < len(ids) and self.kinds[ids[j]] != "bar":
            kind = self.kinds[ids[j]]
            if kind == "meter":
                num, den = self.id_meter[ids[j]]
                ts = [TimeSignature(num, den, 0)]
            elif kind == "key":
                keys = [self._key_sig(ids[j], 0)]
            j += 1
        body = ids[j:]
        # First pass: bar starts and meter changes (right after a Bar), key changes (anywhere).
        tick, cur, bar_start = 0, ts[0], 0
        for n, i in enumerate(body):
            kind = self.kinds[i]
            if kind == "bar":
                bar_start, pos = tick, 0
                m = n + 1
                while m < len(body) and self.kinds[body[m]] in ("meter", "key"):
                    if self.kinds[body[m]] == "meter":
                        num, den = self.id_meter[body[m]]
                        if (num, den) != (cur.numerator, cur.denominator):
                            cur = TimeSignature(num, den, tick)
                            ts.append(cur)
                    m += 1
                tick += cur.bar_ticks
            elif kind == "pos":
                pos = self.id_position[i]
            elif kind == "key":
                k = self._key_sig(i, bar_start + pos)
                if (k.tonic_pc, k.mode) != (keys[-1].tonic_pc, keys[-1].mode):
                    keys.append(k)
            elif i in (self.eos_id, self.pad_id):
                break
        meter = Meter(ts)
        shell = Score(title=title, time_signatures=tuple(ts), key_signatures=tuple(keys))
        notes, marks = self._parse_events(body, lambda k: meter.bar(k), None)
        end = marks.pop()[1] if marks and marks[-1][0] is None else 0
        chords = self._chords_from_marks(marks, end, shell)
        return Score(title=title, tracks=(Track(notes=tuple(notes)),), chords=tuple(chords),
                     time_signatures=tuple(ts), key_signatures=tuple(keys))

    def _key_sig(self, i: int, tick: int) -> KeySignature:
        pc, mode = self.id_key[i]
        return KeySignature("C", mode, tick).transposed(pc)


def roundtrip_differences(original: Score, decoded: Score) -> list[str]:
    """What differs between a score and its decoded tokens, on what the tokenizer represents.
    A pickup is not a token: its notes come back at the end of a whole first bar, so the original
    is compared in that form (:meth:`Score.without_pickup`)."""
    original = original.without_pickup()
    out = []
    a = sorted((n.pitch, n.start, n.duration) for n in (original.tracks[0].notes if original.tracks else ()))
    b = sorted((n.pitch, n.start, n.duration) for n in decoded.tracks[0].notes)
    if a != b:
        out.append("notes differ")
    ca = [(c.start, c.duration, c.symbol.root_pc, c.symbol.quality, c.symbol.bass_pc) for c in original.chords]
    cb = [(c.start, c.duration, c.symbol.root_pc, c.symbol.quality, c.symbol.bass_pc) for c in decoded.chords]
    if ca != cb:
        out.append("chords differ")
    ta = [(t.numerator, t.denominator, t.tick) for t in original.time_signatures]
    tb = [(t.numerator, t.denominator, t.tick) for t in decoded.time_signatures]
    if ta != tb:
        out.append("meters differ")
    def changes(keys) -> list[tuple]:
        out: list[tuple] = []
        for k in sorted(keys, key=lambda k: k.tick):
            if not out or (k.tonic_pc, k.mode) != out[-1][:2]:
                out.append((k.tonic_pc, k.mode, k.tick))
        return out

    ka, kb = changes(original.key_signatures), changes(decoded.key_signatures)
    if ka != kb:
        out.append("keys differ")
    return out


def roundtrip_report(tok: MusicTokenizer, pieces) -> dict:
    """Encode and decode every piece (objects with ``.score``, ``.source``); the exact fraction and
    the reasons for the rest (the encoder's own notes on what it could not represent)."""
    from collections import Counter

    reasons: Counter[str] = Counter()
    diffs: Counter[str] = Counter()
    examples: dict[str, str] = {}
    exact, tokens = 0, 0
    for p in pieces:
        piece = tok.encode_piece(p.score)
        ids = tok.layout(piece, "continue", 0, 0, piece.n_bars)
        tokens += len(ids)
        d = roundtrip_differences(p.score, tok.decode_score(ids))
        if not d:
            exact += 1
            continue
        diffs.update(d)
        for r in piece.issues or ["(no encoder note)"]:
            reasons[r] += 1
            examples.setdefault(r, p.source)
    n = len(pieces)
    return {"pieces": n, "exact": exact, "exact_fraction": exact / n if n else 0.0, "tokens": tokens,
            "differences": dict(diffs), "reasons": dict(reasons.most_common()), "examples": examples}
