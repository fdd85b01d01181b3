"""Loading a harmonizer folder and turning a score into ranked chord progressions.

``load_harmonizer(path)`` reads a standard Hugging Face folder (``config.json`` of a
``BertForTokenClassification``, ``model.safetensors``, ``harmonizer_vocab.json``,
``transitions.json``, optional ``decode_config.json`` with the tuned decoder weights) without
running any code from it. ``harmonize(h, score, start, end, ...)`` reads the melody of the whole
piece (in windows of at most the beats the model was trained on, overlapping by half, their
per-beat log-probabilities averaged), keeps the chords outside ``[start, end)`` as given, and
returns the ranked progressions for the beats inside (:mod:`.decode`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any
from pathlib import Path

import numpy as np

from ...errors import ModelError
from ..model_folder import load_validated, read_folder_file, validate_model_folder
from ...score import Chord, ChordSymbol, Score
from ...score.theory import spell_root
from .decode import Transitions, path_score, progression_matrices, sample_paths, segments, viterbi
from .encoding import (VOCAB_FILE, Beat, HarmVocab, bar_starts, beat_labels, beat_notes, beats_of, encode,
                       from_relative, silent_beats, windows)
from .labels import CLASSES, IGNORE, N_LABELS, allowed_labels, folded, quality_of, root_of

#: A chord less likely than the beat's favourite by more than this (log-probability) is never chosen.
PRUNE_NATS = 4.0
#: A suspended, augmented or diminished chord more than this (log-probability) below the best
#: quality of its root on a beat is never chosen: dividing by the prior favours rare qualities, and
#: rank 1 must not turn a clear F or G into an Fsus2 the encoder itself gives 3 %.
COLOUR_PRUNE_NATS = 2.3
COLOUR = np.array([c in ("sus2", "sus4", "aug", "dim") for c in CLASSES])
#: Decoder weights used when a folder has no ``decode_config.json``.
DEFAULT_DECODE = {"w_emission": 1.0, "w_change": 1.0, "w_bigram": 0.3, "w_prior": 0.0, "w_quality": 1.0}
#: The prior's weight on beats where no melody note sounds (intros, rests, bars of held notes' ends):
#: there the encoder has no melody to read, and dividing by the prior only promotes rare chords on
#: guesswork. Optional in ``decode_config.json``; without it, ``w_prior`` applies there too.
SILENT_KEY = "w_prior_silent"
#: The harmonic-rhythm weight of the chain the alternatives (ranks 2 to K) are sampled from; optional
#: in ``decode_config.json``, else ``w_change``. Rank 1 is chosen by one setting and the alternatives
#: by another: a light change cost suits the most probable path, but samples drawn with it change
#: chords too freely (``train --tune-decoder`` chooses it by the alternatives' accuracy).
ALT_CHANGE_KEY = "w_change_alternatives"
OPTIONAL_DECODE = (SILENT_KEY, ALT_CHANGE_KEY)
ARCHITECTURES = {"BertForTokenClassification": "bert"}
MAX_CONFIG = 1 << 20
#: ``{"members": [{"folder": "absolute", "weight": 0.5}]}``: harmonizer folders *inside* this one
#: (plain subfolder names) whose predictions are mixed in (an ensemble of differently encoded models).
MEMBERS_FILE = "members.json"
MAX_MEMBERS = 3


@dataclass
class LoadedHarmonizer:
    model: Any  # transformers PreTrainedModel
    vocab: HarmVocab
    transitions: Transitions
    path: Path
    device: str = "cpu"
    decode: dict = field(default_factory=lambda: dict(DEFAULT_DECODE))
    #: Other harmonizers read together with this one, ``(harmonizer, weight)``: their per-beat
    #: log-probabilities are mixed in with these weights (this one keeps the rest); see MEMBERS_FILE.
    members: list = field(default_factory=list)

    @property
    def max_len(self) -> int:
        return int(self.model.config.max_position_embeddings)

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class Progression:
    labels: list[int]  # per beat of the region
    score: float  # the encoder's mean log-probability per beat of the chords chosen
    chords: list[Chord]
    confidence: list[float]  # per chord: the encoder's mean probability of it over its beats


def _read_json(path: Path) -> dict:
    return json.loads(read_folder_file(path.parent, path.name, MAX_CONFIG).decode("utf-8"))


def check_harmonizer_dir(path: str | Path, check_weights: bool = False):
    """The checks of :func:`..model_folder.validate_model_folder` for a harmonizer (a plain BERT token
    classifier, no code of its own, its vocabulary and transitions), plus the number of classes."""
    p = Path(path)
    if not p.is_dir():
        raise ModelError(p, "no such harmonizer folder")
    for name in (VOCAB_FILE, "transitions.json"):
        if not (p / name).exists():
            raise ModelError(p, f"not a harmonizer folder: {name} is missing")
    folder = validate_model_folder(p, ARCHITECTURES, required_files=(VOCAB_FILE, "transitions.json"),
                                   check_weights=check_weights)
    labels = folder.config.get("num_labels", len(folder.config.get("id2label") or {}))
    if labels != N_LABELS:
        raise ModelError(p, f"the harmonizer predicts {labels} chord classes, not {N_LABELS}")
    return folder


def load_harmonizer_model(path: str | Path, train: bool = False, device: str = "cpu"):
    import torch

    # float32 whatever the folder stores (float16 weights halve a member's size; this CPU code runs float32)
    model = load_validated(check_harmonizer_dir(path, check_weights=True), dtype=torch.float32)
    model.to(device)
    model.train(train)
    return model


def load_harmonizer(path: str | Path, device: str = "cpu", nested: bool = True) -> LoadedHarmonizer:
    """A harmonizer folder, with the members it lists (:data:`MEMBERS_FILE`; ``nested=False``: without)."""
    p = Path(path)
    check_harmonizer_dir(p)
    try:
        vocab = HarmVocab.load(p)
        transitions = Transitions(_read_json(p / "transitions.json"))
        decode = dict(DEFAULT_DECODE)
        if (p / "decode_config.json").is_file():
            extra = _read_json(p / "decode_config.json")
            decode.update({k: float(v) for k, v in extra.items() if k in DEFAULT_DECODE or k in OPTIONAL_DECODE})
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ModelError(p, f"the harmonizer folder is damaged ({exc})") from None
    model = load_harmonizer_model(p, device=device)
    if model.get_input_embeddings().weight.shape[0] != len(vocab):
        raise ModelError(p, f"the harmonizer's embeddings do not match {VOCAB_FILE}")
    members = [(load_harmonizer(sub, device, nested=False), w) for sub, w in _members(p)] if nested else []
    return LoadedHarmonizer(model, vocab, transitions, p, device, decode, members)


def _members(p: Path) -> list[tuple[Path, float]]:
    """The member folders of :data:`MEMBERS_FILE` (subfolders of ``p`` only, weights in (0, 1),
    summing below 1) or [] when there is none."""
    if not (p / MEMBERS_FILE).is_file():
        return []
    try:
        entries = _read_json(p / MEMBERS_FILE)["members"]
        out = []
        for e in entries[:MAX_MEMBERS]:
            name, w = str(e["folder"]), float(e["weight"])
            sub = p / name
            if (not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name) or sub.is_symlink() or not sub.is_dir()
                    or not 0.0 < w < 1.0):
                raise ValueError(f"member {name!r} with weight {w} is not a harmonizer subfolder with a weight in (0, 1)")
            out.append((sub, w))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ModelError(p, f"the harmonizer's {MEMBERS_FILE} is damaged ({exc})") from None
    if sum(w for _, w in out) >= 1.0:
        raise ModelError(p, f"the weights in {MEMBERS_FILE} leave nothing to the harmonizer itself")
    return out


def beat_logprobs(h: LoadedHarmonizer, beats: list[Beat], notes, known: list[int | None]) -> np.ndarray:
    """``(beats, labels)`` log-probabilities of each beat's chord; a piece longer than the model's
    window is read in overlapping windows whose log-probabilities are averaged (weighted towards
    each window's middle, where a beat sees the most context on both sides)."""
    return beat_logprobs_many(h, [(beats, notes, known)])[0]


def beat_logprobs_many(h: LoadedHarmonizer, items) -> list[np.ndarray]:
    """:func:`beat_logprobs` of several ``(beats, notes, known)`` in one batch through the model (and
    through each member, their log-probabilities mixed in by weight and normalised per beat)."""
    own = _beat_logprobs_one(h, items)
    if not h.members:
        return own
    rest = 1.0 - sum(w for _, w in h.members)
    mixed = [rest * lp for lp in own]
    for m, w in h.members:
        for i, lp in enumerate(_beat_logprobs_one(m, items)):
            mixed[i] = mixed[i] + w * lp
    return [lp - np.logaddexp.reduce(lp, axis=-1, keepdims=True) if lp.size else lp for lp in mixed]


def _beat_logprobs_one(h: LoadedHarmonizer, items) -> list[np.ndarray]:
    import torch

    from .bags import bag_tensors, embed_bags

    plans: list = []
    encs: list = []
    for beats, notes, known in items:
        spans = windows(len(beats), h.max_len, bar_starts(beats)) if beats else []
        plans.append((len(beats), spans, len(encs)))
        encs += [encode(h.vocab, beats[a:b], notes[a:b], known[a:b], at_start=a == 0, at_end=b == len(beats))
                 for a, b in spans]
    lp = np.zeros((0, 0, N_LABELS))
    if encs:
        ids, w, mask = bag_tensors([e.bags for e in encs], h.vocab.pad_id)
        with torch.inference_mode():
            emb = embed_bags(h.model, ids.to(h.device), w.to(h.device))
            logits = h.model(inputs_embeds=emb, attention_mask=mask.to(h.device)).logits.float()
            lp = torch.log_softmax(logits, -1).cpu().numpy()
    out = []
    for (beats, _, _), (n, spans, first) in zip(items, plans):
        if n == 0:
            out.append(np.zeros((0, N_LABELS)))
            continue
        if len(spans) == 1:
            out.append(from_relative(h.vocab, beats, lp[first, :n]))
            continue
        total = np.zeros((n, N_LABELS))
        weight = np.zeros(n)
        for (a, b), row in zip(spans, lp[first:first + len(spans)]):
            width = b - a
            x = 1.0 + np.minimum(np.arange(width), width - 1 - np.arange(width)) / max(1, width)
            total[a:b] += x[:, None] * row[:width]
            weight[a:b] += x
        out.append(from_relative(h.vocab, beats, total / weight[:, None]))
    return out


def fold_logprobs(lp: np.ndarray, vocab: str) -> np.ndarray:
    """``(beats, labels)`` log-probabilities with each class's probability moved onto the class it
    becomes under ``vocab`` (G7 onto G with triads; the classes left out get none)."""
    fold = np.array(folded(vocab))
    p = np.exp(lp)
    f = np.zeros_like(p)
    for lab in range(N_LABELS):
        f[:, fold[lab]] += p[:, lab]
    return np.log(f + 1e-12)


def chain(h: LoadedHarmonizer, beats: list[Beat], lo: int, hi: int, lp: np.ndarray, known: list[int | None],
          vocab: str = "all", decode: dict | None = None, silent: np.ndarray | None = None):
    """The decoding problem for beats ``[lo, hi)``: ``(emissions, transition matrices, allowed labels)``.

    ``lp`` holds the encoder's log-probabilities of those beats; chords given just before or after
    the region join the chain as fixed neighbours. ``silent`` marks the beats of the region where no
    melody note sounds (they take the prior at ``w_prior_silent``).
    """
    d = {**DEFAULT_DECODE, **(decode or h.decode)}
    d.setdefault(SILENT_KEY, d["w_prior"])
    region = beats[lo:hi]
    # Chords the encoder finds far less likely than its favourite on a beat are never chosen: the
    # division by the prior below must not promote a rare chord the melody rules out (C minor
    # under G A G C in C major).
    unlikely = lp < lp.max(axis=1, keepdims=True) - PRUNE_NATS
    by_root = lp.reshape(len(lp), 12, -1)
    weak = (by_root < by_root.max(axis=2, keepdims=True) - COLOUR_PRUNE_NATS) & COLOUR[None, None, :]
    unlikely |= weak.reshape(len(lp), -1)
    if d["w_quality"] != 1.0:  # log P(root) + w_quality x log P(quality | root): roots decided first
        root = np.logaddexp.reduce(by_root, axis=2, keepdims=True)
        lp = (root + d["w_quality"] * (by_root - root)).reshape(len(lp), -1)
    emis = d["w_emission"] * lp
    weight = np.full(len(region), d["w_prior"])
    if silent is not None:
        weight[np.asarray(silent, dtype=bool)] = d[SILENT_KEY]
    if weight.any():  # hybrid decoding: posterior / prior^w
        emis = emis - weight[:, None] * np.stack([h.transitions.prior_for(b) for b in region])
    emis = np.where(unlikely, -np.inf, emis)
    allowed = np.zeros(N_LABELS, dtype=bool)
    allowed[allowed_labels(vocab)] = True
    if not allowed.all():  # fold the probability of classes the vocabulary leaves out into their triads
        emis = fold_logprobs(emis, vocab)
    mats = progression_matrices(h.transitions, region, d["w_change"], d["w_bigram"])
    if lo > 0 and known[lo - 1] is not None:
        first = progression_matrices(h.transitions, [beats[lo - 1], region[0]], d["w_change"], d["w_bigram"])[0]
        emis[0] = emis[0] + first[known[lo - 1]]
    if hi < len(beats) and known[hi] is not None:
        last = progression_matrices(h.transitions, [region[-1], beats[hi]], d["w_change"], d["w_bigram"])[0]
        emis[-1] = emis[-1] + last[:, known[hi]]
    return emis, mats, allowed


def region_problems(h: LoadedHarmonizer, scores: list[Score], start: int, end: int) -> list:
    """For each score, ``(beats, lo, hi, log-probabilities of beats lo..hi, known labels, silent)`` for
    ``[start, end)`` (``None`` when no beat starts there; ``silent`` marks the beats lo..hi where no
    melody note sounds). Chords outside the region are given to
    the encoder, which reads at most a window's worth of beats on each side of the region."""
    problems: list[list | None] = []
    items: list = []
    for score in scores:
        # Through ``end`` even past the last note: bars the composer selected after the melody (an
        # outro, a vamp) get chords too, as beats without melody.
        beats = beats_of(score, 0, max(end, score.end_of_last_bar))
        inside = [j for j, b in enumerate(beats) if start <= b.tick < end]
        if not inside:
            problems.append(None)
            continue
        lo, hi = inside[0], inside[-1] + 1
        a = max(0, min(lo, hi - h.max_len))
        a = max((j for j in bar_starts(beats) if j <= a), default=0)  # from a bar line
        z = min(len(beats), max(hi, lo + h.max_len))
        beats = beats[a:z]
        lo, hi = lo - a, hi - a
        given = beat_labels(score, beats)
        known = [None if lo <= j < hi or lab == IGNORE else lab for j, lab in enumerate(given)]
        notes = beat_notes(score, beats)
        problems.append([beats, lo, hi, None, known, silent_beats(notes[lo:hi])])
        items.append((beats, notes, known))
    lps = iter(beat_logprobs_many(h, items))
    for p in problems:
        if p is not None:
            p[3] = next(lps)[p[1]:p[2]]
    return [tuple(p) if p is not None else None for p in problems]


def region_problem(h: LoadedHarmonizer, score: Score, start: int, end: int):
    return region_problems(h, [score], start, end)[0]


def best_progressions(h: LoadedHarmonizer, scores: list[Score], start: int, end: int, vocab: str = "all"
                      ) -> list[Progression | None]:
    """Rank 1 (the most probable progression) of ``[start, end)`` for each score, in one batch."""
    out: list[Progression | None] = []
    for score, problem in zip(scores, region_problems(h, scores, start, end)):
        if problem is None:
            out.append(None)
            continue
        beats, lo, hi, lp, known, silent = problem
        emis, mats, allowed = chain(h, beats, lo, hi, lp, known, vocab, silent=silent)
        path, _ = viterbi(emis, mats, allowed)
        out.append(_progression(path, beats[lo:hi], score, end, _scored(lp, vocab)))
    return out


def harmonize(h: LoadedHarmonizer, score: Score, start: int, end: int, *, candidates: int = 4,
              temperature: float = 1.0, seed: int = 0, vocab: str = "all") -> list[Progression]:
    """Ranked progressions for the beats of ``[start, end)``: rank 1 the most probable, then the
    best distinct ones among posterior samples at ``temperature`` (one far likelier than rank 1
    under the encoder goes first: :func:`promise_first`). Chords outside are given."""
    problem = region_problem(h, score, start, end)
    if problem is None:
        return []
    beats, lo, hi, lp = problem[:4]
    paths = ranked_paths(h, problem, candidates, temperature, seed, vocab)
    scored = _scored(lp, vocab)  # once for all the candidates
    return promise_first([_progression(path, beats[lo:hi], score, end, scored) for path in paths])


def ranked_paths(h: LoadedHarmonizer, problem, candidates: int = 4, temperature: float = 1.0, seed: int = 0,
                 vocab: str = "all", decode: dict | None = None) -> list[list[int]]:
    """Per-beat labels of rank 1 (the Viterbi path) and of up to ``candidates - 1`` alternatives for
    a :func:`region_problem`, under ``decode`` (default: the folder's)."""
    beats, lo, hi, lp, known, silent = problem
    d = dict(decode or h.decode)
    emis, mats, allowed = chain(h, beats, lo, hi, lp, known, vocab, d, silent)
    best, _ = viterbi(emis, mats, allowed)
    if candidates <= 1:
        return [best]
    # The alternatives come from the model's own posterior (no division by the chord prior, which
    # shapes rank 1 like the composers' progressions but, sampled, favours rare chords that clash
    # with the melody), with the learned harmonic rhythm and progressions.
    alt = {**d, "w_prior": 0.0, SILENT_KEY: 0.0, "w_change": d.get(ALT_CHANGE_KEY, d.get("w_change", 1.0))}
    emis, mats, allowed = chain(h, beats, lo, hi, lp, known, vocab, alt)
    rng = np.random.default_rng(seed)
    found: dict[tuple, list[int]] = {tuple(segments(best)): best}
    for _ in range(6):
        if len(found) >= candidates:
            break
        for path in sample_paths(emis, mats, 8 * candidates, temperature, rng, allowed):
            found.setdefault(tuple(segments(path)), path)
    others = sorted((p for p in found.values() if p is not best), key=lambda p: -path_score(emis, mats, p))
    return [best] + others[:candidates - 1]


#: Rank 1 is the decoder's most probable progression, whose division by the chord prior makes it as
#: varied as the composers' chords; but when the encoder finds another candidate more than this many
#: nats per beat likelier (4 times as likely), that one is what a composer would keep: it goes first.
PROMISE_NATS = math.log(4.0)


def promise_first(progs: list[Progression]) -> list[Progression]:
    """``progs`` with the most likely alternative first when rank 1 is far less likely than it
    (:data:`PROMISE_NATS`); otherwise unchanged."""
    if len(progs) < 2:
        return progs
    j = max(range(1, len(progs)), key=lambda i: progs[i].score)
    if progs[j].score > progs[0].score + PROMISE_NATS:
        return [progs[j]] + progs[:j] + progs[j + 1:]
    return progs


def _scored(lp: np.ndarray, vocab: str) -> np.ndarray:
    """The log-probabilities a progression is scored by: with a restricted ``vocab`` a chord stands
    for the classes folded into it (G with triads is G, G7, Gmaj7 ...), its probability theirs together."""
    return lp if vocab == "all" else fold_logprobs(lp, vocab)


def _progression(path: list[int], region: list[Beat], score: Score, end: int, lp: np.ndarray) -> Progression:
    """The chords of ``path``; its score is the encoder's mean log-probability per beat of the
    chords chosen (``lp``, from :func:`_scored`; so ``exp`` of it is a typical probability, as for
    the language model), the confidence of each chord the mean probability over its beats."""
    probs = np.exp(lp)
    score_per_beat = float(np.mean(lp[np.arange(len(path)), path]))
    chords, conf = [], []
    for a, b, lab in segments(path):
        t0 = region[a].tick
        t1 = min(end, region[b - 1].tick + region[b - 1].length)
        root = spell_root(score.key_at(t0), root_of(lab))  # Ab, not G#, for the bVI of C
        chords.append(Chord(ChordSymbol(root, quality_of(lab)), t0, t1 - t0))
        conf.append(float(probs[a:b, lab].mean()))
    return Progression(list(path), score_per_beat, chords, conf)
